from relance_app.setup.install import create_default_policy


def after_insert(doc, method=None):
	"""Give a new company the default French dunning ladder, so reminders work out of the box."""
	create_default_policy(doc.name)
