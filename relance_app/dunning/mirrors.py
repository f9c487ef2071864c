"""The Sales Invoice's dunning fields (status, level, last contact, next action) and the day the run reads it
again (`dunning_check_on`, see dunning.selection), refreshed in one bulk update."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Max
from frappe.utils import getdate

from relance_app.common.constants import DONE_STATUSES, NOT_CONTACTS
from relance_app.common.policy_store import load_policies
from relance_app.dunning.evidence import NEEDS_ATTENTION
from relance_app.dunning.preview import explain_selection
from relance_app.dunning.selection import (
	CHECK_FIELD,
	NEVER,
	PRE_DUE_HORIZON_DAYS,
	Selection,
	has_check_field,
	select_open_instalments,
)
from relance_app.engine.mirror import check_on, mirror_values
from relance_app.engine.plan import Instalment


def update_mirrors(
	today: date,
	*,
	customers: Iterable[str] | None = None,
	invoices: Iterable[str] | None = None,
	selection: Selection | None = None,
) -> int:
	"""Refresh the Sales Invoice dunning fields (status, level, last contact, next action, next check day)
	without touching `modified`, in one bulk update. `selection`: read afresh already (after the run acted)."""
	if selection is None:
		selection = select_open_instalments(today, customers=customers, invoices=invoices)
	policies = load_policies(selection.by_policy)
	policy_of = {inst.key: name for name, items in selection.by_policy.items() for inst in items}
	# The plan's own view of every instalment (the banner's and the worklist's): the next step and its date
	# shown on the invoice are the ones the run will take.
	outlooks = {key: outlook for key, (_policy, outlook) in explain_selection(selection, today).items()}
	per_invoice: dict[str, list[Instalment]] = defaultdict(list)
	for inst in selection.instalments:
		per_invoice[inst.invoice].append(inst)
	last_contact = _last_contact_per_invoice(list(per_invoice))
	attention = _needing_attention(list(per_invoice))
	litigation = _in_litigation(list(per_invoice))
	updates = {}
	checks = has_check_field()
	for invoice, items in per_invoice.items():
		values = mirror_values(
			items,
			policies,
			policy_of,
			today,
			last_contact.get(invoice),
			invoice in attention,
			litigation=invoice in litigation,
			outlooks=outlooks,
		)
		if checks:
			values[CHECK_FIELD] = check_on(
				items,
				values["dunning_next_action_date"],
				today,
				needs_attention=invoice in attention,
				never=NEVER,
			)
		if _changed(selection.invoices[invoice].get("mirrors"), values):
			updates[invoice] = values
	for invoice, first_due in selection.later.items() if checks else ():
		# Nothing within the pre-due horizon yet: read it again when its first instalment enters it.
		values = {CHECK_FIELD: max(first_due - timedelta(days=PRE_DUE_HORIZON_DAYS), today)}
		if _changed(selection.invoices[invoice].get("mirrors"), values):
			updates[invoice] = values
	if updates:
		_bulk_update(updates)
	return len(updates)


def _changed(current: dict | None, values: dict) -> bool:
	"""Whether `values` differ from what the invoice shows now (a weekly sweep rewrites nothing unchanged)."""
	if current is None:
		return True
	return any(_normal(current.get(field)) != _normal(value) for field, value in values.items())


def _normal(value):
	if value in (None, ""):
		return None
	if isinstance(value, date):
		return getdate(value)
	if isinstance(value, int | float) or hasattr(value, "as_integer_ratio"):
		return float(value)
	return value


def _bulk_update(updates: dict[str, dict]) -> None:
	"""Frappe's bulk update, one statement per set of fields (the horizon-only rows set one field)."""
	by_fields: dict[tuple, dict] = defaultdict(dict)
	for name, values in updates.items():
		by_fields[tuple(sorted(values))][name] = values
	for group in by_fields.values():
		frappe.db.bulk_update("Sales Invoice", group, update_modified=False)


def _last_contact_per_invoice(invoices: list[str]) -> dict[str, date]:
	if not invoices:
		return {}
	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(log.sales_invoice, Max(log.contact_date).as_("last"))
		.where(log.sales_invoice.isin(invoices))
		.where(log.status.isin(DONE_STATUSES))
		.where(log.entry_type.notin(NOT_CONTACTS))
		.groupby(log.sales_invoice)
		.run(as_dict=True)
	)
	return {row.sales_invoice: getdate(row.last) for row in rows}


def _in_litigation(invoices: list[str]) -> set[str]:
	"""Invoices taken to the injonction de payer (a Litigation entry, litigation.stage): they keep that status."""
	return _invoices_with_entry(invoices, entry_type="Litigation", status="Done")


def _needing_attention(invoices: list[str]) -> set[str]:
	"""Invoices with an automatic step that failed too often and waits for a person (evidence.MAX_ATTEMPTS)."""
	return _invoices_with_entry(invoices, status=NEEDS_ATTENTION)


def _invoices_with_entry(invoices: list[str], **values) -> set[str]:
	"""Those of `invoices` with a contact-log entry having these field values, in one query."""
	if not invoices:
		return set()
	log = DocType("Dunning Contact Log")
	query = frappe.qb.from_(log).select(log.sales_invoice).distinct().where(log.sales_invoice.isin(invoices))
	for field, value in values.items():
		query = query.where(log[field] == value)
	return set(query.run(pluck=True))
