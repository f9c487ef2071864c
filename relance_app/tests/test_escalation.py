"""The daily escalation on a real site: real invoices, real job runs, real Email Queue, ToDo and SMS Log."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate

from relance_app.dunning.run import run, run_batch
from relance_app.dunning.selection import select_open_instalments
from relance_app.tests.factories import (
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
)

TODAY = getdate("2026-11-02")  # a Monday


def logs(invoice: str, **filters) -> list:
	return frappe.get_all(
		"Dunning Contact Log",
		filters={"sales_invoice": invoice, "is_automatic": 1, **filters},
		fields=[
			"level",
			"entry_type",
			"status",
			"contact_date",
			"communication",
			"todo",
			"idempotency_key",
			"notes",
		],
		order_by="level asc",
	)


def queued_emails(customer: str) -> list:
	# The reminders of the customer's contact log (the run files each on its evidence row) and those filed on
	# the customer (a recap or a thank-you sent from the desk). Not through Communication Link: Frappe also
	# links the recipient's contact, and the tests' customers share one address, hence one contact's links.
	communications = set(
		frappe.get_all(
			"Dunning Contact Log",
			filters={"customer": customer, "communication": ("is", "set")},
			pluck="communication",
		)
	) | set(
		frappe.get_all(
			"Communication",
			filters={"reference_doctype": "Customer", "reference_name": customer},
			pluck="name",
		)
	)
	if not communications:
		# Not `in ("")`: emails sent without a Communication (the digest) have an empty one.
		return []
	return frappe.get_all(
		"Email Queue",
		filters={"communication": ("in", sorted(communications))},
		fields=["name", "attachments", "message"],
	)


class SMSGateway:
	"""A loopback HTTP SMS gateway that records what it is asked to send."""

	def __init__(self):
		received = self.received = []

		class Handler(BaseHTTPRequestHandler):
			def do_GET(self):
				received.append(self.path)
				self.send_response(200)
				self.end_headers()
				self.wfile.write(b"OK")

			def log_message(self, *args):
				pass

		self.server = HTTPServer(("127.0.0.1", 0), Handler)
		self.url = f"http://127.0.0.1:{self.server.server_port}/send"
		self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

	def __enter__(self):
		self.thread.start()
		settings = frappe.get_single("SMS Settings")
		settings.sms_gateway_url = self.url
		settings.message_parameter = "text"
		settings.receiver_parameter = "to"
		settings.use_post = 0
		settings.save(ignore_permissions=True)
		return self

	def __exit__(self, *exc):
		self.server.shutdown()
		frappe.db.set_single_value("SMS Settings", "sms_gateway_url", None)


class TestEscalation(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_email_account()
		cls.policy = make_policy()
		frappe.db.set_single_value(
			"Dunning Settings", {"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0}
		)

	def customer(self, **kwargs):
		return make_dunning_customer(policy=self.policy, **kwargs)

	def run_on(self, day, customers):
		with self.freeze_time(day):
			return run(day, customers=customers)

	def test_single_invoice_walked_day_by_day_gets_exactly_the_ladder(self):
		customer = self.customer(mobile="+33612345678")
		invoice = make_overdue_invoice(
			days_overdue=6, amount=1200, customer=customer, today=add_days(TODAY, 12)
		)
		due = getdate(invoice.due_date)
		with SMSGateway() as gateway:
			for offset in range(-6, 36):
				self.run_on(add_days(due, offset), [customer])
		sent = [
			((getdate(row.contact_date) - due).days, row.level, row.entry_type, row.status)
			for row in logs(invoice.name)
		]
		self.assertEqual(
			sent,
			[
				(-5, 1, "Reminder Email", "Sent"),
				(5, 2, "Reminder Email", "Sent"),
				(10, 3, "Call", "Sent"),
				(15, 4, "SMS", "Sent"),
				(30, 5, "Registered Letter", "Sent"),
			],
		)
		self.assertEqual(len(gateway.received), 1)
		self.assertIn(invoice.name, gateway.received[0])
		# Two reminder emails plus the emailed copy of the formal notice.
		self.assertEqual(len(queued_emails(customer)), 3)
		call = logs(invoice.name, level=3)[0]
		self.assertEqual(frappe.db.get_value("ToDo", call.todo, "reference_name"), invoice.name)
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", invoice.name, "dunning_status"), "Formal Notice"
		)

	def test_three_invoices_of_one_customer_make_one_email_listing_all(self):
		customer = self.customer()
		invoices = [
			make_overdue_invoice(days_overdue=5, amount=100 * n, customer=customer, today=TODAY)
			for n in (1, 2, 3)
		]
		for inv in invoices:
			frappe.db.set_value(
				"Dunning Contact Log", {"sales_invoice": inv.name}, "status", "Sent"
			)  # none yet
		report = self.run_on(TODAY, [customer])
		emails = queued_emails(customer)
		self.assertEqual(len(emails), 1)
		for inv in invoices:
			self.assertIn(inv.name, emails[0].message)
		attachments = json.loads(emails[0].attachments)
		self.assertEqual(sorted(a["name"] for a in attachments), sorted(inv.name for inv in invoices))
		self.assertTrue(all(a["print_format_attachment"] == 1 for a in attachments))  # rendered by the queue
		self.assertEqual(report.sent, 3)

	def test_second_run_same_day_sends_nothing(self):
		customer = self.customer()
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		self.run_on(TODAY, [customer])
		before = (len(logs(invoice.name)), len(queued_emails(customer)))
		report = self.run_on(TODAY, [customer])
		self.assertEqual((len(logs(invoice.name)), len(queued_emails(customer))), before)
		self.assertEqual(report.sent, 0)
		self.assertEqual(before, (1, 1))

	def test_two_concurrent_workers_send_each_step_once(self):
		customer = self.customer()
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		frappe.db.commit()
		site = frappe.local.site
		errors = []

		def worker():
			try:
				frappe.init(site=site)
				frappe.connect()
				frappe.set_user("Administrator")
				run_batch(TODAY.isoformat(), [customer])
				frappe.db.commit()
			except Exception as exc:
				errors.append(repr(exc))
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=worker) for _ in range(2)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(60)
		self.assertEqual(errors, [])
		self.assertEqual(len(logs(invoice.name)), 1)
		self.assertEqual(len(queued_emails(customer)), 1)

	def test_invoice_paid_before_the_run_gets_nothing(self):
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		customer = self.customer()
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		payment = get_payment_entry("Sales Invoice", invoice.name)
		payment.reference_no, payment.reference_date = "VIR-42", TODAY
		payment.insert(ignore_permissions=True).submit()
		self.run_on(TODAY, [customer])
		self.assertEqual(logs(invoice.name), [])
		self.assertEqual(queued_emails(customer), [])

	def test_dispute_pauses_until_resolved(self):
		customer = self.customer()
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		dispute = frappe.get_doc(
			{
				"doctype": "Dunning Contact Log",
				"sales_invoice": invoice.name,
				"entry_type": "Dispute",
				"direction": "Inbound",
				"notes": "Livraison incomplète",
			}
		).insert()
		self.assertEqual(dispute.status, "Open")
		self.run_on(TODAY, [customer])
		self.run_on(add_days(TODAY, 10), [customer])
		self.assertEqual(logs(invoice.name), [])
		dispute.db_set("status", "Done")
		self.run_on(add_days(TODAY, 11), [customer])
		self.assertEqual([row.level for row in logs(invoice.name)], [2])

	def test_broken_promise_resumes_at_the_next_level_and_is_flagged(self):
		customer = self.customer()
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		self.run_on(TODAY, [customer])  # J+5 email
		with self.freeze_time(TODAY):
			promise = frappe.get_doc(
				{
					"doctype": "Dunning Contact Log",
					"sales_invoice": invoice.name,
					"entry_type": "Promise to Pay",
					"direction": "Inbound",
					"promised_date": add_days(TODAY, 7),
				}
			).insert()
		self.run_on(add_days(TODAY, 7), [customer])  # J+12: call due, but promise holds
		self.assertEqual([row.level for row in logs(invoice.name)], [2])
		self.run_on(add_days(TODAY, 8), [customer])  # promise date passed, still unpaid
		self.assertEqual([row.level for row in logs(invoice.name)], [2, 3])
		self.assertEqual(frappe.db.get_value("Dunning Contact Log", promise.name, "status"), "Failed")
		todo = logs(invoice.name, level=3)[0].todo
		self.assertIn("promise", frappe.db.get_value("ToDo", todo, "description"))

	def test_sms_level_without_mobile_number_is_logged_and_the_ladder_goes_on(self):
		customer = self.customer(mobile=None)
		invoice = make_overdue_invoice(days_overdue=15, customer=customer, today=TODAY)
		for level, day in ((2, -10), (3, -5)):
			frappe.get_doc(
				{
					"doctype": "Dunning Contact Log",
					"sales_invoice": invoice.name,
					"entry_type": "Note",
					"status": "Done",
					"is_automatic": 1,
					"level": level,
					"contact_date": add_days(TODAY, day),
					"idempotency_key": f"{invoice.name}|L{level}",
				}
			).insert()
		self.run_on(TODAY, [customer])
		[sms] = logs(invoice.name, level=4)
		self.assertEqual(sms.status, "Cancelled")
		self.assertIn("No mobile number", sms.notes)

	def test_email_level_without_any_address_falls_back_to_a_letter(self):
		customer = self.customer(email=None)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		self.run_on(TODAY, [customer])
		[row] = logs(invoice.name)
		self.assertEqual(row.entry_type, "Letter")
		self.assertIn("letter was produced instead", row.notes)
		self.assertTrue(
			frappe.db.get_value("Dunning Contact Log", {"sales_invoice": invoice.name}, "attachment")
		)
		self.assertTrue(row.todo)

	def test_dry_run_logs_planned_steps_and_sends_nothing(self):
		customer = self.customer()
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		with self.freeze_time(TODAY):
			run(TODAY, customers=[customer], dry_run=True)
		[row] = logs(invoice.name)
		self.assertEqual(row.status, "Planned")
		self.assertTrue(row.idempotency_key.startswith("dry-run:"))
		self.assertEqual(queued_emails(customer), [])
		# The real run afterwards is not blocked by the dry run.
		self.run_on(TODAY, [customer])
		self.assertEqual(sorted(r.status for r in logs(invoice.name)), ["Planned", "Sent"])

	def test_large_selection_fans_out_to_named_background_jobs(self):
		customers = [self.customer() for _ in range(3)]
		for customer in customers:
			make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		frappe.db.set_single_value("Dunning Settings", "batch_size", 2)
		try:
			with self.freeze_time(TODAY):
				report = run(TODAY, customers=customers)
		finally:
			frappe.db.set_single_value("Dunning Settings", "batch_size", 200)
		self.assertEqual(len(report.batches), 2)
		self.assertTrue(
			all(job.startswith(f"relance:{frappe.local.site}:{TODAY.isoformat()}:") for job in report.batches)
		)
		self.assertEqual(report.sent, 0)  # the jobs do the work

	def test_mirrors_show_level_status_and_next_action(self):
		customer = self.customer()
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		modified = frappe.db.get_value("Sales Invoice", invoice.name, "modified")
		self.run_on(TODAY, [customer])
		values = frappe.db.get_value(
			"Sales Invoice",
			invoice.name,
			[
				"dunning_status",
				"dunning_level",
				"dunning_last_contact",
				"dunning_next_action",
				"dunning_next_action_date",
				"modified",
			],
			as_dict=True,
		)
		self.assertEqual((values.dunning_status, values.dunning_level), ("Active", 2))
		self.assertEqual(values.dunning_last_contact, TODAY)
		self.assertEqual(values.dunning_next_action, "J+10 Appel")
		self.assertEqual(values.dunning_next_action_date, add_days(TODAY, 5))
		self.assertEqual(values.modified, modified)

	def test_payment_closes_the_dunning_and_records_it(self):
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		customer = self.customer()
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		self.run_on(TODAY, [customer])
		payment = get_payment_entry("Sales Invoice", invoice.name)
		payment.reference_no, payment.reference_date = "VIR-43", TODAY
		payment.insert(ignore_permissions=True).submit()
		# Closing runs after the accountant's transaction commits, never inside it.
		self.assertNotEqual(frappe.db.get_value("Sales Invoice", invoice.name, "dunning_status"), "Closed")
		frappe.db.commit()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "dunning_status"), "Closed")
		received = frappe.get_all(
			"Dunning Contact Log", filters={"sales_invoice": invoice.name, "entry_type": "Payment Received"}
		)
		self.assertEqual(len(received), 1)
		self.run_on(add_days(TODAY, 5), [customer])
		self.assertEqual([row.level for row in logs(invoice.name)], [2])

	def test_a_failing_closing_never_fails_the_payment_entry(self):
		from unittest.mock import patch

		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		customer = self.customer()
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		self.run_on(TODAY, [customer])
		errors_before = frappe.db.count("Error Log")
		payment = get_payment_entry("Sales Invoice", invoice.name)
		payment.reference_no, payment.reference_date = "VIR-44", TODAY
		with patch(
			"relance_app.dunning.closing.close_settled_invoices", side_effect=RuntimeError("mail server down")
		):
			payment.insert(ignore_permissions=True).submit()
			frappe.db.commit()
		self.assertEqual(frappe.db.get_value("Payment Entry", payment.name, "docstatus"), 1)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 0)
		self.assertEqual(frappe.db.count("Error Log"), errors_before + 1)


class Killed(BaseException):
	"""Stands for the worker being killed: not an Exception, so no handler of the run catches it."""


class TestEscalationAtScale(FrappeTestCase):
	"""Batches of customers per transaction, a killed run, and a daily run reading only the work due."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_email_account()
		cls.policy = make_policy()
		frappe.db.set_single_value(
			"Dunning Settings", {"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0}
		)

	def customers_with_overdue_invoices(self, count):
		customers = sorted(make_dunning_customer(policy=self.policy) for _ in range(count))
		invoices = {c: make_overdue_invoice(days_overdue=5, customer=c, today=TODAY).name for c in customers}
		frappe.db.commit()
		return customers, invoices

	def run_on(self, day, customers, **kwargs):
		with self.freeze_time(day):
			return run(day, customers=customers, fan_out=False, **kwargs)

	def test_a_run_killed_mid_batch_is_redone_by_the_next_run_each_step_once(self):
		from unittest.mock import patch

		from relance_app.dunning import run as run_module

		customers, invoices = self.customers_with_overdue_invoices(4)
		real_perform, calls = run_module.perform, []

		def perform_then_die(action, **kwargs):
			calls.append(action.customer)
			effect = real_perform(action, **kwargs)
			if len(calls) == 3:  # the first customer of the second batch: its email is queued, then death
				raise Killed
			return effect

		with (
			patch.object(run_module, "BATCH_CUSTOMERS", 2),
			patch.object(run_module, "perform", perform_then_die),
		):
			with self.assertRaises(Killed):
				self.run_on(TODAY, customers, full_sweep=False)
		frappe.db.rollback()  # what the dead worker's connection gets
		# The first batch was committed with its emails; the second left nothing behind.
		self.assertEqual([len(logs(invoices[c])) for c in customers], [1, 1, 0, 0])
		self.assertEqual([len(queued_emails(c)) for c in customers], [1, 1, 0, 0])

		report = self.run_on(TODAY, customers, full_sweep=False)
		self.assertEqual(report.sent, 2)  # the two rolled back; the planner sees the others' steps as sent
		for customer in customers:
			self.assertEqual([(r.level, r.status) for r in logs(invoices[customer])], [(2, "Sent")])
			self.assertEqual(len(queued_emails(customer)), 1)
		again = self.run_on(TODAY, customers, full_sweep=True)
		self.assertEqual(again.sent, 0)
		self.assertEqual([len(queued_emails(c)) for c in customers], [1, 1, 1, 1])

	def test_a_failing_customer_inside_a_batch_leaves_the_others_sent(self):
		from unittest.mock import patch

		from relance_app.dunning import run as run_module

		customers, invoices = self.customers_with_overdue_invoices(3)
		real_perform = run_module.perform

		def perform(action, **kwargs):
			effect = real_perform(action, **kwargs)  # its email is queued, then undone with its savepoint
			if action.customer == customers[1]:
				raise RuntimeError("printer on fire")
			return effect

		with patch.object(run_module, "perform", perform):
			report = self.run_on(TODAY, customers, full_sweep=False)
		self.assertEqual((report.sent, report.failed), (2, 1))
		statuses = [[r.status for r in logs(invoices[c])] for c in customers]
		self.assertEqual(statuses, [["Sent"], ["Failed"], ["Sent"]])
		self.assertEqual([len(queued_emails(c)) for c in customers], [1, 0, 1])
		# The failed step is retried by the next run, and only it.
		report = self.run_on(TODAY, customers, full_sweep=False)
		self.assertEqual(report.sent, 1)
		self.assertEqual([len(queued_emails(c)) for c in customers], [1, 1, 1])

	def test_the_daily_run_reads_only_the_invoices_with_work_due(self):
		from unittest.mock import patch

		from relance_app.dunning import run as run_module

		customers, invoices = self.customers_with_overdue_invoices(3)
		later = make_overdue_invoice(days_overdue=-90, customer=customers[0], today=TODAY)
		read = []

		def counting_selection(*args, **kwargs):
			selection = select_open_instalments(*args, **kwargs)
			read.append(sorted({*selection.invoices, *selection.later}))
			return selection

		def run_counted(day, **kwargs):
			read.clear()
			with patch.object(run_module, "select_open_instalments", counting_selection):
				report = self.run_on(day, customers, **kwargs)
			return report, read[0]

		report, selected = run_counted(TODAY, full_sweep=False)  # new invoices: never read yet, all read
		self.assertEqual(report.sent, 3)
		self.assertEqual(selected, sorted([*invoices.values(), later.name]))
		check = frappe.db.get_value("Sales Invoice", later.name, "dunning_check_on")
		self.assertEqual(check, add_days(later.due_date, -60))  # when it enters the pre-due horizon

		report, selected = run_counted(TODAY, full_sweep=False)
		self.assertEqual((report.sent, selected), (0, []))
		report, selected = run_counted(add_days(TODAY, 4), full_sweep=False)
		self.assertEqual((report.sent, selected), (0, []))
		# A promise logged on one invoice: that invoice is read again by the next run.
		with self.freeze_time(add_days(TODAY, 4)):
			frappe.get_doc(
				{
					"doctype": "Dunning Contact Log",
					"sales_invoice": invoices[customers[1]],
					"entry_type": "Promise to Pay",
					"direction": "Inbound",
					"promised_date": add_days(TODAY, 20),
				}
			).insert()
		report, selected = run_counted(add_days(TODAY, 4), full_sweep=False)
		self.assertEqual((report.sent, selected), (0, [invoices[customers[1]]]))
		# J+10: the call is due on the two others, the promise holds the third.
		report, selected = run_counted(add_days(TODAY, 5), full_sweep=False)
		self.assertEqual(selected, sorted([invoices[customers[0]], invoices[customers[2]]]))
		self.assertEqual(report.sent, 2)
		# The weekly full sweep reads every open invoice whatever its check day.
		report, selected = run_counted(add_days(TODAY, 5), full_sweep=True)
		self.assertEqual((report.sent, selected), (0, sorted([*invoices.values(), later.name])))

	def test_evidence_rows_are_named_from_their_idempotency_key(self):
		from relance_app.dunning.evidence import log_name

		customers, invoices = self.customers_with_overdue_invoices(1)
		self.run_on(TODAY, customers, full_sweep=False)
		row = frappe.get_all(
			"Dunning Contact Log",
			filters={"sales_invoice": invoices[customers[0]]},
			fields=["name", "idempotency_key"],
		)[0]
		self.assertEqual(row.name, log_name(row.idempotency_key))
		self.assertRegex(row.name, r"^DCL-[0-9a-f]{16}$")
