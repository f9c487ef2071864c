"""Dunning Worklist: the steps the daily escalation will take today and over the coming days, per customer.

The rows are the engine's own plan (`relance_app.dunning.preview.preview`): every open instalment walked day by
day as if each step were carried out, so a customer due for level 2 today and level 3 in five days shows
both. Nothing is sent by reading the report; "Run now" carries out today's steps for the selection.

With "Show invoices with nothing due", every other open invoice gets a row saying why nothing goes out and
when it will (paused until, promise until, dispute open, minimum gap, below the minimum amount, no level due
before...), read from the engine's own decision for the From Date (`dunning.preview.explain_selection`). Each
row offers the invoice screen's actions (open, log a call, send now, pause) through their whitelisted methods.
"""

from __future__ import annotations

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import add_days, cint, flt, getdate
from frappe.utils.background_jobs import is_job_enqueued

from relance_app.common.compat import in_test
from relance_app.common.factoring import factor_collected_invoices
from relance_app.common.policy_store import load_policies
from relance_app.common.readiness import assert_ready_to_run
from relance_app.desk.reports import (
	CURRENCY_COLUMN,
	channel_label,
	currency_precision,
	link_column,
	money_column,
	permitted_rows,
)
from relance_app.dunning import evidence, preview, run
from relance_app.dunning.insurance import declarations_due
from relance_app.dunning.selection import select_open_instalments
from relance_app.engine.plan import SkipReason
from relance_app.engine.policy import Channel
from relance_app.portal.activity import activity as portal_activity
from relance_app.portal.activity import activity_text

DEFAULT_DAYS = 7
# The preview walks every open instalment day by day: keep the horizon to what a person plans with.
MAX_DAYS = 60


def execute(filters: dict | None = None):
	filters = frappe._dict(filters or {})
	data = get_data(filters)
	return get_columns(), data, None, None, get_summary(data)


def get_data(filters: dict) -> list[dict]:
	"""One row per customer, day and level: from `from_date` through `from_date` + `days`, both included."""
	filters = frappe._dict(filters)
	start = getdate(filters.get("from_date"))
	days = get_days(filters)
	precision = currency_precision()
	# The engine's plan covers every customer: keep those whose invoices the user may read.
	rows = permitted_rows(
		preview.preview(start, days + 1, company=filters.get("company")), company=filters.get("company")
	)
	if filters.get("customer"):
		rows = [row for row in rows if row["customer"] == filters.customer]
	planned = [
		{
			"date": row["date"],
			"customer": row["customer"],
			"customer_name": row["customer_name"],
			"policy": row["policy"],
			"level": row["level"],
			"level_title": row["level_title"],
			"channel": channel_label(row["channel"]),
			"invoices": row["invoices"],
			"outstanding": flt(row["outstanding"], precision),
			"currency": row["currency"],
			# A call logged from this row may be the step itself (the dialog asks, as the invoice's does).
			"call_step": row["level_title"] if row["channel"] == Channel.CALL.value else None,
		}
		for row in rows
	]
	for row in planned:
		row["reason"] = _("Due today") if row["date"] == start else ""
	rows = with_steps_needing_attention(filters, planned, precision)
	if cint(filters.get("show_waiting")):
		rows += waiting_rows(filters, start, rows, precision)
	if cint(filters.get("show_factored", 1)):
		rows += assigned_to_factor_rows(filters, precision)
	return with_portal_activity(with_insurance_declarations(filters, rows, start, days, precision))


def with_portal_activity(rows: list[dict]) -> list[dict]:
	"""What the customer did on its page for the row's invoices (viewed, promised, disputed, said paid)."""
	names = {id(row): _invoice_names(row) for row in rows}
	found = portal_activity(name for listed in names.values() for name in listed)
	for row in rows:
		texts = (activity_text(found.get(name)) for name in names[id(row)])
		row["portal"] = "; ".join(dict.fromkeys(text for text in texts if text))
	return rows


def _invoice_names(row: dict) -> list[str]:
	invoices = row.get("invoices") or []
	return [name for name in (invoices.split(", ") if isinstance(invoices, str) else invoices) if name]


def waiting_rows(filters: dict, start, shown: list[dict], precision: int) -> list[dict]:
	"""One row per open invoice with no step in the window: why nothing goes out, and when it will."""
	customers = [filters.customer] if filters.get("customer") else None
	selection = select_open_instalments(start, company=filters.get("company"), customers=customers)
	outlooks = preview.explain_selection(selection, start)
	listed = {name for row in shown for name in str(row.get("invoices") or "").split(", ") if name}
	per_invoice = defaultdict(list)
	for inst in selection.instalments:
		if inst.invoice not in listed and inst.invoice not in selection.factored:
			per_invoice[inst.invoice].append(inst)
	rows = []
	for invoice, items in sorted(per_invoice.items()):
		found = [outlooks[inst.key] for inst in items if inst.key in outlooks]
		policy_name = found[0][0] if found else None
		outlook = preview.first_outlook([o for _p, o in found])
		if outlook is not None and outlook.reason is SkipReason.PAID:
			continue
		level = _level(policy_name, outlook)
		rows.append(
			{
				"date": outlook.on if outlook else None,
				"customer": items[0].customer,
				"customer_name": items[0].customer_name,
				"policy": policy_name,
				"level": outlook.level if outlook else None,
				"level_title": level.title if level else None,
				"channel": channel_label(level.channel.value) if level else None,
				"call_step": level.title if level and level.channel is Channel.CALL else None,
				"invoices": invoice,
				"outstanding": flt(sum(inst.outstanding for inst in items), precision),
				"currency": items[0].currency,
				"reason": preview.reason_text(outlook),
				"hold": outlook.reason.value if outlook and outlook.reason else None,
			}
		)
	return permitted_rows(rows, company=filters.get("company"))


def assigned_to_factor_rows(filters: dict, precision: int) -> list[dict]:
	"""Last, apart: the open invoices whose factor does the dunning (affacturage). The company sends them
	nothing; the row says to whom they were assigned."""
	invoices = factor_collected_invoices(company=filters.get("company"), customer=filters.get("customer"))
	rows = [
		{
			"date": None,
			"customer": row.customer,
			"customer_name": row.customer_name,
			"channel": _("Assigned to Factor"),
			"invoices": row.name,
			"outstanding": flt(row.outstanding_amount, precision),
			"currency": row.currency,
			"reason": _("Collected by the factor: no reminder from the company"),
			"factor": f"{row.factor_name} ({row.contract})",
		}
		for row in invoices
	]
	return permitted_rows(rows, company=filters.get("company"))


def _level(policy_name: str | None, outlook):
	if not policy_name or not outlook or not outlook.level:
		return None
	return load_policies([policy_name])[policy_name].level(outlook.level)


def with_insurance_declarations(filters, rows: list[dict], start, days: int, precision: int) -> list[dict]:
	"""First, the credit-insured invoices whose declaration to the insurer (menace de sinistre) falls due by
	the end of the horizon, dated on their declaration deadline; a late one says so."""
	due = declarations_due(start, company=filters.get("company"), until=add_days(start, days))
	if filters.get("customer"):
		due = [row for row in due if row.customer == filters.customer]
	declarations = [
		{
			"date": row.cover.declaration_deadline,
			"customer": row.customer,
			"customer_name": row.customer_name,
			"channel": _("Insurer Declaration"),
			"invoices": row.invoice,
			"outstanding": flt(row.outstanding, precision),
			"currency": row.currency,
			"insurance": (
				_("Deadline passed: declare to {0} (policy {1}) now")
				if row.days_left < 0
				else _("Declare to {0} (policy {1})")
			).format(row.insurer, row.policy_number),
		}
		for row in due
	]
	return permitted_rows(declarations, company=filters.get("company")) + rows


def with_steps_needing_attention(filters: dict, planned: list[dict], precision: int) -> list[dict]:
	"""The steps that failed too often and wait for a person (dunning.evidence.MAX_ATTEMPTS), with why.

	The plan still shows such a step as due (it was never taken): that row gets the reason. A step that is
	not in the plan's rows gets a row of its own, first. Either way the run skips it until it is retried.
	"""
	customers = [filters.customer] if filters.get("customer") else None
	steps = evidence.steps_needing_attention(company=filters.get("company"), customers=customers)
	waiting: dict[tuple[str, int], dict] = {}
	for step in steps:
		row = waiting.setdefault(
			(step.customer, step.level),
			{
				"date": getdate(step.contact_date),
				"customer": step.customer,
				"customer_name": step.customer_name,
				"policy": step.dunning_policy,
				"level": step.level,
				"level_title": step.level_title,
				"channel": _(step.entry_type),
				"invoices": [],
				"outstanding": 0.0,
				"currency": step.currency,
				"attention": step.failure_reason or _("Failed too often: see the contact log."),
				"contact_log": step.name,
			},
		)
		if step.sales_invoice not in row["invoices"]:
			row["invoices"].append(step.sales_invoice)
		row["outstanding"] = flt(row["outstanding"] + flt(step.outstanding_amount), precision)
	for row in planned:
		step = waiting.get((row["customer"], row["level"]))
		if step:
			row["attention"], row["contact_log"] = step["attention"], step["contact_log"]
	shown = {(row["customer"], row["level"]) for row in planned if row.get("attention")}
	# Like the plan's rows: only customers whose invoices the user may read.
	extra = permitted_rows(
		[row for key, row in waiting.items() if key not in shown], company=filters.get("company")
	)
	for row in extra:
		row["invoices"] = ", ".join(row["invoices"])
	return extra + planned


def get_days(filters: dict) -> int:
	days = filters.get("days")
	days = DEFAULT_DAYS if days in (None, "") else cint(days)
	if not 0 <= days <= MAX_DAYS:
		frappe.throw(_("Days Ahead must be between 0 and {0}.").format(MAX_DAYS))
	return days


def get_columns() -> list[dict]:
	return [
		{"fieldname": "date", "label": _("Date"), "fieldtype": "Date", "width": 100},
		link_column("customer", _("Customer"), "Customer", 140),
		{"fieldname": "customer_name", "label": _("Customer Name"), "fieldtype": "Data", "width": 160},
		link_column("policy", _("Dunning Policy"), "Dunning Policy", 130),
		{"fieldname": "level", "label": _("Level"), "fieldtype": "Int", "width": 70},
		{"fieldname": "level_title", "label": _("Level Title"), "fieldtype": "Data", "width": 150},
		{"fieldname": "channel", "label": _("Channel"), "fieldtype": "Data", "width": 110},
		{"fieldname": "invoices", "label": _("Invoices"), "fieldtype": "Data", "width": 220},
		money_column("outstanding", _("Outstanding"), 130),
		CURRENCY_COLUMN,
		{"fieldname": "reason", "label": _("Why / When"), "fieldtype": "Data", "width": 260},
		{"fieldname": "portal", "label": _("Customer Page"), "fieldtype": "Data", "width": 260},
		{"fieldname": "actions", "label": _("Actions"), "fieldtype": "Data", "width": 300},
		{"fieldname": "attention", "label": _("Needs Attention"), "fieldtype": "Data", "width": 300},
		{"fieldname": "insurance", "label": _("Credit Insurance"), "fieldtype": "Data", "width": 260},
		{"fieldname": "factor", "label": _("Assigned to Factor"), "fieldtype": "Data", "width": 220},
		link_column("contact_log", _("Contact Log"), "Dunning Contact Log", 140),
	]


def get_summary(data: list[dict]) -> list[dict]:
	today = getdate()
	return [
		{
			"value": sum(1 for row in data if row["date"] == today),
			"label": _("Steps Due Today"),
			"datatype": "Int",
			"indicator": "Blue",
		},
		{"value": len(data), "label": _("Steps Planned"), "datatype": "Int"},
		{
			"value": sum(1 for row in data if row.get("attention")),
			"label": _("Steps Needing Attention"),
			"datatype": "Int",
			"indicator": "Red",
		},
		{"value": len({row["customer"] for row in data}), "label": _("Customers"), "datatype": "Int"},
	]


@frappe.whitelist(methods=["POST"])
def run_now(company: str, customer: str | None = None) -> dict:
	"""Queue today's dunning steps for the report's selection (a company, or one of its customers) as a
	background job, and return its id: a run sends mail, renders PDFs and issues formal notices, which is
	no work for a web request. The same selection is queued once at a time (deduplicated by its job id)."""
	frappe.has_permission("Dunning Policy", "write", throw=True)
	if not frappe.db.exists("Company", company):
		frappe.throw(_("Company {0} does not exist.").format(company))
	frappe.has_permission("Company", "read", doc=company, throw=True)
	if customer:
		frappe.has_permission("Customer", "read", doc=customer, throw=True)
	if not frappe.db.get_single_value("Dunning Settings", "enabled"):
		frappe.throw(_("Dunning is disabled in Dunning Settings: nothing was run."))
	if not frappe.db.get_single_value("Dunning Settings", "dry_run"):
		assert_ready_to_run(company)
	job_id = f"relance-run-now:{company}:{customer or '*'}"
	already = is_job_enqueued(job_id)
	# Tests run the job inline, to check what it does; everywhere else it goes to the long queue.
	result = frappe.enqueue(
		RUN_NOW_JOB,
		queue="long",
		timeout=3600,
		job_id=job_id,
		deduplicate=True,
		enqueue_after_commit=True,
		now=in_test(),
		company=company,
		customer=customer,
	)
	return {"job_id": job_id, "queued": not already, "already_queued": already, **(result or {})}


RUN_NOW_JOB = "relance_app.relance_app.report.dunning_worklist.dunning_worklist.run_now_job"


def run_now_job(company: str, customer: str | None = None) -> dict:
	"""The queued "Run now": today's steps (always today: a run dated ahead would send steps not yet due),
	with the run's report sent to the user who asked for it."""
	report = run.run(getdate(), company=company, customers=[customer] if customer else None).as_dict()
	frappe.publish_realtime("relance_run_now_done", report, user=frappe.session.user)
	return report
