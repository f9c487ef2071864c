"""The contact log as the run writes it: claiming a step (its Planned row under a unique idempotency key),
recording its effect or its failure, and closing broken promises.

Exactly once: each (instalment, level) has an idempotency key, unique in the Dunning Contact Log. A step is
claimed by inserting its log row in the same transaction as its effect, and committed together.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import getdate, now_datetime

from relance_app.common.constants import ENTRY_TYPES
from relance_app.dunning.channels import Effect
from relance_app.dunning.report import RunReport
from relance_app.engine.plan import Action, Instalment


def claim_steps(
	policy_name: str, action: Action, *, company: str | None, today: date, dry_run: bool, report: RunReport
) -> dict[str, str]:
	"""Write one Planned log row per instalment; returns {instalment key: log name} for the ones claimed.

	The rows of an action go in with one multi-row INSERT (the common case: nothing claimed yet). The unique
	idempotency key decides races: if another run holds a key, the statement fails as a whole and the rows
	are claimed one by one so that only the free ones are taken.
	"""
	claimed: dict[str, str] = {}
	keys = {inst.key: _key(inst.step_key(action.level_number), today, dry_run) for inst in action.instalments}
	existing = {
		row.idempotency_key: row
		for row in frappe.get_all(
			"Dunning Contact Log",
			filters={"idempotency_key": ("in", list(keys.values()))},
			fields=["name", "idempotency_key", "status"],
		)
	}
	fresh = []
	for inst in action.instalments:
		row = existing.get(keys[inst.key])
		if row is None:
			fresh.append(inst)
		elif row.status == "Failed":
			# A failed attempt is retried on the same evidence row.
			frappe.db.set_value("Dunning Contact Log", row.name, {"status": "Planned"}, update_modified=False)
			claimed[inst.key] = row.name
		elif row.status == "Planned" and not dry_run:
			report.uncertain += 1
		else:
			report.already_done += 1
	if not fresh:
		return claimed
	names = _reserve_names(len(fresh))
	rows = [
		_log_row(policy_name, action, inst, keys[inst.key], today, dry_run, company, name)
		for inst, name in zip(fresh, names, strict=True)
	]
	if _insert_rows(rows):
		claimed.update((inst.key, row["name"]) for inst, row in zip(fresh, rows, strict=True))
		return claimed
	for inst, row in zip(fresh, rows, strict=True):
		if _insert_rows([row]):
			claimed[inst.key] = row["name"]
		else:
			# Another run or worker claimed this step a moment ago.
			report.already_done += 1
	return claimed


LOG_FIELDS = (
	"name", "creation", "modified", "owner", "modified_by", "docstatus", "customer", "customer_name", "company",
	"sales_invoice", "payment_schedule", "entry_type", "direction", "status", "contact_date", "is_automatic",
	"dunning_policy", "level", "level_title", "due_date", "outstanding_amount", "currency", "idempotency_key",
	"notes",
)  # fmt: skip


def _log_row(
	policy_name: str,
	action: Action,
	inst: Instalment,
	key: str,
	today: date,
	dry_run: bool,
	company: str | None = None,
	name: str | None = None,
) -> dict:
	"""A contact-log row written by the run itself: the values the controller would set, without its queries."""
	stamp = now_datetime()
	return {
		"name": name or _reserve_names(1)[0],
		"creation": stamp,
		"modified": stamp,
		"owner": frappe.session.user,
		"modified_by": frappe.session.user,
		"docstatus": 0,
		"customer": action.customer,
		"customer_name": inst.customer_name or action.customer,
		"company": company,
		"sales_invoice": inst.invoice,
		"payment_schedule": inst.instalment or None,
		"entry_type": ENTRY_TYPES[action.channel],
		"direction": "Outbound",
		"status": "Planned",
		"contact_date": stamp if today == getdate() else f"{today.isoformat()} 09:00:00",
		"is_automatic": 1,
		"dunning_policy": policy_name,
		"level": action.level_number,
		"level_title": action.level.title,
		"due_date": inst.due_date,
		"outstanding_amount": inst.outstanding,
		"currency": inst.currency,
		"idempotency_key": key,
		"notes": _("Dry run: nothing was sent.") if dry_run else None,
	}


def _reserve_names(count: int) -> list[str]:
	"""`count` names of the contact log's series (DCL-.YYYY.-.######) in two queries, not two per row."""
	prefix = f"DCL-{now_datetime().year}-"
	series = DocType("Series")
	current = frappe.qb.from_(series).select(series.current).where(series.name == prefix).for_update().run()
	if current and current[0][0] is not None:
		start = int(current[0][0])
		frappe.qb.update(series).set(series.current, start + count).where(series.name == prefix).run()
	else:
		start = 0
		frappe.qb.into(series).insert(prefix, count).run()
	return [f"{prefix}{number:06d}" for number in range(start + 1, start + count + 1)]


def _insert_rows(rows: list[dict]) -> bool:
	"""Insert log rows in one statement; False (and nothing written) when an idempotency key is taken."""
	frappe.db.savepoint("relance_claim")
	try:
		frappe.db.bulk_insert(
			"Dunning Contact Log", LOG_FIELDS, [tuple(r[f] for f in LOG_FIELDS) for r in rows]
		)
	except Exception as exc:
		frappe.db.rollback(save_point="relance_claim")
		if frappe.db.is_duplicate_entry(exc):
			return False
		raise
	frappe.db.release_savepoint("relance_claim")
	return True


def _insert_log(
	policy_name: str, action: Action, inst: Instalment, key: str, today: date, dry_run: bool
) -> str:
	row = _log_row(policy_name, action, inst, key, today, dry_run)
	frappe.db.bulk_insert("Dunning Contact Log", LOG_FIELDS, [tuple(row[f] for f in LOG_FIELDS)])
	return row["name"]


def _key(step_key: str, today: date, dry_run: bool) -> str:
	# Dry runs get their own keys (per day) so that they never block the real step.
	return f"dry-run:{today.isoformat()}:{step_key}" if dry_run else step_key


def record_effect(claimed: dict[str, str], effect: Effect, action: Action) -> None:
	"""The effect on every claimed row, in one statement."""
	log = DocType("Dunning Contact Log")
	(
		frappe.qb.update(log)
		.set(log.status, effect.status)
		.set(log.entry_type, effect.entry_type)
		.set(log.communication, effect.communication)
		.set(log.todo, effect.todo)
		.set(log.dunning, effect.dunning)
		.set(log.attachment, effect.attachment)
		.set(log.notes, "\n".join(effect.notes) or None)
		.where(log.name.isin(list(claimed.values())))
		.run()
	)


def record_outcome(policy_name: str, action: Action, today: date, *, status: str, note: str) -> None:
	"""After a rollback: record the step as Failed (retried next run) or Cancelled (not deliverable)."""
	try:
		for inst in action.instalments:
			key = inst.step_key(action.level_number)
			name = frappe.db.get_value("Dunning Contact Log", {"idempotency_key": key})
			if name:
				frappe.db.set_value("Dunning Contact Log", name, {"status": status, "notes": note})
			else:
				name = _insert_log(policy_name, action, inst, key, today, dry_run=False)
				frappe.db.set_value("Dunning Contact Log", name, {"status": status, "notes": note})
		frappe.db.commit()
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title=_("Could not record a failed dunning step for {0}").format(action.customer))


def mark_broken_promises(action: Action) -> None:
	if not action.broken_promises:
		return
	log = DocType("Dunning Contact Log")
	invoices = [key.split("#")[0] for key in action.broken_promises]
	(
		frappe.qb.update(log)
		.set(log.status, "Failed")
		.set(log.notes, _("Promise not kept: dunning resumed."))
		.where(log.sales_invoice.isin(invoices))
		.where(log.entry_type == "Promise to Pay")
		.where(log.status == "Open")
		.run()
	)
