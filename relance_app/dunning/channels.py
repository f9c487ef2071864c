"""The effects of a dunning step, each through Frappe's or ERPNext's own machinery.

Every function takes one planned action for one customer and returns an `Effect` saying what happened;
none of them commits: the escalation commits the effect together with its contact-log rows, so an Email
Queue row or a ToDo exists if and only if the step is recorded as sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import frappe
from frappe import _
from frappe.core.doctype.sms_settings.sms_settings import (
	create_sms_log,
	get_headers,
	send_request,
	validate_receiver_nos,
)
from frappe.utils import escape_html, get_url_to_form
from frappe.utils.pdf import get_pdf

from relance_app.common.constants import ENTRY_TYPES
from relance_app.common.parties import Recipient, postal_address
from relance_app.dunning.mailer import queue_email
from relance_app.dunning.messages import Message
from relance_app.engine.plan import Action
from relance_app.engine.policy import Channel
from relance_app.engine.text import plain_text

# None: the invoice's default print format, as ERPNext would print it.
INVOICE_PRINT_FORMAT = None


class StepNotDeliverable(Exception):
	"""The step cannot go through its channel for this customer (no gateway, no number...): not retried."""


@dataclass
class Effect:
	status: str = "Sent"
	entry_type: str = "Reminder Email"
	communication: str | None = None
	todo: str | None = None
	dunning: str | None = None
	attachment: str | None = None
	notes: list[str] = field(default_factory=list)


def send_email(
	action: Action, message: Message, recipient: Recipient, *, sender: str | None, evidence: str | None = None
) -> Effect:
	"""Queue the reminder in Frappe's Email Queue, as a Communication on every invoice's and the customer's
	timeline.

	The Communication is inserted as a document (its validation and hooks run, as for an email sent from
	the desk); the email is queued by `dunning.mailer` in Frappe's frame. Invoice PDFs are attached as
	print-format attachments: the queue renders them when it sends, so the run never waits for wkhtmltopdf.

	`evidence`: the contact-log row the run claimed for the step. The Communication is filed on it (and
	linked to the customer and every invoice, so their timelines show it as before): after the insert Frappe
	loads the reference document twice (for its comment count and its communication hooks), and a log row
	is one small table where a customer is seven (26 statements, a third of the email's cost at 10,000
	reminders). Without one (a recap or a thank-you sent from the desk), it is filed on the customer.
	"""
	invoices = list(action.invoices)
	communication = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Sent",
			"communication_type": "Communication",
			# Shown as text on the timeline: escaped, as the body's values are (Frappe would otherwise keep
			# the customer's name as sanitised markup).
			"subject": escape_html(message.subject),
			"content": message.body,
			"sender": sender,
			"recipients": recipient.email,
			"reference_doctype": "Dunning Contact Log" if evidence else "Customer",
			"reference_name": evidence or action.customer,
			"timeline_links": [{"link_doctype": "Customer", "link_name": action.customer}]
			+ [{"link_doctype": "Sales Invoice", "link_name": invoice} for invoice in invoices],
			"has_attachment": 1 if action.level.attach_invoice else 0,
		}
	)
	# The reminder is the template's text as the customer receives it: no user signature appended.
	communication.flags.skip_add_signature = True
	# The invoices were read and locked by the run a moment ago, the customer is theirs: no link to check.
	communication.flags.ignore_links = True
	communication.insert(ignore_permissions=True)
	# The invoices are printed, and Frappe's frame (footer, unsubscribe link) written, in the message's language.
	language = message.language or frappe.local.lang
	attachments = []
	if action.level.attach_invoice:
		attachments = [
			{
				"print_format_attachment": 1,
				"doctype": "Sales Invoice",
				"name": invoice,
				"print_format": INVOICE_PRINT_FORMAT,
				"lang": language,
			}
			for invoice in invoices
		]
	queued = queue_email(
		language=language,
		recipient=recipient.email,
		sender=sender,
		subject=message.subject,
		body=message.body,
		text=plain_text(message.body),
		reference_doctype="Customer",
		reference_name=action.customer,
		communication=communication.name,
		attachments=attachments,
	)
	effect = Effect(entry_type=ENTRY_TYPES[Channel.EMAIL], communication=communication.name)
	if not queued:
		effect.notes.append(
			_("{0} unsubscribed from emails: the reminder is on the timeline but was not emailed.").format(
				recipient.email
			)
		)
	return effect


def send_sms(action: Action, message: Message, recipient: Recipient) -> Effect:
	"""Send through the SMS gateway configured in SMS Settings, and keep ERPNext's SMS Log."""
	if not recipient.mobile:
		raise StepNotDeliverable(_("No mobile number for this customer: SMS not sent."))
	settings = frappe.get_single("SMS Settings")
	if not settings.sms_gateway_url:
		raise StepNotDeliverable(_("No SMS gateway configured in SMS Settings: SMS not sent."))
	numbers = validate_receiver_nos([recipient.mobile])
	args = {settings.message_parameter: message.body}
	for param in settings.get("parameters"):
		if not param.header:
			args[param.parameter] = param.value
	args[settings.receiver_parameter] = numbers[0]
	headers = get_headers(settings)
	status = send_request(
		settings.sms_gateway_url,
		args,
		headers,
		settings.use_post,
		headers.get("Content-Type") == "application/json",
	)
	if not 200 <= status < 300:
		# A gateway error may be temporary: raise so the step is marked Failed and retried by the next run.
		raise RuntimeError(_("The SMS gateway answered with status {0}.").format(status))
	try:
		create_sms_log({"message": message.body.encode("utf-8"), "receiver_list": numbers}, numbers)
	except Exception:
		# The SMS is gone: a failing SMS Log must not turn the step into a "Failed" one that is sent again.
		frappe.log_error(title=_("Could not write the SMS Log for {0}").format(action.customer))
	return Effect(entry_type=ENTRY_TYPES[Channel.SMS], notes=[_("SMS sent to {0}.").format(numbers[0])])


def create_task(action: Action, *, description: str, today: date, assignee: str | None = None) -> str:
	"""A ToDo due today on the first invoice, for the level's assignee or the customer's account manager."""
	owner = (
		assignee
		or action.level.assignee
		or frappe.db.get_value("Customer", action.customer, "account_manager")
	)
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"status": "Open",
			"priority": "High" if action.level.formal_notice else "Medium",
			"date": today,
			"allocated_to": owner,
			"description": description,
			"reference_type": "Sales Invoice",
			"reference_name": action.invoices[0],
			"assigned_by": "Administrator",
		}
	)
	todo.insert(ignore_permissions=True)
	return todo.name


def call_task(action: Action, context: dict, recipient: Recipient, today: date) -> Effect:
	"""A call task with its script: who to call, on which number, about which invoices, what to say."""
	lines = [
		"<p><strong>{}</strong></p>".format(_("Call {0} about overdue invoices").format(bold_name(context))),
		"<p>{}: {}</p>".format(_("Phone"), escape_html(recipient.mobile or _("no number on file"))),
		"<ul>",
	]
	for invoice in context["invoices"]:
		lines.append(
			"<li><a href='{url}'>{name}</a>: {amount}, {due} {date} ({days})</li>".format(
				url=escape_html(get_url_to_form("Sales Invoice", invoice["name"])),
				name=escape_html(invoice["name"]),
				amount=frappe.format_value(
					invoice["outstanding"],
					{"fieldtype": "Currency", "options": "currency"},
					currency=invoice["currency"],
				),
				due=_("due on"),
				date=frappe.format_value(invoice["due_date"], {"fieldtype": "Date"}),
				days=_("{0} days late").format(invoice["days_overdue"]),
			)
		)
	lines += [
		"</ul>",
		"<p>{}</p>".format(
			_(
				"Script: check that the invoice was received and approved; ask for a payment date; log the outcome "
				"with Relance > Log a call (a promise or a dispute pauses the reminders)."
			)
		),
	]
	if action.broken_promises:
		lines.append("<p><strong>{}</strong></p>".format(_("The customer did not keep a promise to pay.")))
	todo = create_task(action, description="\n".join(lines), today=today)
	return Effect(entry_type=ENTRY_TYPES[Channel.CALL], todo=todo)


def letter(
	action: Action, context: dict, recipient: Recipient, today: date, message: Message | None
) -> Effect:
	"""A letter PDF (the level's template laid out on A4) and a task to post it."""
	html = frappe.render_template(
		"relance_app/templates/letters/letter.html",
		{
			"ctx": context,
			"body": message.body if message else "",
			"recipient_address": postal_address(action.customer),
		},
	)
	pdf = get_pdf(html)
	registered = action.channel is Channel.REGISTERED_LETTER
	file_name = "{}-{}-{}.pdf".format(_("Relance"), action.customer, today.isoformat()).replace("/", "-")
	description = (
		_(
			"Post the registered letter (with acknowledgement of receipt) to {0} and record the tracking number."
		)
		if registered
		else _("Post the reminder letter to {0}.")
	).format(bold_name(context))
	todo = create_task(action, description=description, today=today)
	return Effect(
		entry_type=ENTRY_TYPES[Channel.REGISTERED_LETTER if registered else Channel.LETTER],
		todo=todo,
		attachment=_save_pdf(file_name, pdf),
	)


def bold_name(context: dict) -> str:
	"""The customer's name in bold for a task description (HTML): escaped, it is data."""
	return frappe.bold(escape_html(context["customer"]["customer_name"]))


def _save_pdf(file_name: str, content: bytes) -> str:
	file = frappe.get_doc(
		{"doctype": "File", "file_name": file_name, "is_private": 1, "content": content}
	).insert(ignore_permissions=True)
	return file.file_url
