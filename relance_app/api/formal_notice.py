"""The mise en demeure from the invoice: preview the letter without saving, then issue and record it once."""

from __future__ import annotations

from datetime import date

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


def _formal_notice_action(invoice: str, today: date) -> tuple[str, Action, object]:
	"""The policy's formal-notice step for every overdue, not yet noticed instalment of the invoice's
	customer under the invoice's policy: one letter lists them all."""
	customer = frappe.db.get_value("Sales Invoice", invoice, "customer")
	selection = select_open_instalments(today, customers=[customer])
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
	chosen = tuple(
		inst
		for inst in selection.by_policy[policy_name]
		if inst.outstanding > 0 and inst.due_date < today and inst.last_level < number and not inst.disputed
	)
	if not any(inst.invoice == invoice for inst in chosen):
		frappe.throw(_("{0} is not overdue, is disputed, or already had its formal notice.").format(invoice))
	return policy_name, Action(customer, number, policy.level(number), chosen), selection


@frappe.whitelist()
def preview_formal_notice(invoice: str) -> dict:
	"""The mise en demeure as it would be printed today, without saving anything (a GET: it writes nothing,
	not even the Dunning's name from its naming series)."""
	doc = checked_invoice(invoice)
	require("Dunning", "read")
	today = getdate(nowdate())
	policy_name, action, _selection = _formal_notice_action(invoice, today)
	# The letter lists every overdue invoice of the customer: the user must be allowed to read each of them.
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
def send_formal_notice(invoice: str) -> dict:
	"""Issue the mise en demeure now: the Dunning, its letter, the task to post it, logged like the daily run's."""
	doc = checked_invoice(invoice, "write")
	require("Dunning", "create", "submit")
	today = getdate(nowdate())
	policy_name, action, selection = _formal_notice_action(invoice, today)
	# One letter for all the customer's overdue invoices: each one is checked, not only the one on screen.
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
		{"sales_invoice": doc.name, "level": action.level_number, "is_automatic": 1},
		"dunning",
	)
	return {"dunning": dunning, "invoices": list(action.invoices)}
