"""The invoice form's dunning banner and history, and its next step: preview it, or take it now."""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from relance_app.api.access import check_customer, check_invoices, check_step, checked_invoice
from relance_app.common.constants import DONE_STATUSES, NOT_CONTACTS
from relance_app.common.parties import debtor_kind, default_sender, recipient_for
from relance_app.common.policy_store import load_policies
from relance_app.desk.reports import channel_label
from relance_app.dunning.context import build_context
from relance_app.dunning.insurance import invoice_insurance
from relance_app.dunning.messages import render_level_message
from relance_app.dunning.mirrors import update_mirrors
from relance_app.dunning.preview import invoice_outlook, reason_text
from relance_app.dunning.report import RunReport
from relance_app.dunning.run import execute_action
from relance_app.dunning.selection import select_open_instalments
from relance_app.engine.mirror import mirror_values
from relance_app.engine.plan import Action, SkipReason, next_level
from relance_app.portal.activity import invoice_activity_text


@frappe.whitelist()
def get_invoice_dunning(invoice: str) -> dict:
	"""What the invoice form shows: status, level, next action and the contact history (the entries the
	user may read: the log has its own roles and User Permissions), and the customer's debtor kind for French
	law (Professional, Consumer, Public Body: what the letters may claim)."""
	doc = checked_invoice(invoice)
	customer = frappe.db.get_value(
		"Customer", doc.customer, ["customer_type", "dunning_debtor_kind"], as_dict=True
	)
	history = frappe.get_list(
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
		"debtor_kind": debtor_kind(customer),
		"predicted_payment_date": doc.get("dunning_predicted_payment_date"),
		"history": history,
		**_outlook(doc, history),
		"insurance": _insurance(invoice),
		# What the customer did on its page (viewed, promised, disputed, said paid): seen before calling.
		"portal": invoice_activity_text(invoice),
	}


def _insurance(invoice: str) -> dict | None:
	"""The invoice's credit insurance deadlines for the banner; the banner shows without them on an error."""
	try:
		return invoice_insurance(invoice, getdate(nowdate()))
	except Exception:
		frappe.log_error(title=_("Credit insurance not read for {0}").format(invoice))
		return None


def _outlook(doc, history: list[dict]) -> dict:
	"""The banner's live truth, by the run's own code (dunning.preview.invoice_outlook): status, next step and
	its date or why nothing is due, the pause, the open promise and the last contact."""
	today = getdate(nowdate())
	policy_name, items, outlook, _selection = invoice_outlook(doc.name, today)
	status = doc.get("dunning_status") or "Not Started"
	step = None
	if items and policy_name:
		policies = load_policies([policy_name])
		policy = policies[policy_name]
		status = mirror_values(
			items,
			policies,
			{inst.key: policy_name for inst in items},
			today,
			None,
			needs_attention=status == "Needs Attention",
			litigation=status == "Litigation",
		)["dunning_status"]
		if outlook and outlook.level:
			level = policy.level(outlook.level)
			step = {
				"level": outlook.level,
				"label": f"{level.label} {level.title}",
				"on": outlook.on,
				"channel": level.channel.value,
			}
	paused = doc.get("dunning_paused_until")
	promise = next(
		(row for row in history if row.entry_type == "Promise to Pay" and row.status == "Open"), None
	)
	contact = next(
		(row for row in history if row.status in DONE_STATUSES and row.entry_type not in NOT_CONTACTS), None
	)
	return {
		"live_status": status,
		"next_step": step,
		"reason": reason_text(outlook) if items else None,
		"held": bool(outlook and outlook.reason in (SkipReason.PAUSED, SkipReason.DISPUTED)),
		"paused_until": paused if paused and getdate(paused) >= today else None,
		"promise": {"date": promise.promised_date, "amount": promise.promised_amount} if promise else None,
		"last_contact_entry": contact and {"date": contact.contact_date, "type": _(contact.entry_type)},
	}


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
	doc = checked_invoice(invoice)
	today = getdate(nowdate())
	policy_name, action, selection = _next_action(invoice, today)
	check_invoices(action.invoices)
	check_customer(action.customer)
	context = build_context(
		customer=action.customer,
		company=doc.company,
		instalments=action.instalments,
		level=action.level,
		today=today,
		invoice_rows=selection.invoices,
	)
	message = render_level_message(action.level, context)
	recipient = recipient_for(action.customer, doc.contact_email)
	# The date and the hold come from the run's own plan (pause, promise, dispute, minimum gap), as on the banner.
	_policy, _items, outlook, _selection = invoice_outlook(invoice, today)
	return {
		"policy": policy_name,
		"level": action.level_number,
		"level_title": action.level.title,
		"label": action.level.label,
		"channel": action.channel.value,
		"channel_label": channel_label(action.channel.value),
		"formal_notice": action.level.formal_notice,
		"due_on": outlook.on if outlook and outlook.on else today,
		"reason": reason_text(outlook),
		"held": bool(outlook and outlook.reason in (SkipReason.PAUSED, SkipReason.DISPUTED)),
		"recipient": recipient.email if action.channel.value == "email" else recipient.mobile,
		"subject": message.subject if message else "",
		"body": message.body if message else "",
		"penalties": context.get("penalties"),
	}


def _refuse_when_held(doc, today: date) -> None:
	"""A pause or an open dispute holds every step, the manual one too: lift it first (one truth with the run)."""
	paused = doc.get("dunning_paused_until")
	if paused and getdate(paused) >= today:
		frappe.throw(
			_("Dunning of {0} is paused until {1}: resume it before sending a step.").format(
				doc.name, frappe.format_value(getdate(paused), {"fieldtype": "Date"})
			)
		)
	if frappe.db.exists(
		"Dunning Contact Log", {"sales_invoice": doc.name, "entry_type": "Dispute", "status": "Open"}
	):
		frappe.throw(_("{0} is disputed: resolve the dispute before sending a step.").format(doc.name))


@frappe.whitelist(methods=["POST"])
def send_next_step(invoice: str) -> dict:
	"""Take the next step now, exactly as the daily run would (same evidence, same idempotency key).

	Everything the step may create is checked first: the run writes its effects as a system job, and a step
	refused halfway (a formal notice without Dunning permission) would be marked Failed and retried nightly.
	"""
	doc = checked_invoice(invoice, "write")
	today = getdate(nowdate())
	policy_name, action, selection = _next_action(invoice, today)
	check_step(action.level, action.invoices)
	check_customer(action.customer)
	_refuse_when_held(doc, today)
	report = RunReport(day=today, dry_run=False)
	execute_action(
		policy_name, action, selection, today=today, dry_run=False, report=report, sender=default_sender()
	)
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
