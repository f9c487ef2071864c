"""The invoice form's dunning banner and history, and its next step: preview it, or take it now."""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from relance_app.api.access import check_customer, check_invoices, check_step, checked_invoice
from relance_app.common.parties import debtor_kind, default_sender, recipient_for
from relance_app.common.policy_store import load_policies
from relance_app.dunning.context import build_context
from relance_app.dunning.messages import render_level_message
from relance_app.dunning.mirrors import update_mirrors
from relance_app.dunning.report import RunReport
from relance_app.dunning.run import execute_action
from relance_app.dunning.selection import select_open_instalments
from relance_app.engine.plan import Action, next_level


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
	"""Take the next step now, exactly as the daily run would (same evidence, same idempotency key).

	Everything the step may create is checked first: the run writes its effects as a system job, and a step
	refused halfway (a formal notice without Dunning permission) would be marked Failed and retried nightly.
	"""
	doc = checked_invoice(invoice, "write")
	today = getdate(nowdate())
	policy_name, action, selection = _next_action(invoice, today)
	check_step(action.level, action.invoices)
	check_customer(action.customer)
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
