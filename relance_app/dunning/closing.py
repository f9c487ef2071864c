"""Stop dunning when an invoice is settled or cancelled, and say thank you.

Closing is a side effect of the user's own transaction (a Payment Entry, a Journal Entry, a credit note, a
Payment Reconciliation, a cancellation): it must never fail it. The doc events only remember the invoices;
after the transaction commits, one background job closes them, and an error there goes to the Error Log.
Every settlement path books Payment Ledger Entries, so the ledger's on_submit event covers them all.
"""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import getdate, now_datetime

from relance_app.common.compat import in_test
from relance_app.common.constants import DUNNED_STATUSES
from relance_app.common.invoices import to_money
from relance_app.common.parties import default_sender, recipient_for
from relance_app.common.policy_store import resolve_policies
from relance_app.dunning import channels
from relance_app.dunning.context import build_context
from relance_app.dunning.messages import render_email_template
from relance_app.dunning.trail import update_log_rows
from relance_app.engine.plan import Action, Instalment
from relance_app.engine.policy import Level


def schedule_closing(*, settled: Iterable[str] = (), cancelled: Iterable[str] = ()) -> None:
	"""Close these invoices' dunning once the current transaction has committed (one job per transaction)."""
	state = frappe.flags.get("relance_closing")
	if state is None:
		state = frappe.flags.relance_closing = {"settled": set(), "cancelled": set()}
		frappe.db.after_commit.add(_enqueue_closing)
		frappe.db.after_rollback.add(_forget_closing)
	state["settled"].update(filter(None, settled))
	state["cancelled"].update(filter(None, cancelled))


def _forget_closing() -> None:
	frappe.flags.pop("relance_closing", None)


def _enqueue_closing() -> None:
	state = frappe.flags.pop("relance_closing", None)
	if not state or not (state["settled"] or state["cancelled"]):
		return
	frappe.enqueue(
		"relance_app.dunning.closing.close_invoices",
		queue="short",
		# Tests have no worker: run the job right after the commit, in the same process.
		now=in_test(),
		settled=sorted(state["settled"]),
		cancelled=sorted(state["cancelled"]),
	)


def close_invoices(settled: list[str] | None = None, cancelled: list[str] | None = None) -> None:
	"""The background job: close cancelled and settled invoices; an error is logged, never raised."""
	for invoice in cancelled or ():
		_logged(close_cancelled_invoice, invoice)
	if settled:
		_logged(close_settled_invoices, settled)


def _logged(function, argument) -> None:
	frappe.db.savepoint("relance_closing")
	try:
		function(argument)
	except Exception:
		frappe.db.rollback(save_point="relance_closing")
		frappe.log_error(title=_("Relance: could not close the dunning of {0}").format(argument))
	else:
		frappe.db.release_savepoint("relance_closing")


def close_settled_invoices(invoices: Iterable[str]) -> list[str]:
	"""Close the dunning of every given invoice that no longer has anything outstanding.

	Called after a payment, a credit note or a journal entry is submitted. Writes one "Payment Received"
	entry per invoice that was being dunned, keeps open promises as kept, closes our open tasks, and sends
	the policy's thank-you email when it has one.
	"""
	names = sorted(set(filter(None, invoices)))
	if not names:
		return []
	si = DocType("Sales Invoice")
	rows = (
		frappe.qb.from_(si)
		.select(
			si.name,
			si.customer,
			si.company,
			si.currency,
			si.outstanding_amount,
			si.dunning_status,
			si.dunning_level,
			si.dunning_policy,
			si.contact_email,
			si.due_date,
			si.grand_total,
			si.posting_date,
		)  # fmt: skip
		.where(si.name.isin(names))
		.where(si.docstatus == 1)
		.where(si.outstanding_amount <= 0)
		# Idempotent: a second payment event on a closed invoice writes nothing and thanks nobody twice.
		.where(si.dunning_status.isnull() | (si.dunning_status != "Closed"))
		.run(as_dict=True)
	)
	if not rows:
		return []
	closed = [row.name for row in rows]
	(
		frappe.qb.update(si)
		.set(si.dunning_status, "Closed")
		.set(si.dunning_next_action, None)
		.set(si.dunning_next_action_date, None)
		.where(si.name.isin(closed))
		.run()
	)
	dunned = [row for row in rows if row.dunning_status in DUNNED_STATUSES or (row.dunning_level or 0) > 0]
	for row in dunned:
		frappe.get_doc(
			{
				"doctype": "Dunning Contact Log",
				"customer": row.customer,
				"company": row.company,
				"sales_invoice": row.name,
				"entry_type": "Payment Received",
				"direction": "Inbound",
				"status": "Done",
				"contact_date": now_datetime(),
				"notes": _("Invoice settled: dunning closed."),
			}
		).insert(ignore_permissions=True)
	_settle_holds([row.name for row in dunned], promise_status="Done", note=_("Invoice settled."))
	close_tasks(closed)
	_thank(dunned)
	return closed


def close_cancelled_invoice(invoice: str) -> None:
	frappe.db.set_value(
		"Sales Invoice",
		invoice,
		{"dunning_status": "Closed", "dunning_next_action": None, "dunning_next_action_date": None},
		update_modified=False,
	)
	_settle_holds([invoice], promise_status="Cancelled", note=_("Invoice cancelled."))
	close_tasks([invoice])


def _settle_holds(invoices: list[str], *, promise_status: str, note: str) -> None:
	if not invoices:
		return
	held = frappe.get_all(
		"Dunning Contact Log", filters={"sales_invoice": ("in", invoices), "status": "Open"}, pluck="name"
	)
	update_log_rows(held, {"status": promise_status, "notes": note}, seal=True)


def close_tasks(invoices: list[str], *, entry_types: tuple[str, ...] | None = None) -> None:
	"""Close the open tasks (calls, letters to post) that the dunning opened on these invoices."""
	log = DocType("Dunning Contact Log")
	query = (
		frappe.qb.from_(log)
		.select(log.todo)
		.where(log.sales_invoice.isin(invoices))
		.where(log.todo.isnotnull())
	)
	if entry_types:
		query = query.where(log.entry_type.isin(entry_types))
	todos = query.run(pluck=True)
	if todos:
		todo = DocType("ToDo")
		frappe.qb.update(todo).set(todo.status, "Closed").where(todo.name.isin(todos)).where(
			todo.status == "Open"
		).run()


def _thank(rows: list) -> None:
	if not rows:
		return
	policy_of = resolve_policies([dict(row) for row in rows])
	templates = dict(
		frappe.get_all(
			"Dunning Policy",
			filters={"name": ("in", list({p for p in policy_of.values() if p}))},
			fields=["name", "thank_you_template"],
			as_list=True,
		)
	)
	sender = default_sender()
	for row in rows:
		template = templates.get(policy_of.get(row.name))
		if not template:
			continue
		recipient = recipient_for(row.customer, row.contact_email)
		if not recipient.email:
			continue
		inst = Instalment(
			invoice=row.name, customer=row.customer, due_date=getdate(row.due_date), outstanding=to_money(row.grand_total),
			currency=row.currency,
		)  # fmt: skip
		level = Level(
			title=_("Thank you"), offset_days=0, channel="email", template=template, attach_invoice=False
		)
		context = build_context(
			customer=row.customer, company=row.company, instalments=[inst], level=level, today=getdate()
		)
		message = render_email_template(template, context)
		channels.send_email(Action(row.customer, 0, level, (inst,)), message, recipient, sender=sender)
