"""The language of dunning (issue 18, item 2): emails and letters follow the customer's dunning language, else
the company's, else French; the print dialog's language switches the whole mise en demeure; amounts and dates
are written in the letter's language; no "None" in a letter.

Fixed dates; the shipped default policy ("Relance standard") and its shipped templates.
"""

from __future__ import annotations

import json
from datetime import date

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.translate import print_language

from relance_app.common.parties import Recipient, dunning_language
from relance_app.common.policy_store import load_policies
from relance_app.dunning.channels import send_email
from relance_app.dunning.context import build_context
from relance_app.dunning.messages import render_level_message
from relance_app.dunning.selection import select_open_instalments
from relance_app.engine.plan import Action
from relance_app.formal_notice.dunning import build_formal_notice, create_formal_notice
from relance_app.formal_notice.letter import letter_html, letter_pdf
from relance_app.setup.install import set_dunning_language
from relance_app.tests.factories import make_company, make_customer, make_email_account, make_overdue_invoice
from relance_app.tests.test_formal_notice import make_address, make_company_identity, pdf_of, pdf_text

test_ignore = ["Company", "Email Template", "User"]

TODAY = date(2026, 11, 29)
AMOUNT = 1234.50

# What only a French letter says, and what only an English one says (the English letter quotes a few French
# legal terms in brackets, in lower case: "(mise en demeure)", "(lettre recommandée ...)").
FRENCH = (
	"Madame, Monsieur",
	"Sauf erreur",
	"novembre",
	"Objet",
	"Délai de paiement",
	"Fondement juridique",
	"Fait à",
	"au capital de",
	"Total réclamé",
	"1 234,50 €",
)
ENGLISH = (
	"Dear Sir or Madam",
	"November",
	"Subject:",
	"Payment deadline",
	"Legal basis",
	"Done at",
	"share capital",
	"Total claimed",
	"€1,234.50",
)


class LanguageCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_company_identity(cls.company)

	def setUp(self):
		frappe.db.set_value("Company", self.company, "dunning_language", "fr")
		frappe.local.form_dict = frappe._dict()

	def tearDown(self):
		frappe.db.set_value("Company", self.company, "dunning_language", "fr")
		frappe.local.form_dict = frappe._dict()

	def customer(self, *, language: str | None = None, erpnext_language: str = "en", address=True) -> str:
		"""A professional customer; ERPNext's own Customer.language set to English, as ERPNext fills it."""
		customer = make_customer(name=f"Client langue {frappe.generate_hash(length=6)}")
		frappe.db.set_value(
			"Customer", customer, {"language": erpnext_language, "dunning_language": language}
		)
		if address:
			make_address(customer=customer, line="8 boulevard Voltaire", city="Paris")
		make_overdue_invoice(days_overdue=40, amount=AMOUNT, customer=customer, today=TODAY)
		return customer

	def email(self, customer: str):
		"""The J+5 reminder of the shipped policy, as the run renders it for `customer`."""
		selection = select_open_instalments(TODAY, customers=[customer])
		(policy_name,) = selection.by_policy
		level = load_policies([policy_name])[policy_name].level(2)
		context = build_context(
			customer=customer,
			company=self.company,
			instalments=selection.by_policy[policy_name],
			level=level,
			today=TODAY,
			policy=policy_name,
		)
		return render_level_message(level, context)

	def notice(self, customer: str) -> tuple[frappe.model.document.Document, str]:
		selection = select_open_instalments(TODAY, customers=[customer])
		(policy_name,) = selection.by_policy
		policy = load_policies([policy_name])[policy_name]
		notice = create_formal_notice(
			customer=customer,
			company=self.company,
			instalments=selection.by_policy[policy_name],
			level=policy.level(policy.formal_notice_level),
			today=TODAY,
			policy_name=policy_name,
		)
		return frappe.get_doc("Dunning", notice["dunning"]), pdf_text(pdf_of(notice["pdf"]))

	def assert_english(self, text: str) -> None:
		for expected in ENGLISH:
			self.assertIn(expected, text)
		for french in FRENCH:
			self.assertNotIn(french, text)
		self.assertNotIn("None", text)

	def assert_french(self, text: str) -> None:
		for expected in FRENCH:
			self.assertIn(expected, text)
		for english in ENGLISH:
			self.assertNotIn(english, text)
		self.assertNotIn("None", text)


class TestDunningLanguage(LanguageCase):
	def test_french_company_english_customer_gets_english_email_and_letter(self):
		customer = self.customer(language="en")
		self.assertEqual(dunning_language(customer, self.company), "en")
		message = self.email(customer)
		self.assertTrue(message.subject.startswith("Invoice(s) "), message.subject)
		self.assertIn("unpaid: €1,234.50", message.subject)
		self.assertIn("€1,234.50", message.body)
		self.assertNotIn("1\u202f234,50", message.body)
		self.assertNotIn("Madame, Monsieur", message.body)
		dunning, text = self.notice(customer)
		self.assertEqual(dunning.language, "en")
		self.assert_english(text)
		self.assertIn("29 November 2026", text)

	def test_email_frame_and_attached_invoices_follow_the_customers_language(self):
		make_email_account()
		site_language = frappe.local.lang
		for language in ("en", "fr"):
			customer = self.customer(language=language)
			message = self.email(customer)
			self.assertEqual(message.language, language)
			selection = select_open_instalments(TODAY, customers=[customer])
			(policy_name,) = selection.by_policy
			level = load_policies([policy_name])[policy_name].level(2)
			action = Action(customer, 2, level, tuple(selection.by_policy[policy_name]))
			recipient = Recipient(
				email=f"{frappe.generate_hash(length=8)}@langue.example", mobile=None, contact_name=None
			)
			effect = send_email(action, message, recipient, sender=None)
			attachments = json.loads(
				frappe.db.get_value("Email Queue", {"communication": effect.communication}, "attachments")
			)
			self.assertTrue(attachments)
			# The invoice PDFs are printed in the customer's language, whatever the site's.
			self.assertEqual({attachment["lang"] for attachment in attachments}, {language})
			# Sending one customer's email in their language leaves the next one's as it was.
			self.assertEqual(frappe.local.lang, site_language)

	def test_french_customer_gets_french_email_and_letter_whatever_erpnext_print_language(self):
		# ERPNext sets Customer.language to the system language (English here): it no longer decides.
		customer = self.customer(language=None, erpnext_language="en")
		self.assertEqual(dunning_language(customer, self.company), "fr")
		message = self.email(customer)
		self.assertTrue(message.subject.startswith("Facture(s) "), message.subject)
		# Subjects are one line of plain spaces.
		self.assertIn("impayée(s) : 1 234,50 €", message.subject)
		self.assertIn("1\u202f234,50\u00a0€", message.body)
		self.assertNotIn("€1,234.50", message.body)
		dunning, text = self.notice(customer)
		self.assertEqual(dunning.language, "fr")
		self.assert_french(text)
		self.assertIn("29 novembre 2026", text)

	def test_company_set_to_english_sends_english_and_a_customer_may_still_ask_french(self):
		frappe.db.set_value("Company", self.company, "dunning_language", "en")
		english = self.customer(language=None, erpnext_language="fr")
		self.assertEqual(dunning_language(english, self.company), "en")
		self.assertIn("unpaid: €1,234.50", self.email(english).subject)
		french = self.customer(language="fr")
		self.assertTrue(self.email(french).subject.startswith("Facture(s) "))

	def test_install_gives_a_french_company_french_and_another_the_system_language(self):
		frappe.db.set_value("Company", self.company, "dunning_language", None)
		set_dunning_language(self.company)
		self.assertEqual(frappe.db.get_value("Company", self.company, "dunning_language"), "fr")
		frappe.db.set_value("Company", self.company, "dunning_language", "en")
		set_dunning_language(self.company)  # a language chosen is kept
		self.assertEqual(frappe.db.get_value("Company", self.company, "dunning_language"), "en")
		system = frappe.db.get_single_value("System Settings", "language")
		frappe.db.set_value("Company", self.company, {"dunning_language": None, "country": "Germany"})
		try:
			set_dunning_language(self.company)
			self.assertEqual(frappe.db.get_value("Company", self.company, "dunning_language"), system)
		finally:
			frappe.db.set_value("Company", self.company, "country", "France")

	def test_a_french_company_without_a_chosen_language_duns_in_french(self):
		frappe.db.set_value("Company", self.company, "dunning_language", None)
		customer = self.customer(language=None)
		self.assertEqual(dunning_language(customer, self.company), "fr")
		self.assertEqual(dunning_language(None, None), "fr")


class TestPrintDialogLanguage(LanguageCase):
	"""The print view sends the dialog's language as `_lang` (and makes it the request's language)."""

	def print_with(self, dunning, print_format: str, lang: str) -> str:
		frappe.local.form_dict = frappe._dict(_lang=lang)
		try:
			with print_language(lang):
				return pdf_text(letter_pdf(dunning, print_format))
		finally:
			frappe.local.form_dict = frappe._dict()

	def test_french_notice_printed_in_english_is_entirely_english(self):
		dunning, text = self.notice(self.customer(language="fr"))
		self.assert_french(text)
		english = self.print_with(dunning, "Mise en demeure", "en")
		self.assert_english(english)
		self.assertIn("29 November 2026", english)
		self.assertIn(dunning.name, english)

	def test_english_notice_printed_in_french_is_entirely_french(self):
		dunning, text = self.notice(self.customer(language="en"))
		self.assert_english(text)
		french = self.print_with(dunning, "Formal Notice", "fr")
		self.assert_french(french)
		self.assertIn("29 novembre 2026", french)

	def test_without_a_dialog_language_each_format_keeps_its_own(self):
		dunning, _text = self.notice(self.customer(language="fr"))
		with print_language("fr"):
			self.assert_english(pdf_text(letter_pdf(dunning, "Formal Notice")))
			self.assert_french(pdf_text(letter_pdf(dunning, "Mise en demeure")))


class TestNoNone(LanguageCase):
	def test_no_none_in_any_letter_for_a_customer_without_address(self):
		for language in ("fr", "en"):
			with self.subTest(language=language):
				customer = self.customer(language=language, address=False)
				selection = select_open_instalments(TODAY, customers=[customer])
				(policy_name,) = selection.by_policy
				policy = load_policies([policy_name])[policy_name]
				level = policy.level(policy.formal_notice_level)
				# The preview: a Dunning not saved, without a name yet.
				draft, _chosen, lang, _letter = build_formal_notice(
					customer=customer,
					company=self.company,
					instalments=selection.by_policy[policy_name],
					level=level,
					today=TODAY,
					policy_name=policy_name,
				)
				self.assertIsNone(draft.name)
				format_name = "Mise en demeure" if lang == "fr" else "Formal Notice"
				with print_language(lang):
					html = letter_html(draft, format_name)
				self.assertNotIn("None", html)
				_dunning, text = self.notice(customer)
				self.assertNotIn("None", text)
