"""The Customer form's side of the customer page: revoke the links already sent, get a fresh link to share."""

from __future__ import annotations

import frappe
from frappe import _

from relance_app.common.portal_links import portal_url


@frappe.whitelist(methods=["POST"])
def revoke_links(customer: str) -> int:
	"""Invalidate every link already sent to `customer` (new reminders carry new links)."""
	doc = frappe.get_doc("Customer", customer)
	doc.check_permission("write")
	revision = int(doc.get("dunning_portal_revision") or 0) + 1
	doc.db_set("dunning_portal_revision", revision)
	doc.add_comment("Info", _("Customer page links revoked: links sent before now no longer open the page."))
	return revision


@frappe.whitelist()
def link_for(customer: str, company: str) -> str:
	"""A link to `customer`'s page for `company`'s invoices, for a user who may see the customer's invoices."""
	frappe.get_doc("Customer", customer).check_permission("read")
	if not frappe.has_permission("Sales Invoice", "read"):
		frappe.throw(_("You may not see the invoices of this customer."), frappe.PermissionError)
	if not frappe.db.exists("Company", company):
		frappe.throw(_("Company {0} not found.").format(company), frappe.DoesNotExistError)
	return portal_url(customer, company)
