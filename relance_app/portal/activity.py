"""What the customer did on its page, for the credit controller: viewed, promised, disputed, said it paid.

A view is one View Log per customer and day (reference: the Customer, viewed by Guest), written by the page's
own POST once loaded, never by the GET that shows it. The answers are the contact-log rows the page wrote:
Inbound rows owned by Guest (a Note for "already paid", a Promise to Pay, a Dispute). The invoice screen's
banner and the Dunning Worklist show one line per invoice (`activity_text`).
"""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe import _
from frappe.utils import formatdate, getdate, nowdate

from relance_app.engine.errors import N_

LOG = "Dunning Contact Log"
# Contact-log entry types the page writes, and what the line says of each.
ANSWERS = {
	"Note": N_("said paid on {0}"),
	"Promise to Pay": N_("promised on {0}"),
	"Dispute": N_("disputed on {0}"),
}


def record_view(customer: str) -> bool:
	"""Note that `customer` opened its page today (once a day); True when this is the first view today."""
	today = getdate(nowdate())
	seen = frappe.db.exists(
		"View Log",
		{
			"reference_doctype": "Customer",
			"reference_name": customer,
			"viewed_by": "Guest",
			"creation": (">=", today),
		},
	)
	if seen:
		return False
	frappe.get_doc(
		{
			"doctype": "View Log",
			"reference_doctype": "Customer",
			"reference_name": customer,
			"viewed_by": "Guest",
		}
	).insert(ignore_permissions=True)
	return True


def activity(invoices: Iterable[str]) -> dict[str, dict]:
	"""Per invoice with any: {"viewed_on": date, and per answer type the last day it was given}."""
	names = sorted({name for name in invoices if name})
	if not names:
		return {}
	customers = dict(
		frappe.get_all(
			"Sales Invoice", filters={"name": ("in", names)}, fields=["name", "customer"], as_list=True
		)
	)
	views = frappe.get_all(
		"View Log",
		filters={
			"reference_doctype": "Customer",
			"reference_name": ("in", sorted(set(customers.values()))),
			"viewed_by": "Guest",
		},
		fields=["reference_name", "creation"],
		order_by="creation asc",
	)
	# At most one row per customer and day: the last one wins.
	last_view = {row.reference_name: getdate(row.creation) for row in views}
	answers = frappe.get_all(
		LOG,
		filters={
			"sales_invoice": ("in", names),
			"owner": "Guest",
			"direction": "Inbound",
			"entry_type": ("in", list(ANSWERS)),
		},
		fields=["sales_invoice", "entry_type", "contact_date"],
		order_by="contact_date asc",
	)
	result: dict[str, dict] = {}
	for name, customer in customers.items():
		if customer in last_view:
			result.setdefault(name, {})["viewed_on"] = last_view[customer]
	for row in answers:
		result.setdefault(row.sales_invoice, {})[row.entry_type] = getdate(row.contact_date)
	return result


def activity_text(found: dict | None) -> str:
	"""One line: "customer page: viewed on 28/11/2026, promised on 28/11/2026"; empty without activity."""
	if not found:
		return ""
	parts = []
	if found.get("viewed_on"):
		parts.append(_("viewed on {0}").format(formatdate(found["viewed_on"])))
	for entry_type, words in ANSWERS.items():
		if found.get(entry_type):
			parts.append(_(words).format(formatdate(found[entry_type])))
	return _("customer page: {0}").format(", ".join(parts)) if parts else ""


def invoice_activity_text(invoice: str) -> str:
	return activity_text(activity([invoice]).get(invoice))
