from relance_app.setup.install import make_custom_fields


def execute():
	"""Re-apply relance_app's custom fields; bump the counter in patches.txt whenever they change."""
	make_custom_fields()
