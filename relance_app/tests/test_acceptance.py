"""Acceptance: the paths a new user takes, with the shipped defaults untouched.

Every test here uses the company's default policy as installed ("Relance standard": business days only, one
message per customer, J-5 / J+5 / J+10 / J+15 / J+30) and customers made as a user would make them; nothing
tweaks the policy. Dates are fixed; the run is frozen on the day it runs for.
"""

from __future__ import annotations

import email
import email.header
import subprocess
from datetime import date

import frappe
from erpnext.accounts.doctype.journal_entry.journal_entry import get_payment_entry_against_invoice
from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_bench_path

from relance_app.api import formal_notice as formal_notice_api
from relance_app.dunning.run import run, run_daily
from relance_app.tests.factories import (
	ensure_fiscal_year,
	make_company,
	make_customer,
	make_email_account,
	make_item,
)

# A Thursday: J+5 is Tuesday 6 October, J+30 Saturday 31 October (the letter then goes on Monday 2 November).
DUE = date(2026, 10, 1)
J5 = date(2026, 10, 6)
SECOND_COMPANY = "Relance Seconde SARL"


def default_policy(company: str) -> str:
	return frappe.db.get_value("Dunning Policy", {"company": company, "is_default": 1}, "name")


def make_second_company() -> str:
	if not frappe.db.exists("Company", SECOND_COMPANY):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": SECOND_COMPANY,
				"abbr": "RSS",
				"default_currency": "EUR",
				"country": "France",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return SECOND_COMPANY


def usd_receivable(company: str) -> str:
	abbr = frappe.get_cached_value("Company", company, "abbr")
	name = f"Debtors USD - {abbr}"
	if not frappe.db.exists("Account", name):
		parent = frappe.db.get_value(
			"Account", {"company": company, "account_type": "Receivable", "is_group": 0}, "parent_account"
		)
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": "Debtors USD",
				"company": company,
				"parent_account": parent,
				"account_type": "Receivable",
				"account_currency": "USD",
			}
		).insert(ignore_permissions=True)
	return name


def make_invoice(
	*,
	customer: str,
	company: str | None = None,
	amount: float = 1200.0,
	currency: str = "EUR",
	conversion_rate: float = 1.0,
	schedule: list[tuple[date, float]] | None = None,
):
	"""A submitted Sales Invoice due on DUE (or on the given schedule), as a user enters it."""
	company = company or make_company()
	posting = add_days(DUE, -30)
	ensure_fiscal_year(posting)
	doc = {
		"doctype": "Sales Invoice",
		"company": company,
		"customer": customer,
		"currency": currency,
		"conversion_rate": conversion_rate,
		"set_posting_time": 1,
		"posting_date": posting,
		"due_date": schedule[-1][0] if schedule else DUE,
		"items": [{"item_code": make_item(), "qty": 1, "rate": amount}],
	}
	if schedule:
		doc["payment_schedule"] = [
			{"due_date": due, "payment_amount": part, "invoice_portion": part * 100 / amount}
			for due, part in schedule
		]
	invoice = frappe.get_doc(doc)
	invoice.insert(ignore_permissions=True)
	invoice.submit()
	return invoice


def contact_log(invoice: str, **filters) -> list:
	return frappe.get_all(
		"Dunning Contact Log",
		filters={"sales_invoice": invoice, **filters},
		fields=["name", "entry_type", "status", "level", "payment_schedule", "company"],
		order_by="creation asc",
	)


def queued(customer_email: str) -> list:
	"""The Email Queue rows to `customer_email`, with `message` decoded: subject, then the text parts."""
	eq = frappe.qb.DocType("Email Queue")
	recipient = frappe.qb.DocType("Email Queue Recipient")
	rows = (
		frappe.qb.from_(eq)
		.join(recipient)
		.on(recipient.parent == eq.name)
		.select(eq.name, eq.message, eq.reference_name)
		.where(recipient.recipient == customer_email)
		.orderby(eq.creation)
		.run(as_dict=True)
	)
	for row in rows:
		row.message = decoded(row.message or "")
	return rows


def decoded(mime: str) -> str:
	parsed = email.message_from_string(mime)
	subject = str(email.header.make_header(email.header.decode_header(parsed["Subject"] or "")))
	texts = [
		part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8", "replace")
		for part in parsed.walk()
		if part.get_content_type() in ("text/html", "text/plain")
	]
	return "\n".join([subject, *texts])


class AcceptanceCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_email_account()
		frappe.db.set_single_value(
			"Dunning Settings",
			{"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0, "send_digest": 1},
		)
		ensure_fiscal_year(DUE)
		ensure_fiscal_year(date(2026, 11, 29))
		frappe.db.commit()

	def customer(self, *, email: str | None = None, **kwargs) -> str:
		email = email or f"compta.{frappe.generate_hash(length=6)}@client.example"
		return make_customer(email=email, **kwargs)

	def run_on(self, day: date, customers: list[str], **kwargs):
		with self.freeze_time(day):
			return run(day, customers=customers, **kwargs)

	def dunned(self, invoice, customer) -> None:
		"""Take the invoice to its J+5 reminder with the shipped policy, and check it went out."""
		self.run_on(J5, [customer])
		rows = contact_log(invoice.name, status="Sent")
		self.assertEqual([(r.entry_type, r.level) for r in rows], [("Reminder Email", 2)])

	def assert_closed_once(self, invoice, customer_email: str) -> None:
		"""Closed, one Payment Received row, and the policy's thank-you email queued once."""
		frappe.db.commit()  # closing runs after the user's transaction commits
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "dunning_status"), "Closed")
		received = contact_log(invoice.name, entry_type="Payment Received")
		self.assertEqual(len(received), 1)
		self.assertEqual(received[0].company, invoice.company)
		thanks = [m for m in queued(customer_email) if "Merci" in (m.message or "")]
		self.assertEqual(len(thanks), 1)


class TestSettlementPaths(AcceptanceCase):
	def test_payment_entry_on_a_dunned_invoice_succeeds_and_closes_its_dunning(self):
		email = f"paiement.{frappe.generate_hash(length=6)}@client.example"
		customer = self.customer(email=email)
		invoice = make_invoice(customer=customer)
		self.dunned(invoice, customer)
		payment = get_payment_entry("Sales Invoice", invoice.name)
		payment.reference_no, payment.reference_date = "VIR-ACC-1", J5
		payment.insert(ignore_permissions=True)
		payment.submit()
		self.assert_closed_once(invoice, email)
		# The next run sends nothing more for this invoice.
		self.run_on(add_days(J5, 10), [customer])
		self.assertEqual(len(contact_log(invoice.name, entry_type="Reminder Email")), 1)

	def test_journal_entry_settling_a_dunned_invoice_closes_it(self):
		email = f"ecriture.{frappe.generate_hash(length=6)}@client.example"
		customer = self.customer(email=email)
		invoice = make_invoice(customer=customer)
		self.dunned(invoice, customer)
		entry = frappe.get_doc(get_payment_entry_against_invoice("Sales Invoice", invoice.name))
		entry.cheque_no, entry.cheque_date = "VIR-ACC-2", J5
		entry.posting_date = entry.posting_date or J5  # v16 leaves it to the caller
		cash = frappe.get_cached_value("Company", invoice.company, "default_cash_account")
		for row in entry.accounts:
			row.account = row.account or cash
		entry.insert(ignore_permissions=True)
		entry.submit()
		self.assert_closed_once(invoice, email)

	def test_credit_note_for_the_whole_invoice_closes_it(self):
		email = f"avoir.{frappe.generate_hash(length=6)}@client.example"
		customer = self.customer(email=email)
		invoice = make_invoice(customer=customer)
		self.dunned(invoice, customer)
		credit_note = make_sales_return(invoice.name)
		# Recent v15 keeps a credit note's balance on itself unless told to settle the invoice it returns.
		if credit_note.meta.has_field("update_outstanding_for_self"):
			credit_note.update_outstanding_for_self = 0
		credit_note.insert(ignore_permissions=True)
		credit_note.submit()
		self.assert_closed_once(invoice, email)

	def test_payment_reconciliation_of_an_advance_closes_the_dunned_invoice(self):
		from erpnext.accounts.doctype.payment_reconciliation.payment_reconciliation import (
			PaymentReconciliation,  # noqa: F401 (the doctype the accountant uses)
		)

		email = f"lettrage.{frappe.generate_hash(length=6)}@client.example"
		customer = self.customer(email=email)
		invoice = make_invoice(customer=customer)
		self.dunned(invoice, customer)
		# The customer paid without naming the invoice: an unallocated payment, matched later by the accountant.
		payment = get_payment_entry("Sales Invoice", invoice.name)
		payment.set("references", [])
		payment.reference_no, payment.reference_date = "VIR-ACC-5", J5
		payment.posting_date = J5
		payment.insert(ignore_permissions=True)
		payment.submit()
		frappe.db.commit()
		self.assertNotEqual(frappe.db.get_value("Sales Invoice", invoice.name, "dunning_status"), "Closed")

		reconciliation = frappe.get_doc("Payment Reconciliation")
		reconciliation.company = invoice.company
		reconciliation.party_type = "Customer"
		reconciliation.party = customer
		reconciliation.receivable_payable_account = invoice.debit_to
		reconciliation.get_unreconciled_entries()
		invoices = [row.as_dict() for row in reconciliation.invoices if row.invoice_number == invoice.name]
		payments = [row.as_dict() for row in reconciliation.payments if row.reference_name == payment.name]
		self.assertEqual((len(invoices), len(payments)), (1, 1))
		reconciliation.allocate_entries(frappe._dict({"invoices": invoices, "payments": payments}))
		reconciliation.reconcile()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 0)
		self.assert_closed_once(invoice, email)

	def test_cancelling_a_dunned_invoice_closes_its_dunning_and_its_tasks(self):
		customer = self.customer()
		invoice = make_invoice(customer=customer)
		self.dunned(invoice, customer)
		frappe.get_doc("Sales Invoice", invoice.name).cancel()
		frappe.db.commit()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "dunning_status"), "Closed")


class TestShippedLadder(AcceptanceCase):
	def test_customer_without_email_gets_a_letter_instead(self):
		customer = make_customer()  # no email address anywhere
		invoice = make_invoice(customer=customer)
		self.run_on(J5, [customer])
		[row] = contact_log(invoice.name, status="Sent")
		self.assertEqual(row.entry_type, "Letter")

	def test_two_instalment_invoice_logs_each_instalment_in_one_email(self):
		email = f"echeances.{frappe.generate_hash(length=6)}@client.example"
		customer = self.customer(email=email)
		invoice = make_invoice(
			customer=customer, amount=2000, schedule=[(add_days(DUE, -10), 1000), (add_days(DUE, -5), 1000)]
		)
		# Both instalments are at least J+5 on J5: one message lists the invoice, one log row per instalment.
		self.run_on(J5, [customer])
		rows = contact_log(invoice.name, status="Sent")
		self.assertEqual(sorted(r.payment_schedule for r in rows), ["1", "2"])
		self.assertEqual(len(queued(email)), 1)

	def test_foreign_currency_invoice_is_dunned_in_its_own_currency(self):
		email = f"usd.{frappe.generate_hash(length=6)}@client.example"
		customer = self.customer(email=email)
		# As ERPNext asks: a USD customer gets a receivable account in USD.
		doc = frappe.get_doc("Customer", customer)
		doc.default_currency = "USD"  # the billing currency ERPNext v16 checks the receivable account against
		doc.append("accounts", {"company": self.company, "account": usd_receivable(self.company)})
		doc.save(ignore_permissions=True)
		invoice = make_invoice(customer=customer, amount=1500, currency="USD", conversion_rate=0.9)
		self.run_on(J5, [customer])
		[message] = queued(email)
		# The amount in the invoice's currency, French number format: "1 500,00 $", never converted to euros.
		self.assertRegex(message.message, r"1[\s\u202f\u00a0]?500,00")
		self.assertIn("$", message.message)
		self.assertEqual(contact_log(invoice.name, status="Sent")[0].level, 2)
		# The run committed: leave no open USD invoice behind for the tests of company-wide euro totals.
		frappe.get_doc("Sales Invoice", invoice.name).cancel()
		frappe.db.commit()

	def test_two_companies_each_issue_a_mise_en_demeure(self):
		second = make_second_company()
		self.assertNotEqual(default_policy(self.company), default_policy(second))
		notices = []
		for company in (self.company, second):
			customer = self.customer()
			invoice = make_invoice(customer=customer, company=company)
			with self.freeze_time(date(2026, 11, 3)):
				notices.append(formal_notice_api.send_formal_notice(invoice.name))
		dunnings = [frappe.get_doc("Dunning", notice["dunning"]) for notice in notices]
		self.assertEqual([d.company for d in dunnings], [self.company, second])
		self.assertEqual([d.docstatus for d in dunnings], [1, 1])
		types = {d.dunning_type for d in dunnings}
		self.assertEqual(len(types), 2, "each company has its own formal-notice Dunning Type")


class TestScheduler(AcceptanceCase):
	def test_run_daily_sends_and_mails_the_digest_to_accounts_managers(self):
		manager = "relance.acceptance.manager@example.com"
		if not frappe.db.exists("User", manager):
			user = frappe.get_doc(
				{"doctype": "User", "email": manager, "first_name": "Manager", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
			user.add_roles("Accounts Manager")
		customer = self.customer()
		invoice = make_invoice(customer=customer)
		with self.freeze_time(J5):
			run_daily()
		self.assertEqual(contact_log(invoice.name, status="Sent")[0].level, 2)
		digests = [m for m in queued(manager) if "Relances" in (m.message or "")]
		self.assertEqual(len(digests), 1)

	def test_fanned_out_run_is_carried_out_by_a_real_worker_within_the_action_limit(self):
		customers = [self.customer() for _ in range(3)]
		invoices = [make_invoice(customer=customer) for customer in customers]
		frappe.db.set_single_value("Dunning Settings", {"batch_size": 1, "max_actions_per_run": 2})
		frappe.db.commit()
		try:
			report = self.run_on(J5, customers)
			self.assertEqual(report.actions, 2)
			self.assertEqual(len(report.batches), 2)
			frappe.db.commit()  # the jobs are enqueued after commit
			subprocess.run(
				["bench", "--site", frappe.local.site, "worker", "--queue", "long", "--burst"],
				cwd=get_bench_path(),
				check=True,
				capture_output=True,
				timeout=300,
			)
		finally:
			frappe.db.set_single_value("Dunning Settings", {"batch_size": 200, "max_actions_per_run": 0})
			frappe.db.commit()
		sent = [invoice.name for invoice in invoices if contact_log(invoice.name, status="Sent")]
		self.assertEqual(len(sent), 2)
