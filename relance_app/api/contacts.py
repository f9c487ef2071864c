"""Contacts a user records from the invoice: calls (with a recap email), promises, disputes, pauses."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html, flt, getdate, nowdate

from relance_app.api.access import add_log_entry, check_invoices, checked_invoice, require
from relance_app.common.parties import default_sender, recipient_for
from relance_app.common.policy_store import load_policies
from relance_app.dunning import channels
from relance_app.dunning.closing import close_tasks
from relance_app.dunning.context import build_context
from relance_app.dunning.messages import render_level_message
from relance_app.dunning.mirrors import update_mirrors
from relance_app.dunning.preview import explain_selection, invoice_outlook
from relance_app.dunning.selection import select_open_instalments
from relance_app.dunning.trail import update_log_rows
from relance_app.engine.plan import Action
from relance_app.engine.policy import Channel


def call_outcomes() -> list[str]:
	"""The outcome codes of a call, as the Dunning Contact Log defines them (one list, in the doctype)."""
	options = frappe.get_meta("Dunning Contact Log").get_field("call_outcome").options or ""
	return [option for option in options.split("\n") if option]


@frappe.whitelist(methods=["POST"])
def log_call(
	invoice: str,
	outcome: str,
	notes: str | None = None,
	promised_date: str | None = None,
	promised_amount: float | None = None,
	send_recap: bool = False,
	as_step: bool = True,
) -> dict:
	"""Record a call and its outcome; a payment date given becomes a promise, a dispute pauses dunning.
	`as_step`: when the invoice's next step is the policy's call level, this call is that step (the ladder
	moves on, as if the run had made it); the form asks, ticked by default."""
	doc = checked_invoice(invoice, "write")
	# The call closes the open call tasks, and the recap is an email about the invoice.
	require("ToDo", "write")
	if frappe.utils.sbool(send_recap):
		check_invoices([invoice], "email")
	if outcome not in call_outcomes():
		frappe.throw(_("Unknown call outcome {0}.").format(escape_html(outcome)))
	created = [
		add_log_entry(doc, "Call", direction="Outbound", status="Done", call_outcome=outcome, notes=notes)
	]
	step = _as_call_step(doc, created[0]) if frappe.utils.sbool(as_step) else None
	if promised_date:
		created.append(_promise(doc, promised_date, promised_amount, notes))
	if outcome == "Dispute":
		created.append(add_log_entry(doc, "Dispute", direction="Inbound", status="Open", notes=notes))
	close_tasks([invoice], entry_types=("Call",))
	if frappe.utils.sbool(send_recap):
		created.append(_send_recap(doc))
	update_mirrors(getdate(nowdate()), invoices=[invoice])
	return {"entries": created, "step": step}


def _as_call_step(doc, call: str) -> int | None:
	"""Make the logged call the step of the call level when that level is the invoice's next one (by the
	run's own plan): it gets the level and the step's key, so the run takes it as done and moves on. Returns
	the level, or None when the next step is not a call (or that step is already recorded)."""
	today = getdate(nowdate())
	policy_name, _items, outlook, selection = invoice_outlook(doc.name, today)
	if not (policy_name and outlook and outlook.level):
		return None
	level = load_policies([policy_name])[policy_name].level(outlook.level)
	if level.channel is not Channel.CALL:
		return None
	outlooks = explain_selection(selection, today)
	due = [
		inst
		for inst in selection.instalments
		if inst.invoice == doc.name and inst.key in outlooks and outlooks[inst.key][1].level == outlook.level
	]
	taken = set(
		frappe.get_all(
			"Dunning Contact Log",
			filters={"idempotency_key": ("in", [inst.step_key(outlook.level) for inst in due] or [""])},
			pluck="idempotency_key",
		)
	)
	due = [inst for inst in due if inst.step_key(outlook.level) not in taken]
	if not due:
		return None
	for n, inst in enumerate(due):
		values = {
			"dunning_policy": policy_name,
			"level": outlook.level,
			"level_title": level.title,
			"payment_schedule": inst.instalment or None,
			"due_date": inst.due_date,
			"outstanding_amount": inst.outstanding,
			"idempotency_key": inst.step_key(outlook.level),
		}
		# The call row itself for the first instalment; the same call, once per other instalment of the level.
		name = call if n == 0 else add_log_entry(doc, "Call", direction="Outbound", status="Done")
		# Not yet sealed (sealing follows the commit): the row is completed before it is.
		frappe.db.set_value("Dunning Contact Log", name, values, update_modified=False)
	return outlook.level


@frappe.whitelist(methods=["POST"])
def record_promise(
	invoice: str, promised_date: str, promised_amount: float | None = None, notes: str | None = None
) -> dict:
	doc = checked_invoice(invoice, "write")
	name = _promise(doc, promised_date, promised_amount, notes)
	update_mirrors(getdate(nowdate()), invoices=[invoice])
	return {"entries": [name]}


def _promise(doc, promised_date: str, promised_amount: float | None, notes: str | None) -> str:
	if promised_amount is not None and flt(promised_amount) < 0:
		frappe.throw(_("The promised amount cannot be negative."))
	return add_log_entry(
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
	doc = checked_invoice(invoice, "write")
	if frappe.utils.sbool(disputed):
		if not (reason or "").strip():
			frappe.throw(_("Say what the customer disputes: the reason is kept as evidence."))
		names = [add_log_entry(doc, "Dispute", direction="Inbound", status="Open", notes=reason)]
	else:
		# Resolving closes the open dispute entries: a change to the log, not only an addition.
		require("Dunning Contact Log", "write")
		open_disputes = frappe.get_all(
			"Dunning Contact Log",
			filters={"sales_invoice": invoice, "entry_type": "Dispute", "status": "Open"},
			pluck="name",
		)
		if not open_disputes:
			frappe.throw(_("This invoice has no open dispute."))
		update_log_rows(open_disputes, {"status": "Done"}, seal=True)
		names = [
			add_log_entry(
				doc, "Note", direction="Outbound", status="Done", notes=reason or _("Dispute resolved.")
			)
		]
	update_mirrors(getdate(nowdate()), invoices=[invoice])
	return {"entries": names}


@frappe.whitelist(methods=["POST"])
def pause_until(invoice: str, until: str | None = None, reason: str | None = None) -> dict:
	"""Hold every reminder for this invoice up to and including `until` (empty: resume)."""
	doc = checked_invoice(invoice, "write")
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
	name = add_log_entry(
		doc, "Note", direction="Outbound", status="Done", notes="\n".join(filter(None, [note, reason]))
	)
	update_mirrors(getdate(nowdate()), invoices=[invoice])
	return {"entries": [name]}


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
	recipient = recipient_for(doc.customer, doc.contact_email)
	if not recipient.email:
		frappe.throw(_("No email address for {0}: the recap cannot be sent.").format(doc.customer))
	number = policy.levels.index(level) + 1
	action = Action(doc.customer, number, level, tuple(instalments))
	context = build_context(
		customer=doc.customer, company=doc.company, instalments=instalments, level=level, today=today,
		invoice_rows=selection.invoices,
	)  # fmt: skip
	message = render_level_message(level, context)
	effect = channels.send_email(action, message, recipient, sender=default_sender())
	return add_log_entry(
		doc, "Reminder Email", direction="Outbound", status="Sent", communication=effect.communication,
		notes=_("Recap email after the call."),
	)  # fmt: skip
