"""The daily escalation: select open instalments, let the engine decide, act once per step.

Exactly once: each (instalment, level) has an idempotency key, unique in the Dunning Contact Log. A step
is claimed by inserting its log row in the same transaction as its effect (Email Queue row, ToDo, File,
Dunning), per customer, and committed together: if the run dies halfway, the customer being processed is
rolled back entirely and done by the next run; if two runs or two workers race, the unique index lets only
one of them claim the step. SMS is the one effect outside the database: its row is committed as Planned
before the gateway is called, so a crash in between leaves a Planned row that is never sent again
automatically (at most once) and shows up in the run report for a person to check.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import add_days, getdate, now_datetime

from relance_app import channels
from relance_app.context import build_context
from relance_app.engine.plan import Action, Instalment, next_level, plan
from relance_app.engine.policy import Channel, Policy
from relance_app.messages import render_level_message
from relance_app.policies import load_policies
from relance_app.selection import Selection, select_open_instalments

LOCK_NAME = "relance_app_escalation"


@dataclass
class RunReport:
	day: date
	dry_run: bool
	locked_out: bool = False
	actions: int = 0
	sent: int = 0
	already_done: int = 0
	paid_since_selection: int = 0
	failed: int = 0
	not_deliverable: int = 0
	uncertain: int = 0
	batches: list[str] = field(default_factory=list)
	by_channel: dict[str, int] = field(default_factory=lambda: defaultdict(int))
	errors: list[str] = field(default_factory=list)

	def as_dict(self) -> dict:
		data = {k: v for k, v in self.__dict__.items() if k != "by_channel"}
		data["day"] = self.day.isoformat()
		data["by_channel"] = dict(self.by_channel)
		return data


def run_daily() -> None:
	"""Scheduler entry point (daily_long)."""
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
		sender = channels.sender_address(settings.sender)
		execute(planned, selection, today=today, dry_run=dry_run, report=report, sender=sender)
		if customers_with_actions:
			update_mirrors(today, customers=customers_with_actions)
	return report


def run_batch(today: str, customers: list[str], dry_run: bool = False) -> dict:
	"""One background job of a fanned-out run: re-select (fresh data) and act for these customers only."""
	today = getdate(today)
	settings = frappe.get_cached_doc("Dunning Settings")
	report = RunReport(day=today, dry_run=dry_run)
	selection = select_open_instalments(today, customers=customers)
	planned = plan_selection(selection, today)
	report.actions = len(planned)
	sender = channels.sender_address(settings.sender)
	execute(planned, selection, today=today, dry_run=dry_run, report=report, sender=sender)
	update_mirrors(today, customers=customers)
	return report.as_dict()


def enqueue_batches(customers: list[str], batch_size: int, *, today: date, dry_run: bool) -> list[str]:
	job_ids = []
	for start in range(0, len(customers), batch_size):
		chunk = customers[start : start + batch_size]
		job_id = f"relance:{frappe.local.site}:{today.isoformat()}:{start // batch_size}"
		frappe.enqueue(
			"relance_app.escalation.run_batch",
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


def company_holidays(company: str) -> frozenset[date]:
	cache = frappe.local.cache.setdefault("relance_holidays", {})
	if company not in cache:
		holiday_list = frappe.db.get_value("Company", company, "default_holiday_list")
		days = (
			frappe.get_all("Holiday", filters={"parent": holiday_list}, pluck="holiday_date")
			if holiday_list
			else []
		)
		cache[company] = frozenset(getdate(d) for d in days)
	return cache[company]


# -- acting -----------------------------------------------------------------------------------------------


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
		_record(claimed, effect, action)
		_mark_broken_promises(action)
		frappe.db.commit()
		report.sent += len(claimed)
		report.by_channel[action.channel.value] += 1
	except channels.StepNotDeliverable as exc:
		frappe.db.rollback()
		_record_outcome(policy_name, action, today, status="Cancelled", note=str(exc))
		report.not_deliverable += 1
	except Exception:
		frappe.db.rollback()
		error = frappe.log_error(
			title=_("Dunning step failed for {0}").format(action.customer),
			reference_doctype="Sales Invoice",
			reference_name=action.instalments[0].invoice,
		)
		report.failed += 1
		report.errors.append(f"{action.customer}: {getattr(error, 'name', '')}")
		_record_outcome(policy_name, action, today, status="Failed", note=_("Failed: see Error Log."))


def perform(
	action: Action,
	*,
	company: str,
	selection: Selection,
	today: date,
	sender: str | None,
	policy_name: str | None = None,
) -> channels.Effect:
	"""The step's effect through its channel, with the fallbacks a credit controller would use."""
	invoice_rows = selection.invoices
	first = invoice_rows[action.instalments[0].invoice]
	recipient = channels.recipient_for(action.customer, first.get("contact_email"))
	context = build_context(
		customer=action.customer,
		company=company,
		instalments=action.instalments,
		level=action.level,
		today=today,
		invoice_rows=invoice_rows,
		broken_promise=bool(action.broken_promises),
		sender=None,
		policy=policy_name,
	)
	if recipient.contact_name:
		context["customer"]["contact_name"] = recipient.contact_name
	message = render_level_message(action.level, context)
	channel = action.channel
	if action.level.formal_notice:
		return _formal_notice(
			action,
			company=company,
			context=context,
			recipient=recipient,
			today=today,
			sender=sender,
			policy_name=policy_name,
			message=message,
		)
	if channel is Channel.EMAIL:
		if not recipient.email:
			effect = channels.letter(action, context, recipient, today, message)
			effect.notes.append(_("No email address for this customer: a letter was produced instead."))
			return effect
		return channels.send_email(action, message, recipient, sender=sender)
	if channel is Channel.SMS:
		return _send_sms_at_most_once(action, message, recipient)
	if channel is Channel.CALL:
		return channels.call_task(action, context, recipient, today)
	return channels.letter(action, context, recipient, today, message)


def _formal_notice(
	action: Action, *, company, context, recipient, today, sender, policy_name=None, message=None
) -> channels.Effect:
	"""The mise en demeure: an ERPNext Dunning at French-law amounts, its letter, a task to post it."""
	from relance_app.formal_notice import create_formal_notice

	notice = create_formal_notice(
		customer=action.customer,
		company=company,
		instalments=list(action.instalments),
		level=action.level,
		today=today,
		policy_name=policy_name,
	)
	description = _(
		"Post the formal notice {0} to {1} by registered letter with acknowledgement of receipt, then "
		"record the tracking number on the contact log."
	).format(notice["dunning"], frappe.bold(context["customer"]["customer_name"]))
	warnings = notice.get("warnings") or []
	if warnings:
		# Stale rates, a missing IBAN or city: what the person posting the letter must check first.
		items = "".join(f"<li>{frappe.utils.escape_html(w)}</li>" for w in warnings)
		description += "<p><strong>{}</strong></p><ul>{}</ul>".format(_("Check before posting:"), items)
	todo = channels.create_task(action, description=description, today=today)
	effect = channels.Effect(
		entry_type=channels.ENTRY_TYPES[action.channel],
		todo=todo,
		dunning=notice["dunning"],
		attachment=notice.get("pdf"),
		notes=list(warnings),
	)
	if recipient.email and message:
		copy = channels.send_email(action, message, recipient, sender=sender)
		effect.communication = copy.communication
		effect.notes.append(_("A copy was emailed to {0}.").format(recipient.email))
	return effect


def _send_sms_at_most_once(action: Action, message, recipient) -> channels.Effect:
	# The gateway is outside our transaction: commit the claim first, so a crash after the gateway
	# accepted the SMS leaves a Planned row that no later run sends again.
	frappe.db.commit()
	return channels.send_sms(action, message, recipient)


# -- the contact log ---------------------------------------------------------------------------------------


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
		"entry_type": channels.ENTRY_TYPES[action.channel],
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


def _record(claimed: dict[str, str], effect: channels.Effect, action: Action) -> None:
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


def _record_outcome(policy_name: str, action: Action, today: date, *, status: str, note: str) -> None:
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


def _mark_broken_promises(action: Action) -> None:
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


# -- mirrors -----------------------------------------------------------------------------------------------


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
	updates = {}
	for invoice, items in per_invoice.items():
		updates[invoice] = mirror_values(items, policies, policy_of, today, last_contact.get(invoice))
	if updates:
		frappe.db.bulk_update("Sales Invoice", updates, update_modified=False)
	return len(updates)


def mirror_values(
	items: list[Instalment],
	policies: dict[str, Policy],
	policy_of: dict[str, str],
	today: date,
	last: date | None,
) -> dict:
	level = max(inst.last_level for inst in items)
	next_steps = []
	for inst in items:
		policy = policies.get(policy_of.get(inst.key, ""))
		if policy and inst.outstanding > 0:
			step = next_level(inst, policy, today)
			if step:
				next_steps.append((_next_action_on(inst, step[1], today), policy.level(step[0])))
	if any(inst.disputed for inst in items):
		status = "Disputed"
	elif any(inst.promised_on and inst.promised_on >= today for inst in items):
		status = "Promise"
	elif any(inst.paused_until and inst.paused_until >= today for inst in items):
		status = "Paused"
	elif any(_in_formal_notice(inst, policies.get(policy_of.get(inst.key, ""))) for inst in items):
		status = "Formal Notice"
	elif level:
		status = "Active"
	else:
		status = "Not Started"
	next_on, next_level_ = min(next_steps, key=lambda s: s[0]) if next_steps else (None, None)
	return {
		"dunning_status": status,
		"dunning_level": level,
		"dunning_last_contact": last,
		"dunning_next_action": f"{next_level_.label} {next_level_.title}" if next_level_ else None,
		"dunning_next_action_date": next_on,
	}


def _next_action_on(inst: Instalment, due_on: date, today: date) -> date:
	"""The day the next step can be taken: as the engine's plan, not before a pause or a promise is over."""
	day = max(due_on, today)
	for until in (inst.paused_until, inst.promised_on):
		if until is not None and until >= today:
			day = max(day, until + timedelta(days=1))
	return day


def _in_formal_notice(inst: Instalment, policy: Policy | None) -> bool:
	return bool(policy and policy.formal_notice_level and inst.last_level >= policy.formal_notice_level)


def _last_contact_per_invoice(invoices: list[str]) -> dict[str, date]:
	if not invoices:
		return {}
	from frappe.query_builder.functions import Max

	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(log.sales_invoice, Max(log.contact_date).as_("last"))
		.where(log.sales_invoice.isin(invoices))
		.where(log.status.isin(("Sent", "Done")))
		.groupby(log.sales_invoice)
		.run(as_dict=True)
	)
	return {row.sales_invoice: getdate(row.last) for row in rows}


# -- digest ------------------------------------------------------------------------------------------------


def send_digest(report: RunReport) -> None:
	"""A short daily summary to the accounts managers, when something happened."""
	if report.dry_run or not (report.sent or report.failed or report.uncertain or report.batches):
		return
	if not frappe.db.get_single_value("Dunning Settings", "send_digest"):
		return
	recipients = _accounts_managers()
	if not recipients:
		return
	lines = [
		_("Dunning run of {0}").format(frappe.format_value(report.day, {"fieldtype": "Date"})),
		_("Steps sent: {0}").format(report.sent),
		_("Failed (retried tomorrow): {0}").format(report.failed),
		_("Not deliverable (see the contact log): {0}").format(report.not_deliverable),
		_("To check by hand (outcome unknown): {0}").format(report.uncertain),
	]
	lines += [f"{channel}: {count}" for channel, count in sorted(report.by_channel.items())]
	if report.batches:
		lines.append(_("Split into {0} background jobs.").format(len(report.batches)))
	frappe.sendmail(
		recipients=recipients,
		subject=_("Relances: daily summary"),
		message="<br>".join(frappe.utils.escape_html(line) for line in lines),
		delayed=True,
	)


def _accounts_managers() -> list[str]:
	has_role = DocType("Has Role")
	user = DocType("User")
	rows = (
		frappe.qb.from_(has_role)
		.join(user)
		.on(user.name == has_role.parent)
		.select(user.email)
		.distinct()
		.where(has_role.role == "Accounts Manager")
		.where(has_role.parenttype == "User")
		.where(user.enabled == 1)
		.where(user.name.notin(("Administrator", "Guest")))
		.run(pluck=True)
	)
	return [email for email in rows if email]


def preview(start: date | str | None = None, days: int = 7, *, company: str | None = None) -> list[dict]:
	"""What would happen from `start` over `days` days, as if every step were carried out. Acts on nothing."""
	from relance_app.engine.plan import simulate

	start = getdate(start)
	selection = select_open_instalments(start + timedelta(days=days), company=company)
	policies = load_policies(selection.by_policy)
	rows = []
	for policy_name, instalments in sorted(selection.by_policy.items()):
		by_company: dict[str, list[Instalment]] = defaultdict(list)
		for inst in instalments:
			by_company[selection.invoices[inst.invoice]["company"]].append(inst)
		for company_name, items in by_company.items():
			results = simulate(
				items,
				policies[policy_name],
				start,
				add_days(start, days - 1),
				holidays=company_holidays(company_name),
			)
			for result in results:
				for action in result.actions:
					rows.append(
						{
							"date": result.day,
							"customer": action.customer,
							"customer_name": action.instalments[0].customer_name,
							"policy": policy_name,
							"level": action.level_number,
							"level_title": action.level.title,
							"channel": action.channel.value,
							"invoices": ", ".join(action.invoices),
							"outstanding": sum((inst.outstanding for inst in action.instalments), 0),
							"currency": action.instalments[0].currency,
						}
					)
	rows.sort(key=lambda r: (r["date"], r["customer"], r["level"]))
	return rows
