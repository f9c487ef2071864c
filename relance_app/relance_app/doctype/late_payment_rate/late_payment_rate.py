# Copyright (c) 2026, relance_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class LatePaymentRate(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		rate_percent: DF.Float
		rate_type: DF.Literal[
			"ECB Main Refinancing Rate", "Legal Rate (Consumer Creditor)", "Legal Rate (Other Cases)"
		]
		source: DF.Data
		valid_from: DF.Date
	# end: auto-generated types

	def validate(self):
		self.validate_rate()
		self.validate_unique_date()

	def on_update(self):
		frappe.local.cache.pop("relance_rate_table", None)

	def on_trash(self):
		frappe.local.cache.pop("relance_rate_table", None)

	def validate_rate(self):
		if self.rate_percent is None or self.rate_percent < 0:
			frappe.throw(_("A rate cannot be negative."))

	def validate_unique_date(self):
		duplicate = frappe.db.exists(
			"Late Payment Rate",
			{"rate_type": self.rate_type, "valid_from": self.valid_from, "name": ("!=", self.name or "")},
		)
		if duplicate:
			frappe.throw(
				_("A {0} from {1} already exists ({2}): edit it instead.").format(
					_(self.rate_type), frappe.format(self.valid_from, "Date"), duplicate
				),
				frappe.DuplicateEntryError,
			)
