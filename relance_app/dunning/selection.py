"""Which instalments are open today, with everything the engine needs to decide, in a fixed number of queries.

Due only: a Sales Invoice carries `dunning_check_on`, the first day the run must read it again (NULL: read it
at the next run). The run and every event that changes an invoice's dunning (a payment, a promise, a dispute,
a pause, a policy or customer edit: `mark_for_recheck`) keep it current, so a daily run reads the invoices
with work due, not the whole open ledger; it is indexed. A full sweep reads every open invoice once a week
(`full_sweep_due`) in case an update was missed (a raw SQL write, a restored backup).

Queries, whatever the number of invoices: open Sales Invoices joined to their Payment Schedule (1), the last
automatic step per instalment (2), the last contact per customer (3), open promises and disputes (4),
customers (5, with their dunning exclusion and collective proceedings, which stop the ladder), then policy
resolution (`policies.resolve_policies`: 3), holidays (one per company) and the factored invoices whose
factor collects (`common.factoring.factor_collected`: 1, none when no contract exists), which get no step.
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
from relance_app.common.factoring import factor_collected
from relance_app.common.invoices import invoice_schedule_query, to_money
from relance_app.common.policy_store import resolve_policies
from relance_app.engine.instalments import split_outstanding
from relance_app.engine.plan import Instalment

# How far ahead of the due date the longest pre-due reminder may look; a policy with an earlier level than
# this is unusual, and the horizon only bounds the query, it decides nothing.
PRE_DUE_HORIZON_DAYS = 60
CHECK_FIELD = "dunning_check_on"
# Days between two full sweeps of the open ledger.
FULL_SWEEP_DAYS = 7
LAST_SWEEP_KEY = "relance_last_full_sweep"
# The check day of an invoice with nothing left to plan (its ladder is done, or it is settled): only an
# event (`mark_for_recheck`) or the weekly full sweep reads it again.
NEVER = date(2999, 12, 31)
# The Sales Invoice fields dunning.mirrors keeps up to date.
MIRROR_FIELDS = (
	"dunning_status", "dunning_level", "dunning_last_contact", "dunning_next_action", "dunning_next_action_date",
	CHECK_FIELD,
)  # fmt: skip


@dataclass
class Selection:
	"""The open instalments of one run, grouped by the policy that duns them."""

	today: date
	by_policy: dict[str, list[Instalment]] = field(default_factory=dict)
	without_policy: list[Instalment] = field(default_factory=list)
	invoices: dict[str, dict] = field(default_factory=dict)
	last_contact: dict[str, date] = field(default_factory=dict)
	# Invoices read whose instalments all fall due after the pre-due horizon: their earliest due date.
	later: dict[str, date] = field(default_factory=dict)
	# Invoices whose factor does the dunning (affacturage): their contract. They get no step (excluded).
	factored: dict[str, str] = field(default_factory=dict)

	@property
	def instalments(self) -> list[Instalment]:
		return [inst for group in self.by_policy.values() for inst in group] + self.without_policy

	def per_policy_and_company(self) -> list[tuple[str, str, list[Instalment]]]:
		"""(policy name, company, instalments): how the engine is called, each company on its own calendar."""
		groups: dict[tuple[str, str], list[Instalment]] = {}
		for policy_name, instalments in self.by_policy.items():
			for inst in instalments:
				company = self.invoices[inst.invoice]["company"]
				groups.setdefault((policy_name, company), []).append(inst)
		return [(policy, company, items) for (policy, company), items in sorted(groups.items())]


def select_open_instalments(
	today: date | str | None = None,
	*,
	company: str | None = None,
	customers: Iterable[str] | None = None,
	invoices: Iterable[str] | None = None,
	due_only: bool = False,
) -> Selection:
	"""Open instalments of submitted, non-return Sales Invoices due by `today` + the pre-due horizon.

	`due_only`: only the invoices whose `dunning_check_on` is empty or not after `today` (the daily run)."""
	today = getdate(today)
	rows = _invoice_rows(today, company, customers, invoices, due_only)
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
				# What the Sales Invoice shows now: dunning.mirrors writes only what changes.
				"mirrors": {field: row[field] for field in mirror_fields()},
			},
		)
	policy_of = resolve_policies(list(selection.invoices.values()))
	selection.factored = {name: c.name for name, c in factor_collected(selection.invoices).items()}

	for name, schedule in by_invoice.items():
		schedule = [r for r in schedule if r.ps_idx is not None] or schedule
		several = len(schedule) > 1
		amounts = split_outstanding(
			[(to_money(r.payment_amount), to_money(r.ps_outstanding)) for r in schedule],
			to_money(schedule[0].outstanding_amount),
		)
		kept = 0
		for row, outstanding in zip(schedule, amounts, strict=True):
			instalment = str(row.ps_idx) if several else ""
			due = getdate(row.ps_due_date or row.due_date)
			if due > today + timedelta(days=PRE_DUE_HORIZON_DAYS):
				selection.later[name] = min(due, selection.later.get(name, due))
				continue
			kept += 1
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
				# A factor that collects its invoices itself: the company's ladder sends them nothing.
				excluded=bool(
					customer.get("dunning_exclude") or in_proceedings(customer) or name in selection.factored
				),
				high_risk=customer.get("dunning_risk_class") == "High",
			)
			policy = policy_of.get(name)
			if policy:
				selection.by_policy.setdefault(policy, []).append(inst)
			else:
				selection.without_policy.append(inst)
		if kept:
			selection.later.pop(name, None)
	return selection


def _invoice_rows(today: date, company, customers, invoices, due_only: bool = False) -> list:
	si, ps, query = invoice_schedule_query()
	query = (
		query.select(
			si.customer_name,
			si.outstanding_amount,
			si.contact_email,
			si.dunning_paused_until,
			*(si[field] for field in mirror_fields()),
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
	if due_only and has_check_field():
		# Whole invoices (never schedule rows): the outstanding split needs every row of a schedule.
		query = query.where(si[CHECK_FIELD].isnull() | (si[CHECK_FIELD] <= today))
	# No due-date filter here: the outstanding split needs every row of a schedule. Unpaid invoices are
	# few compared with all invoices, and the ones due later than the horizon are dropped in Python.
	return query.run(as_dict=True)


def _last_steps(invoices: list[str]) -> dict[tuple[str, str], tuple[int, date | None]]:
	"""Per (invoice, instalment): the highest level taken and the day it was: the run's steps, and the calls
	a person logged as the call level's step (api.contacts.log_call: level and step key, not automatic)."""
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
		.where((log.is_automatic == 1) | ((log.level > 0) & log.idempotency_key.like("%|L%")))
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


def has_check_field() -> bool:
	"""False between an upgrade of the code and its migration (the column comes with the v0_6 patch)."""
	return frappe.db.has_column("Sales Invoice", CHECK_FIELD)


def mirror_fields() -> tuple[str, ...]:
	return MIRROR_FIELDS if has_check_field() else MIRROR_FIELDS[:-1]


def full_sweep_due(today: date) -> bool:
	"""Whether the run reads the whole open ledger today: the last full sweep is a week old, or unknown, or
	dated after `today` (a run for an earlier day)."""
	last = frappe.db.get_global(LAST_SWEEP_KEY)
	if not last:
		return True
	last = getdate(last)
	return not (last <= today < last + timedelta(days=FULL_SWEEP_DAYS))


def record_full_sweep(today: date) -> None:
	frappe.db.set_global(LAST_SWEEP_KEY, today.isoformat())


def settled_out_of_range(today: date) -> None:
	"""Move paid, cancelled and return invoices out of the due range for good: their check day becomes
	NEVER. Reads only the due range (the index), so the cost is the invoices settled since the last run."""
	if not has_check_field():
		return
	si = DocType("Sales Invoice")
	due = si[CHECK_FIELD].isnull() | (si[CHECK_FIELD] <= today)
	settled = (si.docstatus == 2) | (
		(si.docstatus == 1) & ((si.outstanding_amount <= 0) | (si.is_return == 1))
	)
	frappe.qb.update(si).set(si[CHECK_FIELD], NEVER).where(due & settled).run()


def mark_for_recheck(
	*, invoices: Iterable[str] | None = None, customers: Iterable[str] | None = None
) -> None:
	"""Have the next run read these invoices (or every open invoice of these customers) again."""
	if not has_check_field():
		return
	si = DocType("Sales Invoice")
	query = frappe.qb.update(si).set(si[CHECK_FIELD], None)
	if invoices is not None:
		names = [name for name in invoices if name]
		if not names:
			return
		query = query.where(si.name.isin(names))
	if customers is not None:
		names = [name for name in customers if name]
		if not names:
			return
		query = query.where(si.customer.isin(names)).where(si.docstatus == 1).where(si.outstanding_amount > 0)
	query.run()


def request_full_sweep() -> None:
	"""The next run reads every open invoice (and sets each one's check day again): one key, not a write to
	every open invoice in the request that asked for it."""
	frappe.defaults.clear_default(key=LAST_SWEEP_KEY, parent="__global")


def on_policy_update(doc, method=None) -> None:
	"""Dunning Policy saved or deleted: its levels, offsets or scope may have changed for any open invoice."""
	request_full_sweep()


def on_customer_update(doc, method=None) -> None:
	"""Customer saved: exclusion, proceedings, risk class or policy may have changed."""
	mark_for_recheck(customers=[doc.name])


def on_contact_log_change(doc, method=None) -> None:
	"""A contact-log row written through the document API (a call, a promise, a dispute, its resolution)."""
	if doc.get("sales_invoice"):
		mark_for_recheck(invoices=[doc.sales_invoice])
	elif doc.get("customer"):
		mark_for_recheck(customers=[doc.customer])


def on_invoice_update_after_submit(doc, method=None) -> None:
	"""A submitted invoice edited (pause, policy override): read it at the next run."""
	if doc.meta.has_field(CHECK_FIELD):
		doc.set(CHECK_FIELD, None)
	mark_for_recheck(invoices=[doc.name])
