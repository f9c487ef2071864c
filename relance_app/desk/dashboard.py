"""Numbers and charts of the "Relances" workspace, each over the customers the user may see.

A user restricted by User Permissions (to some customers, or to a company) gets the figures of their own
invoices only. The chart is therefore not cached: Frappe's chart cache is one entry per chart for everyone.
The "Document Type" number cards need nothing here: Frappe counts them with `frappe.get_list`.
"""

from __future__ import annotations

import json

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
	customers = permitted_customers(company)
	as_of = getdate(as_of or nowdate())
	totals = {key: 0.0 for key, _label in AGE_BUCKETS}
	if customers == []:
		return totals
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
		.select(case.as_("bucket"), Sum(si.outstanding_amount).as_("amount"))
		.where(si.docstatus == 1)
		.where(si.outstanding_amount > 0)
		.groupby(case)
	)
	if company:
		query = query.where(si.company == company)
	if customers is not None:
		query = query.where(si.customer.isin(customers))
	for row in query.run(as_dict=True):
		totals[row.bucket] = flt(row.amount, 2)
	return totals


@frappe.whitelist()
def get_overdue_by_age_chart(
	chart_name=None, chart=None, no_cache=None, filters=None, from_date=None, to_date=None, timespan=None,
	time_interval=None, heatmap_year=None, refresh=None,
):  # fmt: skip
	"""Dashboard Chart Source "Relance Overdue by Age"."""
	filters = frappe.parse_json(filters) or {}
	totals = overdue_by_age(filters.get("company"))
	return {
		"labels": [_(label) for _key, label in AGE_BUCKETS],
		"datasets": [{"name": _("Outstanding"), "values": [totals[key] for key, _label in AGE_BUCKETS]}],
	}


@frappe.whitelist()
def actions_planned_today(filters: str | None = None) -> dict:
	"""Number Card "Relance Actions Planned Today": what today's run does (or did) by the engine's plan, for
	the customers the user may see."""
	frappe.has_permission("Dunning Contact Log", "read", throw=True)
	company = (json.loads(filters) if isinstance(filters, str) and filters else filters or {}).get("company")
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
	company = (json.loads(filters) if isinstance(filters, str) and filters else filters or {}).get("company")
	totals = overdue_totals(company)
	if not totals:
		return fmt_money(0, currency=frappe.db.get_default("currency"))
	return " + ".join(fmt_money(row["amount"], currency=row["currency"]) for row in totals)
