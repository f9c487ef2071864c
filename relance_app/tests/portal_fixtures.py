"""Data for the browser test of the customer page (e2e/test_portal.py), made with the app's test factories and
run through `bench --site SITE execute` (which commits): a customer with two overdue invoices, reminded today
by the real daily run, so that a reminder email with the customer-page link sits in Frappe's Email Queue."""

from __future__ import annotations

import frappe
from frappe.utils import getdate, nowdate

from relance_app.dunning.run import run
from relance_app.tests.factories import (
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
)


def queued_reminder(customer: str, email: str) -> dict:
	"""Two invoices of `customer`, 6 and 7 days late, reminded today (J+5) by email; their names and the
	Email Queue row of the reminder. A test policy without calendar rules: the test runs on any day."""
	today = getdate(nowdate())
	make_email_account()
	frappe.db.set_single_value("Dunning Settings", {"enabled": 1, "dry_run": 0})
	policy = make_policy(one_message_per_customer=1)
	make_dunning_customer(name=customer, email=email, policy=policy)
	# A test run that stopped half-way may have left invoices open: the page must show these two only.
	for name in frappe.get_all(
		"Sales Invoice",
		filters={"customer": customer, "docstatus": 1, "outstanding_amount": (">", 0)},
		pluck="name",
	):
		frappe.get_doc("Sales Invoice", name).cancel()
	frappe.db.set_value("Customer", customer, "dunning_language", "fr")
	invoices = [
		make_overdue_invoice(days_overdue=days, amount=amount, customer=customer, today=today).name
		for days, amount in ((7, 1450.0), (6, 320.0))
	]
	run(today, customers=[customer])
	frappe.db.commit()
	# The reminder's Communication, from its contact-log row: the Email Queue row that carries it.
	sent = frappe.get_all(
		"Dunning Contact Log",
		filters={
			"sales_invoice": ("in", invoices),
			"entry_type": "Reminder Email",
			"communication": ("is", "set"),
		},
		pluck="communication",
		order_by="creation desc",
		limit=1,
	)
	queued = frappe.get_all("Email Queue", filters={"communication": sent[0]}, pluck="name") if sent else []
	return {"invoices": invoices, "email_queue": queued[0] if queued else None}
