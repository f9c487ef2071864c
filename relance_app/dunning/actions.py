"""Performing one planned step through its channel, with the fallbacks a credit controller would use."""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.utils import escape_html

from relance_app.common.constants import ENTRY_TYPES
from relance_app.common.parties import recipient_for
from relance_app.dunning import channels
from relance_app.dunning.bounces import last_email_bounced, record_bounce
from relance_app.dunning.context import build_context
from relance_app.dunning.messages import render_level_message
from relance_app.dunning.selection import Selection
from relance_app.engine.plan import Action
from relance_app.engine.policy import Channel
from relance_app.formal_notice.dunning import create_formal_notice


def perform(
	action: Action,
	*,
	company: str,
	selection: Selection,
	today: date,
	sender: str | None,
	policy_name: str | None = None,
	evidence: str | None = None,
) -> channels.Effect:
	"""The step's effect through its channel, with the fallbacks a credit controller would use; `evidence` is
	the contact-log row claimed for it (an email is filed on it)."""
	invoice_rows = selection.invoices
	first = invoice_rows[action.instalments[0].invoice]
	recipient = recipient_for(action.customer, first.get("contact_email"))
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
		return formal_notice_step(
			action,
			company=company,
			context=context,
			recipient=recipient,
			today=today,
			sender=sender,
			policy_name=policy_name,
			message=message,
			evidence=evidence,
		)
	if channel is Channel.EMAIL:
		if not recipient.email:
			effect = channels.letter(action, context, recipient, today, message)
			effect.notes.append(_("No email address for this customer: a letter was produced instead."))
			return effect
		bounced = last_email_bounced(action.customer, recipient.email)
		if bounced:
			record_bounce(bounced)
			effect = channels.letter(action, context, recipient, today, message)
			effect.notes.append(
				_("The last email to {0} was not delivered: a letter was produced instead.").format(
					recipient.email
				)
			)
			return effect
		return channels.send_email(action, message, recipient, sender=sender, evidence=evidence)
	if channel is Channel.SMS:
		return send_sms_at_most_once(action, message, recipient)
	if channel is Channel.CALL:
		return channels.call_task(action, context, recipient, today)
	return channels.letter(action, context, recipient, today, message)


def formal_notice_step(
	action: Action,
	*,
	company,
	context,
	recipient,
	today,
	sender,
	policy_name=None,
	message=None,
	evidence=None,
) -> channels.Effect:
	"""The mise en demeure: an ERPNext Dunning at French-law amounts, its letter, a task to post it."""
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
	).format(escape_html(notice["dunning"]), channels.bold_name(context))
	warnings = notice.get("warnings") or []
	if warnings:
		# Stale rates, a missing IBAN or city: what the person posting the letter must check first.
		items = "".join(f"<li>{escape_html(w)}</li>" for w in warnings)
		description += "<p><strong>{}</strong></p><ul>{}</ul>".format(_("Check before posting:"), items)
	todo = channels.create_task(action, description=description, today=today)
	effect = channels.Effect(
		entry_type=ENTRY_TYPES[action.channel],
		todo=todo,
		dunning=notice["dunning"],
		attachment=notice.get("pdf"),
		notes=list(warnings),
	)
	if recipient.email and message:
		copy = channels.send_email(action, message, recipient, sender=sender, evidence=evidence)
		effect.communication = copy.communication
		effect.notes.append(_("A copy was emailed to {0}.").format(recipient.email))
	return effect


def send_sms_at_most_once(action: Action, message, recipient) -> channels.Effect:
	# The gateway is outside our transaction: commit the claim first, so a crash after the gateway
	# accepted the SMS leaves a Planned row that no later run sends again.
	frappe.db.commit()
	return channels.send_sms(action, message, recipient)
