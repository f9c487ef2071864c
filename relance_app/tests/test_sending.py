"""Sending a reminder through Frappe's public API: the Communication inserted as a document, the email in
Frappe's frame (the email account's footer), unsubscribed recipients left alone, and customer data escaped
wherever it lands in HTML (email, Communication, task descriptions)."""

from __future__ import annotations

import email

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate

from relance_app.dunning.run import run
from relance_app.tests.factories import (
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
)

test_ignore = ["Company", "Email Template", "User"]

TODAY = getdate("2026-11-02")  # a Monday
EVIL = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
TEMPLATE = "Relance test envoi"
FOOTER = "Service relances - 01 02 03 04 05"


def html_parts(mime: str) -> str:
	return "".join(
		part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
		for part in email.message_from_string(mime).walk()
		if part.get_content_type() == "text/html"
	)


class TestSending(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		cls.account = make_email_account()
		cls.footer = frappe.db.get_value("Email Account", cls.account, "footer")
		frappe.db.set_value("Email Account", cls.account, "footer", FOOTER)
		# Frappe keeps the outgoing account it found for the process (every test of the run): find it again.
		frappe.local.outgoing_email_account = {}
		if frappe.db.exists("Email Template", TEMPLATE):
			frappe.delete_doc("Email Template", TEMPLATE, force=True)
		# An editable template that shows the customer's name, in the subject and the body.
		frappe.get_doc(
			{
				"doctype": "Email Template",
				"name": TEMPLATE,
				"subject": "Relance {{ customer.customer_name }}",
				"use_html": 1,
				"response_html": "<p>Client : {{ customer.customer_name }}</p><p>{{ invoice_names }}</p>",
			}
		).insert(ignore_permissions=True)
		cls.policy = make_policy(
			levels=[
				{"title": "Relance", "offset_days": 5, "channel": "Email", "email_template": TEMPLATE},
				{"title": "Appel", "offset_days": 10, "channel": "Phone Call"},
			]
		)
		frappe.db.set_single_value(
			"Dunning Settings", {"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0}
		)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.set_value("Email Account", cls.account, "footer", cls.footer)
		frappe.local.outgoing_email_account = {}
		frappe.db.delete("Email Unsubscribe", {"email": ("like", "%@sending.example")})
		frappe.db.commit()
		super().tearDownClass()

	def customer(self, *, name: str | None = None) -> str:
		address = f"{frappe.generate_hash(length=8)}@sending.example"
		customer = make_dunning_customer(policy=self.policy, email=address)
		if name:
			# As an import or the REST API can store it: Frappe's form would have sanitised the markup.
			frappe.db.set_value("Customer", customer, "customer_name", name)
		return customer

	def run_on(self, day, customer):
		with self.freeze_time(day):
			return run(day, customers=[customer])

	def step(self, invoice: str, level: int):
		return frappe.get_all(
			"Dunning Contact Log",
			filters={"sales_invoice": invoice, "level": level, "is_automatic": 1},
			fields=["name", "status", "communication", "todo", "notes"],
		)

	def test_reminder_is_a_communication_document_and_an_email_in_frappes_frame(self):
		customer = self.customer()
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY).name
		report = self.run_on(TODAY, customer)
		self.assertEqual(report.sent, 1)
		[row] = self.step(invoice, 1)
		self.assertEqual(row.status, "Sent")
		comm = frappe.get_doc("Communication", row.communication)
		# Inserted as a document: Frappe's validation filled what db_insert never did.
		self.assertTrue(comm.sender_full_name)
		# Filed on the step's evidence row, shown on the customer's and the invoice's timelines.
		self.assertEqual((comm.reference_doctype, comm.reference_name), ("Dunning Contact Log", row.name))
		links = {(link.link_doctype, link.link_name) for link in comm.timeline_links}
		self.assertIn(("Sales Invoice", invoice), links)
		self.assertIn(("Customer", customer), links)
		[queue] = frappe.get_all(
			"Email Queue",
			filters={"communication": comm.name},
			fields=["name", "message", "email_account", "reference_doctype", "reference_name", "sender"],
		)
		self.assertEqual(queue.email_account, self.account)
		self.assertEqual((queue.reference_doctype, queue.reference_name), ("Customer", customer))
		recipients = frappe.get_all(
			"Email Queue Recipient", filters={"parent": queue.name}, pluck="recipient"
		)
		self.assertEqual(recipients, [comm.recipients])
		body = html_parts(queue.message)
		self.assertIn(invoice, body)
		# Frappe's frame: the email account's footer, once, after the message.
		self.assertEqual(body.count(FOOTER), 1)
		self.assertLess(body.index(invoice), body.index(FOOTER))

	def test_customer_markup_is_escaped_in_the_email_the_communication_and_the_call_task(self):
		customer = self.customer(name=EVIL)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY).name
		self.run_on(TODAY, customer)
		[email_step] = self.step(invoice, 1)
		comm = frappe.db.get_value(
			"Communication", email_step.communication, ["subject", "content"], as_dict=True
		)
		self.assertIn(ESCAPED, comm.content)
		self.assertNotIn("<img", comm.content)
		self.assertIn(ESCAPED, comm.subject)
		self.assertNotIn("<img", comm.subject)
		message = frappe.db.get_value("Email Queue", {"communication": email_step.communication}, "message")
		body = html_parts(message)
		self.assertIn(ESCAPED, body)
		self.assertNotIn("<img", body)

		self.run_on(add_days(TODAY, 5), customer)
		[call] = self.step(invoice, 2)
		description = frappe.db.get_value("ToDo", call.todo, "description")
		self.assertIn(ESCAPED, description)
		self.assertNotIn("<img", description)

	def test_an_unsubscribed_recipient_gets_no_email_but_the_step_is_on_the_timeline(self):
		customer = self.customer()
		address = frappe.db.get_value("Customer", customer, "email_id")
		frappe.get_doc({"doctype": "Email Unsubscribe", "email": address, "global_unsubscribe": 1}).insert(
			ignore_permissions=True
		)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY).name
		self.run_on(TODAY, customer)
		[row] = self.step(invoice, 1)
		self.assertEqual(row.status, "Sent")
		self.assertTrue(frappe.db.exists("Communication", row.communication))
		self.assertFalse(frappe.db.exists("Email Queue", {"communication": row.communication}))
		self.assertIn(address, row.notes)
