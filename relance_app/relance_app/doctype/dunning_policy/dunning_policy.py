# Copyright (c) 2026, relance_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, today

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
from relance_app.engine.rates import LEGAL_RATE_OTHER
from relance_app.engine.render import RenderError, check_template


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
		scope: DF.Literal["Both", "B2B", "B2C"]
		thank_you_template: DF.Link | None
	# end: auto-generated types

	def validate(self):
		self.validate_levels()
		self.validate_level_templates()
		self.validate_contractual_rate()
		self.set_single_default()

	def on_update(self):
		frappe.local.cache.pop("relance_policies", None)

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
						_("Thank-you template {0}: {1}").format(self.thank_you_template, engine_message(exc)),
						TemplateRenderError,
					)

	def _check(self, row, text: str, *, html: bool, what: str) -> None:
		try:
			check_template(text, html=html)
		except RenderError as exc:
			frappe.throw(
				_("Row {0} ({1}), {2}: {3}").format(row.idx, row.title, what, engine_message(exc)),
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
