"""The daily escalation: select open instalments, let the engine decide, act once per step.

Exactly once: each (instalment, level) has an idempotency key, unique in the Dunning Contact Log. A step
is claimed by inserting its log row in the same transaction as its effect (Email Queue row, ToDo, File,
Dunning), and committed together, a batch of customers (BATCH_CUSTOMERS) per transaction: one commit, one
log flush, per batch rather than per customer. Each action runs under a savepoint, so a failing step is
undone alone and recorded while the rest of its batch goes on. If the run dies halfway, the batch being
processed is rolled back entirely and done by the next run; if two runs or two workers race, the unique
index lets only one of them claim the step. Should the database drop the whole transaction (a deadlock),
the batch's actions since its last commit are redone one commit each. SMS is the one effect outside the
database: the batch so far is committed, then its row is committed as Planned before the gateway is called,
so a crash in between leaves a Planned row that is never sent again automatically (at most once) and shows
up in the run report for a person to check.

Nothing is shared between workers but the unique index: log rows are named from their idempotency key
(evidence.log_name), not from a counter row. Only the invoices with work due are read (selection), with a
weekly full sweep.

A step that fails is retried by the next runs, then waits for a person (evidence.MAX_ATTEMPTS), with one
Error Log per step and cause. After each batch the final rows are sealed into the evidence register
(dunning.register), a short sequential step of its own under a per-company lock.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import getdate

from relance_app.common.factoring import log_assigned_to_factor
from relance_app.common.parties import prefetched, sender_address
from relance_app.common.policy_store import load_policies
from relance_app.common.readiness import NotReadyToRunError, assert_ready_to_run
from relance_app.dunning.actions import perform
from relance_app.dunning.channels import StepNotDeliverable
from relance_app.dunning.digest import send_digest
from relance_app.dunning.evidence import (
	claim_steps,
	failure_cause,
	failure_logged,
	failure_reason,
	mark_broken_promises,
	record_effect,
	record_failure,
	record_outcome,
)
from relance_app.dunning.mirrors import update_mirrors
from relance_app.dunning.register import seal_pending
from relance_app.dunning.report import RunReport
from relance_app.dunning.risk import recompute_nightly
from relance_app.dunning.selection import (
	Selection,
	company_holidays,
	full_sweep_due,
	record_full_sweep,
	select_open_instalments,
	settled_out_of_range,
)
from relance_app.engine.plan import Action, plan
from relance_app.engine.policy import Channel

LOCK_NAME = "relance_app_escalation"
# Customers per transaction: one commit (one log flush) per batch. Small enough that a rolled-back batch
# is little work to redo and row locks are held briefly.
BATCH_CUSTOMERS = 50
SAVEPOINT = "relance_action"


class TransactionLost(Exception):
	"""The database rolled the whole transaction back (a deadlock): the savepoint is gone with it."""


def run_daily() -> None:
	"""Scheduler entry point (daily_long)."""
	recompute_nightly()  # first: the high-risk cadence of the run reads the risk class it writes
	if not frappe.db.get_single_value("Dunning Settings", "enabled"):
		return
	if not frappe.db.get_single_value("Dunning Settings", "dry_run"):
		try:
			assert_ready_to_run()
		except NotReadyToRunError as exc:
			# Every step would fail the same way: say why once, in words, instead of one error per customer.
			frappe.log_error(title=_("Dunning run not started"), message=str(exc))
			return
	report = run()
	send_digest(report)


def run(
	today: date | str | None = None,
	*,
	company: str | None = None,
	customers: Iterable[str] | None = None,
	dry_run: bool | None = None,
	fan_out: bool = True,
	full_sweep: bool | None = None,
) -> RunReport:
	"""One escalation run for `today`; never two at once on a site (a database lock, shared by all workers).

	`full_sweep`: read every open invoice, not only those with work due (default: once a week)."""
	today = getdate(today)
	settings = frappe.get_cached_doc("Dunning Settings")
	dry_run = bool(settings.dry_run) if dry_run is None else dry_run
	report = RunReport(day=today, dry_run=dry_run)
	with run_lock() as acquired:
		if not acquired:
			report.locked_out = True
			return report
		full = full_sweep_due(today) if full_sweep is None else full_sweep
		if not full:
			settled_out_of_range(today)
		selection = select_open_instalments(today, company=company, customers=customers, due_only=not full)
		if not dry_run:
			# Why these invoices get no step: one contact-log row per invoice whose factor collects, once.
			log_assigned_to_factor({name: selection.invoices[name] for name in selection.factored}, today)
		planned = plan_selection(selection, today)
		if settings.max_actions_per_run:
			planned = planned[: settings.max_actions_per_run]
		report.actions = len(planned)
		customers_with_actions = sorted({action.customer for _, action in planned})
		batch_size = max(1, settings.batch_size or 200)
		if fan_out and len(customers_with_actions) > batch_size:
			report.batches = enqueue_batches(
				customers_with_actions, batch_size, today=today, dry_run=dry_run, full_sweep=full
			)
			# The invoices read without an action: their next check day, here (the jobs do the others).
			acting = set(customers_with_actions)
			_refresh_mirrors(today, selection, exclude_customers=acting)
		else:
			sender = sender_address(settings.sender)
			execute(planned, selection, today=today, dry_run=dry_run, report=report, sender=sender)
			_refresh_mirrors(today, selection)
			if not dry_run:
				seal_pending()
		if full and company is None and customers is None:
			record_full_sweep(today)
		frappe.db.commit()
	return report


def run_batch(today: str, customers: list[str], dry_run: bool = False, full_sweep: bool = False) -> dict:
	"""One background job of a fanned-out run: re-select (fresh data) and act for these customers only."""
	today = getdate(today)
	settings = frappe.get_cached_doc("Dunning Settings")
	report = RunReport(day=today, dry_run=dry_run)
	selection = select_open_instalments(today, customers=customers, due_only=not full_sweep)
	planned = plan_selection(selection, today)
	report.actions = len(planned)
	sender = sender_address(settings.sender)
	execute(planned, selection, today=today, dry_run=dry_run, report=report, sender=sender)
	_refresh_mirrors(today, selection)
	if not dry_run:
		seal_pending()
	frappe.db.commit()
	return report.as_dict()


def _refresh_mirrors(today: date, selection: Selection, *, exclude_customers: set[str] | None = None) -> None:
	"""The mirrors and next check day of every invoice the run read, from a fresh reading of those invoices."""
	invoices = [
		name
		for name, row in selection.invoices.items()
		if not exclude_customers or row["customer"] not in exclude_customers
	]
	invoices += [name for name in selection.later if name not in selection.invoices]
	for start in range(0, len(invoices), 5000):
		update_mirrors(today, invoices=invoices[start : start + 5000])
		frappe.db.commit()


def enqueue_batches(
	customers: list[str], batch_size: int, *, today: date, dry_run: bool, full_sweep: bool = False
) -> list[str]:
	job_ids = []
	for start in range(0, len(customers), batch_size):
		chunk = customers[start : start + batch_size]
		job_id = f"relance:{frappe.local.site}:{today.isoformat()}:{start // batch_size}"
		frappe.enqueue(
			"relance_app.dunning.run.run_batch",
			queue="long",
			timeout=3600,
			job_id=job_id,
			deduplicate=True,
			enqueue_after_commit=True,
			today=today.isoformat(),
			customers=chunk,
			dry_run=dry_run,
			full_sweep=full_sweep,
		)
		job_ids.append(job_id)
	return job_ids


@contextlib.contextmanager
def run_lock() -> Iterator[bool]:
	"""MariaDB's GET_LOCK: held by this connection, visible to every worker on every machine."""
	name = f"{LOCK_NAME}_{frappe.local.site}"[:64]
	acquired = frappe.db.sql("select get_lock(%s, 0)", (name,))[0][0] == 1
	try:
		yield acquired
	finally:
		if acquired:
			frappe.db.sql("select release_lock(%s)", (name,))


def plan_selection(selection: Selection, today: date) -> list[tuple[str, Action]]:
	"""The engine's decision for every policy's instalments, on each company's calendar."""
	policies = load_policies(selection.by_policy)
	planned: list[tuple[str, Action]] = []
	for policy_name, company, items in selection.per_policy_and_company():
		holidays = company_holidays(company)
		result = plan(
			items, policies[policy_name], today, holidays=holidays, last_contact=selection.last_contact
		)
		planned.extend((policy_name, action) for action in result.actions)
	return planned


def execute(
	planned: list[tuple[str, Action]],
	selection: Selection,
	*,
	today: date,
	dry_run: bool,
	report: RunReport,
	sender: str | None = None,
	batch_customers: int | None = None,
) -> None:
	"""Act customer by customer, `batch_customers` customers per transaction (see the module docstring)."""
	batch_customers = max(1, batch_customers or BATCH_CUSTOMERS)
	by_customer: dict[str, list[tuple[str, Action]]] = defaultdict(list)
	for policy_name, action in planned:
		by_customer[action.customer].append((policy_name, action))
	customers = sorted(by_customer)
	frappe.db.commit()
	for start in range(0, len(customers), batch_customers):
		batch = customers[start : start + batch_customers]
		actions = [item for customer in batch for item in by_customer[customer]]
		# The batch's customers, contacts and payment links in one query each, not a few per message.
		with prefetched(batch, (inst.invoice for _, action in actions for inst in action.instalments)):
			_execute_batch(actions, selection, today=today, dry_run=dry_run, report=report, sender=sender)


def _execute_batch(
	actions: list[tuple[str, Action]], selection: Selection, *, today, dry_run, report, sender
) -> None:
	"""One transaction: every action under its savepoint, committed together (counted once committed)."""
	batch = RunReport(day=today, dry_run=dry_run)
	pending: list[tuple[str, Action]] = []
	for policy_name, action in actions:
		if action.channel is Channel.SMS and not dry_run:
			# The SMS step commits its claim before the gateway call (at most once): commit the batch so
			# far, then run it alone, committed or rolled back by itself as it always was.
			_commit_batch(batch, report)
			batch, pending = RunReport(day=today, dry_run=dry_run), []
			execute_action(
				policy_name, action, selection, today=today, dry_run=dry_run, report=report, sender=sender
			)
			continue
		try:
			execute_action(
				policy_name, action, selection, today=today, dry_run=dry_run, report=batch, sender=sender,
				batched=True,
			)  # fmt: skip
			pending.append((policy_name, action))
		except TransactionLost as lost:
			# Everything since the last commit is gone: redo it one action per transaction, then record
			# this action's failure as the unbatched path would.
			batch = RunReport(day=today, dry_run=dry_run)
			for redo_policy, redo_action in pending:
				execute_action(
					redo_policy, redo_action, selection, today=today, dry_run=dry_run, report=report, sender=sender
				)  # fmt: skip
			pending = []
			_record_failed(
				policy_name, action, selection, today, report, lost.__cause__ or lost, batched=False
			)
	_commit_batch(batch, report)


def _commit_batch(batch: RunReport, report: RunReport) -> None:
	frappe.db.commit()
	for name in COUNTS:
		setattr(report, name, getattr(report, name) + getattr(batch, name))
	for channel, count in batch.by_channel.items():
		report.by_channel[channel] += count
	report.errors.extend(batch.errors)


COUNTS = (
	"sent", "already_done", "paid_since_selection", "failed", "needs_attention", "held_for_attention",
	"not_deliverable", "uncertain",
)  # fmt: skip


def execute_action(
	policy_name: str,
	action: Action,
	selection: Selection,
	*,
	today: date,
	dry_run: bool,
	report: RunReport,
	sender: str | None = None,
	batched: bool = False,
) -> None:
	"""One action (one customer, one level). `batched`: under a savepoint inside the batch's transaction,
	which commits it; otherwise committed or rolled back here, alone."""
	if batched:
		frappe.db.savepoint(SAVEPOINT)
	try:
		action = _still_unpaid(action, report)
		if action is None:
			_done(batched)
			return
		company = _company(selection, action)
		claimed = claim_steps(
			policy_name, action, company=company, today=today, dry_run=dry_run, report=report
		)
		if not claimed:
			_done(batched)
			return
		action = _restrict(action, claimed)
		if dry_run:
			_done(batched)
			report.by_channel[action.channel.value] += 1
			return
		effect = perform(
			action,
			company=company,
			selection=selection,
			today=today,
			sender=sender,
			policy_name=policy_name,
			evidence=next(iter(claimed.values())),
		)
		record_effect(claimed, effect, action)
		mark_broken_promises(action)
		_done(batched)
		report.sent += len(claimed)
		report.by_channel[action.channel.value] += 1
	except Exception as exc:
		if not _undo(batched):
			raise TransactionLost from exc
		_record_failed(policy_name, action, selection, today, report, exc, batched=batched)


def _record_failed(policy_name, action, selection, today, report, exc, *, batched: bool) -> None:
	company = _company(selection, action)
	if isinstance(exc, StepNotDeliverable):
		record_outcome(
			policy_name, action, today, status="Cancelled", note=str(exc), company=company, commit=not batched
		)
		report.not_deliverable += 1
		return
	reason, cause = failure_reason(exc), failure_cause(exc)
	if not failure_logged(action, cause):
		# One Error Log per step and cause: a template broken for a week is one log, not seven.
		frappe.log_error(
			title=_("Dunning step failed for {0}").format(action.customer),
			reference_doctype="Sales Invoice",
			reference_name=action.instalments[0].invoice,
		)
	report.failed += 1
	report.needs_attention += record_failure(
		policy_name, action, today, reason=reason, cause=cause, company=company, commit=not batched
	)
	report.errors.append(f"{action.customer}: {reason}")


def _company(selection: Selection, action: Action) -> str:
	return selection.invoices[action.instalments[0].invoice]["company"]


def _done(batched: bool) -> None:
	if batched:
		frappe.db.release_savepoint(SAVEPOINT)
	else:
		frappe.db.commit()


def _undo(batched: bool) -> bool:
	"""Undo the action; False when the database had already dropped the whole transaction."""
	if not batched:
		frappe.db.rollback()
		return True
	try:
		frappe.db.rollback(save_point=SAVEPOINT)
		return True
	except Exception:
		frappe.db.rollback()
		return False


def _still_unpaid(action: Action, report: RunReport) -> Action | None:
	"""Re-read the invoices (locking them) right before acting: one paid since selection gets nothing."""
	si = DocType("Sales Invoice")
	rows = (
		frappe.qb.from_(si)
		.select(si.name, si.outstanding_amount, si.docstatus)
		.where(si.name.isin(list(action.invoices)))
		.for_update()
		.run(as_dict=True)
	)
	open_invoices = {row.name for row in rows if row.docstatus == 1 and row.outstanding_amount > 0}
	kept = tuple(inst for inst in action.instalments if inst.invoice in open_invoices)
	report.paid_since_selection += len(action.instalments) - len(kept)
	if not kept:
		return None
	return Action(action.customer, action.level_number, action.level, kept, action.broken_promises)


def _restrict(action: Action, claimed: dict[str, str]) -> Action:
	kept = tuple(inst for inst in action.instalments if inst.key in claimed)
	return Action(action.customer, action.level_number, action.level, kept, action.broken_promises)
