"""The Sales Invoice's dunning fields (status, level, last contact, next action), refreshed in one bulk update."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Max
from frappe.utils import getdate

from relance_app.common.constants import DONE_STATUSES
from relance_app.common.policy_store import load_policies
from relance_app.dunning.evidence import NEEDS_ATTENTION
from relance_app.dunning.selection import select_open_instalments
from relance_app.engine.mirror import mirror_values
from relance_app.engine.plan import Instalment


def update_mirrors(
	today: date, *, customers: Iterable[str] | None = None, invoices: Iterable[str] | None = None
) -> int:
	"""Refresh the Sales Invoice dunning fields (status, level, last contact, next action) without touching
	`modified`, in one bulk update."""
	selection = select_open_instalments(today, customers=customers, invoices=invoices)
	policies = load_policies(selection.by_policy)
	policy_of = {inst.key: name for name, items in selection.by_policy.items() for inst in items}
	per_invoice: dict[str, list[Instalment]] = defaultdict(list)
	for inst in selection.instalments:
		per_invoice[inst.invoice].append(inst)
	last_contact = _last_contact_per_invoice(list(per_invoice))
	attention = _needing_attention(list(per_invoice))
	litigation = _in_litigation(list(per_invoice))
	updates = {}
	for invoice, items in per_invoice.items():
		updates[invoice] = mirror_values(
			items,
			policies,
			policy_of,
			today,
			last_contact.get(invoice),
			invoice in attention,
			litigation=invoice in litigation,
		)
	if updates:
		frappe.db.bulk_update("Sales Invoice", updates, update_modified=False)
	return len(updates)


def _last_contact_per_invoice(invoices: list[str]) -> dict[str, date]:
	if not invoices:
		return {}
	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(log.sales_invoice, Max(log.contact_date).as_("last"))
		.where(log.sales_invoice.isin(invoices))
		.where(log.status.isin(DONE_STATUSES))
		.groupby(log.sales_invoice)
		.run(as_dict=True)
	)
	return {row.sales_invoice: getdate(row.last) for row in rows}


def _in_litigation(invoices: list[str]) -> set[str]:
	"""Invoices taken to the injonction de payer (a Litigation entry, litigation.stage): they keep that status."""
	if not invoices:
		return set()
	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(log.sales_invoice)
		.distinct()
		.where(log.sales_invoice.isin(invoices))
		.where(log.entry_type == "Litigation")
		.where(log.status == "Done")
		.run(pluck=True)
	)
	return set(rows)


def _needing_attention(invoices: list[str]) -> set[str]:
	"""Invoices with an automatic step that failed too often and waits for a person (evidence.MAX_ATTEMPTS)."""
	if not invoices:
		return set()
	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(log.sales_invoice)
		.distinct()
		.where(log.sales_invoice.isin(invoices))
		.where(log.status == NEEDS_ATTENTION)
		.run(pluck=True)
	)
	return set(rows)
