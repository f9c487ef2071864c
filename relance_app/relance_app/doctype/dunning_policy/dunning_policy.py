# Copyright (c) 2026, relance_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, today

from relance_app.common.constants import CHANNEL_LABELS
from relance_app.common.policy_store import engine_policy
from relance_app.common.rate_store import get_rate_table
from relance_app.common.validation import (
	DunningConfigurationError,
	TemplateRenderError,
	engine_message,
	throw_engine_error,
)
from relance_app.engine.errors import EngineError
from relance_app.engine.law import CONTRACTUAL_FLOOR_MULTIPLIER
from relance_app.engine.policy import default_policy
from relance_app.engine.rates import LEGAL_RATE_OTHER
from relance_app.engine.render import RenderError, check_template, sample_context
from relance_app.engine.template_help import unknown_variable, variables

LETTER_CHANNELS = ("Letter", "Registered Letter")
# Words in a level's title that name a channel: a title saying "SMS" on a letter level misleads whoever reads
# the contact log (issue 18: the SMS level turned into a letter kept "SMS de relance").
TITLE_CHANNEL_WORDS = {
	"sms": "SMS",
	"appel": "Phone Call",
	"recommand": "Registered Letter",
	"e-mail": "Email",
}


class DunningPolicy(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from relance_app.relance_app.doctype.dunning_level.dunning_level import DunningLevel

		business_days_only: DF.Check
		charge_recovery_indemnity: DF.Check
		company: DF.Link
		contractual_rate: DF.Percent
		description: DF.SmallText | None
		enabled: DF.Check
		high_risk_advance_days: DF.Int
		indemnity_per: DF.Literal["Invoice", "Instalment"]
		is_default: DF.Check
		levels: DF.Table[DunningLevel]
		min_gap_days: DF.Int
		min_outstanding: DF.Currency
		one_message_per_customer: DF.Check
		penalty_rate_type: DF.Literal["Statutory", "Contractual"]
		policy_name: DF.Data
		portal_link_days: DF.Int
		reply_pause_days: DF.Int
		scope: DF.Literal["Both", "B2B", "B2C"]
		thank_you_template: DF.Link | None
	# end: auto-generated types

	def validate(self):
		self.sort_levels()
		self.validate_levels()
		self.validate_level_templates()
		self.validate_contractual_rate()
		self.set_single_default()

	def on_update(self):
		frappe.local.cache.pop("relance_policies", None)

	def sort_levels(self):
		"""Levels in the order of their offsets: a step added at the bottom of the table takes its place."""
		ordered = sorted(self.levels, key=lambda row: (int(row.offset_days or 0), row.idx or 0))
		for idx, row in enumerate(ordered, start=1):
			row.idx = idx
		self.levels = ordered

	def validate_levels(self):
		"""The engine's own rules (offsets increase, formal notice last, known channels...)."""
		try:
			engine_policy(self)
		except EngineError as exc:
			throw_engine_error(exc, DunningConfigurationError)

	def validate_level_templates(self):
		"""Every message must render against a sample invoice now, not fail on a customer's reminder later."""
		for row in self.levels:
			if row.channel == "SMS":
				if not (row.sms_text or "").strip():
					frappe.throw(
						_("Row {0} ({1}): an SMS level needs its SMS text.").format(row.idx, row.title),
						DunningConfigurationError,
					)
				self._check(row, row.sms_text, html=False, what=_("SMS text"))
				continue
			if row.channel == "Email" and not row.email_template:
				frappe.throw(
					_("Row {0} ({1}): an email level needs an Email Template.").format(row.idx, row.title),
					DunningConfigurationError,
				)
			if row.channel in LETTER_CHANNELS and not row.email_template:
				frappe.throw(
					_(
						"Row {0} ({1}): a letter level needs an Email Template, the text of the letter: without "
						"one the letter would be empty."
					).format(row.idx, row.title),
					DunningConfigurationError,
				)
			warn_title_channel(row)
			if row.email_template:
				template = frappe.get_cached_doc("Email Template", row.email_template)
				self._check(
					row, template.subject, html=False, what=_("subject of {0}").format(row.email_template)
				)
				body = template.response_html if template.use_html else template.response
				self._check(row, body or "", html=True, what=_("body of {0}").format(row.email_template))
		if self.thank_you_template:
			template = frappe.get_cached_doc("Email Template", self.thank_you_template)
			body = template.response_html if template.use_html else template.response
			for text, html in ((template.subject, False), (body or "", True)):
				try:
					check_template(text, html=html)
				except RenderError as exc:
					frappe.throw(
						_("Thank-you template {0}: {1}").format(
							self.thank_you_template, template_error(exc, text)
						),
						TemplateRenderError,
					)

	def _check(self, row, text: str, *, html: bool, what: str) -> None:
		try:
			check_template(text, html=html)
		except RenderError as exc:
			frappe.throw(
				_("Row {0} ({1}), {2}: {3}").format(row.idx, row.title, what, template_error(exc, text)),
				TemplateRenderError,
			)

	def validate_contractual_rate(self):
		"""A contractual rate below three times the legal rate (Code de commerce L441-10 II) is not refused: the
		engine applies the floor instead, half-year by half-year. The form says so, and every letter warns."""
		if self.penalty_rate_type != "Contractual":
			return
		if not self.contractual_rate or self.contractual_rate <= 0:
			frappe.throw(_("Enter the contractual rate (% per year)."), DunningConfigurationError)
		warning = self.floor_warning()
		if warning:
			frappe.msgprint(warning, title=_("Contractual rate below the legal floor"), indicator="orange")

	def floor_warning(self, on=None) -> str:
		"""The warning shown when the contractual rate is below the floor in force `on` (today), else ""."""
		try:
			legal = get_rate_table().rate_in_force(LEGAL_RATE_OTHER, getdate(on or today()))
		except EngineError as exc:
			throw_engine_error(exc, DunningConfigurationError)
		floor = legal.rate_percent * CONTRACTUAL_FLOOR_MULTIPLIER
		if self.contractual_rate >= float(floor):
			return ""
		return _(
			"The contractual rate ({0} %) is below the legal floor of {1} % (three times the legal rate of {2} % "
			"in force since {3}, Code de commerce L441-10 II): penalties are computed at the floor, and each "
			"letter warns before it is sent."
		).format(self.contractual_rate, floor, legal.rate_percent, legal.valid_from)

	def set_single_default(self):
		"""One default policy per company: making this one the default demotes the others."""
		if self.is_default and self.enabled:
			frappe.db.set_value(
				"Dunning Policy",
				{"company": self.company, "is_default": 1, "name": ("!=", self.name or "")},
				"is_default",
				0,
			)


def warn_title_channel(row) -> None:
	"""Say so when the level's title names another channel than the one it uses."""
	title = (row.title or "").lower()
	for word, channel in TITLE_CHANNEL_WORDS.items():
		if word in title and row.channel != channel:
			frappe.msgprint(
				_("Row {0}: the title {1} names the channel {2}, but the level is sent as {3}.").format(
					row.idx, frappe.bold(row.title), _(channel), _(row.channel)
				),
				title=_("Check the level's title"),
				indicator="orange",
			)
			return


def template_error(exc: RenderError, template: str) -> str:
	"""The render error in words; an unknown variable with the closest known name."""
	message = str((exc.params or {}).get("message", ""))
	unknown = (
		unknown_variable(template, message, sample_context()) if "does not exist" in exc.template else None
	)
	if unknown is None:
		return engine_message(exc)
	if unknown.suggestion:
		return _("Unknown variable {0}: did you mean {1}?").format(unknown.written, unknown.suggestion)
	return _(
		"Unknown variable {0}: see the Template Variables button for the variables a template may use."
	).format(unknown.written)


@frappe.whitelist()
def template_variables(company: str | None = None) -> dict:
	"""The variables a template may use, each with an example: from the latest overdue invoice the user may read
	(of `company`), else from the documented sample."""
	frappe.has_permission("Dunning Policy", "read", throw=True)
	from relance_app.relance_app.doctype.dunning_policy.template_example import real_context

	context, invoice = real_context(company)
	return {
		"invoice": invoice,
		"variables": [{"name": name, "example": example} for name, example in variables(context)],
	}


@frappe.whitelist()
def level_title_defaults() -> dict:
	"""Title per channel that the form may replace when the channel changes: the shipped ladder's titles and a
	generic one, so a renamed title (the user's own words) is never overwritten."""
	frappe.has_permission("Dunning Policy", "read", throw=True)
	generic = {
		"Email": _("Reminder email"),
		"SMS": _("Reminder SMS"),
		"Phone Call": _("Phone call"),
		"Letter": _("Reminder letter"),
		"Registered Letter": _("Registered letter"),
	}
	shipped: dict[str, list[str]] = {channel: [title] for channel, title in generic.items()}
	for level in default_policy().levels:
		shipped[CHANNEL_LABELS[level.channel.value]].append(level.title)
	return {"generic": generic, "known": shipped}
