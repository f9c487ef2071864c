"""Helpers shared by the dunning reports (Script Reports in the module folder), including the narrowing of
their figures to the customers the user may see."""

from __future__ import annotations

import frappe
from erpnext.accounts.utils import get_currency_precision
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Sum
from frappe.utils import cint, getdate

from relance_app.api.access import permitted_customers
from relance_app.common.constants import CHANNEL_LABELS
from relance_app.common.query import linked

# The hidden column that gives each row's Currency fields their currency ("options": "currency").
CURRENCY_COLUMN = {
	"fieldname": "currency",
	"label": _("Currency"),
	"fieldtype": "Link",
	"options": "Currency",
	"hidden": 1,
}


def link_column(fieldname: str, label: str, doctype: str, width: int) -> dict:
	"""A column whose values open a `doctype` record."""
	return {"fieldname": fieldname, "label": label, "fieldtype": "Link", "options": doctype, "width": width}


def money_column(fieldname: str, label: str, width: int = 120) -> dict:
	"""An amount in its row's currency: the report lists CURRENCY_COLUMN too."""
	return {
		"fieldname": fieldname,
		"label": label,
		"fieldtype": "Currency",
		"options": "currency",
		"width": width,
	}


def bar_chart(labels: list, datasets: dict[str, list], fieldtype: str, **options) -> dict:
	"""A bar chart of one bar series per name in `datasets` over `labels`, values shown as `fieldtype`;
	`options` such as the "currency" of Currency values."""
	return {
		"data": {
			"labels": labels,
			"datasets": [{"name": name, "values": values} for name, values in datasets.items()],
		},
		"type": "bar",
		"fieldtype": fieldtype,
		**options,
	}


def dated_company_filters(filters: dict | None) -> frappe._dict:
	"""A report's filters with the company required and the report date as a date (today when not given)."""
	filters = frappe._dict(filters or {})
	if not filters.get("company"):
		frappe.throw(_("Select a company."))
	filters.report_date = getdate(filters.get("report_date"))
	return filters


def channel_label(channel: str) -> str:
	"""The desk's name for an engine channel code (the Dunning Level's channel options), translated."""
	return _(CHANNEL_LABELS[channel]) if channel in CHANNEL_LABELS else channel


def customer_group_subtree(group: str):
	"""A subquery selecting `group` and all its sub-groups (nested set), to filter customers in SQL."""
	bounds = frappe.db.get_value("Customer Group", group, ["lft", "rgt"])
	if not bounds:
		frappe.throw(_("Customer Group {0} does not exist.").format(group))
	lft, rgt = bounds
	cg = DocType("Customer Group")
	return frappe.qb.from_(cg).select(cg.name).where(cg.lft >= lft).where(cg.rgt <= rgt)


def currency_precision() -> int:
	return cint(get_currency_precision()) or 2


def company_currency(company: str) -> str | None:
	return frappe.get_cached_value("Company", company, "default_currency")


def permitted_rows(rows: list[dict], *, company: str | None = None) -> list[dict]:
	"""The rows (each with a "customer") about customers whose invoices the user may read (User Permissions)."""
	customers = permitted_customers(company)
	if customers is None:
		return rows
	allowed = set(customers)
	return [row for row in rows if row["customer"] in allowed]


def narrowed(query, customer_field, filters):
	"""`query` narrowed to the report's customer group (when set) and to the customers the user may see;
	None when they may see none. `customer_field`: the query's column holding the customer."""
	if filters.get("customer_group"):
		customer = DocType("Customer")
		query = (
			query.join(customer)
			.on(customer.name == customer_field)
			.where(customer.customer_group.isin(customer_group_subtree(filters.customer_group)))
		)
	return restrict_to_customers(query, customer_field, filters.company)


def restrict_to_customers(query, field, company: str | None = None):
	"""`query` narrowed to the customers whose invoices the user may read; None when they may read none."""
	customers = permitted_customers(company)
	if customers is None:
		return query
	if not customers:
		return None
	return query.where(field.isin(customers))


def open_invoices(filters, *fields: str) -> list[dict]:
	"""Per Sales Invoice of ``filters.company`` open on ``filters.report_date``: name, customer, due date, the
	invoice's `fields` (and "customer_group" when asked), and its outstanding from the Payment Ledger, in one
	grouped query, narrowed to ``filters.customer`` / ``filters.customer_group`` and to the customers the user
	may see."""
	query, ple, si = linked("Payment Ledger Entry", "against_voucher_no", "Sales Invoice")
	columns = [
		si.name,
		si.customer,
		si.due_date,
		*(si[field] for field in fields if field != "customer_group"),
	]
	customer = DocType("Customer")
	if "customer_group" in fields or filters.get("customer_group"):
		query = query.join(customer).on(customer.name == si.customer)
		columns.append(customer.customer_group)
	outstanding = Sum(ple.amount)
	query = (
		query.select(*columns, outstanding.as_("outstanding"))
		.where(ple.against_voucher_type == "Sales Invoice")
		.where(ple.company == filters.company)
		.where(ple.party_type == "Customer")
		.where(ple.account_type == "Receivable")
		.where(ple.delinked == 0)
		.where(ple.posting_date <= filters.report_date)
		.where(si.docstatus == 1)
		.groupby(*columns)
		.having(outstanding > 0)
	)
	if filters.get("customer"):
		query = query.where(si.customer == filters.customer)
	if filters.get("customer_group"):
		query = query.where(customer.customer_group.isin(customer_group_subtree(filters.customer_group)))
	query = restrict_to_customers(query, si.customer, filters.company)
	return query.run(as_dict=True) if query else []
