"""Penalty invoices link to their Dunning (`dunning_formal_notice`) instead of naming it in their remarks.

Adds the field, then fills it once on the penalty invoices made before it existed: their remarks name the
Dunning ("... claimed by formal notice <name>. ..."), in the customer's language. Only Dunnings of the
invoice's customer and company are looked for, the longest name first (so that DUNN-0001 is not taken for
DUNN-00012).
"""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from relance_app.common.query import linked
from relance_app.formal_notice.penalty_invoice import INDEMNITY_ITEM, PENALTY_ITEM
from relance_app.setup.custom_fields import PENALTY_INVOICE_LINK


def execute():
	create_custom_fields({"Sales Invoice": [PENALTY_INVOICE_LINK]}, update=True)
	query, item, si = linked("Sales Invoice Item", "parent", "Sales Invoice")
	invoices = (
		query.select(si.name, si.customer, si.company, si.remarks)
		.distinct()
		.where(item.parenttype == "Sales Invoice")
		.where(item.item_code.isin((PENALTY_ITEM, INDEMNITY_ITEM)))
		.where((si.dunning_formal_notice.isnull()) | (si.dunning_formal_notice == ""))
		.where(si.remarks.isnotnull())
		.run(as_dict=True)
	)
	if not invoices:
		return
	dunnings: dict[tuple[str, str], list[str]] = {}
	for row in frappe.get_all(
		"Dunning",
		filters={"customer": ("in", sorted({inv.customer for inv in invoices}))},
		fields=["name", "customer", "company"],
	):
		dunnings.setdefault((row.customer, row.company), []).append(row.name)
	for inv in invoices:
		candidates = sorted(dunnings.get((inv.customer, inv.company), []), key=len, reverse=True)
		found = next((name for name in candidates if name in inv.remarks), None)
		if found:
			frappe.db.set_value(
				"Sales Invoice", inv.name, "dunning_formal_notice", found, update_modified=False
			)
