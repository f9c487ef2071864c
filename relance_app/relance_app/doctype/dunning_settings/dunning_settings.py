# Copyright (c) 2026, relance_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document


class DunningSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		batch_size: DF.Int
		dry_run: DF.Check
		enabled: DF.Check
		max_actions_per_run: DF.Int
		send_digest: DF.Check
		sender: DF.Link | None
	# end: auto-generated types

	def validate(self):
		if self.max_actions_per_run < 0:
			frappe.throw(_("The maximum number of actions per run cannot be negative (0 means no limit)."))
		if self.batch_size < 1:
			frappe.throw(_("Each background job needs at least one customer."))
