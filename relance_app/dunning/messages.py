"""Rendering a level's message (email subject and body, SMS text) with the engine's sandboxed Jinja."""

from __future__ import annotations

from dataclasses import dataclass

import frappe

from relance_app.common.factoring import payment_block
from relance_app.common.validation import TemplateRenderError, throw_engine_error
from relance_app.engine.default_templates import DEFAULT_TEMPLATES
from relance_app.engine.errors import EngineError
from relance_app.engine.policy import Channel, Level
from relance_app.engine.render import in_language, render
from relance_app.engine.render import letter_language as to_letter_language


@dataclass(frozen=True)
class Message:
	"""A level's message as the customer reads it: `subject` (empty for an SMS) and `body` (HTML when
	`is_html`), written in `language`, the customer's dunning language, in which the email's frame and its
	attached invoices are written too."""

	subject: str
	body: str
	is_html: bool
	language: str | None = None


def render_level_message(level: Level, context: dict) -> Message | None:
	"""The message `level` sends with `context`, or None when the level has no template (a bare call task)."""
	if not level.template:
		return None
	try:
		if level.channel is Channel.SMS:
			with in_language(context.get("language")):
				body = render(level.template, context, html=False).strip()
			return Message(subject="", body=body, is_html=False, language=context.get("language"))
		message = render_email_template(level.template, context)
	except EngineError as exc:
		throw_engine_error(exc, TemplateRenderError, prefix=f"{level.title}: ")
	# Factored invoices: the factor's account and the subrogation mention, whatever the template says, in the
	# language the message was just written in (the context's, read once by build_context).
	block = payment_block(context.get("payments") or [], to_letter_language(context.get("language")))
	if not block:
		return message
	return Message(
		subject=message.subject, body=message.body + block, is_html=True, language=message.language
	)


def render_email_template(name: str, context: dict) -> Message:
	"""The email of template `name` in the customer's dunning language (``context["language"]``): a shipped
	template is replaced by its twin in that language, and amounts and dates are written in it."""
	language = context.get("language")
	template = frappe.get_cached_doc("Email Template", localized_template(name, language))
	body = template.response_html if template.use_html else template.response
	with in_language(language):
		return Message(
			subject=" ".join(render(template.subject or "", context, html=False).split()),
			body=render(body or "", context, html=True),
			is_html=True,
			language=language,
		)


def localized_template(name: str, language: str | None) -> str:
	"""The shipped template that says what `name` says in `language` ("Relance J+5 - Facture échue" ->
	"Dunning D+5 - Overdue invoice" for an English customer), when the site has it; else `name` itself
	(a template written on the site is sent as written)."""
	wanted = to_letter_language(language)
	shipped = {template.name: template for template in DEFAULT_TEMPLATES}
	current = shipped.get(name)
	if not current or current.language == wanted:
		return name
	stem = current.file.split(".")[0]
	twin = next(
		(t.name for t in DEFAULT_TEMPLATES if t.language == wanted and t.file.split(".")[0] == stem), None
	)
	return twin if twin and frappe.db.exists("Email Template", twin) else name
