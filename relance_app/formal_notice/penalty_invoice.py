"""The invoice of a formal notice's penalties and indemnity: a draft Sales Invoice outside the scope of VAT."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.translate import print_language
from frappe.utils import flt, getdate

from relance_app.formal_notice.dunning import is_formal_notice
from relance_app.formal_notice.letter import formal_notice_context, letter_language

# Non-stock service items of the penalty invoice (their names are what the invoice shows).
PENALTY_ITEM = "Pénalités de retard"
INDEMNITY_ITEM = "Indemnité forfaitaire pour frais de recouvrement"


@frappe.whitelist(methods=["POST"])
def make_penalty_invoice(dunning: str) -> str:
	"""A draft Sales Invoice for the penalties and the indemnity of a submitted formal notice, without VAT.

	Late-payment penalties and the recovery indemnity are damages, the price of no supply: they are outside the
	scope of VAT, so the invoice has no taxes whatever the company's default template.
	"""
	frappe.has_permission("Sales Invoice", "create", throw=True)
	doc = frappe.get_doc("Dunning", dunning)
	doc.check_permission("read")
	# The invoice restates the customer's overdue invoices: a user restricted (User Permissions) to other
	# customers or companies gets nothing, even from a Dunning shared with them.
	frappe.has_permission("Customer", "read", doc=doc.customer, throw=True)
	for name in sorted({row.sales_invoice for row in doc.overdue_payments if row.sales_invoice}):
		frappe.has_permission("Sales Invoice", "read", doc=name, throw=True)
	if doc.docstatus != 1:
		frappe.throw(_("Submit the formal notice {0} before invoicing its penalties.").format(doc.name))
	if not is_formal_notice(doc):
		frappe.throw(_("Dunning {0} is not a formal notice under French law.").format(doc.name))
	existing = _penalty_invoice_of(doc.name)
	if existing:
		frappe.throw(_("The penalties of {0} are already invoiced in {1}.").format(doc.name, existing))
	letter = formal_notice_context(doc)
	if not letter["interest"] and not letter["indemnity"]:
		frappe.throw(_("Formal notice {0} claims no penalties to invoice.").format(doc.name))

	language = letter_language(doc.customer, doc.company)
	with print_language(language):
		items = _penalty_items(doc, letter)
		remarks = _(
			"Late-payment penalties and fixed recovery indemnity claimed by formal notice {0}. Outside the scope "
			"of VAT: damages for late payment, not the consideration for a supply."
		).format(doc.name)
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": doc.customer,
			"company": doc.company,
			"currency": doc.currency,
			"conversion_rate": doc.conversion_rate or 1,
			"posting_date": getdate(),
			"set_posting_time": 1,
			"due_date": getdate(),
			"language": doc.language,
			"disable_rounded_total": 1,
			"taxes_and_charges": "",
			"remarks": remarks,
			"dunning_formal_notice": doc.name,
			"items": items,
		}
	)
	# ERPNext fills in the company's default taxes template with the other missing values: drop it afterwards.
	invoice.set_missing_values()
	_drop_taxes(invoice)
	invoice.insert()
	return invoice.name


def _penalty_items(doc, letter: dict) -> list[dict]:
	penalty_item, indemnity_item = ensure_penalty_items()
	accounts = {"income_account": doc.income_account, "cost_center": doc.cost_center}
	accounts = {key: value for key, value in accounts.items() if value}
	items = []
	for row in letter["rows"]:
		if not row["interest"]:
			continue
		label = row["invoice"] + (f" ({row['instalment']}/{row['instalments']})" if row["instalment"] else "")
		working = "; ".join(
			_("{0} to {1}: {2} days at {3} % on {4}").format(
				frappe.format(segment["start"], {"fieldtype": "Date"}),
				frappe.format(segment["end"], {"fieldtype": "Date"}),
				segment["days"],
				segment["rate"],
				frappe.format(segment["base"], {"fieldtype": "Currency", "options": "currency"}, doc),
			)
			for segment in row["segments"]
		)
		due = frappe.format(row["due_date"], {"fieldtype": "Date"})
		if letter["is_b2b"]:
			description = _(
				"Late-payment penalties on invoice {0} due {1}, {2} days late ({3}). Code de commerce L441-10."
			).format(label, due, row["days_late"], working)
		elif letter["is_public"]:
			description = _(
				"Moratory interest on invoice {0} due {1}, {2} days late ({3}). Code de la commande publique "
				"L2192-13 and R2192-31."
			).format(label, due, row["days_late"], working)
		elif row["rate_kind"] == "contractual":
			description = _(
				"Interest at the contractual rate on invoice {0} due {1} from the formal notice ({2}). Code civil "
				"1231-6 and 1344-1."
			).format(label, due, working)
		else:
			description = _(
				"Interest at the legal rate on invoice {0} due {1} from the formal notice ({2}). Code civil 1231-6."
			).format(label, due, working)
		items.append(
			{
				"item_code": penalty_item,
				"qty": 1,
				"rate": flt(row["interest"]),
				"description": description,
				**accounts,
			}
		)
	if letter["indemnity_applies"] and letter["indemnity_count"]:
		late = [row for row in letter["rows"] if row["indemnity"]]
		names = ", ".join(
			row["invoice"] + (f" ({row['instalment']}/{row['instalments']})" if row["instalment"] else "")
			for row in late
		)
		article = (
			"Code de la commande publique D2192-35" if letter["is_public"] else "Code de commerce D441-5"
		)
		if letter["indemnity_per"] == "instalment":
			description = _(
				"Fixed indemnity for recovery costs, 40 € per instalment paid late ({0}; CJEU, 1 December 2022, "
				"C-370/21): {1}."
			).format(article, names)
		else:
			description = _(
				"Fixed indemnity for recovery costs, 40 € per invoice paid late ({0}): {1}."
			).format(article, names)
		items.append(
			{
				"item_code": indemnity_item,
				"qty": letter["indemnity_count"],
				"rate": flt(letter["indemnity_unit"]),
				"description": description,
				**accounts,
			}
		)
	return items


def _drop_taxes(invoice) -> None:
	invoice.taxes_and_charges = ""
	invoice.set("taxes", [])
	for item in invoice.items:
		item.item_tax_template = None
		item.item_tax_rate = "{}"


def _penalty_invoice_of(dunning: str) -> str | None:
	"""A non-cancelled Sales Invoice already made for `dunning`'s penalties (it links to the Dunning)."""
	return frappe.db.get_value(
		"Sales Invoice", {"dunning_formal_notice": dunning, "docstatus": ("<", 2)}, "name"
	)


def ensure_penalty_items() -> tuple[str, str]:
	"""The two non-stock service items of penalty invoices, created when missing."""
	group = (
		frappe.db.get_value("Item Group", {"name": "Services", "is_group": 0}, "name")
		or frappe.db.get_value("Item Group", {"is_group": 0}, "name")
		or "All Item Groups"
	)
	uom = "Unit" if frappe.db.exists("UOM", "Unit") else "Nos"
	for code in (PENALTY_ITEM, INDEMNITY_ITEM):
		if frappe.db.exists("Item", code):
			continue
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"description": code,
				"item_group": group,
				"stock_uom": uom,
				"is_stock_item": 0,
				"is_sales_item": 1,
				"is_purchase_item": 0,
				"include_item_in_manufacturing": 0,
			}
		).insert(ignore_permissions=True)
	return PENALTY_ITEM, INDEMNITY_ITEM
