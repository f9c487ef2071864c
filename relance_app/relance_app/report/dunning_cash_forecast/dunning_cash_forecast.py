"""Dunning Cash Forecast: the receipts expected each week from the open invoices of a company.

Each invoice open on the date (outstanding from the Payment Ledger, in company currency) is expected on its
predicted payment date (`dunning_predicted_payment_date`, learned from the customer's history by
`dunning.risk`); without one, on its due date, or on the date itself when it is already overdue. A date
before the report date (a prediction not recomputed since) counts on the report date: an open invoice is
not paid in the past. Weeks start on Monday. A user restricted by User Permissions sees the invoices of the
customers they may read only.
"""

from __future__ import annotations

from datetime import date, timedelta

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Sum
from frappe.utils import flt, format_date, getdate

from relance_app.desk.reports import company_currency, currency_precision, restrict_to_customers


def execute(filters: dict | None = None):
	filters = validate_filters(filters)
	data = get_data(filters)
	return get_columns(), data, None, get_chart(data)


def validate_filters(filters: dict | None) -> frappe._dict:
	filters = frappe._dict(filters or {})
	if not filters.get("company"):
		frappe.throw(_("Select a company."))
	filters.report_date = getdate(filters.get("report_date"))
	return filters


def expected_on(row, report_date: date) -> date:
	"""When the invoice is expected paid: its prediction, else its due date, never before the report date."""
	day = getdate(row.predicted or row.due_date)
	return max(day, report_date)


def week_of(day: date) -> date:
	return day - timedelta(days=day.weekday())


def get_data(filters: dict) -> list[dict]:
	"""One row per week with receipts expected, earliest first."""
	filters = validate_filters(filters)
	precision = currency_precision()
	currency = company_currency(filters.company)
	weeks: dict[date, dict] = {}
	for inv in _open_invoices(filters):
		outstanding = flt(inv.outstanding, precision)
		if outstanding <= 0:
			continue
		start = week_of(expected_on(inv, filters.report_date))
		row = weeks.setdefault(
			start,
			{
				"week_start": start,
				"week_end": start + timedelta(days=6),
				"amount": 0.0,
				"invoices": 0,
				"predicted": 0,
				"currency": currency,
			},
		)
		row["amount"] = flt(row["amount"] + outstanding, precision)
		row["invoices"] += 1
		row["predicted"] += 1 if inv.predicted else 0
	return [weeks[start] for start in sorted(weeks)]


def _open_invoices(filters: dict) -> list:
	"""Per invoice open on the date: its outstanding from the Payment Ledger (one grouped query)."""
	ple = DocType("Payment Ledger Entry")
	si = DocType("Sales Invoice")
	outstanding = Sum(ple.amount)
	query = (
		frappe.qb.from_(ple)
		.join(si)
		.on(si.name == ple.against_voucher_no)
		.select(
			si.name,
			si.customer,
			si.due_date,
			si.dunning_predicted_payment_date.as_("predicted"),
			outstanding.as_("outstanding"),
		)
		.where(ple.against_voucher_type == "Sales Invoice")
		.where(ple.company == filters.company)
		.where(ple.party_type == "Customer")
		.where(ple.account_type == "Receivable")
		.where(ple.delinked == 0)
		.where(ple.posting_date <= filters.report_date)
		.where(si.docstatus == 1)
		.groupby(si.name, si.customer, si.due_date, si.dunning_predicted_payment_date)
		.having(outstanding > 0)
	)
	if filters.get("customer"):
		query = query.where(si.customer == filters.customer)
	query = restrict_to_customers(query, si.customer, filters.company)
	return query.run(as_dict=True) if query else []


def get_columns() -> list[dict]:
	return [
		{"fieldname": "week_start", "label": _("Week Of"), "fieldtype": "Date", "width": 110},
		{"fieldname": "week_end", "label": _("Week Ending"), "fieldtype": "Date", "width": 110},
		{
			"fieldname": "amount",
			"label": _("Expected Receipts"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 150,
		},
		{"fieldname": "invoices", "label": _("Open Invoices"), "fieldtype": "Int", "width": 110},
		{
			"fieldname": "predicted",
			"label": _("With a Predicted Date"),
			"fieldtype": "Int",
			"width": 150,
		},
		{
			"fieldname": "currency",
			"label": _("Currency"),
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]


def get_chart(data: list[dict]) -> dict | None:
	if not data:
		return None
	return {
		"data": {
			"labels": [format_date(row["week_start"]) for row in data],
			"datasets": [{"name": _("Expected Receipts"), "values": [row["amount"] for row in data]}],
		},
		"type": "bar",
		"fieldtype": "Currency",
		"currency": data[0]["currency"],
	}
