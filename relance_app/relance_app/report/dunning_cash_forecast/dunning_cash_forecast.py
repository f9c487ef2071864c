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

from frappe import _
from frappe.utils import flt, format_date, getdate

from relance_app.common.factoring import by_factoring
from relance_app.desk.reports import (
	CURRENCY_COLUMN,
	bar_chart,
	company_currency,
	currency_precision,
	dated_company_filters,
	money_column,
	open_invoices,
)


def execute(filters: dict | None = None):
	data = get_data(filters)
	return get_columns(), data, None, get_chart(data)


def expected_on(row, report_date: date) -> date:
	"""When the invoice is expected paid: its prediction, else its due date, never before the report date."""
	day = getdate(row.dunning_predicted_payment_date or row.due_date)
	return max(day, report_date)


def week_of(day: date) -> date:
	return day - timedelta(days=day.weekday())


def get_data(filters: dict) -> list[dict]:
	"""One row per week with receipts expected, earliest first."""
	filters = dated_company_filters(filters)
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
		row["predicted"] += 1 if inv.dunning_predicted_payment_date else 0
	return [weeks[start] for start in sorted(weeks)]


def _open_invoices(filters: dict) -> list:
	"""Per invoice open on the date: its outstanding from the Payment Ledger (one grouped query)."""
	# A factored invoice's payment goes to the factor: left out unless asked (common.factoring.by_factoring).
	return by_factoring(open_invoices(filters, "dunning_predicted_payment_date"), filters)


def get_columns() -> list[dict]:
	return [
		{"fieldname": "week_start", "label": _("Week Of"), "fieldtype": "Date", "width": 110},
		{"fieldname": "week_end", "label": _("Week Ending"), "fieldtype": "Date", "width": 110},
		money_column("amount", _("Expected Receipts"), 150),
		{"fieldname": "invoices", "label": _("Open Invoices"), "fieldtype": "Int", "width": 110},
		{"fieldname": "predicted", "label": _("With a Predicted Date"), "fieldtype": "Int", "width": 150},
		CURRENCY_COLUMN,
	]


def get_chart(data: list[dict]) -> dict | None:
	if not data:
		return None
	return bar_chart(
		[format_date(row["week_start"]) for row in data],
		{_("Expected Receipts"): [row["amount"] for row in data]},
		"Currency",
		currency=data[0]["currency"],
	)
