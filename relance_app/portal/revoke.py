"""Revoking the customer-page links of a customer (the "Revoke portal links" button on the Customer)."""

from __future__ import annotations

import frappe
from frappe import _


@frappe.whitelist(methods=["POST"])
def revoke_links(customer: str) -> int:
	"""Invalidate every link already sent to `customer` (new reminders carry new links)."""
	doc = frappe.get_doc("Customer", customer)
	doc.check_permission("write")
	revision = int(doc.get("dunning_portal_revision") or 0) + 1
	doc.db_set("dunning_portal_revision", revision)
	doc.add_comment("Info", _("Customer page links revoked: links sent before now no longer open the page."))
	return revision
