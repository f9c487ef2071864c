"""Rendering a level's message (email subject and body, SMS text) with the engine's sandboxed Jinja."""

from __future__ import annotations

from dataclasses import dataclass

import frappe

from relance_app.common.factoring import payment_block
from relance_app.common.validation import TemplateRenderError, throw_engine_error
from relance_app.engine.errors import EngineError
from relance_app.engine.policy import Channel, Level
from relance_app.engine.render import render
from relance_app.formal_notice.letter import letter_language


@dataclass(frozen=True)
class Message:
	subject: str
	body: str
	is_html: bool


def render_level_message(level: Level, context: dict) -> Message | None:
	"""The message `level` sends with `context`, or None when the level has no template (a bare call task)."""
	if not level.template:
		return None
	try:
		if level.channel is Channel.SMS:
			return Message(
				subject="", body=render(level.template, context, html=False).strip(), is_html=False
			)
		message = render_email_template(level.template, context)
	except EngineError as exc:
		throw_engine_error(exc, TemplateRenderError, prefix=f"{level.title}: ")
	# Factored invoices: the factor's account and the subrogation mention, whatever the template says.
	payments = context.get("payments") or []
	if not any(group["is_factor"] for group in payments):
		return message
	block = payment_block(payments, letter_language(context["customer"]["name"]))
	return Message(subject=message.subject, body=message.body + block, is_html=True)


def render_email_template(name: str, context: dict) -> Message:
	template = frappe.get_cached_doc("Email Template", name)
	body = template.response_html if template.use_html else template.response
	return Message(
		subject=" ".join(render(template.subject or "", context, html=False).split()),
		body=render(body or "", context, html=True),
		is_html=True,
	)
