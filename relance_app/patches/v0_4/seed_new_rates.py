from relance_app.common.rate_store import seed_rates


def execute():
	"""Add the shipped rates a site does not have yet (the ECB rate of 2014-09-10, the legal rates of
	2015-2018); rows the accounts managers entered or edited are kept."""
	seed_rates()
