"""Assigning submitted Sales Invoices to a factoring contract, or taking them back, from the invoice list."""

from __future__ import annotations

import json

import frappe
from frappe import _

from relance_app.api.access import check_invoices
from relance_app.common.factoring import CONTRACT_FIELD

# A list selection, not a data import: keeps one request short.
MAX_INVOICES = 500


@frappe.whitelist(methods=["POST"])
def assign(invoices: str | list[str], contract: str | None = None) -> dict:
	"""Assign `invoices` to `contract` (empty: take them back from their factor). Every invoice is checked
	first (write permission, submitted, same company as the contract): one refused, none changed."""
	names = _names(invoices)
	check_invoices(names, "write")
	if contract:
		frappe.has_permission("Factoring Contract", "read", doc=contract, throw=True)
		company, enabled = frappe.db.get_value("Factoring Contract", contract, ["company", "enabled"])
		if not enabled:
			frappe.throw(_("Factoring Contract {0} is disabled.").format(contract))
	rows = frappe.get_all(
		"Sales Invoice",
		filters={"name": ("in", names)},
		fields=["name", "docstatus", "company", "is_return", CONTRACT_FIELD],
	)
	found = {row.name: row for row in rows}
	for name in names:
		row = found.get(name)
		if not row or row.docstatus != 1 or row.is_return:
			frappe.throw(_("Sales Invoice {0} is not a submitted invoice.").format(name))
		if contract and row.company != company:
			frappe.throw(
				_("Sales Invoice {0} belongs to {1}, the factoring contract to {2}.").format(
					name, row.company, company
				)
			)
	changed = [name for name in names if (found[name][CONTRACT_FIELD] or None) != (contract or None)]
	for name in changed:
		# Through the document: its version trail keeps who assigned it when, and the doc events re-read it.
		doc = frappe.get_doc("Sales Invoice", name)
		doc.set(CONTRACT_FIELD, contract or None)
		doc.save()
	return {"changed": len(changed), "unchanged": len(names) - len(changed)}


def _names(invoices: str | list[str]) -> list[str]:
	if isinstance(invoices, str):
		invoices = json.loads(invoices) if invoices.startswith("[") else [invoices]
	names = sorted({name for name in invoices if isinstance(name, str) and name})
	if not names:
		frappe.throw(_("Select at least one invoice."))
	if len(names) > MAX_INVOICES:
		frappe.throw(_("Select at most {0} invoices at a time.").format(MAX_INVOICES))
	return names
