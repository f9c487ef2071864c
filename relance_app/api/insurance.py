"""Credit insurance on the desk: record the declaration of a payment default to the insurer (invoice form), and
a customer's position against its insured credit limits (customer form)."""

from __future__ import annotations

import frappe
from frappe.utils import getdate, nowdate

from relance_app.api.access import check_customer, checked_invoice
from relance_app.dunning.credit_limit import credit_positions
from relance_app.dunning.insurance import invoice_insurance, record_declaration


@frappe.whitelist(methods=["POST"])
def record_insurer_declaration(invoice: str, declared_on: str, reference: str | None = None) -> dict:
	"""Record that the invoice's payment default was declared to its credit insurer (Accounts User)."""
	doc = checked_invoice(invoice, "write")
	today = getdate(nowdate())
	entry = record_declaration(doc, declared_on=getdate(declared_on), reference=reference, today=today)
	return {"contact_log": entry, "insurance": invoice_insurance(invoice, today)}


@frappe.whitelist()
def get_customer_credit(customer: str) -> list[dict]:
	"""Per company whose credit insurance covers the customer: the insured limit and the receivable."""
	check_customer(customer)
	frappe.has_permission("Sales Invoice", "read", throw=True)
	# A user restricted to some companies sees only their receivables.
	return [
		position
		for position in credit_positions(customer)
		if frappe.has_permission("Company", "read", doc=position["company"])
	]
