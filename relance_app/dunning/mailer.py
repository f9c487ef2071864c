"""Queueing a reminder email in Frappe's Email Queue through Frappe's public API, at the speed of a nightly run.

`frappe.sendmail` wraps each message in Frappe's email frame (`get_formatted_html`: the standard template,
the email account's footer, absolute URLs, the unsubscribe placeholder) and then inlines Frappe's email CSS
with premailer: 30-60 ms per message on two cores, a minute or two for 2,000 reminders, every night. The
frame does not depend on the message, so here Frappe's own `get_formatted_html` builds it once per run (per
email account, language and footer settings) around two markers, and each reminder is put in its place
(`scrub_urls` applied to it, as Frappe applies it to the whole email): the reminder templates carry their
styles inline, so premailer has nothing to add to them. The rest is Frappe's: the MIME message
(`get_email`), the sender rules of the email account, the queue row and its recipients (`EmailQueue.new`,
what `frappe.sendmail` calls), recipients who unsubscribed dropped as Frappe drops them. Should the frame come
back without its markers (another app changed the email template), the message goes through
`frappe.sendmail` itself.
"""

from __future__ import annotations

import contextlib
import html
import json
from collections.abc import Iterator

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.email.doctype.email_queue.email_queue import EmailQueue
from frappe.email.email_body import get_email, get_formatted_html
from frappe.query_builder import DocType
from frappe.utils import cstr, get_url, scrub_urls

from relance_app.common.parties import batch_memo

# What frappe.sendmail stores for a message with no unsubscribe method of its own.
UNSUBSCRIBE_METHOD = "/api/method/frappe.email.queue.unsubscribe"
CONTENT_MARK = "relance-content-9c1e5b7a"
SUBJECT_MARK = "relance-subject-4d2f8e61"
FRAMES = "relance_email_frames"


def queue_email(
	*,
	recipient: str,
	sender: str | None,
	subject: str,
	body: str,
	text: str,
	reference_doctype: str,
	reference_name: str,
	communication: str | None,
	attachments: list[dict],
	language: str | None = None,
) -> str | None:
	"""Queue one email to `recipient` about `reference_name`; the Email Queue's name, or None when the
	recipient unsubscribed (Frappe queues nothing for them either). `language`: Frappe's frame is written in
	it (the site's language otherwise)."""
	account = EmailAccount.find_outgoing(match_by_email=sender, match_by_doctype=reference_doctype)
	if not account:
		frappe.throw(_("Please setup default Email Account from Settings > Email Account"))
	with in_frappe_language(language):
		frame = email_frame(account)
	if frame is None:
		return queue_with_sendmail(
			recipient=recipient, sender=sender, subject=subject, body=body, text=text,
			reference_doctype=reference_doctype, reference_name=reference_name,
			communication=communication, attachments=attachments,
		)  # fmt: skip
	if unsubscribed(recipient, reference_doctype, reference_name):
		return None
	escaped_subject = html.escape(subject, quote=False)
	before, after = frame
	formatted = (
		before.replace(SUBJECT_MARK, escaped_subject)
		+ scrub_urls(body)
		+ after.replace(SUBJECT_MARK, escaped_subject)
	)
	mail = get_email(
		recipients=[recipient],
		sender=sender if sender and sender != "Administrator" else account.default_sender,
		subject=subject,
		formatted=formatted,
		text_content=text,
		email_account=account,
	)
	mail.set_message_id(None)
	message = cstr(mail.as_string())
	queue = EmailQueue.new(
		{
			"priority": 1,
			"attachments": json.dumps([{**att, "print_letterhead": False} for att in attachments]),
			"message_id": mail.msg_root["Message-Id"].strip(" <>"),
			"message": message,
			"sender": mail.sender,
			"reference_doctype": reference_doctype,
			"reference_name": reference_name,
			"add_unsubscribe_link": 1,
			"unsubscribe_method": UNSUBSCRIBE_METHOD,
			"unsubscribe_params": None,
			"expose_recipients": None,
			"communication": communication,
			"send_after": None,
			"show_as_cc": "",
			"show_as_bcc": "",
			"email_account": stored_account(account),
			"recipients": [recipient],
		},
		ignore_permissions=True,
	)
	return queue.name if queue else None


@contextlib.contextmanager
def in_frappe_language(language: str | None) -> Iterator[None]:
	"""Frappe's translations in `language` for the block, and back afterwards even if it fails (Frappe's own
	`print_language` does not restore the language after an error, and one failing step must not change the
	language of the next customer's email)."""
	previous = frappe.local.lang
	if language:
		frappe.local.lang = language
	try:
		yield
	finally:
		frappe.local.lang = previous


def email_frame(account) -> tuple[str, str] | None:
	"""Frappe's email around the message, split where the message goes (the subject still marked), built
	once per run for this account, language and footer settings; None if Frappe's frame lost the marker."""
	key = batch_memo(
		("email_frame", account.name, frappe.local.lang),
		lambda: (
			account.name,
			str(account.get("modified") or ""),
			frappe.local.lang,
			get_url(),
			cstr(frappe.db.get_default("email_footer_address")),
			cstr(frappe.db.get_default("disable_standard_email_footer")),
		),
	)
	frames = frappe.local.cache.setdefault(FRAMES, {})
	if key not in frames:
		formatted = get_formatted_html(SUBJECT_MARK, CONTENT_MARK, email_account=account)
		parts = formatted.split(CONTENT_MARK)
		frames[key] = (parts[0], parts[1]) if len(parts) == 2 else None
	return frames[key]


def stored_account(account) -> str | None:
	"""The account's name when it is an Email Account row (not one from the site config), as Frappe stores it."""
	return batch_memo(
		("stored_account", account.name),
		lambda: account.name if frappe.db.exists("Email Account", account.name) else None,
	)


def unsubscribed(email: str, reference_doctype: str, reference_name: str) -> bool:
	"""Frappe's rule: unsubscribed from every email, or from the emails about this document."""
	unsubscribe = DocType("Email Unsubscribe")
	# Most sites have no unsubscription at all: one query per batch of the run then, not one per email.
	if not batch_memo(
		"any_unsubscribe", lambda: frappe.qb.from_(unsubscribe).select(unsubscribe.name).limit(1).run()
	):
		return False
	return bool(
		frappe.qb.from_(unsubscribe)
		.select(unsubscribe.name)
		.where(unsubscribe.email == email)
		.where(
			(unsubscribe.global_unsubscribe == 1)
			| (
				(unsubscribe.reference_doctype == reference_doctype)
				& (unsubscribe.reference_name == reference_name)
			)
		)
		.limit(1)
		.run()
	)


def queue_with_sendmail(
	*,
	recipient,
	sender,
	subject,
	body,
	text,
	reference_doctype,
	reference_name,
	communication=None,
	attachments=(),
) -> str | None:
	"""The same email through `frappe.sendmail` (Frappe's frame and CSS inlining for this message alone)."""
	queue = frappe.sendmail(
		recipients=[recipient],
		sender=sender,
		subject=subject,
		message=body,
		reference_doctype=reference_doctype,
		reference_name=reference_name,
		communication=communication,
		attachments=list(attachments),
		now=False,
	)
	return queue.name if queue else None
