"""The mise en demeure from the invoice: the overdue invoices it may include (the dialog's checklist), the
letter previewed without saving for the invoices ticked, then issued and recorded once for exactly those."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.translate import print_language
from frappe.utils import getdate, nowdate

from relance_app.api.access import check_customer, check_invoices, check_step, checked_invoice, require
from relance_app.common.parties import default_sender
from relance_app.common.policy_store import load_policies
from relance_app.dunning.mirrors import update_mirrors
from relance_app.dunning.report import RunReport
from relance_app.dunning.run import execute_action
from relance_app.dunning.selection import select_open_instalments
from relance_app.engine.plan import Action
from relance_app.formal_notice.dunning import build_formal_notice
from relance_app.formal_notice.letter import PRINT_FORMATS, letter_html


def _formal_notice_action(
	invoice: str, today: date, invoices: list[str] | None = None
) -> tuple[str, Action, object]:
	"""The policy's formal-notice step for the invoice's customer under the invoice's policy and company: every
	overdue, not yet noticed instalment, or only those of `invoices` (the ones ticked in the dialog)."""
	customer, company = frappe.db.get_value("Sales Invoice", invoice, ["customer", "company"])
	selection = select_open_instalments(today, company=company, customers=[customer])
	policy_name = next(
		(name for name, items in selection.by_policy.items() if any(i.invoice == invoice for i in items)),
		None,
	)
	if not policy_name:
		frappe.throw(_("Nothing is outstanding on {0}, or no dunning policy applies to it.").format(invoice))
	policy = load_policies([policy_name])[policy_name]
	number = policy.formal_notice_level
	if not number:
		frappe.throw(_("The policy {0} has no formal notice level.").format(policy_name))
	eligible = tuple(
		inst
		for inst in selection.by_policy[policy_name]
		if inst.outstanding > 0
		and inst.due_date < today
		and inst.last_level < number
		and not inst.disputed
		and (selection.invoices.get(inst.invoice) or {}).get("company", company) == company
	)
	if invoices is None:
		if not any(inst.invoice == invoice for inst in eligible):
			frappe.throw(
				_("{0} is not overdue, is disputed, or already had its formal notice.").format(invoice)
			)
		chosen = eligible
	else:
		wanted = set(invoices)
		if not wanted:
			frappe.throw(_("Tick at least one invoice for the formal notice."))
		offered = {inst.invoice for inst in eligible}
		refused = sorted(wanted - offered)
		if refused:
			frappe.throw(
				_(
					"These invoices cannot go on this formal notice (not overdue, disputed, already noticed, or "
					"another customer's, company's or policy's): {0}"
				).format(", ".join(refused))
			)
		chosen = tuple(inst for inst in eligible if inst.invoice in wanted)
	return policy_name, Action(customer, number, policy.level(number), chosen), selection


def _ticked(invoices) -> list[str] | None:
	"""The invoices ticked in the dialog (a JSON list from the desk), or None when the caller sent none."""
	if invoices is None or invoices == "":
		return None
	names = frappe.parse_json(invoices) if isinstance(invoices, str) else invoices
	if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
		frappe.throw(_("The invoices must be a list of invoice names."))
	return list(dict.fromkeys(names))


@frappe.whitelist()
def formal_notice_candidates(invoice: str) -> list[dict]:
	"""The customer's overdue invoices (same company and policy) a formal notice from `invoice` may include,
	with their days late and outstanding: `invoice` first and ticked, the others proposed, oldest first.
	Invoices the user may not read are left out."""
	doc = checked_invoice(invoice)
	require("Dunning", "read")
	today = getdate(nowdate())
	_policy, action, _selection = _formal_notice_action(invoice, today)
	check_customer(action.customer)
	rows: dict[str, dict] = {}
	for inst in sorted(action.instalments, key=lambda i: (i.due_date, i.invoice)):
		row = rows.setdefault(
			inst.invoice,
			{
				"invoice": inst.invoice,
				"due_date": inst.due_date,
				"days_late": (today - inst.due_date).days,
				"outstanding": Decimal(0),
				"currency": inst.currency,
				"checked": inst.invoice == doc.name,
			},
		)
		row["outstanding"] += inst.outstanding
	readable = [
		row for row in rows.values() if frappe.has_permission("Sales Invoice", "read", doc=row["invoice"])
	]
	readable.sort(key=lambda row: (not row["checked"], row["due_date"], row["invoice"]))
	return readable


@frappe.whitelist()
def preview_formal_notice(invoice: str, invoices: str | list | None = None) -> dict:
	"""The mise en demeure as it would be printed today, without saving anything (a GET: it writes nothing,
	not even the Dunning's name from its naming series). `invoices`: the ones ticked, else all overdue ones."""
	doc = checked_invoice(invoice)
	require("Dunning", "read")
	today = getdate(nowdate())
	policy_name, action, _selection = _formal_notice_action(invoice, today, _ticked(invoices))
	# The letter lists every invoice chosen: the user must be allowed to read each of them.
	check_invoices(action.invoices)
	check_customer(action.customer)
	dunning, _chosen, language, letter = build_formal_notice(
		customer=action.customer,
		company=doc.company,
		instalments=list(action.instalments),
		level=action.level,
		today=today,
		policy_name=policy_name,
	)
	with print_language(language):
		html = letter_html(dunning, PRINT_FORMATS[language])
	return {"html": html, "invoices": list(action.invoices), "warnings": letter["warnings"]}


@frappe.whitelist(methods=["POST"])
def send_formal_notice(invoice: str, invoices: str | list | None = None) -> dict:
	"""Issue the mise en demeure now for the invoices ticked (else all the customer's overdue ones): the
	Dunning, its letter, the task to post it, logged like the daily run's."""
	checked_invoice(invoice, "write")
	require("Dunning", "create", "submit")
	today = getdate(nowdate())
	policy_name, action, selection = _formal_notice_action(invoice, today, _ticked(invoices))
	# One letter for all the invoices chosen: each one is checked, not only the one on screen.
	check_step(action.level, action.invoices)
	check_customer(action.customer)
	report = RunReport(day=today, dry_run=False)
	execute_action(
		policy_name, action, selection, today=today, dry_run=False, report=report, sender=default_sender()
	)
	update_mirrors(today, customers=[action.customer])
	if report.failed:
		frappe.throw(_("The formal notice could not be issued; the error is in the Error Log."))
	dunning = frappe.db.get_value(
		"Dunning Contact Log",
		{"sales_invoice": action.invoices[0], "level": action.level_number, "is_automatic": 1},
		"dunning",
	)
	return {"dunning": dunning, "invoices": list(action.invoices)}
