"""What every whitelisted method starts with: the permission checks on the invoice it touches, and the
contact-log entry it writes as the user (so the log's own permissions apply)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime


def checked_invoice(invoice: str, ptype: str = "read"):
	"""The invoice, after checking the user may see it and (for changes) write to the contact log."""
	doc = frappe.get_doc("Sales Invoice", invoice)
	doc.check_permission("read")
	if ptype == "write":
		frappe.has_permission("Dunning Contact Log", "create", throw=True)
	if doc.docstatus != 1:
		frappe.throw(_("Only submitted invoices are dunned."))
	return doc


def add_log_entry(doc, entry_type: str, **fields) -> str:
	entry = frappe.get_doc(
		{
			"doctype": "Dunning Contact Log",
			"customer": doc.customer,
			"company": doc.company,
			"sales_invoice": doc.name,
			"entry_type": entry_type,
			"contact_date": now_datetime(),
			**fields,
		}
	)
	entry.insert()
	return entry.name
