"""Letters a French lawyer would sign (issue #12), on a real site with the shipped policy "Relance standard":
the €40 counted and worded per invoice, never shown to consumers, the company's legal mentions, one payment
deadline for the letter and its email, public bodies, collective proceedings and the declaration of claim."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, add_months

from relance_app.common.parties import customer_details
from relance_app.common.policy_store import load_policies
from relance_app.common.rate_store import get_rate_table
from relance_app.dunning.context import build_context
from relance_app.dunning.messages import render_level_message
from relance_app.dunning.run import plan_selection
from relance_app.dunning.selection import select_open_instalments
from relance_app.engine.law_invoice import invoice_penalty
from relance_app.engine.render import relance_date_long as date_long
from relance_app.engine.render import relance_money as money
from relance_app.formal_notice.dunning import ProceedingsError, create_formal_notice
from relance_app.formal_notice.letter import formal_notice_context, notice_deadline
from relance_app.formal_notice.penalty_invoice import make_penalty_invoice
from relance_app.formal_notice.proceedings import declaration_context, declaration_pdf, filing_deadline
from relance_app.formal_notice.terms import TERMS_TEMPLATE, relance_late_payment_mentions
from relance_app.tests.factories import ensure_fiscal_year, make_company, make_item, make_overdue_invoice
from relance_app.tests.test_formal_notice import (
	flat,
	make_company_identity,
	make_letter_customer,
	open_instalments,
	pdf_of,
	pdf_text,
)

test_ignore = ["Company", "Email Template", "User"]

# A Monday in the first half of 2026, the last half-year of the shipped rate table: no stale-rate warning.
TODAY = date(2026, 3, 16)


def shipped_policy(company: str) -> str:
	return frappe.db.get_value(
		"Dunning Policy", {"company": company, "policy_name": ("like", "Relance standard%")}, "name"
	)


def formal_notice_level(policy: str):
	engine = load_policies([policy])[policy]
	return engine.level(engine.formal_notice_level)


def email_of(customer: str, company: str, policy: str, today: date = TODAY):
	"""The J+30 covering email as the run renders it (same context, same template)."""
	level = formal_notice_level(policy)
	context = build_context(
		customer=customer,
		company=company,
		instalments=open_instalments(customer, today),
		level=level,
		today=today,
		policy=policy,
	)
	return context, render_level_message(level, context)


def two_instalment_invoice(customer: str, *, first_due: date, second_due: date, amount: float = 1200):
	ensure_fiscal_year(add_days(first_due, -30))
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": make_company(),
			"customer": customer,
			"currency": "EUR",
			"set_posting_time": 1,
			"posting_date": add_days(first_due, -30),
			"due_date": second_due,
			"items": [{"item_code": make_item(), "qty": 1, "rate": amount}],
			"payment_schedule": [
				{"due_date": first_due, "invoice_portion": 50, "payment_amount": amount / 2},
				{"due_date": second_due, "invoice_portion": 50, "payment_amount": amount / 2},
			],
		}
	).insert(ignore_permissions=True)
	invoice.submit()
	return invoice


class TestIndemnityPerInvoice(FrappeTestCase):
	"""Two late instalments of one invoice, shipped policy: one €40, worded "per invoice" everywhere."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_company_identity(cls.company)
		cls.policy = shipped_policy(cls.company)
		cls.customer = make_letter_customer(name="Menuiserie Lefèvre SARL")
		cls.first_due, cls.second_due = date(2026, 1, 5), date(2026, 2, 4)
		cls.invoice = two_instalment_invoice(cls.customer, first_due=cls.first_due, second_due=cls.second_due)
		cls.notice = create_formal_notice(
			customer=cls.customer,
			company=cls.company,
			instalments=open_instalments(cls.customer, TODAY),
			level=formal_notice_level(cls.policy),
			today=TODAY,
			policy_name=cls.policy,
		)
		cls.dunning = frappe.get_doc("Dunning", cls.notice["dunning"])
		cls.text = pdf_text(pdf_of(cls.notice["pdf"]))
		cls.expected = invoice_penalty(
			[(cls.first_due, 600), (cls.second_due, 600)], TODAY, rates=get_rate_table()
		)

	def test_shipped_policy_counts_one_indemnity_per_invoice(self):
		self.assertEqual(frappe.db.get_value("Dunning Policy", self.policy, "indemnity_per"), "Invoice")
		self.assertEqual(self.expected.late_instalments, 2)
		self.assertEqual(self.expected.indemnity_count, 1)
		self.assertEqual(Decimal(str(self.dunning.dunning_fee)), Decimal("40"))
		self.assertEqual(self.notice["indemnity"], Decimal("40.00"))
		self.assertEqual(self.notice["interest"], self.expected.interest)

	def test_letter_says_one_indemnity_per_invoice(self):
		self.assertIn("1 × 40,00 €", self.text)
		self.assertIn("par facture", self.text)
		self.assertNotIn("par échéance", self.text)

	def test_penalty_invoice_charges_one_indemnity_per_invoice(self):
		invoice = frappe.get_doc("Sales Invoice", make_penalty_invoice(self.dunning.name))
		[indemnity] = [i for i in invoice.items if i.item_code.startswith("Indemnité")]
		self.assertEqual((indemnity.qty, Decimal(str(indemnity.rate))), (1, Decimal("40")))
		self.assertRegex(indemnity.description, "per invoice|par facture")


class TestConsumer(FrappeTestCase):
	"""A consumer: no €40 in the letter or the email; a second notice's email claims the letter's interest."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_company_identity(cls.company)
		cls.policy = shipped_policy(cls.company)
		cls.customer = make_letter_customer(name="Paul Martin", individual=True)
		cls.invoice = make_overdue_invoice(days_overdue=60, amount=900, customer=cls.customer, today=TODAY)
		cls.first_day = add_days(TODAY, -20)
		create_formal_notice(
			customer=cls.customer,
			company=cls.company,
			instalments=open_instalments(cls.customer, cls.first_day),
			level=formal_notice_level(cls.policy),
			today=cls.first_day,
			policy_name=cls.policy,
		)
		cls.context, cls.email = email_of(cls.customer, cls.company, cls.policy)
		cls.notice = create_formal_notice(
			customer=cls.customer,
			company=cls.company,
			instalments=open_instalments(cls.customer, TODAY),
			level=formal_notice_level(cls.policy),
			today=TODAY,
			policy_name=cls.policy,
		)
		cls.text = pdf_text(pdf_of(cls.notice["pdf"]))

	def test_debtor_kind_defaults_from_the_customer_type(self):
		self.assertEqual(customer_details(self.customer)["debtor_kind"], "Consumer")
		self.assertEqual(customer_details(self.customer)["debtor"], "B2C")

	def test_neither_the_letter_nor_the_email_mentions_the_indemnity(self):
		body = flat(frappe.utils.strip_html(self.email.body))
		for text in (self.text, body):
			for absent in ("40,00", "40 €", "indemnité forfaitaire", "Indemnité", "D441-5"):
				self.assertNotIn(absent, text)

	def test_second_notice_email_claims_the_letter_interest(self):
		self.assertGreater(self.notice["interest"], 0)
		self.assertEqual(self.context["penalties"]["interest"], self.notice["interest"])
		self.assertEqual(self.context["penalties"]["indemnity"], Decimal(0))
		self.assertIn(flat(money(self.notice["interest"])), flat(self.email.body))


class TestProfessionalLetter(FrappeTestCase):
	"""Legal mentions on the letter, and one deadline for the letter and its email."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_company_identity(cls.company)
		cls.policy = shipped_policy(cls.company)
		cls.customer = make_letter_customer(name="Garage Morel SAS")
		make_overdue_invoice(days_overdue=35, amount=2400, customer=cls.customer, today=TODAY)
		cls.context, cls.email = email_of(cls.customer, cls.company, cls.policy)
		cls.notice = create_formal_notice(
			customer=cls.customer,
			company=cls.company,
			instalments=open_instalments(cls.customer, TODAY),
			level=formal_notice_level(cls.policy),
			today=TODAY,
			policy_name=cls.policy,
		)
		cls.text = pdf_text(pdf_of(cls.notice["pdf"]))

	def test_letter_shows_siren_rcs_city_legal_form_and_capital(self):
		for expected in ("732 829 320 RCS Lyon", "SAS au capital de 10 000,00 €", "FR44732829320"):
			self.assertIn(expected, self.text)
		self.assertEqual(self.notice["warnings"], [])

	def test_missing_legal_mentions_are_a_warning_before_sending(self):
		frappe.db.set_value("Company", self.company, {"dunning_rcs_city": "", "dunning_share_capital": 0})
		frappe.local.cache.pop("relance_company_details", None)
		try:
			letter = formal_notice_context(frappe.get_doc("Dunning", self.notice["dunning"]))
			self.assertTrue(any("R123-237" in w and "RCS city" in w for w in letter["warnings"]))
		finally:
			make_company_identity(self.company)

	def test_email_and_letter_state_the_same_deadline(self):
		receipt, deadline = notice_deadline(TODAY, 8)
		self.assertEqual(receipt, date(2026, 3, 18))  # two working days after Monday 16 March
		self.assertEqual(deadline, date(2026, 3, 26))
		self.assertEqual(self.context["payment_deadline"], deadline)
		self.assertIn(date_long(deadline), self.text)
		self.assertIn(date_long(deadline), flat(self.email.body))
		self.assertNotIn(date_long(add_days(TODAY, 8)), flat(self.email.body))

	def test_professional_email_names_the_indemnity_per_invoice(self):
		body = flat(self.email.body)
		self.assertIn("40", body)
		self.assertEqual(self.context["penalties"]["indemnity_count"], 1)


class TestPublicBody(FrappeTestCase):
	def test_public_body_owes_ecb_plus_8_and_the_indemnity(self):
		company = make_company()
		make_company_identity(company)
		customer = make_letter_customer(name="Commune de Villeurbanne")
		frappe.db.set_value("Customer", customer, "dunning_debtor_kind", "Public Body")
		invoice = make_overdue_invoice(days_overdue=40, amount=5000, customer=customer, today=TODAY)
		notice = create_formal_notice(
			customer=customer,
			company=company,
			instalments=open_instalments(customer, TODAY),
			level=formal_notice_level(shipped_policy(company)),
			today=TODAY,
		)
		expected = invoice_penalty(
			[(frappe.utils.getdate(invoice.due_date), 5000)], TODAY, debtor="public", rates=get_rate_table()
		)
		self.assertEqual(notice["interest"], expected.interest)
		self.assertEqual(notice["indemnity"], Decimal("40.00"))
		text = pdf_text(pdf_of(notice["pdf"]))
		self.assertIn("D2192-35", text)
		self.assertIn("+ 8 points", text)


class TestCollectiveProceedings(FrappeTestCase):
	"""A customer placed in redressement judiciaire: the ladder stops, a declaration of claim replaces it."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_company_identity(cls.company)
		cls.customer = make_letter_customer(name="Transports Girard SAS")
		cls.judgment = date(2026, 3, 2)
		cls.bodacc = date(2026, 3, 12)
		cls.late = make_overdue_invoice(
			days_overdue=40, amount=3000, customer=cls.customer, today=cls.judgment
		)
		cls.not_due = make_overdue_invoice(
			days_overdue=-20, amount=1000, customer=cls.customer, today=cls.judgment
		)
		cls.before = plan_selection(select_open_instalments(TODAY, customers=[cls.customer]), TODAY)
		doc = frappe.get_doc("Customer", cls.customer)
		doc.update(
			{
				"dunning_proceedings_kind": "Judicial Reorganisation",
				"dunning_judgment_date": cls.judgment,
				"dunning_court": "Tribunal de commerce de Lyon",
				"dunning_bodacc_date": cls.bodacc,
				"dunning_mandataire_name": "Maître Anne Roux",
				"dunning_mandataire_address": "3 quai Jules Courmont\n69002 Lyon",
				"dunning_securities": "Clause de réserve de propriété (article 9 des CGV).",
			}
		)
		doc.save(ignore_permissions=True)
		doc.save(ignore_permissions=True)  # saved twice: still logged once
		cls.text = pdf_text(declaration_pdf(cls.customer))
		cls.declaration = declaration_context(cls.customer, cls.company)
		rates = get_rate_table()
		cls.expected_late = invoice_penalty(
			[(frappe.utils.getdate(cls.late.due_date), 3000)],
			cls.judgment,
			proceedings_date=cls.judgment,
			rates=rates,
		)

	def test_no_further_reminder_or_formal_notice(self):
		self.assertTrue([a for _, a in self.before if a.customer == self.customer])
		after = plan_selection(select_open_instalments(TODAY, customers=[self.customer]), TODAY)
		self.assertEqual([a for _, a in after if a.customer == self.customer], [])
		with self.assertRaises(ProceedingsError):
			create_formal_notice(
				customer=self.customer,
				company=self.company,
				instalments=open_instalments(self.customer, TODAY),
				level=formal_notice_level(shipped_policy(self.company)),
				today=TODAY,
			)

	def test_logged_once_as_a_note_with_a_todo_for_the_filing_deadline(self):
		notes = frappe.get_all(
			"Dunning Contact Log", filters={"customer": self.customer, "entry_type": "Note"}, pluck="notes"
		)
		self.assertEqual(len(notes), 1)
		self.assertIn("L622-21", notes[0])
		deadline = add_months(self.bodacc, 2)
		self.assertEqual(filing_deadline(self.bodacc), frappe.utils.getdate(deadline))
		todos = frappe.get_all(
			"ToDo", filters={"reference_type": "Customer", "reference_name": self.customer}, pluck="date"
		)
		self.assertEqual([frappe.utils.getdate(d) for d in todos], [frappe.utils.getdate(deadline)])

	def test_declaration_amounts_equal_the_engine(self):
		rows = {row["invoice"]: row for row in self.declaration["rows"]}
		late, not_due = rows[self.late.name], rows[self.not_due.name]
		self.assertEqual(late["interest"], self.expected_late.interest)
		self.assertGreater(late["interest"], 0)
		self.assertEqual(late["indemnity"], Decimal("40.00"))
		self.assertTrue(late["is_due"])
		self.assertFalse(not_due["is_due"])
		self.assertEqual((not_due["interest"], not_due["indemnity"]), (Decimal(0), Decimal(0)))
		self.assertEqual(
			self.declaration["total"], Decimal("4000.00") + self.expected_late.interest + Decimal("40.00")
		)

	def test_declaration_pdf_reads_back_with_the_amounts_and_mentions(self):
		for expected in (
			"DÉCLARATION DE CRÉANCE",
			"redressement judiciaire",
			"Tribunal de commerce de Lyon",
			"Maître Anne Roux",
			self.late.name,
			self.not_due.name,
			"échue",
			"à échoir",
			flat(money(self.expected_late.interest)),
			flat(money(self.declaration["total"])),
			"L622-24",
			"L622-25",
			"R622-23",
			"R622-24",
			"L622-28",
			"réserve de propriété",
			date_long(frappe.utils.getdate(add_months(self.bodacc, 2))),
			"732 829 320 RCS Lyon",
		):
			self.assertIn(expected, self.text)
		for absent in ("injonction de payer", "mise en demeure", "À vérifier"):
			self.assertNotIn(absent, self.text)


class TestTermsAndConditions(FrappeTestCase):
	def test_invoice_mentions_give_the_half_year_rate_the_indemnity_and_no_discount(self):
		company = make_company()
		customer = make_letter_customer(name="Atelier Blanc SARL")
		text = relance_late_payment_mentions(company=company, customer=customer, posting_date=TODAY)
		# ECB main refinancing rate 2.15 % on 1 January 2026, + 10 points.
		self.assertIn("12,15 %", text)
		self.assertIn("40 €", text)
		self.assertIn("Pas d'escompte", text)
		self.assertIn("L441-10", text)
		self.assertTrue(frappe.db.exists("Terms and Conditions", TERMS_TEMPLATE))
		consumer = make_letter_customer(name="Luc Petit", individual=True)
		self.assertNotIn(
			"40 €", relance_late_payment_mentions(company=company, customer=consumer, posting_date=TODAY)
		)
