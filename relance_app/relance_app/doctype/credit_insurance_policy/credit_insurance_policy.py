# Copyright (c) 2026, relance_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from relance_app.common.validation import DunningConfigurationError, throw_engine_error
from relance_app.engine.insurance import Deadlines, InsuranceError

POLICY = "Credit Insurance Policy"


class CreditInsurancePolicy(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from relance_app.relance_app.doctype.credit_insurance_cover.credit_insurance_cover import (
			CreditInsuranceCover,
		)

		claim_days: DF.Int
		company: DF.Link
		covered: DF.Table[CreditInsuranceCover]
		currency: DF.Link | None
		declaration_days: DF.Int
		enabled: DF.Check
		insurer: DF.Data
		policy_number: DF.Data
		valid_from: DF.Date
		valid_to: DF.Date | None
		warning_days: DF.Int
	# end: auto-generated types

	def validate(self):
		self.validate_deadlines()
		self.validate_validity()
		self.validate_covered()
		self.validate_no_overlap()

	def validate_deadlines(self):
		try:
			Deadlines(
				declaration_days=self.declaration_days,
				claim_days=self.claim_days,
				lead_days=self.warning_days,
			)
		except InsuranceError as exc:
			throw_engine_error(exc, DunningConfigurationError)

	def validate_validity(self):
		if self.valid_to and getdate(self.valid_to) < getdate(self.valid_from):
			frappe.throw(_("The policy cannot end before it starts."), DunningConfigurationError)

	def validate_covered(self):
		seen = set()
		for row in self.covered:
			if row.customer:
				# A customer's row covers that customer: a group filled in beside it (a user default) is not
				# part of the cover.
				row.customer_group = None
			if not row.customer and not row.customer_group:
				frappe.throw(
					_("Row {0}: choose a customer or a customer group.").format(row.idx),
					DunningConfigurationError,
				)
			if (row.credit_limit or 0) <= 0:
				frappe.throw(
					_("Row {0}: the credit limit must be more than zero.").format(row.idx),
					DunningConfigurationError,
				)
			key = row.customer or row.customer_group
			if key in seen:
				frappe.throw(
					_("Row {0}: {1} is already covered by this policy.").format(row.idx, key),
					DunningConfigurationError,
				)
			seen.add(key)

	def validate_no_overlap(self):
		"""One enabled policy per customer (or group) of a company on any day: the deadlines must be one."""
		if not self.enabled:
			return
		filters = {"company": self.company, "enabled": 1, "name": ("!=", self.name or "")}
		if self.valid_to:
			filters["valid_from"] = ("<=", self.valid_to)
		others = [
			other.name
			for other in frappe.get_all(POLICY, filters=filters, fields=["name", "valid_to"])
			if not other.valid_to or getdate(other.valid_to) >= getdate(self.valid_from)
		]
		if not others:
			return
		ours = {row.customer or row.customer_group for row in self.covered}
		for row in frappe.get_all(
			"Credit Insurance Cover",
			filters={"parenttype": POLICY, "parent": ("in", others)},
			fields=["parent", "customer", "customer_group"],
		):
			party = row.customer or row.customer_group
			if party in ours:
				frappe.throw(
					_("{0} is already covered by the credit insurance policy {1} over these dates.").format(
						party, row.parent
					),
					DunningConfigurationError,
				)
