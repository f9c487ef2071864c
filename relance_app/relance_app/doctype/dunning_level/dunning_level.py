# Copyright (c) 2026, relance_app developers and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class DunningLevel(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		assignee: DF.Link | None
		attach_invoice: DF.Check
		channel: DF.Literal["Email", "SMS", "Phone Call", "Letter", "Registered Letter"]
		email_template: DF.Link | None
		formal_notice: DF.Check
		include_penalties: DF.Check
		offset_days: DF.Int
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		payment_deadline_days: DF.Int
		payment_link: DF.Check
		sms_text: DF.SmallText | None
		title: DF.Data
	# end: auto-generated types

	pass
