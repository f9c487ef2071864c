"""The daily escalation: select open instalments, let the engine decide, act once per step.

Exactly once: each (instalment, level) has an idempotency key, unique in the Dunning Contact Log. A step
is claimed by inserting its log row in the same transaction as its effect (Email Queue row, ToDo, File,
Dunning), per customer, and committed together: if the run dies halfway, the customer being processed is
rolled back entirely and done by the next run; if two runs or two workers race, the unique index lets only
one of them claim the step. SMS is the one effect outside the database: its row is committed as Planned
before the gateway is called, so a crash in between leaves a Planned row that is never sent again
automatically (at most once) and shows up in the run report for a person to check.

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

from relance_app.common.parties import sender_address
from relance_app.common.policy_store import load_policies
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
from relance_app.dunning.selection import Selection, company_holidays, select_open_instalments
from relance_app.engine.plan import Action, Instalment, plan

LOCK_NAME = "relance_app_escalation"


def run_daily() -> None:
	"""Scheduler entry point (daily_long)."""
	recompute_nightly()  # first: the high-risk cadence of the run reads the risk class it writes
	if not frappe.db.get_single_value("Dunning Settings", "enabled"):
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
) -> RunReport:
	"""One escalation run for `today`; never two at once on a site (a database lock, shared by all workers)."""
	today = getdate(today)
	settings = frappe.get_cached_doc("Dunning Settings")
	dry_run = bool(settings.dry_run) if dry_run is None else dry_run
	report = RunReport(day=today, dry_run=dry_run)
	with run_lock() as acquired:
		if not acquired:
			report.locked_out = True
			return report
		selection = select_open_instalments(today, company=company, customers=customers)
		planned = plan_selection(selection, today)
		if settings.max_actions_per_run:
			planned = planned[: settings.max_actions_per_run]
		report.actions = len(planned)
		customers_with_actions = sorted({action.customer for _, action in planned})
		batch_size = max(1, settings.batch_size or 200)
		if fan_out and len(customers_with_actions) > batch_size:
			report.batches = enqueue_batches(customers_with_actions, batch_size, today=today, dry_run=dry_run)
			return report
		sender = sender_address(settings.sender)
		execute(planned, selection, today=today, dry_run=dry_run, report=report, sender=sender)
		if customers_with_actions:
			update_mirrors(today, customers=customers_with_actions)
		if not dry_run:
			seal_pending()
	return report


def run_batch(today: str, customers: list[str], dry_run: bool = False) -> dict:
	"""One background job of a fanned-out run: re-select (fresh data) and act for these customers only."""
	today = getdate(today)
	settings = frappe.get_cached_doc("Dunning Settings")
	report = RunReport(day=today, dry_run=dry_run)
	selection = select_open_instalments(today, customers=customers)
	planned = plan_selection(selection, today)
	report.actions = len(planned)
	sender = sender_address(settings.sender)
	execute(planned, selection, today=today, dry_run=dry_run, report=report, sender=sender)
	update_mirrors(today, customers=customers)
	if not dry_run:
		seal_pending()
	return report.as_dict()


def enqueue_batches(customers: list[str], batch_size: int, *, today: date, dry_run: bool) -> list[str]:
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
	for policy_name, instalments in sorted(selection.by_policy.items()):
		by_company: dict[str, list[Instalment]] = defaultdict(list)
		for inst in instalments:
			by_company[selection.invoices[inst.invoice]["company"]].append(inst)
		for company, items in sorted(by_company.items()):
			result = plan(
				items,
				policies[policy_name],
				today,
				holidays=company_holidays(company),
				last_contact=selection.last_contact,
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
) -> None:
	"""Act customer by customer; each action (one customer, one level) commits or rolls back as a whole."""
	by_customer: dict[str, list[tuple[str, Action]]] = defaultdict(list)
	for policy_name, action in planned:
		by_customer[action.customer].append((policy_name, action))
	for customer in sorted(by_customer):
		for policy_name, action in by_customer[customer]:
			execute_action(
				policy_name, action, selection, today=today, dry_run=dry_run, report=report, sender=sender
			)


def execute_action(
	policy_name: str,
	action: Action,
	selection: Selection,
	*,
	today: date,
	dry_run: bool,
	report: RunReport,
	sender: str | None = None,
) -> None:
	company = selection.invoices[action.instalments[0].invoice]["company"]
	try:
		action = _still_unpaid(action, report)
		if action is None:
			return
		claimed = claim_steps(
			policy_name, action, company=company, today=today, dry_run=dry_run, report=report
		)
		if not claimed:
			frappe.db.commit()
			return
		action = _restrict(action, claimed)
		if dry_run:
			frappe.db.commit()
			report.by_channel[action.channel.value] += 1
			return
		effect = perform(
			action, company=company, selection=selection, today=today, sender=sender, policy_name=policy_name
		)
		record_effect(claimed, effect, action)
		mark_broken_promises(action)
		frappe.db.commit()
		report.sent += len(claimed)
		report.by_channel[action.channel.value] += 1
	except StepNotDeliverable as exc:
		frappe.db.rollback()
		record_outcome(policy_name, action, today, status="Cancelled", note=str(exc), company=company)
		report.not_deliverable += 1
	except Exception as exc:
		frappe.db.rollback()
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
			policy_name, action, today, reason=reason, cause=cause, company=company
		)
		report.errors.append(f"{action.customer}: {reason}")


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
