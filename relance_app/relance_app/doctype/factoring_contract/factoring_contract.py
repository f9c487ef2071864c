# Copyright (c) 2026, relance_app developers and contributors
# For license information, please see license.txt

"""A factoring contract (affacturage with subrogation): the factor, its account, the mention its invoices
must carry, who collects, and which invoices it takes on submit (engine/payee.py decides)."""

import frappe
from frappe import _
from frappe.model.document import Document
from schwifty import BIC, IBAN

from relance_app.common.factoring import clear_contract_cache
from relance_app.engine.payee import BY_CUSTOMER, BY_CUSTOMER_GROUP, BY_HAND, DEFAULT_MENTION


class FactoringContract(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		assignment: DF.Literal["By Hand Only", "All Invoices of the Company", "Customer Group", "Customer"]
		collected_by: DF.Literal["Company", "Factor"]
		company: DF.Link
		customer: DF.Link | None
		customer_group: DF.Link | None
		enabled: DF.Check
		factor_address: DF.SmallText | None
		factor_bic: DF.Data | None
		factor_iban: DF.Data
		factor_name: DF.Data
		subrogation_mention: DF.SmallText
	# end: auto-generated types

	def validate(self):
		self.set_defaults()
		self.validate_bank_details()
		self.validate_rule()
		self.validate_one_contract_per_rule()

	def on_update(self):
		clear_contract_cache()

	def on_trash(self):
		if frappe.db.exists("Sales Invoice", {"dunning_factoring_contract": self.name}):
			frappe.throw(
				_("Factoring Contract {0} has invoices assigned to it: disable it instead.").format(self.name)
			)
		clear_contract_cache()

	def set_defaults(self):
		self.factor_name = (self.factor_name or "").strip()
		if not (self.subrogation_mention or "").strip():
			self.subrogation_mention = DEFAULT_MENTION
		if self.assignment != BY_CUSTOMER_GROUP:
			self.customer_group = None
		if self.assignment != BY_CUSTOMER:
			self.customer = None

	def validate_bank_details(self):
		"""The debtor pays to this account: a typo sends the money nowhere, so it is checked (ISO 13616)."""
		try:
			self.factor_iban = IBAN(self.factor_iban or "").formatted
		except ValueError:
			frappe.throw(_("The factor's IBAN {0} is not valid.").format(self.factor_iban))
		if (self.factor_bic or "").strip():
			try:
				self.factor_bic = str(BIC(self.factor_bic.strip()))
			except ValueError:
				frappe.throw(_("The factor's BIC {0} is not valid.").format(self.factor_bic))

	def validate_rule(self):
		if self.assignment == BY_CUSTOMER_GROUP and not self.customer_group:
			frappe.throw(_("Choose the customer group whose invoices the contract takes."))
		if self.assignment == BY_CUSTOMER and not self.customer:
			frappe.throw(_("Choose the customer whose invoices the contract takes."))

	def validate_one_contract_per_rule(self):
		"""Two enabled contracts with the same rule would each claim the same invoices."""
		if not self.enabled or self.assignment == BY_HAND:
			return
		filters = {
			"name": ("!=", self.name or ""),
			"enabled": 1,
			"company": self.company,
			"assignment": self.assignment,
		}
		if self.assignment == BY_CUSTOMER_GROUP:
			filters["customer_group"] = self.customer_group
		elif self.assignment == BY_CUSTOMER:
			filters["customer"] = self.customer
		other = frappe.db.get_value("Factoring Contract", filters, "name")
		if other:
			frappe.throw(
				_(
					"Factoring Contract {0} already takes these invoices: disable it or change its rule."
				).format(other)
			)
