from relance_app.setup.install import setup_company


def on_update(doc, method=None):
	"""Give a company the default French dunning ladder and its formal-notice Dunning Type.

	on_update, not after_insert: ERPNext sets a new company's default income account and cost center in its own
	on_update, which runs before this hook; both steps do nothing when already done."""
	setup_company(doc.name)
