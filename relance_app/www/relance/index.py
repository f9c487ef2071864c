"""The debtor's page, /relance?t=<token>: open invoices, how to pay, and what the customer can tell us.

A token that does not open the page (guessed, altered, expired, revoked) gets the same short page with HTTP
403 and nothing about the customer. The page is never cached: it shows live balances.
"""

from __future__ import annotations

import frappe
from frappe import _

from relance_app.common.parties import dunning_language
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
	# The page speaks the language the customer is dunned in (its reminders' and letters'), whatever the
	# browser sends.
	frappe.local.lang = dunning_language(claim.customer, claim.company)
	context.denied = False
	context.update(page_data(claim, token))
	context.title = _("Your invoices from {0}").format(context.company["name"])
	context.no_header = True
	context.no_breadcrumbs = True
	return context
