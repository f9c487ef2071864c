"""The contact log as the run writes it: claiming a step (its Planned row under a unique idempotency key),
recording its effect or its failure, and closing broken promises.

Exactly once: each (instalment, level) has an idempotency key, unique in the Dunning Contact Log. A step is
claimed by inserting its log row in the same transaction as its effect, and committed together.

A step that fails is retried by the next runs, at most MAX_ATTEMPTS times in all; then it "Needs Attention":
the run skips it, the worklist, the invoice and the daily digest show why, until a person sets it back to
Failed (the Retry button on the contact log), which gives it one more attempt. Every status change here goes
through `trail.update_log_rows`, which leaves the desk's Version trail.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import date

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime, strip_html_tags

from relance_app.common.constants import ENTRY_TYPES
from relance_app.common.query import linked
from relance_app.dunning.channels import Effect
from relance_app.dunning.register import SEALED_STATUSES
from relance_app.dunning.report import RunReport
from relance_app.dunning.trail import update_log_rows
from relance_app.engine.plan import Action, Instalment

NEEDS_ATTENTION = "Needs Attention"
# Attempts of a failing step before it waits for a person (one a day: the first run and two retries).
MAX_ATTEMPTS = 3


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
			update_log_rows([row.name], {"status": "Planned"})
			claimed[inst.key] = row.name
		elif row.status == NEEDS_ATTENTION:
			report.held_for_attention += 1
		elif row.status == "Planned" and not dry_run:
			report.uncertain += 1
		else:
			report.already_done += 1
	if not fresh:
		return claimed
	rows = [_log_row(policy_name, action, inst, keys[inst.key], today, dry_run, company) for inst in fresh]
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
) -> dict:
	"""A contact-log row written by the run itself: the values the controller would set, without its queries."""
	stamp = now_datetime()
	return {
		"name": log_name(key),
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


def log_name(key: str) -> str:
	"""The run's name for a step's row: "DCL-" and 16 hex digits of the SHA-256 of its idempotency key.

	Deterministic, so no counter row is locked to name it: the naming Series row was one hot row that every
	worker queued on. Unique like the key (a clash needs 2^32 rows before it gets likely), and it cannot
	meet the desk's names (DCL-YYYY-NNNNNN have a second dash)."""
	return "DCL-" + hashlib.sha256(key.encode()).hexdigest()[:16]


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


def _key(step_key: str, today: date, dry_run: bool) -> str:
	# Dry runs get their own keys (per day) so that they never block the real step.
	return f"dry-run:{today.isoformat()}:{step_key}" if dry_run else step_key


def record_effect(claimed: dict[str, str], effect: Effect, action: Action) -> None:
	"""The effect on every claimed row, in one statement (with its Version trail)."""
	update_log_rows(
		claimed.values(),
		{
			"status": effect.status,
			"entry_type": effect.entry_type,
			"communication": effect.communication,
			"todo": effect.todo,
			"dunning": effect.dunning,
			"attachment": effect.attachment,
			"notes": "\n".join(effect.notes) or None,
		},
	)


def record_outcome(
	policy_name: str,
	action: Action,
	today: date,
	*,
	status: str,
	note: str,
	company: str | None,
	commit: bool,
) -> None:
	"""After a rollback: record the step as Cancelled (not deliverable). `commit` False: inside a batch's
	transaction, which commits it."""
	with _recording(action, commit):
		for inst in action.instalments:
			_write_step(policy_name, action, inst, today, {"status": status, "notes": note}, company)


@contextlib.contextmanager
def _recording(action: Action, commit: bool):
	"""Write a step's outcome; a failure to write it is logged, never raised, and undoes only its own writes."""
	if not commit:
		frappe.db.savepoint("relance_record")
	try:
		yield
		if commit:
			frappe.db.commit()
		else:
			frappe.db.release_savepoint("relance_record")
	except Exception:
		if commit:
			frappe.db.rollback()
		else:
			frappe.db.rollback(save_point="relance_record")
		frappe.log_error(title=_("Could not record a failed dunning step for {0}").format(action.customer))


def failure_reason(exc: BaseException) -> str:
	"""What went wrong, in words a credit controller can act on (the message the user would have seen)."""
	message = " ".join(strip_html_tags(str(exc)).split())
	if not isinstance(exc, frappe.ValidationError) or not message:
		message = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
	return message[:500]


def failure_cause(exc: BaseException) -> str:
	"""The kind of failure: one Error Log per step and cause, however many runs it fails."""
	return f"{type(exc).__module__}.{type(exc).__qualname__}"[:140]


def failure_logged(action: Action, cause: str) -> bool:
	"""Whether every step of the action already failed for this cause (its Error Log exists then)."""
	keys = [inst.step_key(action.level_number) for inst in action.instalments]
	rows = frappe.get_all(
		"Dunning Contact Log", filters={"idempotency_key": ("in", keys)}, fields=["failure_cause"]
	)
	return len(rows) == len(keys) and all(row.failure_cause == cause for row in rows)


def record_failure(
	policy_name: str,
	action: Action,
	today: date,
	*,
	reason: str,
	cause: str,
	company: str | None,
	commit: bool,
) -> int:
	"""After a rollback: count a failed attempt on each step; returns the steps that now need attention.
	`commit` False: inside a batch's transaction, which commits it."""
	flagged = 0
	with _recording(action, commit):
		keys = {inst.key: inst.step_key(action.level_number) for inst in action.instalments}
		attempts_of = dict(
			frappe.get_all(
				"Dunning Contact Log",
				filters={"idempotency_key": ("in", list(keys.values()))},
				fields=["idempotency_key", "attempts"],
				as_list=True,
			)
		)
		for inst in action.instalments:
			attempts = int(attempts_of.get(keys[inst.key]) or 0) + 1
			if attempts >= MAX_ATTEMPTS:
				status = NEEDS_ATTENTION
				note = _(
					"Failed {0} times: no longer retried until someone sets it back to Failed. {1}"
				).format(attempts, reason)
				flagged += 1
			else:
				status = "Failed"
				note = _("Attempt {0} of {1} failed, retried on the next run: {2}").format(
					attempts, MAX_ATTEMPTS, reason
				)
			values = {
				"status": status,
				"attempts": attempts,
				"failure_reason": reason,
				"failure_cause": cause,
				"notes": note,
			}
			_write_step(policy_name, action, inst, today, values, company)
	return flagged


def _write_step(
	policy_name: str, action: Action, inst: Instalment, today: date, values: dict, company: str | None
) -> None:
	"""Set `values` on the step's row, or write the row (its claim was rolled back with the failure)."""
	key = inst.step_key(action.level_number)
	row = frappe.db.get_value(
		"Dunning Contact Log", {"idempotency_key": key}, ["name", "status"], as_dict=True
	)
	if row:
		# A final row is another attempt's evidence (sealed or about to be): never rewrite it.
		if row.status not in SEALED_STATUSES:
			update_log_rows([row.name], values)
		return
	row = _log_row(policy_name, action, inst, key, today, dry_run=False, company=company) | values
	fields = (*LOG_FIELDS, *(field for field in values if field not in LOG_FIELDS))
	frappe.db.bulk_insert("Dunning Contact Log", fields, [tuple(row[f] for f in fields)])


def steps_needing_attention(*, company: str | None = None, customers: list[str] | None = None) -> list[dict]:
	"""Automatic steps waiting for a person, on invoices still unpaid, oldest first."""
	query, log, si = linked("Dunning Contact Log", "sales_invoice", "Sales Invoice")
	query = (
		query.select(
			log.name,
			log.customer,
			log.customer_name,
			log.company,
			log.sales_invoice,
			log.level,
			log.level_title,
			log.entry_type,
			log.contact_date,
			log.outstanding_amount,
			log.currency,
			log.attempts,
			log.failure_reason,
			log.dunning_policy,
		)  # fmt: skip
		.where(log.status == NEEDS_ATTENTION)
		.where(si.docstatus == 1)
		.where(si.outstanding_amount > 0)
		.orderby(log.contact_date)
		.orderby(log.name)
	)
	if company:
		query = query.where(log.company == company)
	if customers is not None:
		query = query.where(log.customer.isin(list(customers) or [""]))
	return query.run(as_dict=True)


def mark_broken_promises(action: Action) -> None:
	if not action.broken_promises:
		return
	invoices = [key.split("#")[0] for key in action.broken_promises]
	broken = frappe.get_all(
		"Dunning Contact Log",
		filters={"sales_invoice": ("in", invoices), "entry_type": "Promise to Pay", "status": "Open"},
		pluck="name",
	)
	update_log_rows(broken, {"status": "Failed", "notes": _("Promise not kept: dunning resumed.")})


def log_entry(invoice, entry_type: str, *, ignore_permissions: bool = False, **fields) -> str:
	"""A contact-log entry on `invoice` (a Sales Invoice or a row with name, customer and company), dated now,
	inserted through the document API: as the user, so the log's own permissions apply, unless the caller
	checked access another way (`ignore_permissions`: the debtor portal's token)."""
	entry = frappe.get_doc(
		{
			"doctype": "Dunning Contact Log",
			"customer": invoice.customer,
			"company": invoice.company,
			"sales_invoice": invoice.name,
			"entry_type": entry_type,
			"contact_date": now_datetime(),
			**fields,
		}
	)
	entry.insert(ignore_permissions=ignore_permissions)
	return entry.name
