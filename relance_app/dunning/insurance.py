"""Credit insurance deadlines in the Frappe layer: which unpaid invoices a Credit Insurance Policy covers, their
declaration deadline (engine.insurance decides), the one ToDo per invoice that asks the accounts manager to
declare the payment default (menace de sinistre) to the insurer, and the declaration recorded in the contact log.

The daily job (`run_daily`) is a scheduled job of its own, apart from the escalation: nothing here can stop
reminders from going out, and a failure here is one Error Log. The ToDo has a name derived from the invoice, so
a rerun (or two workers) never makes a second one; a ToDo the user cancelled stays cancelled.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Max
from frappe.utils import add_days, get_datetime, getdate, now_datetime

from relance_app.common.constants import INSURER_DECLARATION
from relance_app.common.invoices import to_money
from relance_app.common.parties import first_accounts_manager
from relance_app.dunning.evidence import log_entry
from relance_app.engine.insurance import CoveredParty, Deadlines, cover, covering_row, first_unpaid_due

POLICY = "Credit Insurance Policy"
TODO_PREFIX = "relance-insurance-"


def todo_name(invoice: str) -> str:
	"""The one declaration task of an invoice (its name makes a second one impossible)."""
	return f"{TODO_PREFIX}{invoice}"


def run_daily(today: date | str | None = None) -> int:
	"""Scheduler entry point (daily_long): the declaration tasks due today. Never raises."""
	try:
		created = warn_declarations(getdate(today))
		frappe.db.commit()
		return created
	except Exception:
		frappe.db.rollback()
		frappe.log_error(title=_("Credit insurance deadlines not checked"))
		return 0


def warn_declarations(today: date) -> int:
	"""A ToDo for every covered unpaid invoice within its warning lead time and not yet declared; the tasks
	of invoices settled or declared since are closed. Returns how many ToDos were created."""
	created = 0
	assignee = first_accounts_manager()
	for row in insured_invoices(today, due_only=True):
		if row.cover.needs_declaration and assignee and not frappe.db.exists("ToDo", todo_name(row.invoice)):
			_make_todo(row, assignee)
			created += 1
	_close_finished_tasks(today)
	return created


def _make_todo(row, assignee: str) -> None:
	description = _(
		"Declare the payment default (menace de sinistre) of {0} to {1} (policy {2}) by {3}: {4} outstanding "
		"for {5}. The claim must be filed by {6}. Then record the declaration from the invoice (Relance menu)."
	).format(
		row.invoice,
		row.insurer,
		row.policy_number,
		frappe.format_value(row.cover.declaration_deadline, {"fieldtype": "Date"}),
		frappe.format_value(row.outstanding, {"fieldtype": "Currency"}, currency=row.currency),
		row.customer_name or row.customer,
		frappe.format_value(row.cover.claim_deadline, {"fieldtype": "Date"}),
	)
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"status": "Open",
			"priority": "High",
			"date": row.cover.declaration_deadline,
			"allocated_to": assignee,
			"description": description,
			"reference_type": "Sales Invoice",
			"reference_name": row.invoice,
			"assigned_by": "Administrator",
		}
	)
	todo.insert(ignore_permissions=True, set_name=todo_name(row.invoice))


def _close_finished_tasks(today: date) -> None:
	"""Open declaration tasks of invoices paid or declared since: nothing left to declare."""
	todo = DocType("ToDo")
	open_tasks = (
		frappe.qb.from_(todo)
		.select(todo.name, todo.reference_name)
		.where(todo.name.like(f"{TODO_PREFIX}%"))
		.where(todo.status == "Open")
		.run(as_dict=True)
	)
	if not open_tasks:
		return
	invoices = [task.reference_name for task in open_tasks]
	still_due = {
		row.invoice for row in insured_invoices(today, invoices=invoices) if row.cover.needs_declaration
	}
	close_tasks([task.reference_name for task in open_tasks if task.reference_name not in still_due])


def close_tasks(invoices: list[str]) -> None:
	if not invoices:
		return
	todo = DocType("ToDo")
	(
		frappe.qb.update(todo)
		.set(todo.status, "Closed")
		.where(todo.name.isin([todo_name(invoice) for invoice in invoices]))
		.where(todo.status == "Open")
		.run()
	)


def record_declaration(invoice, *, declared_on: date, reference: str | None, today: date) -> str:
	"""The declaration made to the insurer, as a contact-log entry (written as the user: the log's own
	permissions apply); it closes the declaration task and stops the warnings. Returns the entry's name."""
	if declared_on > today:
		frappe.throw(_("The declaration date {0} is in the future.").format(declared_on))
	rows = insured_invoices(today, invoices=[invoice.name], unpaid_only=False)
	if not rows:
		frappe.throw(_("No enabled credit insurance policy covers {0}.").format(invoice.name))
	row = rows[0]
	if row.declared_on:
		frappe.throw(
			_("The payment default of {0} was already declared to the insurer on {1}.").format(
				invoice.name, frappe.format_value(row.declared_on, {"fieldtype": "Date"})
			)
		)
	task = todo_name(invoice.name)
	entry = log_entry(
		invoice,
		INSURER_DECLARATION,
		status="Done",
		# Made to the insurer, not to the customer: no direction, so that it is not the customer's last
		# contact (the minimum gap between two reminders counts outbound contacts only).
		direction="",
		contact_date=now_datetime() if declared_on == today else get_datetime(declared_on),
		tracking_number=(reference or "").strip() or None,
		todo=task if frappe.db.exists("ToDo", task) else None,
		notes=_("Payment default declared to {0} (policy {1}); declaration deadline {2}.").format(
			row.insurer,
			row.policy_number,
			frappe.format_value(row.cover.declaration_deadline, {"fieldtype": "Date"}),
		),
	)
	close_tasks([invoice.name])
	return entry


def declarations_due(today: date, *, company: str | None = None, until: date | None = None) -> list:
	"""The covered unpaid invoices that ask for a declaration on `today` (or, with `until`, any day up to it),
	the most urgent first."""
	rows = insured_invoices(until or today, company=company, due_only=True)
	due = [row for row in rows if row.cover.needs_declaration]
	for row in due:
		# Days left counted from `today`, whatever horizon selected the row.
		row.days_left = (row.cover.declaration_deadline - today).days
	return sorted(due, key=lambda row: (row.cover.declaration_deadline, row.invoice))


def invoice_insurance(invoice: str, today: date) -> dict | None:
	"""What the invoice banner shows: the insurer, the deadlines, the state and the declaration, if any."""
	rows = insured_invoices(today, invoices=[invoice], unpaid_only=False)
	if not rows:
		return None
	row = rows[0]
	return {
		"policy": row.policy,
		"insurer": row.insurer,
		"policy_number": row.policy_number,
		"declaration_deadline": row.cover.declaration_deadline,
		"claim_deadline": row.cover.claim_deadline,
		"warning_date": row.cover.warning_date,
		"days_left": row.cover.days_left,
		"state": row.cover.state.value,
		"declared_on": row.declared_on,
		"reference": row.reference,
	}


def insured_invoices(
	today: date,
	*,
	invoices: list[str] | None = None,
	company: str | None = None,
	due_only: bool = False,
	unpaid_only: bool = True,
) -> list[frappe._dict]:
	"""The submitted invoices an enabled policy covers (customer or group row, due date within its validity),
	each with `cover` (engine.insurance.Cover on `today`). `due_only`: only those whose warning date has come."""
	result, seen = [], set()
	for policy in enabled_policies(company):
		candidates = _candidate_invoices(policy, today, invoices, due_only=due_only, unpaid_only=unpaid_only)
		if not candidates:
			continue
		groups_of = customer_groups({row.customer for row in candidates})
		declared = _declarations([row.invoice for row in candidates])
		for row in candidates:
			if row.invoice in seen:
				continue  # an invoice two policies cover: the most recent policy answers
			party = covering_row(policy.rows, row.customer, groups_of.get(row.customer, ()))
			if party is None:
				continue
			declaration = declared.get(row.invoice)
			row.update(
				policy=policy.name,
				insurer=policy.insurer,
				policy_number=policy.policy_number,
				credit_limit=party.credit_limit,
				outstanding=to_money(row.outstanding),
				declared_on=declaration.day if declaration else None,
				reference=declaration.reference if declaration else None,
			)
			row.cover = cover(
				due_date=getdate(row.due_date),
				outstanding=row.outstanding,
				deadlines=policy.deadlines,
				today=today,
				declared_on=row.declared_on,
			)
			result.append(row)
			seen.add(row.invoice)
	return result


def enabled_policies(company: str | None = None) -> list[frappe._dict]:
	"""Enabled policies with their covered rows and deadlines, the most recent first."""
	filters = {"enabled": 1}
	if company:
		filters["company"] = company
	policies = frappe.get_all(
		POLICY,
		filters=filters,
		fields=[
			"name",
			"company",
			"insurer",
			"policy_number",
			"valid_from",
			"valid_to",
			"declaration_days",
			"claim_days",
			"warning_days",
		],
		order_by="valid_from desc, name asc",
	)
	if not policies:
		return []
	rows = defaultdict(list)
	for row in frappe.get_all(
		"Credit Insurance Cover",
		filters={"parenttype": POLICY, "parent": ("in", [p.name for p in policies])},
		fields=["parent", "customer", "customer_group", "credit_limit"],
		order_by="idx asc",
	):
		rows[row.parent].append(CoveredParty(row.customer, row.customer_group, to_money(row.credit_limit)))
	for policy in policies:
		policy.rows = rows[policy.name]
		policy.deadlines = Deadlines(
			declaration_days=int(policy.declaration_days or 0),
			claim_days=int(policy.claim_days or 0),
			lead_days=int(policy.warning_days or 0),
		)
	return policies


def _candidate_invoices(
	policy, today: date, invoices: list[str] | None, *, due_only: bool, unpaid_only: bool
) -> list[frappe._dict]:
	si = DocType("Sales Invoice")
	query = (
		frappe.qb.from_(si)
		.select(
			si.name.as_("invoice"),
			si.customer,
			si.customer_name,
			si.company,
			si.due_date,
			si.outstanding_amount.as_("outstanding"),
			si.currency,
		)
		.where(si.docstatus == 1)
		.where(si.is_return == 0)
		.where(si.company == policy.company)
		.where(si.due_date >= policy.valid_from)
	)
	if policy.valid_to:
		query = query.where(si.due_date <= policy.valid_to)
	if unpaid_only:
		query = query.where(si.outstanding_amount > 0)
	if invoices is not None:
		query = query.where(si.name.isin(list(invoices) or [""]))
	if due_only:
		# Only invoices whose warning date may have come: the invoice, or one of its instalments, due on or
		# before today - (N - lead) days.
		cutoff = add_days(today, -(policy.deadlines.declaration_days - policy.deadlines.lead_days))
		ps = DocType("Payment Schedule")
		early = (
			frappe.qb.from_(ps)
			.select(ps.parent)
			.where(ps.parenttype == "Sales Invoice")
			.where(ps.due_date <= cutoff)
		)
		query = query.where((si.due_date <= cutoff) | si.name.isin(early))
	rows = query.orderby(si.due_date).orderby(si.name).run(as_dict=True)
	_count_from_first_unpaid_instalment(rows)
	return rows


def _count_from_first_unpaid_instalment(rows: list[frappe._dict]) -> None:
	"""Each row's `due_date` becomes the one the insurer counts from: its first unpaid instalment's (ERPNext's
	invoice due date is the last instalment's)."""
	if not rows:
		return
	schedules = defaultdict(list)
	for line in frappe.get_all(
		"Payment Schedule",
		filters={"parenttype": "Sales Invoice", "parent": ("in", [row.invoice for row in rows])},
		fields=["parent", "due_date", "payment_amount"],
	):
		schedules[line.parent].append((getdate(line.due_date), to_money(line.payment_amount)))
	for row in rows:
		first = first_unpaid_due(schedules.get(row.invoice, ()), to_money(row.outstanding))
		row.due_date = first or getdate(row.due_date)


def customer_groups(customers: set[str]) -> dict[str, list[str]]:
	"""Per customer: its group, then that group's parents up the tree (two queries)."""
	if not customers:
		return {}
	group_of = dict(
		frappe.get_all(
			"Customer",
			filters={"name": ("in", list(customers))},
			fields=["name", "customer_group"],
			as_list=True,
		)
	)
	parent_of = dict(frappe.get_all("Customer Group", fields=["name", "parent_customer_group"], as_list=True))
	chains = {}
	for customer, group in group_of.items():
		chain = []
		while group and group not in chain:
			chain.append(group)
			group = parent_of.get(group)
		chains[customer] = chain
	return chains


def _declarations(invoices: list[str]) -> dict[str, frappe._dict]:
	"""Per invoice: the day of its recorded declaration to the insurer, and the insurer's reference."""
	if not invoices:
		return {}
	log = DocType("Dunning Contact Log")
	rows = (
		frappe.qb.from_(log)
		.select(
			log.sales_invoice, Max(log.contact_date).as_("day"), Max(log.tracking_number).as_("reference")
		)
		.where(log.sales_invoice.isin(invoices))
		.where(log.entry_type == INSURER_DECLARATION)
		.where(log.status == "Done")
		.groupby(log.sales_invoice)
		.run(as_dict=True)
	)
	return {row.sales_invoice: frappe._dict(day=getdate(row.day), reference=row.reference) for row in rows}
