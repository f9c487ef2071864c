"""Bring the shipped reminder Email Templates up to this release's wording, where the site still has them as shipped.

0.5 words the emails as the law allows (issue #12): the formal-notice email states the interest and the €40 only
when claimed, counted per invoice or per instalment, and the letter's deadline; the J+5 email recalls to
professionals that penalties run from the due date (L441-10); the J+10 recap no longer says "as agreed".

A template is replaced only when its stored body is, byte for byte (line endings and surrounding whitespace
aside), a body the app shipped before (`DefaultTemplate.is_earlier_version`, by SHA-256): a template a user
edited, switched to plain text or deleted is left as it is. Written with db.set_value, `modified` unchanged: the
record was not edited by anyone.
"""

import frappe

from relance_app.engine.default_templates import DEFAULT_TEMPLATES


def execute():
	for template in DEFAULT_TEMPLATES:
		row = frappe.db.get_value(
			"Email Template", template.name, ["use_html", "response_html"], as_dict=True
		)
		if not row or not row.use_html:
			continue
		body = template.body()
		if row.response_html == body or not template.is_earlier_version(row.response_html):
			continue
		frappe.db.set_value("Email Template", template.name, "response_html", body, update_modified=False)
		frappe.clear_document_cache("Email Template", template.name)
