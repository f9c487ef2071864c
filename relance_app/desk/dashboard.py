"""Numbers and charts of the "Relances" workspace, each over the customers the user may see.

A user restricted by User Permissions (to some customers, or to a company) gets the figures of their own
invoices only. The chart is therefore not cached: Frappe's chart cache is one entry per chart for everyone.
Every card and the chart take the company chosen at the top of the workspace (the "Relance Company" block,
`desk.workspace`); none chosen means every company the user may see. Amounts stay in their invoices'
currency: one figure, or one chart series, per currency.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Sum
from frappe.utils import flt, fmt_money, getdate, nowdate

from relance_app.api.access import permitted_customers
from relance_app.desk.reports import permitted_rows
from relance_app.dunning.preview import preview
from relance_app.engine.errors import N_

AGE_BUCKETS = (
	("not_due", N_("Not yet due")),
	("1_30", N_("1-30 days")),
	("31_90", N_("31-90 days")),
	("over_90", N_("Over 90 days")),
)


def overdue_by_age(company: str | None = None, as_of=None) -> dict[str, float]:
	"""Outstanding of the Sales Invoices the user may read, per age bucket (days past due on `as_of`)."""
	totals = {key: 0.0 for key, _label in AGE_BUCKETS}
	for per_bucket in overdue_by_age_per_currency(company, as_of).values():
		for key, amount in per_bucket.items():
			totals[key] = flt(totals[key] + amount, 2)
	return totals


def overdue_by_age_per_currency(company: str | None = None, as_of=None) -> dict[str, dict[str, float]]:
	"""Per invoice currency, the outstanding of the Sales Invoices the user may read per age bucket."""
	customers = permitted_customers(company)
	as_of = getdate(as_of or nowdate())
	if customers == []:
		return {}
	si = DocType("Sales Invoice")
	days = frappe.qb.terms.Function("DATEDIFF", as_of, si.due_date)
	case = (
		frappe.qb.terms.Case()
		.when(days <= 0, "not_due")
		.when(days <= 30, "1_30")
		.when(days <= 90, "31_90")
		.else_("over_90")
	)
	query = (
		frappe.qb.from_(si)
		.select(si.currency, case.as_("bucket"), Sum(si.outstanding_amount).as_("amount"))
		.where(si.docstatus == 1)
		.where(si.outstanding_amount > 0)
		.groupby(si.currency, case)
	)
	if company:
		query = query.where(si.company == company)
	if customers is not None:
		query = query.where(si.customer.isin(customers))
	per_currency: dict[str, dict[str, float]] = {}
	for row in query.run(as_dict=True):
		buckets = per_currency.setdefault(row.currency, {key: 0.0 for key, _label in AGE_BUCKETS})
		buckets[row.bucket] = flt(row.amount, 2)
	return dict(sorted(per_currency.items()))


@frappe.whitelist()
def get_overdue_by_age_chart(
	chart_name=None, chart=None, no_cache=None, filters=None, from_date=None, to_date=None, timespan=None,
	time_interval=None, heatmap_year=None, refresh=None,
):  # fmt: skip
	"""Dashboard Chart Source "Relance Overdue by Age": one series per invoice currency (euros and dollars do
	not add up), over every company the user may see when none is chosen."""
	per_currency = overdue_by_age_per_currency(_company(filters))
	datasets = [
		{"name": currency, "values": [buckets[key] for key, _label in AGE_BUCKETS]}
		for currency, buckets in per_currency.items()
	]
	return {
		"labels": [_(label) for _key, label in AGE_BUCKETS],
		"datasets": datasets or [{"name": _("Outstanding"), "values": [0.0 for _bucket in AGE_BUCKETS]}],
	}


def _company(filters) -> str | None:
	"""The company a card or chart is filtered on (empty: every company), checked to exist."""
	if isinstance(filters, str):
		filters = frappe.parse_json(filters) if filters else {}
	company = (filters or {}).get("company") or None
	if company and not frappe.db.exists("Company", company):
		frappe.throw(_("Company {0} does not exist.").format(company))
	return company


@frappe.whitelist()
def actions_planned_today(filters: str | None = None) -> dict:
	"""Number Card "Relance Actions Planned Today": what today's run does (or did) by the engine's plan, for
	the customers the user may see."""
	frappe.has_permission("Dunning Contact Log", "read", throw=True)
	company = _company(filters)
	today = getdate(nowdate())
	rows = permitted_rows(preview(today, 1, company=company), company=company)
	return {"value": len(rows), "fieldtype": "Int"}


def overdue_totals(company: str | None = None, as_of=None) -> list[dict]:
	"""Overdue outstanding of the Sales Invoices the user may read, one total per currency (EUR and USD
	invoices do not add up), largest first."""
	customers = permitted_customers(company)
	if customers == []:
		return []
	si = DocType("Sales Invoice")
	query = (
		frappe.qb.from_(si)
		.select(si.currency, Sum(si.outstanding_amount).as_("amount"))
		.where(si.docstatus == 1)
		.where(si.outstanding_amount > 0)
		.where(si.due_date < getdate(as_of or nowdate()))
		.groupby(si.currency)
	)
	if company:
		query = query.where(si.company == company)
	if customers is not None:
		query = query.where(si.customer.isin(customers))
	rows = [{"currency": row.currency, "amount": flt(row.amount, 2)} for row in query.run(as_dict=True)]
	return sorted(rows, key=lambda row: -row["amount"])


@frappe.whitelist()
def total_overdue(filters: str | None = None) -> str:
	"""Number Card "Relance Overdue Amount": the overdue total in each invoice currency, formatted here.

	Frappe formats a card's number in the system's default currency (a French site set up in USD showed
	"$ 15.46 K" for euros, issue 18); a preformatted text keeps each amount in its own currency. Every company
	the user may see counts, so a user whose default company has no invoice does not read "0"."""
	frappe.has_permission("Sales Invoice", "read", throw=True)
	company = _company(filters)
	totals = overdue_totals(company)
	if not totals:
		return fmt_money(0, currency=frappe.db.get_default("currency"))
	return " + ".join(fmt_money(row["amount"], currency=row["currency"]) for row in totals)


@frappe.whitelist()
def in_formal_notice(filters: str | None = None) -> dict:
	"""Number Card "Relance In Formal Notice": submitted invoices in formal notice, of the chosen company (or
	every company), among those the user may read."""
	frappe.has_permission("Sales Invoice", "read", throw=True)
	company = _company(filters)
	return {
		"value": _count("Sales Invoice", company, dunning_status="Formal Notice", docstatus=1),
		"fieldtype": "Int",
	}


@frappe.whitelist()
def promises_due_this_week(filters: str | None = None, as_of=None) -> dict:
	"""Number Card "Relance Promises Due This Week": open promises to pay falling in the current week (Monday
	to Sunday), of the chosen company (or every company)."""
	frappe.has_permission("Dunning Contact Log", "read", throw=True)
	company = _company(filters)
	day = getdate(as_of or nowdate())
	monday = day - timedelta(days=day.weekday())
	count = _count(
		"Dunning Contact Log",
		company,
		entry_type="Promise to Pay",
		status="Open",
		promised_date=("between", [monday, monday + timedelta(days=6)]),
	)
	return {"value": count, "fieldtype": "Int"}


def _count(doctype: str, company: str | None, **filters) -> int:
	"""Rows of `doctype` (with a company and a customer) matching `filters`, of the customers the user may see."""
	customers = permitted_customers(company)
	if customers == []:
		return 0
	if company:
		filters["company"] = company
	if customers is not None:
		filters["customer"] = ("in", customers)
	return frappe.db.count(doctype, filters)
