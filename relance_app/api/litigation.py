"""The injonction de payer from the Customer and the Sales Invoice: start the litigation stage (dossier
prepared and attached to the customer), hand the dossier over to a commissaire de justice or a lawyer."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from relance_app.api.access import check_customer, check_invoices, require
from relance_app.litigation import stage


def _check(customer: str, company: str) -> None:
	if not customer or not company:
		frappe.throw(_("Choose the customer and the company."))
	check_customer(customer)
	frappe.has_permission("Company", "read", doc=company, throw=True)
	require("Dunning Contact Log", "create")
	require("ToDo", "create")
	require("File", "create")
	invoices = frappe.get_all(
		"Sales Invoice",
		filters={"customer": customer, "company": company, "docstatus": 1, "outstanding_amount": (">", 0)},
		pluck="name",
	)
	# The dossier prints every unpaid invoice of the customer: the user must be allowed to read each.
	check_invoices(invoices)
	check_invoices(invoices, "write")


@frappe.whitelist(methods=["POST"])
def start_litigation(customer: str, company: str) -> dict:
	"""Take the customer's invoices whose formal-notice deadline has passed to the injonction de payer."""
	_check(customer, company)
	return stage.start_litigation(customer, company, getdate(nowdate()))


@frappe.whitelist(methods=["POST"])
def hand_over(customer: str, company: str, recipient: str) -> dict:
	"""Export the dossier (ZIP, JSON and CSV of the claim) for a commissaire de justice or a lawyer."""
	_check(customer, company)
	if not (recipient or "").strip():
		frappe.throw(_("Name the commissaire de justice or the lawyer the dossier goes to."))
	return stage.record_handover(customer, company, recipient.strip(), getdate(nowdate()))
