"""The debtor's page, /relance?t=<token>: open invoices, how to pay, and what the customer can tell us.

A token that does not open the page (guessed, altered, expired, revoked) gets the same short page with HTTP
403 and nothing about the customer. The page is never cached: it shows live balances.
"""

from __future__ import annotations

import frappe
from frappe import _

from relance_app.common.portal_links import PortalDenied, check_token
from relance_app.portal.page import page_data

no_cache = 1
sitemap = 0


def get_context(context):
	token = frappe.form_dict.get("t")
	try:
		claim = check_token(token)
	except PortalDenied:
		context.denied = True
		context.http_status_code = 403
		context.title = _("This link is not valid")
		return context
	language = frappe.db.get_value("Customer", claim.customer, "language")
	if language:
		# The page speaks the customer's language, whatever the browser sends.
		frappe.local.lang = language
	context.denied = False
	context.update(page_data(claim, token))
	context.title = _("Your invoices from {0}").format(context.company["name"])
	context.no_header = True
	context.no_breadcrumbs = True
	return context
