"""Whitelisted methods behind the "Relance" buttons of the Sales Invoice and Customer forms.

Every method checks permission on the invoice (or customer) first; methods that change data accept POST
only. Contact-log entries written here are the same evidence as the daily run's.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count, Max, Min, Sum
from frappe.utils import escape_html, flt, getdate, now_datetime, nowdate

from relance_app import channels
from relance_app.context import build_context
from relance_app.engine.plan import Action, next_level
from relance_app.escalation import RunReport, execute_action, update_mirrors
from relance_app.messages import render_level_message
from relance_app.policies import load_policies
from relance_app.selection import select_open_instalments


def call_outcomes() -> list[str]:
	"""The outcome codes of a call, as the Dunning Contact Log defines them (one list, in the doctype)."""
	options = frappe.get_meta("Dunning Contact Log").get_field("call_outcome").options or ""
	return [option for option in options.split("\n") if option]


def _invoice(invoice: str, ptype: str = "read"):
	"""The invoice, after checking the user may see it and (for changes) write to the contact log."""
	doc = frappe.get_doc("Sales Invoice", invoice)
	doc.check_permission("read")
	if ptype == "write":
		frappe.has_permission("Dunning Contact Log", "create", throw=True)
	if doc.docstatus != 1:
		frappe.throw(_("Only submitted invoices are dunned."))
	return doc


def _log(doc, entry_type: str, **fields) -> str:
	entry = frappe.get_doc(
		{
			"doctype": "Dunning Contact Log",
			"customer": doc.customer,
			"company": doc.company,
			"sales_invoice": doc.name,
			"entry_type": entry_type,
			"contact_date": now_datetime(),
			**fields,
		}
	)
	entry.insert()
	return entry.name


# -- reading ---------------------------------------------------------------------------------------------


@frappe.whitelist()
def get_invoice_dunning(invoice: str) -> dict:
	"""What the invoice form shows: status, level, next action and the contact history."""
	doc = _invoice(invoice)
	history = frappe.get_all(
		"Dunning Contact Log",
		filters={"sales_invoice": invoice},
		fields=[
			"name",
			"contact_date",
			"entry_type",
			"status",
			"direction",
			"level",
			"level_title",
			"call_outcome",
			"promised_date",
			"promised_amount",
			"notes",
			"tracking_number",
		],
		order_by="contact_date desc",
		limit=50,
	)
	return {
		"status": doc.get("dunning_status") or "Not Started",
		"level": doc.get("dunning_level") or 0,
		"next_action": doc.get("dunning_next_action"),
		"next_action_date": doc.get("dunning_next_action_date"),
		"paused_until": doc.get("dunning_paused_until"),
		"last_contact": doc.get("dunning_last_contact"),
		"history": history,
	}


@frappe.whitelist()
def get_customer_summary(customer: str) -> dict:
	"""Total and oldest overdue, highest level, open promises and disputes, risk class, last contact."""
	frappe.get_doc("Customer", customer).check_permission("read")
	si = DocType("Sales Invoice")
	today = getdate(nowdate())
	row = (
		frappe.qb.from_(si)
		.select(
			Sum(si.outstanding_amount).as_("overdue"),
			Min(si.due_date).as_("oldest"),
			Max(si.dunning_level).as_("level"),
		)
		.where(si.customer == customer)
		.where(si.docstatus == 1)
		.where(si.outstanding_amount > 0)
		.where(si.due_date < today)
		.run(as_dict=True)[0]
	)
	log = DocType("Dunning Contact Log")
	holds = dict(
		frappe.qb.from_(log)
		.select(log.entry_type, Count("*"))
		.where(log.customer == customer)
		.where(log.status == "Open")
		.groupby(log.entry_type)
		.run()
	)
	last = (
		frappe.qb.from_(log)
		.select(Max(log.contact_date))
		.where(log.customer == customer)
		.where(log.status.isin(("Sent", "Done")))
		.run()[0][0]
	)
	return {
		"total_overdue": flt(row.overdue, 2),
		"oldest_overdue": row.oldest,
		"days_overdue": (today - getdate(row.oldest)).days if row.oldest else 0,
		"highest_level": row.level or 0,
		"open_promises": holds.get("Promise to Pay", 0),
		"open_disputes": holds.get("Dispute", 0),
		"risk_class": frappe.db.get_value("Customer", customer, "dunning_risk_class") or "",
		"last_contact": last,
		"currency": frappe.db.get_value("Customer", customer, "default_currency")
		or frappe.db.get_default("currency"),
	}


# -- logging contacts ------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def log_call(
	invoice: str,
	outcome: str,
	notes: str | None = None,
	promised_date: str | None = None,
	promised_amount: float | None = None,
	send_recap: bool = False,
) -> dict:
	"""Record a call and its outcome; a payment date given becomes a promise, a dispute pauses dunning."""
	doc = _invoice(invoice, "write")
	if outcome not in call_outcomes():
		frappe.throw(_("Unknown call outcome {0}.").format(escape_html(outcome)))
	created = [_log(doc, "Call", direction="Outbound", status="Done", call_outcome=outcome, notes=notes)]
	if promised_date:
		created.append(_promise(doc, promised_date, promised_amount, notes))
	if outcome == "Dispute":
		created.append(_log(doc, "Dispute", direction="Inbound", status="Open", notes=notes))
	_close_call_tasks(invoice)
	if frappe.utils.sbool(send_recap):
		created.append(_send_recap(doc))
	update_mirrors(getdate(nowdate()), invoices=[invoice])
	return {"entries": created}


@frappe.whitelist(methods=["POST"])
def record_promise(
	invoice: str, promised_date: str, promised_amount: float | None = None, notes: str | None = None
) -> dict:
	doc = _invoice(invoice, "write")
	name = _promise(doc, promised_date, promised_amount, notes)
	update_mirrors(getdate(nowdate()), invoices=[invoice])
	return {"entries": [name]}


def _promise(doc, promised_date: str, promised_amount: float | None, notes: str | None) -> str:
	if promised_amount is not None and flt(promised_amount) < 0:
		frappe.throw(_("The promised amount cannot be negative."))
	return _log(
		doc,
		"Promise to Pay",
		direction="Inbound",
		status="Open",
		promised_date=getdate(promised_date),
		promised_amount=flt(promised_amount, 2) if promised_amount else None,
		notes=notes,
	)


@frappe.whitelist(methods=["POST"])
def set_dispute(invoice: str, disputed: bool, reason: str | None = None) -> dict:
	"""Mark the invoice disputed (dunning pauses) or resolve its open disputes (dunning resumes)."""
	doc = _invoice(invoice, "write")
	if frappe.utils.sbool(disputed):
		if not (reason or "").strip():
			frappe.throw(_("Say what the customer disputes: the reason is kept as evidence."))
		names = [_log(doc, "Dispute", direction="Inbound", status="Open", notes=reason)]
	else:
		log = DocType("Dunning Contact Log")
		open_disputes = frappe.get_all(
			"Dunning Contact Log",
			filters={"sales_invoice": invoice, "entry_type": "Dispute", "status": "Open"},
			pluck="name",
		)
		if not open_disputes:
			frappe.throw(_("This invoice has no open dispute."))
		frappe.qb.update(log).set(log.status, "Done").where(log.name.isin(open_disputes)).run()
		names = [
			_log(doc, "Note", direction="Outbound", status="Done", notes=reason or _("Dispute resolved."))
		]
	update_mirrors(getdate(nowdate()), invoices=[invoice])
	return {"entries": names}


@frappe.whitelist(methods=["POST"])
def pause_until(invoice: str, until: str | None = None, reason: str | None = None) -> dict:
	"""Hold every reminder for this invoice up to and including `until` (empty: resume)."""
	doc = _invoice(invoice, "write")
	doc.check_permission("write")
	day = getdate(until) if until else None
	if day and day < getdate(nowdate()):
		frappe.throw(_("The pause must end today or later."))
	doc.db_set("dunning_paused_until", day)
	note = (
		_("Dunning paused until {0}.").format(frappe.format_value(day, {"fieldtype": "Date"}))
		if day
		else _("Dunning resumed.")
	)
	name = _log(
		doc, "Note", direction="Outbound", status="Done", notes="\n".join(filter(None, [note, reason]))
	)
	update_mirrors(getdate(nowdate()), invoices=[invoice])
	return {"entries": [name]}


def _close_call_tasks(invoice: str) -> None:
	todo = DocType("ToDo")
	log = DocType("Dunning Contact Log")
	tasks = (
		frappe.qb.from_(log)
		.select(log.todo)
		.where(log.sales_invoice == invoice)
		.where(log.entry_type == "Call")
		.where(log.todo.isnotnull())
		.run(pluck=True)
	)
	if tasks:
		frappe.qb.update(todo).set(todo.status, "Closed").where(todo.name.isin(tasks)).where(
			todo.status == "Open"
		).run()


# -- next step -------------------------------------------------------------------------------------------


def _next_action(invoice: str, today: date) -> tuple[str, Action, object]:
	"""The next step of this invoice's instalments, whatever its date: (policy name, action, selection)."""
	selection = select_open_instalments(today, invoices=[invoice])
	if not selection.instalments:
		frappe.throw(_("Nothing is outstanding on {0}.").format(invoice))
	if not selection.by_policy:
		frappe.throw(
			_("No dunning policy applies to {0}: set a default policy for its company.").format(invoice)
		)
	[(policy_name, instalments)] = selection.by_policy.items()
	policy = load_policies([policy_name])[policy_name]
	steps = [(next_level(inst, policy, today), inst) for inst in instalments if inst.outstanding > 0]
	steps = [(step, inst) for step, inst in steps if step]
	if not steps:
		frappe.throw(
			_("Every step of the policy {0} was already taken for {1}.").format(policy_name, invoice)
		)
	number = min(step[0] for step, _ in steps)
	chosen = tuple(inst for step, inst in steps if step[0] == number)
	return policy_name, Action(chosen[0].customer, number, policy.level(number), chosen), selection


@frappe.whitelist()
def preview_next_step(invoice: str) -> dict:
	"""The next message or letter rendered as it would be sent, without sending anything."""
	doc = _invoice(invoice)
	today = getdate(nowdate())
	policy_name, action, selection = _next_action(invoice, today)
	context = build_context(
		customer=action.customer,
		company=doc.company,
		instalments=action.instalments,
		level=action.level,
		today=today,
		invoice_rows=selection.invoices,
	)
	message = render_level_message(action.level, context)
	recipient = channels.recipient_for(action.customer, doc.contact_email)
	step = next_level(action.instalments[0], load_policies([policy_name])[policy_name], today)
	return {
		"policy": policy_name,
		"level": action.level_number,
		"level_title": action.level.title,
		"label": action.level.label,
		"channel": action.channel.value,
		"formal_notice": action.level.formal_notice,
		"due_on": step[1] if step else today,
		"recipient": recipient.email if action.channel.value == "email" else recipient.mobile,
		"subject": message.subject if message else "",
		"body": message.body if message else "",
		"penalties": context.get("penalties"),
	}


@frappe.whitelist(methods=["POST"])
def send_next_step(invoice: str) -> dict:
	"""Take the next step now, exactly as the daily run would (same evidence, same idempotency key)."""
	doc = _invoice(invoice, "write")
	today = getdate(nowdate())
	policy_name, action, selection = _next_action(invoice, today)
	report = RunReport(day=today, dry_run=False)
	sender = channels.sender_address(frappe.db.get_single_value("Dunning Settings", "sender"))
	execute_action(policy_name, action, selection, today=today, dry_run=False, report=report, sender=sender)
	update_mirrors(today, invoices=[invoice])
	if report.failed:
		frappe.throw(_("The step could not be taken; the error is in the Error Log and the contact log."))
	if report.not_deliverable:
		frappe.msgprint(_("The step could not go through its channel; see the contact log."))
	return {
		"level": action.level_number,
		"channel": action.channel.value,
		"sent": report.sent,
		"invoice": doc.name,
	}


def _send_recap(doc) -> str:
	"""The recap email after a call: the call level's template, to the dunning contact."""
	today = getdate(nowdate())
	selection = select_open_instalments(today, invoices=[doc.name])
	if not selection.by_policy:
		frappe.throw(_("No dunning policy applies to {0}.").format(doc.name))
	[(policy_name, instalments)] = selection.by_policy.items()
	policy = load_policies([policy_name])[policy_name]
	level = next((lvl for lvl in policy.levels if lvl.channel.value == "call" and lvl.template), None)
	if not level:
		frappe.throw(_("The policy {0} has no recap email template on its call level.").format(policy_name))
	recipient = channels.recipient_for(doc.customer, doc.contact_email)
	if not recipient.email:
		frappe.throw(_("No email address for {0}: the recap cannot be sent.").format(doc.customer))
	number = policy.levels.index(level) + 1
	action = Action(doc.customer, number, level, tuple(instalments))
	context = build_context(
		customer=doc.customer, company=doc.company, instalments=instalments, level=level, today=today,
		invoice_rows=selection.invoices,
	)  # fmt: skip
	message = render_level_message(level, context)
	sender = channels.sender_address(frappe.db.get_single_value("Dunning Settings", "sender"))
	effect = channels.send_email(action, message, recipient, sender=sender)
	return _log(
		doc, "Reminder Email", direction="Outbound", status="Sent", communication=effect.communication,
		notes=_("Recap email after the call."),
	)  # fmt: skip


# -- mise en demeure -------------------------------------------------------------------------------------


def _formal_notice_action(invoice: str, today: date) -> tuple[str, Action, object]:
	"""The policy's formal-notice step for every overdue, not yet noticed instalment of the invoice's
	customer under the invoice's policy: one letter lists them all."""
	customer = frappe.db.get_value("Sales Invoice", invoice, "customer")
	selection = select_open_instalments(today, customers=[customer])
	policy_name = next(
		(name for name, items in selection.by_policy.items() if any(i.invoice == invoice for i in items)),
		None,
	)
	if not policy_name:
		frappe.throw(_("Nothing is outstanding on {0}, or no dunning policy applies to it.").format(invoice))
	policy = load_policies([policy_name])[policy_name]
	number = policy.formal_notice_level
	if not number:
		frappe.throw(_("The policy {0} has no formal notice level.").format(policy_name))
	chosen = tuple(
		inst
		for inst in selection.by_policy[policy_name]
		if inst.outstanding > 0 and inst.due_date < today and inst.last_level < number and not inst.disputed
	)
	if not any(inst.invoice == invoice for inst in chosen):
		frappe.throw(_("{0} is not overdue, is disputed, or already had its formal notice.").format(invoice))
	return policy_name, Action(customer, number, policy.level(number), chosen), selection


@frappe.whitelist()
def preview_formal_notice(invoice: str) -> dict:
	"""The mise en demeure as it would be printed today, without saving anything."""
	from relance_app.formal_notice import PRINT_FORMATS, build_formal_notice, letter_html, print_language

	doc = _invoice(invoice)
	frappe.has_permission("Dunning", "read", throw=True)
	today = getdate(nowdate())
	policy_name, action, _selection = _formal_notice_action(invoice, today)
	dunning, _chosen, language, letter = build_formal_notice(
		customer=action.customer,
		company=doc.company,
		instalments=list(action.instalments),
		level=action.level,
		today=today,
		policy_name=policy_name,
	)
	with print_language(language):
		html = letter_html(dunning, PRINT_FORMATS[language])
	return {"html": html, "invoices": list(action.invoices), "warnings": letter["warnings"]}


@frappe.whitelist(methods=["POST"])
def send_formal_notice(invoice: str) -> dict:
	"""Issue the mise en demeure now: the Dunning, its letter, the task to post it, logged like the daily run's."""
	doc = _invoice(invoice, "write")
	frappe.has_permission("Dunning", "create", throw=True)
	today = getdate(nowdate())
	policy_name, action, selection = _formal_notice_action(invoice, today)
	report = RunReport(day=today, dry_run=False)
	sender = channels.sender_address(frappe.db.get_single_value("Dunning Settings", "sender"))
	execute_action(policy_name, action, selection, today=today, dry_run=False, report=report, sender=sender)
	update_mirrors(today, customers=[action.customer])
	if report.failed:
		frappe.throw(_("The formal notice could not be issued; the error is in the Error Log."))
	dunning = frappe.db.get_value(
		"Dunning Contact Log",
		{"sales_invoice": doc.name, "level": action.level_number, "is_automatic": 1},
		"dunning",
	)
	return {"dunning": dunning, "invoices": list(action.invoices)}
