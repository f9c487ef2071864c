"""Which instalments are open today, with everything the engine needs to decide, in a fixed number of queries.

Queries, whatever the number of invoices: open Sales Invoices joined to their Payment Schedule (1), the last
automatic step per instalment (2), the last contact per customer (3), open promises and disputes (4),
customers (5, with their dunning exclusion and collective proceedings, which stop the ladder), then policy
resolution (`policies.resolve_policies`: 3) and holidays (one per company).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Max
from frappe.utils import getdate

from relance_app.common.constants import DONE_STATUSES, STEP_TAKEN_STATUSES
from relance_app.common.invoices import invoice_schedule_query, to_money
from relance_app.common.policy_store import resolve_policies
from relance_app.engine.instalments import split_outstanding
from relance_app.engine.plan import Instalment

# How far ahead of the due date the longest pre-due reminder may look; a policy with an earlier level than
# this is unusual, and the horizon only bounds the query, it decides nothing.
PRE_DUE_HORIZON_DAYS = 60


@dataclass
class Selection:
	"""The open instalments of one run, grouped by the policy that duns them."""

	today: date
	by_policy: dict[str, list[Instalment]] = field(default_factory=dict)
	without_policy: list[Instalment] = field(default_factory=list)
	invoices: dict[str, dict] = field(default_factory=dict)
	last_contact: dict[str, date] = field(default_factory=dict)

	@property
	def instalments(self) -> list[Instalment]:
		return [inst for group in self.by_policy.values() for inst in group] + self.without_policy


def select_open_instalments(
	today: date | str | None = None,
	*,
	company: str | None = None,
	customers: Iterable[str] | None = None,
	invoices: Iterable[str] | None = None,
) -> Selection:
	"""Open instalments of submitted, non-return Sales Invoices due by `today` + the pre-due horizon."""
	today = getdate(today)
	rows = _invoice_rows(today, company, customers, invoices)
	selection = Selection(today=today)
	if not rows:
		return selection

	names = sorted({row.name for row in rows})
	last_steps = _last_steps(names)
	holds = _open_holds(names)
	customer_info = _customers({row.customer for row in rows})
	selection.last_contact = _last_contacts(set(customer_info))

	by_invoice: dict[str, list] = defaultdict(list)
	for row in rows:
		by_invoice[row.name].append(row)
		selection.invoices.setdefault(
			row.name,
			{
				"name": row.name,
				"company": row.company,
				"customer": row.customer,
				"customer_name": row.customer_name,
				"currency": row.currency,
				"posting_date": row.posting_date,
				"grand_total": row.grand_total,
				"outstanding_amount": row.outstanding_amount,
				"dunning_policy": row.dunning_policy,
				"contact_email": row.contact_email,
			},
		)
	policy_of = resolve_policies(list(selection.invoices.values()))

	for name, schedule in by_invoice.items():
		schedule = [r for r in schedule if r.ps_idx is not None] or schedule
		several = len(schedule) > 1
		amounts = split_outstanding(
			[(to_money(r.payment_amount), to_money(r.ps_outstanding)) for r in schedule],
			to_money(schedule[0].outstanding_amount),
		)
		for row, outstanding in zip(schedule, amounts, strict=True):
			instalment = str(row.ps_idx) if several else ""
			due = getdate(row.ps_due_date or row.due_date)
			if due > today + timedelta(days=PRE_DUE_HORIZON_DAYS):
				continue
			step = last_steps.get((name, instalment), (0, None))
			hold = holds.get(name, {})
			customer = customer_info.get(row.customer, {})
			inst = Instalment(
				invoice=name,
				customer=row.customer,
				customer_name=row.customer_name or "",
				due_date=due,
				outstanding=outstanding,
				currency=row.currency,
				instalment=instalment,
				last_level=step[0],
				last_sent_on=step[1],
				paused_until=getdate(row.dunning_paused_until) if row.dunning_paused_until else None,
				promised_on=hold.get("promised_on"),
				disputed=bool(hold.get("disputed")),
				# Collective proceedings stay individual claims (Code de commerce L622-21): no reminder at all.
				excluded=bool(customer.get("dunning_exclude") or in_proceedings(customer)),
				high_risk=customer.get("dunning_risk_class") == "High",
			)
			policy = policy_of.get(name)
			if policy:
				selection.by_policy.setdefault(policy, []).append(inst)
			else:
				selection.without_policy.append(inst)
	return selection


def _invoice_rows(today: date, company, customers, invoices) -> list:
	si, ps, query = invoice_schedule_query()
	query = (
		query.select(
			si.name,
			si.company,
			si.customer,
			si.customer_name,
			si.currency,
			si.posting_date,
			si.due_date,
			si.grand_total,
			si.outstanding_amount,
			si.contact_email,
			si.dunning_policy,
			si.dunning_paused_until,
			ps.idx.as_("ps_idx"),
			ps.due_date.as_("ps_due_date"),
			ps.payment_amount,
			ps.outstanding.as_("ps_outstanding"),
		)
		.where(si.is_return == 0)
		.where(si.outstanding_amount > 0)
	)
	if company:
		query = query.where(si.company == company)
	if customers is not None:
		query = query.where(si.customer.isin(list(customers) or [""]))
	if invoices is not None:
		query = query.where(si.name.isin(list(invoices) or [""]))
	# No due-date filter here: the outstanding split needs every row of a schedule. Unpaid invoices are
	# few compared with all invoices, and the ones due later than the horizon are dropped in Python.
	return query.run(as_dict=True)


def _last_steps(invoices: list[str]) -> dict[tuple[str, str], tuple[int, date | None]]:
	"""Per (invoice, instalment): the highest automatic level sent and the day it was sent."""
	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(
			log.sales_invoice,
			log.payment_schedule,
			Max(log.level).as_("level"),
			Max(log.contact_date).as_("sent"),
		)
		.where(log.sales_invoice.isin(invoices))
		.where(log.is_automatic == 1)
		.where(log.status.isin(STEP_TAKEN_STATUSES))
		.groupby(log.sales_invoice, log.payment_schedule)
		.run(as_dict=True)
	)
	return {
		(row.sales_invoice, row.payment_schedule or ""): (
			int(row.level or 0),
			getdate(row.sent) if row.sent else None,
		)
		for row in rows
	}


def _open_holds(invoices: list[str]) -> dict[str, dict]:
	"""Per invoice: the latest open promise date and whether a dispute is open."""
	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(log.sales_invoice, log.entry_type, Max(log.promised_date).as_("promised_date"))
		.where(log.sales_invoice.isin(invoices))
		.where(log.status == "Open")
		.where(log.entry_type.isin(("Promise to Pay", "Dispute")))
		.groupby(log.sales_invoice, log.entry_type)
		.run(as_dict=True)
	)
	holds: dict[str, dict] = defaultdict(dict)
	for row in rows:
		if row.entry_type == "Dispute":
			holds[row.sales_invoice]["disputed"] = True
		elif row.promised_date:
			holds[row.sales_invoice]["promised_on"] = getdate(row.promised_date)
	return holds


def _customers(names: set[str]) -> dict[str, dict]:
	rows = frappe.get_all(
		"Customer",
		filters={"name": ("in", list(names))},
		fields=[
			"name",
			"dunning_exclude",
			"dunning_risk_class",
			"dunning_proceedings_kind",
			"dunning_judgment_date",
		],
	)
	return {row.name: row for row in rows}


def in_proceedings(customer: dict) -> bool:
	"""A customer whose collective proceedings are recorded (kind and judgment date): its ladder stops."""
	return bool(customer.get("dunning_proceedings_kind") and customer.get("dunning_judgment_date"))


def _last_contacts(customers: set[str]) -> dict[str, date]:
	"""Per customer: the day of the last outbound contact of any kind (a logged call counts)."""
	if not customers:
		return {}
	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(log.customer, Max(log.contact_date).as_("last"))
		.where(log.customer.isin(list(customers)))
		.where(log.direction == "Outbound")
		.where(log.status.isin(DONE_STATUSES))
		.groupby(log.customer)
		.run(as_dict=True)
	)
	return {row.customer: getdate(row.last) for row in rows if row.last}


def company_holidays(company: str) -> frozenset[date]:
	"""The days of the company's default Holiday List, read once per request."""
	cache = frappe.local.cache.setdefault("relance_holidays", {})
	if company not in cache:
		holiday_list = frappe.db.get_value("Company", company, "default_holiday_list")
		days = (
			frappe.get_all("Holiday", filters={"parent": holiday_list}, pluck="holiday_date")
			if holiday_list
			else []
		)
		cache[company] = frozenset(getdate(d) for d in days)
	return cache[company]
