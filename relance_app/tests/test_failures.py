"""A step that keeps failing on a real site: retried on the next runs, then waiting for a person with its reason
(contact log, invoice, worklist, daily digest), one Error Log in all, and back in the run once retried."""

from __future__ import annotations

import email
import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate

from relance_app.dunning.digest import send_digest
from relance_app.dunning.register import verify_chain
from relance_app.dunning.run import run
from relance_app.relance_app.doctype.dunning_contact_log.dunning_contact_log import retry_step
from relance_app.relance_app.report.dunning_worklist.dunning_worklist import get_data
from relance_app.tests.factories import (
	COMPANY,
	ROLE_USERS,
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
	make_role_users,
)

TODAY = getdate("2026-11-02")  # a Monday
GOOD_BODY = "<p>Bonjour, la facture {{ invoice_names }} est échue.</p>"
BROKEN_BODY = "<p>Bonjour {% if %}</p>"


def decoded_body(raw: str) -> str:
	"""The text parts of a queued MIME message, decoded (quoted-printable lines are folded otherwise)."""
	parts = []
	for part in email.message_from_string(raw).walk():
		if part.get_content_maintype() == "text":
			parts.append(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8"))
	return "\n".join(parts)


class TestFailedSteps(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_email_account()
		make_role_users()
		cls.template = f"Relance test {frappe.generate_hash(length=6)}"
		frappe.get_doc(
			{
				"doctype": "Email Template",
				"name": cls.template,
				"subject": "Facture {{ invoice_names }}",
				"use_html": 1,
				"response_html": GOOD_BODY,
			}
		).insert(ignore_permissions=True)
		cls.policy = make_policy(
			levels=[
				{"title": "Relance", "offset_days": 5, "channel": "Email", "email_template": cls.template},
				{"title": "Appel", "offset_days": 20, "channel": "Phone Call"},
			]
		)
		frappe.db.set_single_value(
			"Dunning Settings",
			{"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0, "send_digest": 1},
		)
		frappe.db.commit()

	def set_template(self, body: str) -> None:
		# Edited in the database, as a template broken before it was checked on save would be.
		frappe.db.set_value("Email Template", self.template, "response_html", body)
		frappe.clear_document_cache("Email Template", self.template)
		frappe.db.commit()

	def run_on(self, day, customer):
		with self.freeze_time(day):
			return run(day, customers=[customer])

	def step(self, invoice: str) -> frappe._dict:
		return frappe.db.get_value(
			"Dunning Contact Log",
			{"sales_invoice": invoice, "is_automatic": 1, "level": 1},
			["name", "status", "attempts", "failure_reason", "notes"],
			as_dict=True,
		)

	def error_logs(self, invoice: str) -> int:
		return frappe.db.count("Error Log", {"reference_doctype": "Sales Invoice", "reference_name": invoice})

	def test_a_failing_step_is_tried_three_times_then_waits_for_a_person(self):
		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY).name
		self.set_template(BROKEN_BODY)
		try:
			reports = [self.run_on(add_days(TODAY, n), customer) for n in range(3)]
			self.assertEqual([r.failed for r in reports], [1, 1, 1])
			self.assertEqual([r.needs_attention for r in reports], [0, 0, 1])
			row = self.step(invoice)
			self.assertEqual((row.status, row.attempts), ("Needs Attention", 3))
			# The reason in words (the template's own error), never an Error Log id.
			self.assertIn("Relance", row.failure_reason)
			self.assertIn("syntax error on line 1", row.failure_reason)
			self.assertIn(row.failure_reason, row.notes)
			self.assertNotIn("Error Log", row.notes)
			self.assertEqual(self.error_logs(invoice), 1)

			# The fourth run does not try it again.
			fourth = self.run_on(add_days(TODAY, 3), customer)
			self.assertEqual((fourth.failed, fourth.held_for_attention), (0, 1))
			self.assertEqual(self.step(invoice).attempts, 3)
			self.assertEqual(self.error_logs(invoice), 1)

			# Every status change left the desk's trail.
			changes = [
				change
				for data in frappe.get_all(
					"Version",
					filters={"ref_doctype": "Dunning Contact Log", "docname": row.name},
					pluck="data",
				)
				for change in json.loads(data)["changed"]
			]
			# (The retry's Failed -> Planned is rolled back with the failed attempt: only outcomes remain.)
			self.assertIn(["status", "Failed", "Needs Attention"], changes)
			self.assertIn(["attempts", 1, 2], changes)
			self.assertIn(["attempts", 2, 3], changes)

			# The invoice says so.
			self.assertEqual(
				frappe.db.get_value("Sales Invoice", invoice, "dunning_status"), "Needs Attention"
			)

			# The worklist shows the step with its reason.
			rows = get_data(
				{"company": COMPANY, "customer": customer, "from_date": add_days(TODAY, 3), "days": 0}
			)
			waiting = [r for r in rows if r.get("attention")]
			self.assertEqual(len(waiting), 1)
			self.assertEqual(waiting[0]["contact_log"], row.name)
			self.assertIn(invoice, waiting[0]["invoices"])
			self.assertEqual(waiting[0]["attention"], row.failure_reason)

			# The daily digest lists it with its reason.
			manager = ROLE_USERS["Accounts Manager"]
			before = set(
				frappe.get_all("Email Queue Recipient", filters={"recipient": manager}, pluck="parent")
			)
			send_digest(fourth)
			queued = set(
				frappe.get_all("Email Queue Recipient", filters={"recipient": manager}, pluck="parent")
			)
			[digest] = queued - before
			body = decoded_body(frappe.db.get_value("Email Queue", digest, "message"))
			self.assertIn("Steps needing attention", body)
			self.assertIn(invoice, body)
			self.assertIn(f"{invoice}, level 1: {row.failure_reason}", body)
			# Not left in the queue: other tests look for emails without a communication.
			frappe.delete_doc("Email Queue", digest, ignore_permissions=True, force=True)
		finally:
			self.set_template(GOOD_BODY)

		# Retried by a person once the template is fixed: the next run sends it.
		retry_step(row.name)
		self.assertEqual(self.step(invoice).status, "Failed")
		frappe.db.commit()
		self.run_on(add_days(TODAY, 4), customer)
		self.assertEqual(self.step(invoice).status, "Sent")
		self.assertEqual(self.error_logs(invoice), 1)
		self.assertNotEqual(
			frappe.db.get_value("Sales Invoice", invoice, "dunning_status"), "Needs Attention"
		)
		self.assertTrue(verify_chain(COMPANY).ok)

	def test_a_retried_step_that_fails_again_waits_again_without_a_second_error_log(self):
		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY).name
		self.set_template(BROKEN_BODY)
		try:
			for n in range(3):
				self.run_on(add_days(TODAY, n), customer)
			retry_step(self.step(invoice).name)
			frappe.db.commit()
			report = self.run_on(add_days(TODAY, 3), customer)
		finally:
			self.set_template(GOOD_BODY)
		self.assertEqual((report.failed, report.needs_attention), (1, 1))
		self.assertEqual((self.step(invoice).status, self.step(invoice).attempts), ("Needs Attention", 4))
		self.assertEqual(self.error_logs(invoice), 1)

	def test_only_a_step_needing_attention_can_be_retried(self):
		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY).name
		self.run_on(TODAY, customer)
		self.assertEqual(self.step(invoice).status, "Sent")
		with self.assertRaises(frappe.ValidationError):
			retry_step(self.step(invoice).name)
