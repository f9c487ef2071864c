"""The invoice banner and the "Preview next step" dialog tell the run's truth (issue 18): a pause or a promise
moves the next step's date in both, the same way; "Send now" is refused while paused."""

from __future__ import annotations

from datetime import date

import frappe
from frappe.tests.utils import FrappeTestCase

from relance_app.api import contacts as contacts_api
from relance_app.api import invoice as invoice_api
from relance_app.desk.timeline import get_timeline
from relance_app.tests.factories import (
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
)

TODAY = date(2026, 11, 18)  # a Wednesday
NOON = "2026-11-18 12:00:00"
# Due on 2026-11-11 (7 days late): level 2 "Relance" (J+5) is due today on the test ladder.
DAYS_OVERDUE = 7


class TestInvoiceTruth(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_email_account()
		cls.policy = make_policy()

	def setUp(self):
		self.customer = make_dunning_customer(policy=self.policy)
		self.invoice = make_overdue_invoice(
			days_overdue=DAYS_OVERDUE, amount=640, customer=self.customer, today=TODAY
		).name

	def test_without_hold_preview_and_banner_give_today(self):
		with self.freeze_time(NOON, tick=True):
			step = invoice_api.preview_next_step(self.invoice)
			banner = invoice_api.get_invoice_dunning(self.invoice)
		self.assertEqual((step["level"], step["due_on"], step["held"]), (2, TODAY, False))
		self.assertEqual(step["channel_label"], "Email")
		self.assertEqual((banner["next_step"]["level"], banner["next_step"]["on"]), (2, TODAY))
		self.assertEqual(banner["reason"], "Due today")

	def test_paused_invoice_previews_the_day_after_the_pause_and_refuses_send_now(self):
		with self.freeze_time(NOON, tick=True):
			contacts_api.pause_until(self.invoice, "2026-11-25", reason="Client en congés")
			step = invoice_api.preview_next_step(self.invoice)
			banner = invoice_api.get_invoice_dunning(self.invoice)
			with self.assertRaisesRegex(frappe.ValidationError, "paused until"):
				invoice_api.send_next_step(self.invoice)
		self.assertEqual((step["level"], step["due_on"], step["held"]), (2, date(2026, 11, 26), True))
		self.assertEqual(banner["paused_until"], date(2026, 11, 25))
		self.assertEqual(banner["live_status"], "Paused")
		self.assertEqual(banner["next_step"]["on"], date(2026, 11, 26))
		self.assertTrue(banner["reason"].startswith("Paused until"))
		self.assertFalse(
			frappe.db.exists(
				"Dunning Contact Log", {"sales_invoice": self.invoice, "entry_type": "Reminder Email"}
			)
		)

	def test_promise_moves_the_next_step_after_the_promised_date_in_preview_and_banner(self):
		with self.freeze_time(NOON, tick=True):
			contacts_api.record_promise(self.invoice, "2026-11-27", 300)
			step = invoice_api.preview_next_step(self.invoice)
			banner = invoice_api.get_invoice_dunning(self.invoice)
		self.assertEqual((step["level"], step["due_on"]), (2, date(2026, 11, 28)))
		self.assertEqual(banner["live_status"], "Promise")
		self.assertEqual(banner["promise"]["date"], date(2026, 11, 27))
		self.assertEqual(float(banner["promise"]["amount"]), 300.0)
		self.assertEqual(banner["next_step"]["on"], step["due_on"])


class TestCallStepAndTimeline(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_email_account()
		cls.policy = make_policy()

	def setUp(self):
		self.customer = make_dunning_customer(policy=self.policy)
		self.invoice = make_overdue_invoice(
			days_overdue=DAYS_OVERDUE, amount=640, customer=self.customer, today=TODAY
		).name
		with self.freeze_time(NOON, tick=True):
			invoice_api.send_next_step(self.invoice)  # level 2, "Relance", by email

	def test_a_call_logged_when_the_call_level_is_next_counts_as_that_level(self):
		with self.freeze_time(NOON, tick=True):
			self.assertEqual(invoice_api.get_invoice_dunning(self.invoice)["next_step"]["level"], 3)
			result = contacts_api.log_call(self.invoice, "Reached", notes="Paiement en cours")
			banner = invoice_api.get_invoice_dunning(self.invoice)
		self.assertEqual(result["step"], 3)
		call = frappe.get_doc("Dunning Contact Log", result["entries"][0])
		self.assertEqual((call.level, call.level_title, call.is_automatic), (3, "Appel", 0))
		self.assertEqual(call.idempotency_key, f"{self.invoice}|L3")
		# The ladder moved on: the next step is the SMS (J+15, five days after the call as the ladder spaces).
		self.assertEqual(banner["next_step"]["level"], 4)
		self.assertEqual(frappe.db.get_value("Sales Invoice", self.invoice, "dunning_level"), 3)

	def test_a_call_not_counted_leaves_the_call_step_to_do(self):
		with self.freeze_time(NOON, tick=True):
			result = contacts_api.log_call(self.invoice, "Voicemail", as_step=0)
			banner = invoice_api.get_invoice_dunning(self.invoice)
		self.assertIsNone(result["step"])
		self.assertEqual(banner["next_step"]["level"], 3)

	def test_timeline_says_what_happened(self):
		with self.freeze_time(NOON, tick=True):
			contacts_api.pause_until(self.invoice, "2026-11-25")
			contacts_api.set_dispute(self.invoice, True, reason="Livraison incomplète")
			contacts_api.set_dispute(self.invoice, False)
		lines = " | ".join(item["content"] for item in get_timeline("Sales Invoice", self.invoice))
		until = frappe.format_value(date(2026, 11, 25), {"fieldtype": "Date"})
		self.assertIn(f"Dunning paused until {until}.</a>", lines)
		self.assertIn("Dispute opened (since resolved)</a>", lines)
		self.assertIn("Dispute resolved.</a>", lines)
		self.assertNotIn(">Note</a>", lines)
