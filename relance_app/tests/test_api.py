"""The invoice-screen actions through their whitelisted methods: permissions first, evidence always."""

from __future__ import annotations

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from relance_app.api import contacts as contacts_api
from relance_app.api import customer as customer_api
from relance_app.api import formal_notice as formal_notice_api
from relance_app.api import invoice as invoice_api
from relance_app.desk.timeline import get_timeline
from relance_app.tests.factories import (
	ROLE_USERS,
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
	make_role_users,
)

CHANGING = (
	"log_call",
	"record_promise",
	"set_dispute",
	"pause_until",
	"send_next_step",
	"send_formal_notice",
)
READING = ("get_invoice_dunning", "get_customer_summary", "preview_next_step", "preview_formal_notice")
API_MODULES = (contacts_api, customer_api, formal_notice_api, invoice_api)


def api_method(name: str):
	"""The whitelisted method `name`, from whichever screen's module defines it."""
	[method] = [getattr(module, name) for module in API_MODULES if hasattr(module, name)]
	return method


class TestInvoiceActions(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_email_account()
		make_role_users()
		cls.policy = make_policy()

	def setUp(self):
		self.customer = make_dunning_customer(policy=self.policy)
		self.invoice = make_overdue_invoice(days_overdue=7, amount=980, customer=self.customer)

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_log_call_with_promise_records_both_and_pauses_until_the_date(self):
		frappe.set_user(ROLE_USERS["Accounts User"])
		promised = add_days(nowdate(), 6)
		contacts_api.log_call(
			self.invoice.name, "Payment Scheduled", notes="Virement lundi", promised_date=promised
		)
		frappe.set_user("Administrator")
		entries = frappe.get_all(
			"Dunning Contact Log",
			filters={"sales_invoice": self.invoice.name},
			fields=["entry_type", "status", "call_outcome", "promised_date", "owner"],
			order_by="creation asc",
		)
		self.assertEqual(
			[(e.entry_type, e.status) for e in entries], [("Call", "Done"), ("Promise to Pay", "Open")]
		)
		self.assertEqual(entries[0].call_outcome, "Payment Scheduled")
		self.assertEqual(entries[1].promised_date, getdate(promised))
		self.assertEqual(entries[0].owner, ROLE_USERS["Accounts User"])
		self.assertEqual(frappe.db.get_value("Sales Invoice", self.invoice.name, "dunning_status"), "Promise")
		# The next step waits for the promise: the day after the promised date, as the daily run will.
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", self.invoice.name, "dunning_next_action_date"),
			getdate(add_days(promised, 1)),
		)

	def test_dispute_then_resume(self):
		contacts_api.set_dispute(self.invoice.name, True, reason="Quantités contestées")
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", self.invoice.name, "dunning_status"), "Disputed"
		)
		with self.assertRaisesRegex(frappe.ValidationError, "reason is kept as evidence"):
			contacts_api.set_dispute(self.invoice.name, True, reason="")
		contacts_api.set_dispute(self.invoice.name, False, reason="Avoir accepté")
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", self.invoice.name, "dunning_status"), "Not Started"
		)
		self.assertFalse(
			frappe.db.exists(
				"Dunning Contact Log",
				{"sales_invoice": self.invoice.name, "entry_type": "Dispute", "status": "Open"},
			)
		)

	def test_pause_until_a_past_date_is_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "must end today or later"):
			contacts_api.pause_until(self.invoice.name, add_days(nowdate(), -1))
		contacts_api.pause_until(self.invoice.name, add_days(nowdate(), 10), reason="Client en congés")
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", self.invoice.name, "dunning_paused_until"),
			getdate(add_days(nowdate(), 10)),
		)

	def test_preview_renders_without_sending_and_send_now_is_logged_once(self):
		step = invoice_api.preview_next_step(self.invoice.name)
		self.assertEqual((step["level"], step["channel"]), (2, "email"))
		self.assertIn(self.invoice.name, step["body"])
		self.assertFalse(frappe.db.exists("Dunning Contact Log", {"sales_invoice": self.invoice.name}))
		invoice_api.send_next_step(self.invoice.name)
		[entry] = frappe.get_all(
			"Dunning Contact Log",
			filters={"sales_invoice": self.invoice.name},
			fields=["idempotency_key", "status", "communication"],
		)
		self.assertEqual((entry.idempotency_key, entry.status), (f"{self.invoice.name}|L2", "Sent"))
		self.assertTrue(frappe.db.exists("Email Queue", {"communication": entry.communication}))
		# The next one is the call: sending it now creates the call task.
		self.assertEqual(invoice_api.preview_next_step(self.invoice.name)["channel"], "call")

	def test_timeline_shows_the_contact_log(self):
		contacts_api.record_promise(self.invoice.name, add_days(nowdate(), 3), 500)
		[item] = get_timeline("Sales Invoice", self.invoice.name)
		self.assertIn("Promise to Pay", item["content"])
		self.assertTrue(get_timeline("Customer", self.customer))

	def test_customer_summary(self):
		summary = customer_api.get_customer_summary(self.customer)
		self.assertEqual(summary["total_overdue"], 980)
		self.assertEqual(summary["days_overdue"], 7)
		self.assertEqual(summary["open_promises"], 0)

	def test_mise_en_demeure_preview_saves_nothing_then_issue_records_it_once(self):
		older = make_overdue_invoice(days_overdue=40, amount=500, customer=self.customer)
		preview = formal_notice_api.preview_formal_notice(self.invoice.name)
		self.assertIn("mise en demeure", preview["html"].lower())
		self.assertEqual(sorted(preview["invoices"]), sorted([self.invoice.name, older.name]))
		self.assertFalse(frappe.db.exists("Dunning", {"customer": self.customer}))
		issued = formal_notice_api.send_formal_notice(self.invoice.name)
		self.assertEqual(frappe.db.get_value("Dunning", issued["dunning"], "docstatus"), 1)
		levels = frappe.get_all(
			"Dunning Contact Log",
			filters={"customer": self.customer, "is_automatic": 1},
			fields=["sales_invoice", "entry_type", "status", "dunning"],
		)
		self.assertEqual(len(levels), 2)
		self.assertTrue(
			all(row.entry_type == "Registered Letter" and row.dunning == issued["dunning"] for row in levels)
		)
		with self.assertRaisesRegex(frappe.ValidationError, "already had its formal notice"):
			formal_notice_api.send_formal_notice(self.invoice.name)

	def test_unknown_call_outcome_is_refused(self):
		with self.assertRaisesRegex(frappe.ValidationError, "Unknown call outcome"):
			contacts_api.log_call(self.invoice.name, "Hung up")


class TestInvoiceActionPermissions(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_role_users()
		cls.policy = make_policy()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_changing_methods_accept_post_only(self):
		for name in CHANGING:
			self.assertEqual(
				frappe.allowed_http_methods_for_whitelisted_func[api_method(name)], ["POST"], name
			)

	def test_guest_gets_nothing_from_any_method(self):
		from frappe.handler import is_whitelisted

		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=7, customer=customer)
		frappe.set_user("Guest")
		for name in CHANGING + READING:
			method = api_method(name)
			with self.assertRaises(frappe.PermissionError, msg=name):
				is_whitelisted(method)
		with self.assertRaises(frappe.PermissionError):
			invoice_api.get_invoice_dunning(invoice.name)
		with self.assertRaises(frappe.PermissionError):
			contacts_api.record_promise(invoice.name, add_days(nowdate(), 3))

	def test_sales_user_cannot_record_a_promise_on_an_invoice_of_a_customer_they_cannot_read(self):
		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=7, customer=customer)
		other = make_dunning_customer(policy=self.policy)
		sales_user = ROLE_USERS["Sales User"]
		# The sales user may only read `other` (a User Permission on Customer), not `customer`.
		frappe.get_doc(
			{"doctype": "User Permission", "user": sales_user, "allow": "Customer", "for_value": other}
		).insert(ignore_permissions=True)
		frappe.set_user(sales_user)
		with self.assertRaises(frappe.PermissionError):
			contacts_api.record_promise(invoice.name, add_days(nowdate(), 3))
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("Dunning Contact Log", {"sales_invoice": invoice.name}))

	def test_sales_user_reads_the_log_of_customers_they_can_read_only(self):
		readable = make_dunning_customer(policy=self.policy)
		hidden = make_dunning_customer(policy=self.policy)
		for customer in (readable, hidden):
			invoice = make_overdue_invoice(days_overdue=7, customer=customer)
			contacts_api.record_promise(invoice.name, add_days(nowdate(), 3))
		sales_user = ROLE_USERS["Sales User"]
		frappe.get_doc(
			{"doctype": "User Permission", "user": sales_user, "allow": "Customer", "for_value": readable}
		).insert(ignore_permissions=True)
		frappe.set_user(sales_user)
		visible = {row.customer for row in frappe.get_list("Dunning Contact Log", fields=["customer"])}
		self.assertIn(readable, visible)
		self.assertNotIn(hidden, visible)
		with self.assertRaises(frappe.PermissionError):
			frappe.get_doc("Dunning Contact Log", {"customer": readable}).save()

	def test_accounts_user_cannot_edit_a_sent_entry_and_nobody_but_system_manager_deletes_it(self):
		from relance_app.common.validation import EvidenceLockedError

		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=7, customer=customer)
		entry = frappe.get_doc(
			{
				"doctype": "Dunning Contact Log",
				"sales_invoice": invoice.name,
				"entry_type": "Note",
				"status": "Sent",
				"notes": "Courrier",
			}
		).insert()
		frappe.set_user(ROLE_USERS["Accounts Manager"])
		doc = frappe.get_doc("Dunning Contact Log", entry.name)
		doc.notes = "Réécrit"
		with self.assertRaises(EvidenceLockedError):
			doc.save()
		with self.assertRaises(frappe.PermissionError):
			frappe.delete_doc("Dunning Contact Log", entry.name)
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Dunning Contact Log", entry.name, "notes"), "Courrier")

	def test_duplicate_idempotency_key_is_refused(self):
		from relance_app.common.validation import DuplicateStepError

		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=7, customer=customer)
		row = {
			"doctype": "Dunning Contact Log",
			"sales_invoice": invoice.name,
			"entry_type": "Reminder Email",
			"status": "Sent",
			"idempotency_key": f"{invoice.name}|L2",
		}
		frappe.get_doc(row).insert()
		with self.assertRaisesRegex(DuplicateStepError, "already recorded"):
			frappe.get_doc(row).insert()
