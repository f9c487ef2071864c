"""Doc events on Frappe's Email Template: a reminder template may only read its data.

The daily run renders the templates of the dunning policies for every customer, unattended. An Email Template
that a policy uses, or that bears the name of a shipped one (a policy may point at it later), is checked when
saved with the engine's sandbox (`engine.render.check_template`): a template that would change its data,
read hidden attributes or call anything but reading methods is refused here, with the reason. Other Email
Templates are Frappe's business and are left alone.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html

from relance_app.common.validation import TemplateRenderError, engine_message
from relance_app.engine.default_templates import DEFAULT_TEMPLATES
from relance_app.engine.render import RenderError, check_template


def validate(doc, method=None):
	"""Refuse a dunning template that does not render safely against the sample invoice."""
	if not is_dunning_template(doc.name):
		return
	body = doc.response_html if doc.use_html else doc.response
	for part, text, html in ((_("subject"), doc.subject or "", False), (_("message"), body or "", True)):
		try:
			check_template(text, html=html)
		except RenderError as exc:
			frappe.throw(
				# The message quotes the template's own text: escaped, the dialog shows HTML.
				_("Email Template {0} is used for dunning; its {1} cannot be used: {2}").format(
					frappe.bold(escape_html(doc.name)), part, escape_html(engine_message(exc))
				),
				TemplateRenderError,
				title=_("Unsafe dunning template"),
			)


def is_dunning_template(name: str | None) -> bool:
	"""Used by a Dunning Policy (a level or the thank-you message), or named like a shipped template."""
	if not name:
		return False
	if name in {template.name for template in DEFAULT_TEMPLATES}:
		return True
	if frappe.db.exists("Dunning Policy", {"thank_you_template": name}):
		return True
	return bool(frappe.db.exists("Dunning Level", {"email_template": name, "parenttype": "Dunning Policy"}))
