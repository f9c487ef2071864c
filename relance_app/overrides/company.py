from relance_app.setup.install import setup_company


def after_insert(doc, method=None):
	"""Give a new company the default French dunning ladder and its formal-notice Dunning Type."""
	setup_company(doc.name)
