# Copyright (c) 2026, relance_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class CreditInsuranceCover(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		credit_limit: DF.Currency
		customer: DF.Link | None
		customer_group: DF.Link | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
	# end: auto-generated types

	pass
