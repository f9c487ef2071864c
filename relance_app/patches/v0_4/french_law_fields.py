from relance_app.setup.install import make_custom_fields


def execute():
	"""Company legal mentions, the customer's debtor kind and collective proceedings (issue #12)."""
	make_custom_fields()
