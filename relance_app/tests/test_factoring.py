"""Factoring (affacturage with subrogation), with the shipped policy "Relance standard" untouched.

A factored invoice whose company collects: the reminder email, the letter and the mise en demeure give the
factor's account and the contract's subrogation mention, never the company's account. A factored invoice whose
factor collects: no step, one "Assigned to Factor" row. A customer owing both kinds: one message, one payment
instruction per payee. Assigning from the list checks every invoice first.
"""

from __future__ import annotations

import email
import html
from datetime import date

import frappe
from frappe.tests.utils import FrappeTestCase

from relance_app.api import factoring as factoring_api
from relance_app.api import formal_notice as formal_notice_api
from relance_app.common.factoring import relance_factoring_mention
from relance_app.dunning.run import run
from relance_app.tests.factories import (
	ensure_fiscal_year,
	make_company,
	make_customer,
	make_email_account,
	make_role_users,
)
from relance_app.tests.test_acceptance import DUE, J5, contact_log, make_invoice, queued
from relance_app.tests.test_formal_notice import IBAN, make_company_identity, pdf_text

FACTOR = "Factor Test Financement"
FACTOR_IBAN = "FR14 2004 1010 0505 0001 3M02 606"
FACTOR_BIC = "PSSTFRPP"
COMPANY_IBAN = "FR76 3000 6000 0112 3456 7890 189"
# The French default mention, with the factor's name put in.
MENTION = f"directement à l'ordre de {FACTOR}, qui le reçoit par subrogation"
# A formal notice for an invoice due on DUE, as the desk would send it: after the J+30 date.
NOTICE_DAY = date(2026, 11, 3)


def make_contract(*, collected_by: str = "Company", assignment: str = "By Hand Only", **fields) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Factoring Contract",
				"company": make_company(),
				"factor_name": FACTOR,
				"factor_address": "1 place de la Bourse\n75002 Paris",
				"factor_iban": FACTOR_IBAN.replace(" ", "").lower(),
				"factor_bic": FACTOR_BIC,
				"collected_by": collected_by,
				"assignment": assignment,
				**fields,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def assert_pays_the_factor(case: FrappeTestCase, text: str) -> None:
	text = html.unescape(text)
	case.assertIn(FACTOR_IBAN, text)
	case.assertIn(MENTION, " ".join(text.split()))
	case.assertNotIn(COMPANY_IBAN, text)
	case.assertNotIn(IBAN, text.replace(" ", ""))


def html_part(queue: str) -> str:
	"""The text/html part of an Email Queue message, decoded."""
	parsed = email.message_from_string(frappe.db.get_value("Email Queue", queue, "message"))
	[part] = [p for p in parsed.walk() if p.get_content_type() == "text/html"]
	return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


class FactoringCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_company_identity(cls.company)
		make_email_account()
		frappe.db.set_single_value(
			"Dunning Settings",
			{"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0},
		)
		ensure_fiscal_year(DUE)
		ensure_fiscal_year(NOTICE_DAY)
		frappe.db.commit()

	def customer(self, *, email: bool = True) -> str:
		address = f"compta.{frappe.generate_hash(length=6)}@client.example" if email else None
		return make_customer(email=address)

	def run_on(self, day: date, customers: list[str]):
		with self.freeze_time(day):
			return run(day, customers=customers)

	def assign(self, invoice: str, contract: str | None) -> None:
		factoring_api.assign([invoice], contract)


class TestCompanyCollects(FactoringCase):
	def test_rule_assigns_the_customers_invoices_on_submit_and_the_print_carries_the_mention(self):
		customer = self.customer()
		contract = make_contract(assignment="Customer", customer=customer)
		invoice = make_invoice(customer=customer)
		self.assertEqual(invoice.dunning_factoring_contract, contract)
		self.assertIn(MENTION, relance_factoring_mention(invoice))
		other = make_invoice(customer=self.customer())
		self.assertFalse(other.dunning_factoring_contract)
		self.assertEqual(relance_factoring_mention(other), "")

	def test_reminder_email_gives_the_factor_account_and_mention_never_the_company_account(self):
		customer = self.customer()
		invoice = make_invoice(customer=customer)
		self.assign(invoice.name, make_contract())
		self.run_on(J5, [customer])
		[row] = contact_log(invoice.name, status="Sent")
		self.assertEqual(row.entry_type, "Reminder Email")
		email = frappe.db.get_value("Customer", customer, "email_id")
		[message] = queued(email)
		assert_pays_the_factor(self, message.message)
		self.assertIn(FACTOR, message.message)

	def test_reminder_letter_gives_the_factor_account_and_mention(self):
		customer = self.customer(email=False)
		invoice = make_invoice(customer=customer)
		self.assign(invoice.name, make_contract())
		self.run_on(J5, [customer])
		[row] = contact_log(invoice.name, status="Sent")
		self.assertEqual(row.entry_type, "Letter")
		attachment = frappe.db.get_value("Dunning Contact Log", row.name, "attachment")
		text = pdf_text(frappe.get_doc("File", {"file_url": attachment}).get_content())
		assert_pays_the_factor(self, text)

	def test_mise_en_demeure_gives_the_factor_account_and_mention(self):
		customer = self.customer()
		invoice = make_invoice(customer=customer)
		self.assign(invoice.name, make_contract())
		with self.freeze_time(NOTICE_DAY):
			notice = formal_notice_api.send_formal_notice(invoice.name)
		file = frappe.get_doc(
			"File", {"attached_to_doctype": "Dunning", "attached_to_name": notice["dunning"]}
		)
		text = pdf_text(file.get_content())
		self.assertIn("mise en demeure", text.lower())
		assert_pays_the_factor(self, text)
		# The email that covers the letter says the same.
		email = frappe.db.get_value("Customer", customer, "email_id")
		assert_pays_the_factor(self, queued(email)[-1].message)

	def test_customer_owing_both_gets_one_message_with_one_instruction_per_payee(self):
		customer = self.customer()
		factored = make_invoice(customer=customer, amount=700)
		own = make_invoice(customer=customer, amount=500)
		self.assign(factored.name, make_contract())
		self.run_on(J5, [customer])
		email = frappe.db.get_value("Customer", customer, "email_id")
		[message] = queued(email)  # the shipped policy sends one message per customer
		body = html_part(message.name)
		company_part = body[body.index('data-payee="company"') : body.index('data-payee="factor"')]
		factor_part = body[body.index('data-payee="factor"') :]
		self.assertIn(own.name, company_part)
		self.assertIn(COMPANY_IBAN, company_part)
		self.assertNotIn(factored.name, company_part)
		self.assertIn(factored.name, factor_part)
		assert_pays_the_factor(self, factor_part)
		# The company's account is given once, for its own invoice only.
		self.assertEqual(body.count(COMPANY_IBAN), 1)


class TestFactorCollects(FactoringCase):
	def test_factor_collects_no_step_and_one_logged_row(self):
		customer = self.customer()
		invoice = make_invoice(customer=customer)
		self.assign(invoice.name, make_contract(collected_by="Factor"))
		self.run_on(J5, [customer])
		self.run_on(date(2026, 10, 12), [customer])
		rows = contact_log(invoice.name)
		self.assertEqual([(r.entry_type, r.status) for r in rows], [("Assigned to Factor", "Cancelled")])
		self.assertFalse(queued(frappe.db.get_value("Customer", customer, "email_id")))

	def test_taken_back_from_the_factor_the_ladder_resumes(self):
		customer = self.customer()
		invoice = make_invoice(customer=customer)
		self.assign(invoice.name, make_contract(collected_by="Factor"))
		self.run_on(J5, [customer])
		self.assign(invoice.name, None)
		self.run_on(date(2026, 10, 7), [customer])
		self.assertEqual(len(contact_log(invoice.name, entry_type="Reminder Email", status="Sent")), 1)


class TestBulkAssignment(FactoringCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		super().tearDown()

	def test_bulk_assignment_refuses_an_invoice_the_user_cannot_write_and_changes_none(self):
		users = make_role_users()
		user = users["Accounts User"]
		allowed, other = self.customer(), self.customer()
		mine, theirs = make_invoice(customer=allowed), make_invoice(customer=other)
		contract = make_contract()
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "Customer", "for_value": allowed}
		).insert(ignore_permissions=True)
		frappe.set_user(user)
		with self.assertRaises(frappe.PermissionError):
			factoring_api.assign([mine.name, theirs.name], contract)
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.get_value("Sales Invoice", mine.name, "dunning_factoring_contract"))
		self.assertFalse(frappe.db.get_value("Sales Invoice", theirs.name, "dunning_factoring_contract"))

	def test_contract_of_another_company_is_refused(self):
		from relance_app.tests.test_acceptance import make_second_company

		invoice = make_invoice(customer=self.customer(), company=make_second_company())
		with self.assertRaises(frappe.ValidationError):
			factoring_api.assign([invoice.name], make_contract())

	def test_invalid_factor_iban_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			make_contract(factor_iban="FR1420041010050500013M02607")


class TestReportsKeepFactoredApart(FactoringCase):
	def test_worklist_lists_factor_collected_invoices_apart_and_reports_leave_them_out_by_default(self):
		from relance_app.relance_app.report.dunning_aged_receivables import dunning_aged_receivables as aged
		from relance_app.relance_app.report.dunning_cash_forecast import dunning_cash_forecast as forecast
		from relance_app.relance_app.report.dunning_worklist import dunning_worklist as worklist

		customer = self.customer()
		factored = make_invoice(customer=customer, amount=700)
		make_invoice(customer=customer, amount=500)
		self.assign(factored.name, make_contract(collected_by="Factor"))
		filters = {"company": self.company, "customer": customer, "from_date": J5, "days": 3}
		with self.freeze_time(J5):
			rows = worklist.get_data(filters)
		[apart] = [row for row in rows if row.get("factor")]
		self.assertEqual(apart["invoices"], factored.name)
		self.assertIn(FACTOR, apart["factor"])
		self.assertNotIn(factored.name, " ".join(str(r.get("invoices")) for r in rows if not r.get("factor")))

		report = {"company": self.company, "customer": customer, "report_date": J5}
		[row] = aged.get_data(report)
		self.assertEqual((row["invoices"], row["total"]), (1, 500.0))
		[row] = aged.get_data({**report, "factoring": "Factored Only"})
		self.assertEqual((row["invoices"], row["total"]), (1, 700.0))
		[row] = aged.get_data({**report, "factoring": "All"})
		self.assertEqual(row["total"], 1200.0)
		self.assertEqual(sum(r["amount"] for r in forecast.get_data(report)), 500.0)
