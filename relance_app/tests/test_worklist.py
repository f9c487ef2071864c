"""The Dunning Worklist's reasons and row actions (issue 18): an invoice with nothing due says why, by the
run's own decision; the row actions go through whitelisted methods that refuse a user without permission."""

from __future__ import annotations

from datetime import date

import frappe
from frappe.tests.utils import FrappeTestCase

from relance_app.api import contacts as contacts_api
from relance_app.api import invoice as invoice_api
from relance_app.relance_app.report.dunning_worklist import dunning_worklist as worklist
from relance_app.tests.factories import (
	ROLE_USERS,
	make_company,
	make_dunning_customer,
	make_overdue_invoice,
	make_policy,
	make_role_users,
)

TODAY = date(2026, 11, 18)
NOON = "2026-11-18 12:00:00"
# The methods behind the row buttons: Log a call, Send now, Pause.
ROW_ACTIONS = (
	(contacts_api.log_call, {"outcome": "Reached"}),
	(invoice_api.send_next_step, {}),
	(contacts_api.pause_until, {"until": "2026-11-30"}),
)


class TestWorklist(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_role_users()
		cls.policy = make_policy()

	def setUp(self):
		self.customer = make_dunning_customer(policy=self.policy)
		# Due on 11-11: level 2 (J+5) is due on 11-18.
		self.invoice = make_overdue_invoice(
			days_overdue=7, amount=410, customer=self.customer, today=TODAY
		).name

	def tearDown(self):
		frappe.set_user("Administrator")

	def rows(self, **filters):
		return worklist.get_data(
			{"company": self.company, "customer": self.customer, "from_date": TODAY, "days": 3, **filters}
		)

	def test_a_due_step_says_due_today(self):
		[row] = self.rows(show_waiting=1)
		self.assertEqual((row["date"], row["level"], row["reason"]), (TODAY, 2, "Due today"))

	def test_a_paused_invoice_says_until_when_and_its_next_step_date(self):
		with self.freeze_time(NOON, tick=True):
			contacts_api.pause_until(self.invoice, "2026-11-25", reason="Client en congés")
		# Without the option the worklist lists planned steps only: nothing for this invoice.
		self.assertEqual(self.rows(), [])
		[row] = self.rows(show_waiting=1)
		until = frappe.format_value(date(2026, 11, 25), {"fieldtype": "Date"})
		self.assertEqual(row["reason"], f"Paused until {until}")
		self.assertEqual((row["invoices"], row["hold"], row["level"]), (self.invoice, "paused", 2))
		self.assertEqual(row["date"], date(2026, 11, 26))

	def test_a_promise_and_a_dispute_are_explained(self):
		with self.freeze_time(NOON, tick=True):
			contacts_api.record_promise(self.invoice, "2026-11-24", 200)
		[row] = self.rows(show_waiting=1)
		until = frappe.format_value(date(2026, 11, 24), {"fieldtype": "Date"})
		self.assertEqual((row["reason"], row["hold"]), (f"Promise to pay until {until}", "promise_to_pay"))
		contacts_api.set_dispute(self.invoice, True, reason="Prestation contestée")
		[row] = self.rows(show_waiting=1)
		self.assertEqual(row["hold"], "disputed")
		self.assertIn("Dispute open", row["reason"])

	def test_a_call_row_asks_whether_the_call_is_the_step_and_an_email_row_does_not(self):
		# The J+5 email on 11-18, then the J+10 call: logged from its row, the call may count as that step.
		rows = self.rows(days=10)
		email = next(row for row in rows if row["level"] == 2)
		call = next(row for row in rows if row["level"] == 3)
		self.assertIsNone(email["call_step"])
		self.assertEqual(call["call_step"], "Appel")

	def test_columns_include_the_reason_and_the_actions(self):
		fields = [column["fieldname"] for column in worklist.get_columns()]
		self.assertIn("reason", fields)
		self.assertIn("actions", fields)

	def test_row_actions_refuse_a_user_without_permission_and_are_post_only(self):
		for user in (ROLE_USERS[""], "Guest"):
			frappe.set_user(user)
			for method, args in ROW_ACTIONS:
				with self.assertRaises(frappe.PermissionError, msg=f"{method.__name__} as {user}"):
					method(self.invoice, **args)
		frappe.set_user("Administrator")
		for method, _args in ROW_ACTIONS:
			self.assertEqual(frappe.allowed_http_methods_for_whitelisted_func[method], ["POST"])
		self.assertFalse(frappe.db.exists("Dunning Contact Log", {"sales_invoice": self.invoice}))
		self.assertIsNone(frappe.db.get_value("Sales Invoice", self.invoice, "dunning_paused_until"))
