"""Dunning Aged Receivables: what each customer owes on a date, by age, with where their dunning stands.

Outstanding per invoice is read from the Payment Ledger as of the date (payments and credit notes posted
later do not count yet), in company currency, and aged from the invoice's due date: not yet due (due on or
after the date), 1-30, 31-90 and over 90 days overdue. Payments not allocated to an invoice are not
deducted. The level is the highest automatic dunning level sent (by the date) on the customer's open
invoices; the last contact is the customer's last outbound step made or inbound exchange (notes, bounces
and payment notices left out). A user restricted by User Permissions sees the customers whose invoices they
may read only.
"""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Max
from frappe.utils import add_days, date_diff, flt, getdate

from relance_app.common.constants import DONE_STATUSES, NOT_CONTACTS
from relance_app.common.factoring import by_factoring
from relance_app.desk.reports import (
	CURRENCY_COLUMN,
	bar_chart,
	company_currency,
	currency_precision,
	dated_company_filters,
	link_column,
	money_column,
	open_invoices,
)

# (fieldname, lowest days overdue, highest days overdue): an invoice falls in the first that fits.
BUCKETS = (
	("not_due", None, 0),
	("range_1_30", 1, 30),
	("range_31_90", 31, 90),
	("over_90", 91, None),
)


def execute(filters: dict | None = None):
	data = get_data(filters)
	return get_columns(), data, None, get_chart(data)


def get_data(filters: dict) -> list[dict]:
	"""One row per customer with something outstanding on the date, largest total first."""
	filters = dated_company_filters(filters)
	precision = currency_precision()
	currency = company_currency(filters.company)
	open_invoices = _outstanding_invoices(filters)
	if not open_invoices:
		return []

	rows: dict[str, dict] = {}
	counted = []
	for inv in open_invoices:
		outstanding = flt(inv.outstanding, precision)
		if outstanding <= 0:
			continue
		counted.append(inv.name)
		row = rows.setdefault(
			inv.customer,
			{
				"customer": inv.customer,
				"customer_name": inv.customer_name,
				"customer_group": inv.customer_group,
				**dict.fromkeys(bucket_labels(), 0.0),
				"total": 0.0,
				"invoices": 0,
				"level": 0,
				"level_title": None,
				"last_contact": None,
				"currency": currency,
			},
		)
		row[bucket_of(date_diff(filters.report_date, inv.due_date))] += outstanding
		row["total"] += outstanding
		row["invoices"] += 1

	if not counted:
		return []
	levels = _highest_levels(counted, filters.report_date)
	contacts = _last_contacts(list(rows), filters.report_date)
	for customer, row in rows.items():
		for fieldname in [*bucket_labels(), "total"]:
			row[fieldname] = flt(row[fieldname], precision)
		row["level"], row["level_title"] = levels.get(customer, (0, None))
		row["last_contact"] = contacts.get(customer)
	return sorted(rows.values(), key=lambda r: (-r["total"], r["customer"]))


def bucket_labels() -> dict[str, str]:
	return {
		"not_due": _("Not Yet Due"),
		"range_1_30": _("1-30 Days"),
		"range_31_90": _("31-90 Days"),
		"over_90": _("Over 90 Days"),
	}


def bucket_of(days_overdue: int) -> str:
	for fieldname, low, high in BUCKETS:
		if (low is None or days_overdue >= low) and (high is None or days_overdue <= high):
			return fieldname
	raise ValueError(days_overdue)


def _outstanding_invoices(filters: dict) -> list:
	"""Per invoice: its outstanding on the date, from the Payment Ledger (one grouped query)."""
	# The company's own receivables by default: a factored invoice is the factor's claim (common.factoring).
	return by_factoring(open_invoices(filters, "customer_name", "customer_group"), filters)


def _highest_levels(invoices: list[str], until) -> dict[str, tuple[int, str | None]]:
	"""Per customer: the highest automatic level sent by the date on these invoices, with its title."""
	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(log.customer, log.level, Max(log.level_title).as_("level_title"))
		.where(log.sales_invoice.isin(invoices))
		.where(log.is_automatic == 1)
		.where(log.status.isin(DONE_STATUSES))
		.where(log.level > 0)
		.where(log.contact_date < add_days(until, 1))
		.groupby(log.customer, log.level)
		.run(as_dict=True)
	)
	levels: dict[str, tuple[int, str | None]] = {}
	for row in rows:
		if row.level > levels.get(row.customer, (0, None))[0]:
			levels[row.customer] = (row.level, row.level_title)
	return levels


def _last_contacts(customers: list[str], until) -> dict:
	log = DocType("Dunning Contact Log")
	made = (log.direction == "Outbound") & log.status.isin(DONE_STATUSES)
	rows = (
		frappe.qb.from_(log)
		.select(log.customer, Max(log.contact_date).as_("last"))
		.where(log.customer.isin(customers))
		.where(made | (log.direction == "Inbound"))
		.where(log.entry_type.notin(NOT_CONTACTS))
		.where(log.contact_date < add_days(until, 1))
		.groupby(log.customer)
		.run(as_dict=True)
	)
	return {row.customer: getdate(row.last) for row in rows}


def get_columns() -> list[dict]:
	return [
		link_column("customer", _("Customer"), "Customer", 140),
		{"fieldname": "customer_name", "label": _("Customer Name"), "fieldtype": "Data", "width": 180},
		link_column("customer_group", _("Customer Group"), "Customer Group", 130),
		*(money_column(fieldname, label) for fieldname, label in bucket_labels().items()),
		money_column("total", _("Total Outstanding"), 140),
		{"fieldname": "invoices", "label": _("Open Invoices"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "level",
			"label": _("Dunning Level"),
			"fieldtype": "Int",
			"width": 100,
			"disable_total": 1,
		},
		{"fieldname": "level_title", "label": _("Level Title"), "fieldtype": "Data", "width": 150},
		{"fieldname": "last_contact", "label": _("Last Contact"), "fieldtype": "Date", "width": 110},
		CURRENCY_COLUMN,
	]


def get_chart(data: list[dict]) -> dict | None:
	if not data:
		return None
	totals = [sum(row[fieldname] for row in data) for fieldname in bucket_labels()]
	return bar_chart(list(bucket_labels().values()), {_("Outstanding"): totals}, "Currency")
