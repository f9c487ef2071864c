"""Credit insurance (assurance-crédit): the declaration of a payment default (menace de sinistre) asked for on
the right day, once, in the digest, and stopped once recorded; the insured credit limit warned of, never
blocking.

Fixed dates: invoices due on 1 October 2026; the test policy asks for the declaration within 60 days (by
30 November 2026) and warns 10 days ahead (20 November 2026). The shipped dunning policy is not touched.
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _
from frappe.tests.utils import FrappeTestCase

from relance_app.api import insurance as insurance_api
from relance_app.api.invoice import get_invoice_dunning
from relance_app.common.parties import first_accounts_manager
from relance_app.dunning.credit_limit import credit_positions
from relance_app.dunning.digest import send_digest
from relance_app.dunning.insurance import declarations_due, run_daily, todo_name
from relance_app.dunning.report import RunReport
from relance_app.relance_app.report.dunning_worklist.dunning_worklist import execute as worklist
from relance_app.tests.factories import (
	ROLE_USERS,
	ensure_fiscal_year,
	make_company,
	make_customer,
	make_customer_group,
	make_email_account,
	make_item,
	make_role_users,
)
from relance_app.tests.test_acceptance import make_invoice, queued

DUE = date(2026, 10, 1)
WARNING = date(2026, 11, 20)
DEADLINE = date(2026, 11, 30)
CLAIM_DEADLINE = date(2027, 2, 28)
COVERED_GROUP = "Assurés crédit test"
SUBGROUP = "Assurés crédit test PME"


def insurance_todos(invoice: str) -> list:
	return frappe.get_all(
		"ToDo",
		filters={"reference_type": "Sales Invoice", "reference_name": invoice, "name": todo_name(invoice)},
		fields=["name", "status", "allocated_to", "date", "priority"],
	)


def messages() -> str:
	return "\n".join(str(m.get("message", "")) for m in frappe.get_message_log())


class TestCreditInsurance(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_email_account()
		make_role_users()
		ensure_fiscal_year(DUE)
		ensure_fiscal_year(date(2026, 8, 1))
		# A run that died before tearDownClass left its policy enabled: the customers would be covered twice.
		for name in frappe.get_all(
			"Credit Insurance Policy", filters={"company": cls.company, "insurer": "Coface"}, pluck="name"
		):
			frappe.db.set_value("Credit Insurance Policy", name, "enabled", 0)
		make_customer_group(name=COVERED_GROUP)
		make_customer_group(name=SUBGROUP, parent=COVERED_GROUP)
		cls.covered = make_customer(email="compta.assure@client.example")
		cls.limited = make_customer(group=SUBGROUP, email="compta.limite@client.example")
		cls.uncovered = make_customer(email="compta.libre@client.example")
		cls.policy = frappe.get_doc(
			{
				"doctype": "Credit Insurance Policy",
				"company": cls.company,
				"insurer": "Coface",
				"policy_number": f"POL-{frappe.generate_hash(length=6)}",
				"enabled": 1,
				"valid_from": date(2026, 1, 1),
				"declaration_days": 60,
				"claim_days": 150,
				"warning_days": 10,
				"covered": [
					{"customer": cls.covered, "credit_limit": 50000},
					{"customer_group": COVERED_GROUP, "credit_limit": 1000},
				],
			}
		).insert(ignore_permissions=True)
		frappe.db.set_single_value("Dunning Settings", "send_digest", 1)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		# The daily job commits: switch the policy off so that no later test module sees it.
		frappe.db.set_value("Credit Insurance Policy", cls.policy.name, "enabled", 0)
		frappe.db.commit()
		super().tearDownClass()

	def test_the_declaration_task_comes_on_the_warning_day_not_the_day_before(self):
		invoice = make_invoice(customer=self.covered, company=self.company)
		run_daily(date(2026, 11, 19))
		self.assertEqual(insurance_todos(invoice.name), [])
		self.assertNotIn(invoice.name, [row.invoice for row in declarations_due(date(2026, 11, 19))])

		run_daily(WARNING)
		[todo] = insurance_todos(invoice.name)
		self.assertEqual(todo.status, "Open")
		self.assertEqual(todo.allocated_to, first_accounts_manager())
		self.assertEqual(str(todo.date), str(DEADLINE))
		# The banner's payload: the insurer, the deadlines and the state.
		with self.freeze_time(WARNING):
			banner = get_invoice_dunning(invoice.name)["insurance"]
		self.assertEqual(banner["insurer"], "Coface")
		self.assertEqual(banner["state"], "warn")
		self.assertEqual(str(banner["declaration_deadline"]), str(DEADLINE))
		self.assertEqual(str(banner["claim_deadline"]), str(CLAIM_DEADLINE))

	def test_an_invoice_in_instalments_counts_from_its_first_unpaid_instalment(self):
		# ERPNext's due date is the last instalment's (31 October): the insurer counts from the first (1 October).
		invoice = make_invoice(
			customer=self.covered,
			company=self.company,
			schedule=[(DUE, 600.0), (date(2026, 10, 31), 600.0)],
		)
		self.assertEqual(str(invoice.due_date), "2026-10-31")
		run_daily(date(2026, 11, 19))
		self.assertEqual(insurance_todos(invoice.name), [])
		run_daily(WARNING)
		[todo] = insurance_todos(invoice.name)
		self.assertEqual(str(todo.date), str(DEADLINE))

	def test_a_rerun_creates_no_second_task(self):
		invoice = make_invoice(customer=self.covered, company=self.company)
		run_daily(WARNING)
		run_daily(WARNING)
		run_daily(date(2026, 11, 21))
		self.assertEqual(len(insurance_todos(invoice.name)), 1)

	def test_the_declaration_due_is_in_the_digest_and_the_worklist(self):
		invoice = make_invoice(customer=self.covered, company=self.company)
		manager = frappe.db.get_value("User", first_accounts_manager(), "email")
		before = {row.name for row in queued(manager)}
		send_digest(RunReport(day=WARNING, dry_run=False))
		digests = [row for row in queued(manager) if row.name not in before]
		self.assertEqual(len(digests), 1)
		heading = frappe._("Credit insurance declarations due: {0}").split("{0}")[0].strip()
		self.assertIn(heading, digests[0].message)
		self.assertIn(invoice.name, digests[0].message)
		self.assertIn(self.policy.policy_number, digests[0].message)
		# The day before the warning date, the invoice is not listed.
		self.assertNotIn(invoice.name, [row.invoice for row in declarations_due(date(2026, 11, 19))])

		with self.freeze_time(WARNING):
			_columns, rows, *_rest = worklist(
				{"company": self.company, "customer": self.covered, "from_date": WARNING, "days": 0}
			)
		[row] = [row for row in rows if row.get("invoices") == invoice.name and row.get("insurance")]
		self.assertEqual(str(row["date"]), str(DEADLINE))
		self.assertIn("Coface", row["insurance"])

	def test_recording_the_declaration_logs_it_closes_the_task_and_stops_the_warnings(self):
		invoice = make_invoice(customer=self.covered, company=self.company)
		run_daily(WARNING)
		[todo] = insurance_todos(invoice.name)
		self.assertEqual(todo.status, "Open")

		frappe.set_user(ROLE_USERS["Accounts User"])
		try:
			with self.freeze_time(date(2026, 11, 23)):
				result = insurance_api.record_insurer_declaration(
					invoice=invoice.name, declared_on="2026-11-23", reference="COF-2026-0042"
				)
		finally:
			frappe.set_user("Administrator")

		[entry] = frappe.get_all(
			"Dunning Contact Log",
			filters={"sales_invoice": invoice.name, "entry_type": "Insurer Declaration"},
			fields=["name", "status", "tracking_number", "contact_date", "todo", "owner", "direction"],
		)
		self.assertEqual(entry.name, result["contact_log"])
		self.assertEqual(entry.status, "Done")
		self.assertEqual(entry.tracking_number, "COF-2026-0042")
		self.assertEqual(str(entry.contact_date.date()), "2026-11-23")
		self.assertEqual(entry.todo, todo.name)
		self.assertEqual(entry.owner, ROLE_USERS["Accounts User"])
		# Not a contact with the customer: it does not delay the next reminder (minimum gap).
		self.assertNotEqual(entry.direction, "Outbound")
		self.assertEqual(insurance_todos(invoice.name)[0].status, "Closed")
		self.assertEqual(result["insurance"]["state"], "declared")
		# Nor is it the customer's last contact, on the banner or in the invoice's mirror.
		with self.freeze_time(date(2026, 11, 23)):
			banner = get_invoice_dunning(invoice.name)
		self.assertNotEqual((banner["last_contact_entry"] or {}).get("type"), _("Insurer Declaration"))
		self.assertNotEqual(
			str(frappe.db.get_value("Sales Invoice", invoice.name, "dunning_last_contact")), "2026-11-23"
		)

		# The next runs: no new task, the closed one stays closed, nothing in the digest any more.
		run_daily(date(2026, 11, 24))
		run_daily(date(2026, 12, 5))
		self.assertEqual([t.status for t in insurance_todos(invoice.name)], ["Closed"])
		for day in (date(2026, 11, 24), date(2026, 12, 5)):
			self.assertNotIn(invoice.name, [row.invoice for row in declarations_due(day)])
		# A second declaration of the same default is refused.
		with self.freeze_time(date(2026, 11, 24)), self.assertRaises(frappe.ValidationError):
			insurance_api.record_insurer_declaration(invoice=invoice.name, declared_on="2026-11-24")

	def test_a_user_without_permission_is_refused(self):
		invoice = make_invoice(customer=self.covered, company=self.company)
		for role in ("", "Sales User"):
			frappe.set_user(ROLE_USERS[role])
			try:
				with self.freeze_time(WARNING), self.assertRaises(frappe.PermissionError):
					insurance_api.record_insurer_declaration(invoice=invoice.name, declared_on="2026-11-20")
			finally:
				frappe.set_user("Administrator")
		self.assertFalse(
			frappe.db.exists(
				"Dunning Contact Log", {"sales_invoice": invoice.name, "entry_type": "Insurer Declaration"}
			)
		)

	def test_a_sales_invoice_over_the_credit_limit_is_warned_of_and_still_submits(self):
		# Covered through its group's parent (limit 1,000): 800 receivable is within it, 800 + 300 is not.
		customer = make_customer(group=SUBGROUP, email="compta.facture@client.example")
		frappe.clear_messages()
		first = self.new_invoice(customer, 800)
		first.insert(ignore_permissions=True)
		first.submit()
		self.assertNotIn(self.policy.policy_number, messages())
		self.assertFalse(credit_positions(customer, date(2026, 11, 1))[0]["over_limit"])

		frappe.clear_messages()
		invoice = self.new_invoice(customer, 300)
		invoice.insert(ignore_permissions=True)
		self.assertIn(self.policy.policy_number, messages())
		self.assertIn(customer, messages())
		invoice.submit()
		self.assertEqual(invoice.docstatus, 1)
		[position] = credit_positions(customer, date(2026, 11, 1))
		self.assertTrue(position["over_limit"])
		self.assertEqual(position["credit_limit"], 1000)
		self.assertEqual(position["outstanding"], 1100)

	def test_a_new_sales_order_over_the_credit_limit_is_warned_of_and_still_submits(self):
		customer = make_customer(group=SUBGROUP, email="compta.commande@client.example")
		make_invoice(customer=customer, company=self.company)
		frappe.clear_messages()
		order = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"company": self.company,
				"customer": customer,
				"currency": "EUR",
				"transaction_date": date(2026, 11, 1),
				"delivery_date": date(2026, 11, 15),
				"items": [
					{"item_code": make_item(), "qty": 1, "rate": 100, "delivery_date": date(2026, 11, 15)}
				],
			}
		).insert(ignore_permissions=True)
		self.assertIn(self.policy.policy_number, messages())
		order.submit()
		self.assertEqual(order.docstatus, 1)

	def test_the_customer_form_shows_the_receivable_against_the_insured_limit(self):
		customer = make_customer(group=SUBGROUP, email="compta.fiche@client.example")
		make_invoice(customer=customer, company=self.company)
		frappe.set_user(ROLE_USERS["Accounts User"])
		try:
			[position] = insurance_api.get_customer_credit(customer)
		finally:
			frappe.set_user("Administrator")
		self.assertEqual((position["insurer"], position["company"]), ("Coface", self.company))
		self.assertEqual((position["outstanding"], position["credit_limit"]), (1200, 1000))
		self.assertTrue(position["over_limit"])
		frappe.set_user(ROLE_USERS[""])
		try:
			with self.assertRaises(frappe.PermissionError):
				insurance_api.get_customer_credit(customer)
		finally:
			frappe.set_user("Administrator")

	def test_a_customer_under_the_limit_is_not_warned(self):
		frappe.clear_messages()
		self.new_invoice(self.covered, 500).insert(ignore_permissions=True)
		self.assertNotIn(self.policy.policy_number, messages())
		[position] = credit_positions(self.covered, date(2026, 11, 1))
		self.assertFalse(position["over_limit"])

	def test_an_uncovered_customer_sees_nothing(self):
		invoice = make_invoice(customer=self.uncovered, company=self.company, amount=90000)
		run_daily(DEADLINE)
		self.assertEqual(insurance_todos(invoice.name), [])
		self.assertNotIn(invoice.name, [row.invoice for row in declarations_due(DEADLINE)])
		with self.freeze_time(DEADLINE):
			self.assertIsNone(get_invoice_dunning(invoice.name)["insurance"])
		self.assertEqual(credit_positions(self.uncovered, DEADLINE), [])
		frappe.clear_messages()
		self.new_invoice(self.uncovered, 90000).insert(ignore_permissions=True)
		self.assertNotIn("Coface", messages())
		with self.freeze_time(DEADLINE), self.assertRaises(frappe.ValidationError):
			insurance_api.record_insurer_declaration(invoice=invoice.name, declared_on="2026-11-30")

	def test_accounts_managers_configure_policies_and_accounts_users_read_them(self):
		for role, may_write in (("Accounts Manager", True), ("Accounts User", False)):
			user = ROLE_USERS[role]
			self.assertTrue(frappe.has_permission("Credit Insurance Policy", "read", user=user))
			self.assertEqual(
				bool(frappe.has_permission("Credit Insurance Policy", "write", user=user)), may_write
			)
		self.assertFalse(frappe.has_permission("Credit Insurance Policy", "read", user=ROLE_USERS[""]))

	def test_a_policy_that_cannot_work_is_refused(self):
		base = {
			"doctype": "Credit Insurance Policy",
			"company": self.company,
			"insurer": "Atradius",
			"policy_number": "REFUSED",
			"valid_from": date(2026, 1, 1),
			"declaration_days": 60,
			"claim_days": 150,
			"warning_days": 10,
			"covered": [{"customer": self.uncovered, "credit_limit": 1000}],
		}
		for change in (
			{"claim_days": 30},
			{"warning_days": -1},
			{"valid_to": date(2025, 12, 31)},
			{"covered": [{"customer": self.uncovered, "credit_limit": 0}]},
			{
				"covered": [
					{"customer": self.uncovered, "credit_limit": 10},
					{"customer": self.uncovered, "credit_limit": 20},
				]
			},
			# The test policy covers this customer from 1 January 2026 on: a second one may not.
			{"valid_from": date(2027, 1, 1), "covered": [{"customer": self.covered, "credit_limit": 10}]},
		):
			with self.subTest(change=change), self.assertRaises(frappe.ValidationError):
				frappe.get_doc({**base, **change}).insert(ignore_permissions=True)
		self.assertFalse(frappe.db.exists("Credit Insurance Policy", {"policy_number": "REFUSED"}))
		# Before the test policy starts, another insurer may cover the same customer.
		earlier = frappe.get_doc(
			{
				**base,
				"policy_number": "EARLIER",
				"valid_from": date(2025, 1, 1),
				"valid_to": date(2025, 12, 31),
				"covered": [{"customer": self.covered, "credit_limit": 10}],
			}
		).insert(ignore_permissions=True)
		earlier.delete(ignore_permissions=True)

	def new_invoice(self, customer: str, amount: float):
		return frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"company": self.company,
				"customer": customer,
				"currency": "EUR",
				"set_posting_time": 1,
				"posting_date": date(2026, 11, 1),
				"due_date": date(2026, 12, 1),
				"items": [{"item_code": make_item(), "qty": 1, "rate": amount}],
			}
		)
