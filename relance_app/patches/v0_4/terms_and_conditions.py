from relance_app.formal_notice.terms import ensure_terms_template


def execute():
	"""Ship the Terms and Conditions template with the late-payment mentions of Code de commerce L441-9."""
	ensure_terms_template()
