"""The indexed next-check day of Sales Invoices (dunning.selection): add the field with its index, then put the
settled invoices out of the due range once, so the first daily run reads only the open ones."""

import frappe
from frappe.query_builder import DocType

from relance_app.dunning.selection import CHECK_FIELD, NEVER
from relance_app.setup.install import make_custom_fields


def execute():
	make_custom_fields()
	si = DocType("Sales Invoice")
	settled = (si.docstatus != 1) | (si.outstanding_amount <= 0) | (si.is_return == 1)
	# Drafts stay empty: submitted later, they are read at the next run.
	frappe.qb.update(si).set(si[CHECK_FIELD], NEVER).where(settled & (si.docstatus > 0)).run()
