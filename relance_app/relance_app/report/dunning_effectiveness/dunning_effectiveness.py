"""Dunning Effectiveness: what each dunning level achieves, and the DSO of the period.

Per level (policy + level number), over the invoices that received it in the period (an automatic contact
log at that level, Sent or Done, dated in the period):

- Invoices: how many distinct invoices received the level.
- Response rate: share of them with, within 7 calendar days after the level's contact (the contact day
  included), an inbound contact-log entry (on the invoice, or on the customer without an invoice; bounces
  are not answers) or a payment (Payment Ledger: a Payment Entry or Journal Entry against the invoice).
- Paid before next level: share of them that are paid in full (outstanding now 0, with at least one
  payment), the last payment dated before the invoice's next higher level was sent, or at any time when
  no higher level was sent.
- Average days to pay: for the paid-in-full ones, days from the invoice's first automatic reminder (any
  level, any date) to its last payment.

Outcomes are measured with everything known today, including what happened after the period: a level sent
on the period's last day still has its 7 days.

DSO = receivables at the end of the period / credit sales of the period × days in the period, where
receivables are the customers' receivable balance on the To Date (Payment Ledger, all open items) and
credit sales are the sales invoices posted in the period, net of credit notes (Payment Ledger rows of
Sales Invoices, so invoices paid at the point of sale cancel out).

A user restricted by User Permissions sees the figures of the customers whose invoices they may read only,
the DSO included.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import IfNull, Max, Min, Sum
from frappe.utils import add_days, date_diff, flt, get_datetime, getdate

from relance_app.common.constants import DONE_STATUSES
from relance_app.common.query import linked
from relance_app.desk.reports import (
	bar_chart,
	company_currency,
	currency_precision,
	link_column,
	narrowed,
)

RESPONSE_WINDOW_DAYS = 7
# Ledger vouchers that are the customer paying (a credit note settles an invoice, but nobody paid).
PAYMENT_VOUCHERS = ("Payment Entry", "Journal Entry")
# Inbound entries that are not the customer answering.
NOT_AN_ANSWER = ("Bounce",)


def execute(filters: dict | None = None):
	filters = validate_filters(filters)
	data = get_data(filters)
	dso = get_dso(filters)
	return get_columns(), data, get_message(), get_chart(data), get_summary(data, dso, filters)


def validate_filters(filters: dict | None) -> frappe._dict:
	filters = frappe._dict(filters or {})
	if not filters.get("company"):
		frappe.throw(_("Select a company."))
	if not filters.get("from_date") or not filters.get("to_date"):
		frappe.throw(_("Select the period (From Date and To Date)."))
	filters.from_date, filters.to_date = getdate(filters.from_date), getdate(filters.to_date)
	if filters.from_date > filters.to_date:
		frappe.throw(_("From Date must be before To Date."))
	return filters


# -- per level ------------------------------------------------------------------------------------------------


def get_data(filters: dict) -> list[dict]:
	"""One row per policy and level, in a fixed number of queries whatever the number of invoices."""
	filters = validate_filters(filters)
	received = _levels_received(filters)
	if not received:
		return []
	invoices = sorted({row.invoice for row in received})
	customers = sorted({row.customer for row in received})
	steps = _automatic_steps(invoices)
	paid_on = _paid_in_full_on(invoices)
	payments = _payment_dates(invoices)
	answers_by_invoice, answers_by_customer = _inbound_contacts(
		invoices, customers, since=min(row.sent_at for row in received)
	)

	per_level: dict[tuple[str, int], dict] = {}
	for row in received:
		key = (row.policy or "", row.level)
		stats = per_level.setdefault(
			key,
			{
				"level_title": row.level_title,
				"invoices": set(),
				"answered": set(),
				"paid": {},
				"before": set(),
			},
		)
		stats["invoices"].add(row.invoice)
		sent_at = get_datetime(row.sent_at)
		answers = answers_by_invoice.get(row.invoice, []) + answers_by_customer.get(row.customer, [])
		if _answered(sent_at, answers, payments.get(row.invoice, ())):
			stats["answered"].add(row.invoice)
		paid = paid_on.get(row.invoice)
		if paid:
			invoice_steps = steps.get(row.invoice, {})
			stats["paid"][row.invoice] = date_diff(paid, min(invoice_steps.values()))
			next_at = min(
				(
					at
					for (policy, level), at in invoice_steps.items()
					if policy == key[0] and level > row.level
				),
				default=None,
			)
			if next_at is None or paid < getdate(next_at):
				stats["before"].add(row.invoice)

	data = []
	for (policy, level), stats in sorted(per_level.items()):
		count = len(stats["invoices"])
		days_to_pay = list(stats["paid"].values())
		data.append(
			{
				"policy": policy,
				"level": level,
				"level_title": stats["level_title"],
				"invoices": count,
				"answered": len(stats["answered"]),
				"response_rate": _share(len(stats["answered"]), count),
				"paid_before_next": len(stats["before"]),
				"paid_before_next_rate": _share(len(stats["before"]), count),
				"paid": len(days_to_pay),
				"avg_days_to_pay": flt(sum(days_to_pay) / len(days_to_pay), 1) if days_to_pay else None,
			}
		)
	return data


def _answered(sent_at: datetime, answers: list[datetime], payments) -> bool:
	last_day = getdate(sent_at) + timedelta(days=RESPONSE_WINDOW_DAYS)
	if any(sent_at <= at and getdate(at) <= last_day for at in answers):
		return True
	return any(getdate(sent_at) <= day <= last_day for day in payments)


def _share(part: int, whole: int) -> float:
	return flt(100.0 * part / whole, 2) if whole else 0.0


def _levels_received(filters: dict) -> list:
	"""Per invoice, policy and level: the first automatic contact at that level within the period."""
	query, log, si = linked("Dunning Contact Log", "sales_invoice", "Sales Invoice")
	query = (
		query.select(
			log.sales_invoice.as_("invoice"),
			si.customer,
			log.dunning_policy.as_("policy"),
			log.level,
			Max(log.level_title).as_("level_title"),
			Min(log.contact_date).as_("sent_at"),
		)
		.where(log.is_automatic == 1)
		.where(log.status.isin(DONE_STATUSES))
		.where(log.level > 0)
		.where(log.contact_date >= filters.from_date)
		.where(log.contact_date < add_days(filters.to_date, 1))
		.where(si.company == filters.company)
		.where(si.docstatus == 1)
		.groupby(log.sales_invoice, si.customer, log.dunning_policy, log.level)
	)
	if filters.get("dunning_policy"):
		query = query.where(log.dunning_policy == filters.dunning_policy)
	query = narrowed(query, si.customer, filters)
	return query.run(as_dict=True) if query else []


def _automatic_steps(invoices: list[str]) -> dict[str, dict[tuple[str, int], datetime]]:
	"""Per invoice: the first contact of every automatic level it ever received, at any date."""
	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(log.sales_invoice, log.dunning_policy, log.level, Min(log.contact_date).as_("sent_at"))
		.where(log.sales_invoice.isin(invoices))
		.where(log.is_automatic == 1)
		.where(log.status.isin(DONE_STATUSES))
		.where(log.level > 0)
		.groupby(log.sales_invoice, log.dunning_policy, log.level)
		.run(as_dict=True)
	)
	steps: dict[str, dict] = defaultdict(dict)
	for row in rows:
		steps[row.sales_invoice][(row.dunning_policy or "", row.level)] = get_datetime(row.sent_at)
	return steps


def _payments(ple, invoices: list[str]):
	"""Ledger rows of the customer paying these invoices (reversed payments are delinked, so left out)."""
	return (
		frappe.qb.from_(ple)
		.where(ple.against_voucher_type == "Sales Invoice")
		.where(ple.against_voucher_no.isin(invoices))
		.where(ple.voucher_type.isin(PAYMENT_VOUCHERS))
		.where(ple.delinked == 0)
		.where(ple.amount < 0)
	)


def _payment_dates(invoices: list[str]) -> dict[str, list[date]]:
	ple = DocType("Payment Ledger Entry")
	rows = (
		_payments(ple, invoices).select(ple.against_voucher_no, ple.posting_date).distinct().run(as_dict=True)
	)
	dates: dict[str, list[date]] = defaultdict(list)
	for row in rows:
		dates[row.against_voucher_no].append(getdate(row.posting_date))
	return dates


def _paid_in_full_on(invoices: list[str]) -> dict[str, date]:
	"""Invoices with nothing left to pay, and the day of their last payment."""
	ple = DocType("Payment Ledger Entry")
	si = DocType("Sales Invoice")
	rows = (
		_payments(ple, invoices)
		.join(si)
		.on(si.name == ple.against_voucher_no)
		.select(ple.against_voucher_no, Max(ple.posting_date).as_("paid_on"))
		.where(si.outstanding_amount <= 0)
		.groupby(ple.against_voucher_no)
		.run(as_dict=True)
	)
	return {row.against_voucher_no: getdate(row.paid_on) for row in rows}


def _inbound_contacts(
	invoices: list[str], customers: list[str], since: datetime
) -> tuple[dict[str, list[datetime]], dict[str, list[datetime]]]:
	"""Inbound entries on these invoices, and those on these customers that name no invoice."""
	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(log.sales_invoice, log.customer, log.contact_date)
		.where(log.direction == "Inbound")
		.where(log.entry_type.notin(NOT_AN_ANSWER))
		.where(log.contact_date >= since)
		.where(
			log.sales_invoice.isin(invoices)
			| ((IfNull(log.sales_invoice, "") == "") & log.customer.isin(customers))
		)
		.run(as_dict=True)
	)
	by_invoice: dict[str, list[datetime]] = defaultdict(list)
	by_customer: dict[str, list[datetime]] = defaultdict(list)
	for row in rows:
		if row.sales_invoice:
			by_invoice[row.sales_invoice].append(get_datetime(row.contact_date))
		else:
			by_customer[row.customer].append(get_datetime(row.contact_date))
	return by_invoice, by_customer


# -- DSO ------------------------------------------------------------------------------------------------------


def get_dso(filters: dict) -> dict:
	"""Receivables at the period's end, credit sales of the period, and the DSO they give."""
	filters = validate_filters(filters)
	precision = currency_precision()
	receivables = flt(_ledger_total(filters, until=filters.to_date), precision)
	credit_sales = flt(
		_ledger_total(filters, since=filters.from_date, until=filters.to_date, voucher_type="Sales Invoice"),
		precision,
	)
	days = date_diff(filters.to_date, filters.from_date) + 1
	return {
		"receivables": receivables,
		"credit_sales": credit_sales,
		"days": days,
		"dso": flt(receivables / credit_sales * days, 1) if credit_sales > 0 else None,
	}


def _ledger_total(filters: dict, *, until: date, since: date | None = None, voucher_type: str | None = None):
	ple = DocType("Payment Ledger Entry")
	query = (
		frappe.qb.from_(ple)
		.select(Sum(ple.amount))
		.where(ple.company == filters.company)
		.where(ple.party_type == "Customer")
		.where(ple.account_type == "Receivable")
		.where(ple.delinked == 0)
		.where(ple.posting_date <= until)
	)
	if since:
		query = query.where(ple.posting_date >= since)
	if voucher_type:
		query = query.where(ple.voucher_type == voucher_type)
	query = narrowed(query, ple.party, filters)
	return flt(query.run()[0][0]) if query else 0.0


# -- presentation ---------------------------------------------------------------------------------------------


def get_columns() -> list[dict]:
	return [
		link_column("policy", _("Dunning Policy"), "Dunning Policy", 160),
		{"fieldname": "level", "label": _("Level"), "fieldtype": "Int", "width": 70},
		{"fieldname": "level_title", "label": _("Level Title"), "fieldtype": "Data", "width": 160},
		{"fieldname": "invoices", "label": _("Invoices Reached"), "fieldtype": "Int", "width": 130},
		{"fieldname": "answered", "label": _("Answered within 7 Days"), "fieldtype": "Int", "width": 150},
		{"fieldname": "response_rate", "label": _("Response Rate"), "fieldtype": "Percent", "width": 120},
		{
			"fieldname": "paid_before_next",
			"label": _("Paid before Next Level"),
			"fieldtype": "Int",
			"width": 160,
		},
		{
			"fieldname": "paid_before_next_rate",
			"label": _("Paid before Next Level (%)"),
			"fieldtype": "Percent",
			"width": 180,
		},
		{"fieldname": "paid", "label": _("Paid in Full"), "fieldtype": "Int", "width": 110},
		{
			"fieldname": "avg_days_to_pay",
			"label": _("Avg. Days from First Reminder to Payment"),
			"fieldtype": "Float",
			"precision": 1,
			"width": 200,
		},
	]


def get_message() -> str:
	return _(
		"Response: an inbound contact or a payment within {0} days after the level was sent. "
		"DSO = receivables at the To Date / credit sales of the period × days in the period."
	).format(RESPONSE_WINDOW_DAYS)


def get_chart(data: list[dict]) -> dict | None:
	if not data:
		return None
	return bar_chart(
		[f"{row['level']}. {row['level_title'] or ''}" for row in data],
		{
			_("Response Rate"): [row["response_rate"] for row in data],
			_("Paid before Next Level (%)"): [row["paid_before_next_rate"] for row in data],
		},
		"Percent",
	)


def get_summary(data: list[dict], dso: dict, filters: dict) -> list[dict]:
	currency = company_currency(filters.company)
	return [
		{
			"value": dso["dso"],
			"label": _("DSO (days)"),
			"datatype": "Float",
			"indicator": "Blue",
		},
		{
			"value": dso["receivables"],
			"label": _("Receivables at To Date"),
			"datatype": "Currency",
			"currency": currency,
		},
		{
			"value": dso["credit_sales"],
			"label": _("Credit Sales of the Period"),
			"datatype": "Currency",
			"currency": currency,
		},
	]
