"""The formal notice on a real site: a submitted Dunning at French-law amounts, its letter as a PDF (read back
with pdftotext), the Payment Entry made from it, and the invoice of the penalties."""

from __future__ import annotations

import re
import subprocess
import tempfile
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import frappe
from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, nowdate

from relance_app.common.rate_store import get_rate_table
from relance_app.dunning.selection import select_open_instalments
from relance_app.engine.dates import add_working_days
from relance_app.engine.law import late_payment_penalty
from relance_app.engine.plan import Instalment
from relance_app.engine.policy import Level
from relance_app.engine.render import relance_date as date_fr
from relance_app.engine.render import relance_date_long as date_long
from relance_app.engine.render import relance_money as money
from relance_app.formal_notice.dunning import create_formal_notice, current_rate
from relance_app.formal_notice.letter import RECEIPT_DELAY_WORKING_DAYS, formal_notice_context
from relance_app.formal_notice.penalty_invoice import make_penalty_invoice
from relance_app.overrides.dunning import validate as dunning_validate_hook
from relance_app.penalties.compute import penalties_for_instalment, penalties_for_instalments
from relance_app.tests.factories import (
	ROLE_USERS,
	make_company,
	make_customer,
	make_item,
	make_overdue_invoice,
	make_role_users,
)

test_ignore = ["Company", "Email Template", "User"]

TODAY = getdate(nowdate())
IBAN = "FR7630006000011234567890189"
SIREN = "732829320"
VAT_ID = "FR44732829320"
LEVEL = Level(
	title="Mise en demeure",
	offset_days=30,
	channel="Registered Letter",
	formal_notice=True,
	payment_deadline_days=8,
)
PNG_DIR = Path(tempfile.gettempdir()) / "relance_formal_notice"


def bank_ledger_account(company: str) -> str:
	"""The company's bank ledger account (a Bank-type account of its chart), made when the chart has none."""
	name = frappe.db.get_value("Account", {"company": company, "account_type": "Bank", "is_group": 0}, "name")
	if name:
		return name
	parent = frappe.db.get_value(
		"Account", {"company": company, "account_type": "Bank", "is_group": 1}, "name"
	) or frappe.db.get_value("Account", {"company": company, "root_type": "Asset", "is_group": 1}, "name")
	return (
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": "Banque Test",
				"company": company,
				"parent_account": parent,
				"account_type": "Bank",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_company_identity(company: str) -> None:
	"""The creditor's address (Lyon) and bank account, which the letter must show."""
	if not frappe.db.exists("Address", {"address_title": "Relance Test SAS siège"}):
		frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": "Relance Test SAS siège",
				"address_type": "Billing",
				"address_line1": "12 rue de la République",
				"city": "Lyon",
				"pincode": "69002",
				"country": "France",
				"is_your_company_address": 1,
				"is_primary_address": 1,
				"links": [{"link_doctype": "Company", "link_name": company}],
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Bank", "Banque Test"):
		frappe.get_doc({"doctype": "Bank", "bank_name": "Banque Test", "swift_number": "AGRIFRPP"}).insert(
			ignore_permissions=True
		)
	if not frappe.db.exists("Bank Account", {"iban": IBAN}):
		frappe.get_doc(
			{
				"doctype": "Bank Account",
				"account_name": "Compte courant",
				"bank": "Banque Test",
				"company": company,
				"is_company_account": 1,
				"is_default": 1,
				"iban": IBAN,
				# ERPNext v16 requires the ledger account of a company's bank account (v15 accepts it too).
				"account": bank_ledger_account(company),
			}
		).insert(ignore_permissions=True)
	# The legal mentions of Code de commerce R123-237, with a valid French VAT number (python-stdnum checks it).
	frappe.db.set_value(
		"Company",
		company,
		{
			"tax_id": VAT_ID,
			"dunning_siren": SIREN,
			"dunning_rcs_city": "Lyon",
			"dunning_legal_form": "SAS",
			"dunning_share_capital": 10000,
		},
	)
	frappe.local.cache.pop("relance_company_details", None)


def make_address(*, customer: str, line: str, city: str) -> str:
	return (
		frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": customer,
				"address_type": "Billing",
				"address_line1": line,
				"city": city,
				"pincode": "75011",
				"country": "France",
				"is_primary_address": 1,
				"links": [{"link_doctype": "Customer", "link_name": customer}],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_letter_customer(*, name: str, individual: bool = False, language: str | None = None) -> str:
	customer = make_customer(name=f"{name} {frappe.generate_hash(length=5)}")
	frappe.db.set_value(
		"Customer",
		customer,
		{"customer_type": "Individual" if individual else "Company", "dunning_language": language},
	)
	make_address(customer=customer, line="8 boulevard Voltaire", city="Paris")
	return customer


def pay(invoice: str, *, amount: float, on: date) -> str:
	"""A real Payment Entry of `amount` against `invoice`, dated `on`."""
	payment = get_payment_entry("Sales Invoice", invoice, party_amount=amount)
	payment.posting_date = on
	payment.reference_no, payment.reference_date = f"VIR-{invoice}", on
	payment.paid_amount = payment.received_amount = amount
	payment.references[0].allocated_amount = amount
	payment.insert(ignore_permissions=True)
	payment.submit()
	return payment.name


def log_reminder(*, customer: str, invoice: str, entry_type: str, on: date, status: str = "Sent") -> None:
	frappe.get_doc(
		{
			"doctype": "Dunning Contact Log",
			"customer": customer,
			"sales_invoice": invoice,
			"entry_type": entry_type,
			"direction": "Outbound",
			"status": status,
			"contact_date": datetime.combine(on, time(10, 0)),
			"is_automatic": 1,
		}
	).insert(ignore_permissions=True)


def open_instalments(customer: str, today: date = TODAY) -> list[Instalment]:
	return sorted(select_open_instalments(today, customers=[customer]).instalments, key=lambda i: i.due_date)


def pdf_of(file_url: str) -> bytes:
	return frappe.get_doc("File", {"file_url": file_url}).get_content()


def pdf_text(content: bytes) -> str:
	"""The PDF's text as a reader sees it: one line, spaces normalised (money uses no-break spaces)."""
	with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
		pdf.write(content)
		pdf.flush()
		text = subprocess.run(["pdftotext", pdf.name, "-"], capture_output=True, check=True, text=True).stdout
	return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def flat(text: str) -> str:
	return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def dec(value) -> Decimal:
	return Decimal(str(frappe.utils.flt(value, 2))).quantize(Decimal("0.01"))


class TestFormalNoticeB2B(FrappeTestCase):
	"""A company with three overdue invoices, one of them partly paid, and two earlier reminders."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_company_identity(cls.company)
		cls.customer = make_letter_customer(name="Boulangerie Martin SARL")
		cls.invoices = [
			make_overdue_invoice(days_overdue=90, amount=1200, customer=cls.customer),
			make_overdue_invoice(days_overdue=45, amount=2400, customer=cls.customer),
			make_overdue_invoice(days_overdue=10, amount=600, customer=cls.customer),
		]
		cls.paid_on = add_days(TODAY, -20)
		pay(cls.invoices[1].name, amount=1000, on=cls.paid_on)
		cls.reminder_dates = [add_days(TODAY, -80), add_days(TODAY, -30)]
		log_reminder(
			customer=cls.customer,
			invoice=cls.invoices[0].name,
			entry_type="Reminder Email",
			on=cls.reminder_dates[0],
		)
		log_reminder(
			customer=cls.customer,
			invoice=cls.invoices[1].name,
			entry_type="Call",
			on=cls.reminder_dates[1],
			status="Done",
		)
		# A reminder that failed is no evidence: the letter must not recall it.
		cls.failed_on = add_days(TODAY, -25)
		log_reminder(
			customer=cls.customer,
			invoice=cls.invoices[2].name,
			entry_type="SMS",
			on=cls.failed_on,
			status="Failed",
		)
		cls.instalments = open_instalments(cls.customer)
		rates = get_rate_table()
		cls.expected = {
			inv.name: late_payment_penalty(
				inv.grand_total,
				getdate(inv.due_date),
				TODAY,
				debtor="B2B",
				payments=[(cls.paid_on, 1000)] if inv.name == cls.invoices[1].name else [],
				rates=rates,
			)
			for inv in cls.invoices
		}
		cls.notice = create_formal_notice(
			customer=cls.customer, company=cls.company, instalments=cls.instalments, level=LEVEL, today=TODAY
		)
		cls.dunning = frappe.get_doc("Dunning", cls.notice["dunning"])
		cls.pdf = pdf_of(cls.notice["pdf"])
		cls.text = pdf_text(cls.pdf)

	def test_dunning_is_submitted_with_one_row_per_instalment(self):
		self.assertEqual(self.dunning.docstatus, 1)
		self.assertEqual(self.dunning.customer, self.customer)
		self.assertEqual(
			[row.sales_invoice for row in self.dunning.overdue_payments], [inv.name for inv in self.invoices]
		)
		self.assertEqual(
			[dec(row.outstanding) for row in self.dunning.overdue_payments],
			[Decimal("1200.00"), Decimal("1400.00"), Decimal("600.00")],
		)

	def test_dunning_interest_and_fee_equal_the_engine(self):
		for row in self.dunning.overdue_payments:
			self.assertEqual(dec(row.interest), self.expected[row.sales_invoice].interest, row.sales_invoice)
		interest = sum((result.interest for result in self.expected.values()), Decimal(0))
		self.assertGreater(interest, 0)
		self.assertEqual(dec(self.dunning.total_interest), interest)
		self.assertEqual(dec(self.dunning.dunning_fee), Decimal("120.00"))
		# The rate shown is the one in force at the notice (statutory: ECB + 10 points), for reading only.
		self.assertEqual(Decimal(str(self.dunning.rate_of_interest)), current_rate(self.expected.values()))
		self.assertEqual(dec(self.dunning.dunning_amount), interest + Decimal("120.00"))
		self.assertEqual(dec(self.dunning.grand_total), Decimal("3200.00") + interest + Decimal("120.00"))
		self.assertEqual(self.notice["interest"], interest)
		self.assertEqual(self.notice["indemnity"], Decimal("120.00"))
		self.assertEqual(self.notice["total_claimed"], Decimal("3200.00") + interest + Decimal("120.00"))

	def test_partial_payment_lowers_the_base_from_the_day_after(self):
		partly_paid = self.invoices[1]
		result = penalties_for_instalment(
			next(inst for inst in self.instalments if inst.invoice == partly_paid.name),
			today=TODAY,
			debtor="B2B",
		)
		self.assertEqual(result, self.expected[partly_paid.name])
		self.assertEqual(result.segments[-1].base, Decimal("1400"))
		self.assertEqual(result.segments[-1].start, add_days(self.paid_on, 1))

	def test_set_based_penalties_match_one_by_one(self):
		results = penalties_for_instalments(self.instalments, today=TODAY, debtor="B2B")
		self.assertEqual(
			{key: r.interest for key, r in results.items()}, {k: r.interest for k, r in self.expected.items()}
		)

	def test_letter_is_attached_to_the_dunning_as_a_private_pdf(self):
		file = frappe.get_doc("File", {"file_url": self.notice["pdf"]})
		self.assertEqual((file.attached_to_doctype, file.attached_to_name), ("Dunning", self.dunning.name))
		self.assertTrue(file.is_private)
		self.assertTrue(self.pdf.startswith(b"%PDF"))

	def test_letter_names_both_parties_the_date_and_the_place(self):
		for expected in (
			"Relance Test SAS",
			"12 rue de la République",
			"Lyon",
			"732 829 320 RCS Lyon",
			"SAS au capital de 10 000,00 €",
			VAT_ID,
			frappe.db.get_value("Customer", self.customer, "customer_name"),
			"8 boulevard Voltaire",
			f"Fait à Lyon, le {date_long(TODAY)}",
		):
			self.assertIn(expected, self.text)

	def test_letter_is_a_registered_formal_notice(self):
		self.assertIn("Lettre recommandée avec accusé de réception", self.text)
		self.assertIn("mise en demeure", self.text)
		self.assertIn("Mise en demeure de payer", self.text)
		self.assertIn(self.dunning.name, self.text)

	def test_letter_lists_every_invoice_with_its_dates_and_amounts(self):
		for inv in self.invoices:
			self.assertIn(inv.name, self.text)
			self.assertIn(date_fr(getdate(inv.posting_date)), self.text)
			self.assertIn(date_fr(getdate(inv.due_date)), self.text)
			self.assertIn(flat(money(inv.grand_total)), self.text)
			self.assertIn(flat(money(self.expected[inv.name].interest)), self.text)
		self.assertIn(flat(money(Decimal("1400"))), self.text)  # the outstanding after the part payment

	def test_letter_shows_the_working_of_the_penalties(self):
		self.assertIn("Détail du calcul des pénalités de retard", self.text)
		for result in self.expected.values():
			for segment in result.segments:
				self.assertIn(f"du {date_fr(segment.start)} au {date_fr(segment.end)}", self.text)
				self.assertIn(f"{segment.days} j / 365", self.text)
		self.assertIn("12,15 %", self.text)
		self.assertIn("taux BCE 2,15 % + 10 points", self.text)
		self.assertIn(f"acompte de {flat(money(1000))} reçu le {date_fr(self.paid_on)}", self.text)

	def test_letter_claims_the_indemnity_and_the_total(self):
		self.assertIn("Indemnités forfaitaires pour frais de recouvrement (3 × 40,00 €)", self.text)
		self.assertIn(flat(money(Decimal("120"))), self.text)
		self.assertIn(f"Total réclamé {flat(money(self.notice['total_claimed']))}", self.text)

	def test_letter_gives_the_deadline_and_the_means_of_payment(self):
		receipt = add_working_days(TODAY, RECEIPT_DELAY_WORKING_DAYS)
		self.assertIn("8 jours à compter de la réception", self.text)
		self.assertIn(date_long(add_days(receipt, 8)), self.text)
		self.assertIn("IBAN FR76 3000 6000 0112 3456 7890 189", self.text)
		self.assertIn("BIC AGRIFRPP", self.text)

	def test_letter_cites_the_law_and_the_consequence(self):
		for expected in ("L441-10", "D441-5", "1344 du Code civil", "injonction de payer", "sans autre avis"):
			self.assertIn(expected, self.text)
		self.assertNotIn("1231-6", self.text)

	def test_letter_recalls_the_earlier_reminders_with_their_dates(self):
		self.assertIn("Nos précédentes relances", self.text)
		self.assertIn(
			f"le {date_fr(self.reminder_dates[0])} : relance par courriel ({self.invoices[0].name})",
			self.text,
		)
		self.assertIn(
			f"le {date_fr(self.reminder_dates[1])} : appel téléphonique ({self.invoices[1].name})", self.text
		)
		self.assertNotIn(date_fr(self.failed_on), self.text)

	def test_letter_has_a_signature_block(self):
		self.assertIn("Pour Relance Test SAS,", self.text)
		self.assertIn("Le service recouvrement", self.text)

	def test_stale_rate_warning_is_on_the_preview_never_in_the_pdf(self):
		# The shipped table ends with 2026-H1: days after 30 June 2026 use the last known rate, with a warning.
		self.assertTrue(
			any("2026-H2" in warning for warning in self.notice["warnings"]), self.notice["warnings"]
		)
		html = frappe.get_print("Dunning", self.dunning.name, "Mise en demeure")
		self.assertIn("À vérifier avant l'envoi", html)
		self.assertIn("2026-H2", html)
		self.assertNotIn("2026-H2", self.text)
		self.assertNotIn("À vérifier", self.text)

	def test_letter_prints_on_a4_and_renders_as_an_image(self):
		with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
			pdf.write(self.pdf)
			pdf.flush()
			info = subprocess.run(["pdfinfo", pdf.name], capture_output=True, check=True, text=True).stdout
			PNG_DIR.mkdir(exist_ok=True)
			subprocess.run(["pdftoppm", "-r", "60", "-png", pdf.name, str(PNG_DIR / "b2b")], check=True)
		self.assertRegex(info, r"Page size:\s+595(\.\d+)? x 842(\.\d+)? pts \(A4\)")
		self.assertLessEqual(int(re.search(r"Pages:\s+(\d+)", info).group(1)), 2)

	def test_payment_entry_from_the_dunning_collects_interest_and_fee(self):
		payment = get_payment_entry("Dunning", self.dunning.name)
		self.assertEqual(
			sorted((ref.reference_name, dec(ref.allocated_amount)) for ref in payment.references),
			sorted((row.sales_invoice, dec(row.outstanding)) for row in self.dunning.overdue_payments),
		)
		self.assertEqual(len(payment.deductions), 1)
		self.assertEqual(
			dec(-payment.deductions[0].amount), self.notice["interest"] + self.notice["indemnity"]
		)
		abbr = frappe.get_value("Company", self.company, "abbr")
		self.assertEqual(self.dunning.dunning_type, f"Mise en demeure ({abbr}) - {abbr}")
		self.assertEqual(
			frappe.get_value("Dunning Type", self.dunning.dunning_type, "dunning_formal_notice"), 1
		)
		self.assertEqual(
			self.dunning.income_account, frappe.get_value("Company", self.company, "default_income_account")
		)
		self.assertEqual(payment.deductions[0].account, self.dunning.income_account)

	def test_penalty_invoice_is_a_draft_without_vat_at_the_engine_amounts(self):
		make_default_vat_template(self.company)
		name = make_penalty_invoice(self.dunning.name)
		invoice = frappe.get_doc("Sales Invoice", name)
		self.assertEqual(invoice.docstatus, 0)
		self.assertEqual(invoice.customer, self.customer)
		self.assertEqual(invoice.taxes, [])
		self.assertEqual(dec(invoice.total_taxes_and_charges), Decimal("0.00"))
		penalties = [item for item in invoice.items if item.item_code == "Pénalités de retard"]
		indemnities = [
			item
			for item in invoice.items
			if item.item_code == "Indemnité forfaitaire pour frais de recouvrement"
		]
		self.assertEqual(
			{
				# The description is in the letter's language; it names the invoice whatever the language.
				next(inv.name for inv in self.invoices if inv.name in item.description): dec(item.amount)
				for item in penalties
			},
			{name: result.interest for name, result in self.expected.items()},
		)
		self.assertEqual(len(indemnities), 1)
		self.assertEqual((indemnities[0].qty, dec(indemnities[0].rate)), (3, Decimal("40.00")))
		interest = sum((r.interest for r in self.expected.values()), Decimal(0))
		self.assertEqual(dec(invoice.grand_total), interest + Decimal("120.00"))
		for inv in self.invoices:
			self.assertIn(inv.name, indemnities[0].description)
		self.assertIn("L441-10", penalties[0].description)
		self.assertIn("12.15 %", penalties[0].description)
		self.assertIn("L441-10", penalties[0].description)
		self.assertRegex(invoice.remarks, "VAT|TVA")  # in the letter's language
		for code in ("Pénalités de retard", "Indemnité forfaitaire pour frais de recouvrement"):
			self.assertEqual(frappe.db.get_value("Item", code, "is_stock_item"), 0)

		with self.assertRaisesRegex(frappe.ValidationError, "already invoiced"):
			make_penalty_invoice(self.dunning.name)

	def test_penalty_invoice_is_post_only_and_needs_permission(self):
		self.assertEqual(frappe.allowed_http_methods_for_whitelisted_func[make_penalty_invoice], ["POST"])
		make_role_users()
		frappe.set_user(ROLE_USERS[""])
		try:
			with self.assertRaises(frappe.PermissionError):
				make_penalty_invoice(self.dunning.name)
		finally:
			frappe.set_user("Administrator")

	def test_draft_keeps_french_interest_when_saved_in_the_desk(self):
		notice = create_formal_notice(
			customer=self.customer,
			company=self.company,
			instalments=self.instalments[:1],
			level=LEVEL,
			today=TODAY,
			submit=False,
		)
		draft = frappe.get_doc("Dunning", notice["dunning"])
		self.assertEqual(draft.docstatus, 0)
		# ERPNext's controller alone, after a user set the flat rate to 0 in the desk: it wipes the interest.
		draft.rate_of_interest = 0
		draft.validate()
		self.assertEqual(draft.overdue_payments[0].interest, 0)
		dunning_validate_hook(draft)
		self.assertEqual(
			Decimal(str(draft.rate_of_interest)), current_rate([self.expected[self.invoices[0].name]])
		)
		self.assertEqual(
			dec(draft.overdue_payments[0].interest), self.expected[self.invoices[0].name].interest
		)
		self.assertEqual(dec(draft.dunning_fee), Decimal("40.00"))
		self.assertEqual(dec(draft.total_interest), self.expected[self.invoices[0].name].interest)


class TestFormalNoticeInstalments(FrappeTestCase):
	def test_a_payment_pays_the_earliest_instalment_first(self):
		company = make_company()
		customer = make_letter_customer(name="Menuiserie Durand")
		first_due, second_due = add_days(TODAY, -60), add_days(TODAY, -30)
		invoice = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"company": company,
				"customer": customer,
				"currency": "EUR",
				"set_posting_time": 1,
				"posting_date": add_days(TODAY, -90),
				"due_date": second_due,
				"items": [{"item_code": make_item(), "qty": 1, "rate": 1200}],
				"payment_schedule": [
					{"due_date": first_due, "invoice_portion": 50, "payment_amount": 600},
					{"due_date": second_due, "invoice_portion": 50, "payment_amount": 600},
				],
			}
		).insert(ignore_permissions=True)
		invoice.submit()
		paid_on = add_days(TODAY, -40)
		pay(invoice.name, amount=800, on=paid_on)
		first, second = open_instalments(customer)
		self.assertEqual([first.instalment, first.outstanding], ["1", Decimal(0)])
		self.assertEqual([second.instalment, second.outstanding], ["2", Decimal(400)])
		rates = get_rate_table()
		results = penalties_for_instalments([first, second], today=TODAY, debtor="B2B")
		self.assertEqual(
			results[f"{invoice.name}#1"],
			late_payment_penalty(600, first_due, TODAY, payments=[(paid_on, 600)], rates=rates),
		)
		second_alone = late_payment_penalty(600, second_due, TODAY, payments=[(paid_on, 200)], rates=rates)
		self.assertEqual(results[f"{invoice.name}#2"].interest, second_alone.interest)
		self.assertEqual(results[f"{invoice.name}#2"].indemnity, Decimal("0.00"))
		notice = create_formal_notice(
			customer=customer, company=company, instalments=[first, second], level=LEVEL, today=TODAY
		)
		dunning = frappe.get_doc("Dunning", notice["dunning"])
		self.assertEqual(
			[dec(row.outstanding) for row in dunning.overdue_payments], [Decimal("0.00"), Decimal("400.00")]
		)
		# The first instalment was paid 20 days late and the second is late: with the shipped policy the
		# invoice owes one €40 (per invoice), carried by the first late instalment.
		self.assertEqual(dec(dunning.dunning_fee), Decimal("40.00"))
		text = pdf_text(pdf_of(notice["pdf"]))
		self.assertIn("échéance 1/2", text)
		self.assertIn("échéance 2/2", text)


class TestFormalNoticeB2C(FrappeTestCase):
	"""A consumer: interest at the legal rate from the first formal notice, never the €40 indemnity."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_company_identity(cls.company)
		cls.customer = make_letter_customer(name="Jeanne Dupont", individual=True)
		cls.invoice = make_overdue_invoice(days_overdue=45, amount=900, customer=cls.customer)
		cls.first_day = add_days(TODAY, -15)
		cls.first = create_formal_notice(
			customer=cls.customer,
			company=cls.company,
			instalments=open_instalments(cls.customer, cls.first_day),
			level=LEVEL,
			today=cls.first_day,
		)
		cls.second = create_formal_notice(
			customer=cls.customer,
			company=cls.company,
			instalments=open_instalments(cls.customer),
			level=LEVEL,
			today=TODAY,
		)
		cls.text = pdf_text(pdf_of(cls.first["pdf"]))

	def test_first_notice_claims_no_indemnity_and_no_interest_yet(self):
		dunning = frappe.get_doc("Dunning", self.first["dunning"])
		self.assertEqual(dec(dunning.dunning_fee), Decimal("0.00"))
		self.assertEqual(dec(dunning.total_interest), Decimal("0.00"))
		self.assertEqual(self.first["indemnity"], Decimal("0.00"))
		self.assertEqual(self.first["total_claimed"], Decimal("900.00"))

	def test_interest_runs_from_the_first_notice(self):
		rates = get_rate_table()
		expected = late_payment_penalty(
			900, getdate(self.invoice.due_date), TODAY, debtor="B2C", notice_date=self.first_day, rates=rates
		)
		self.assertGreater(expected.interest, 0)
		self.assertEqual(expected.segments[0].start, add_days(self.first_day, 1))
		dunning = frappe.get_doc("Dunning", self.second["dunning"])
		self.assertEqual(dec(dunning.total_interest), expected.interest)
		self.assertEqual(self.second["interest"], expected.interest)
		self.assertEqual(dec(dunning.dunning_fee), Decimal("0.00"))
		inst = open_instalments(self.customer)[0]
		self.assertEqual(
			penalties_for_instalment(inst, today=TODAY, debtor="B2C", notice_date=self.first_day), expected
		)

	def test_letter_cites_the_civil_code_and_no_indemnity(self):
		for expected in (
			"1231-6",
			"1344-1",
			"mise en demeure",
			"Lettre recommandée avec accusé de réception",
			"injonction de payer",
			self.invoice.name,
			"IBAN FR76",
		):
			self.assertIn(expected, self.text)
		self.assertIn(
			f"à compter du {date_long(self.first_day)}, date de la présente mise en demeure", self.text
		)
		for absent in ("D441-5", "L441-10", "40,00", "Indemnité"):
			self.assertNotIn(absent, self.text)

	def test_second_letter_dates_interest_from_the_first_notice(self):
		letter = formal_notice_context(frappe.get_doc("Dunning", self.second["dunning"]))
		self.assertEqual(letter["notice_date"], self.first_day)
		self.assertEqual(letter["indemnity"], Decimal("0.00"))


class TestFormalNoticeEnglish(FrappeTestCase):
	def test_customer_with_english_dunning_language_gets_the_english_letter(self):
		company = make_company()
		make_company_identity(company)
		customer = make_letter_customer(name="Baker Street Ltd", language="en")
		invoice = make_overdue_invoice(days_overdue=40, amount=1500, customer=customer)
		notice = create_formal_notice(
			customer=customer,
			company=company,
			instalments=open_instalments(customer),
			level=LEVEL,
			today=TODAY,
		)
		self.assertIn("formal_notice", notice["pdf"])
		text = pdf_text(pdf_of(notice["pdf"]))
		for expected in (
			"Registered letter with acknowledgement of receipt",
			"Formal notice to pay (mise en demeure)",
			invoice.name,
			"L441-10",
			"D441-5",
			"injonction de payer",
			"IBAN FR76 3000 6000 0112 3456 7890 189",
			"Done at Lyon",
			"within 8 days of receipt",
		):
			self.assertIn(expected, text)
		with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
			pdf.write(pdf_of(notice["pdf"]))
			pdf.flush()
			PNG_DIR.mkdir(exist_ok=True)
			subprocess.run(["pdftoppm", "-r", "60", "-png", pdf.name, str(PNG_DIR / "en")], check=True)


def make_default_vat_template(company: str) -> str:
	"""A default 20 % output VAT template, which a penalty invoice must ignore."""
	abbr = frappe.get_cached_value("Company", company, "abbr")
	account = f"TVA collectée - {abbr}"
	if not frappe.db.exists("Account", account):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": "TVA collectée",
				"parent_account": f"Duties and Taxes - {abbr}",
				"company": company,
				"account_type": "Tax",
				"tax_rate": 20,
			}
		).insert(ignore_permissions=True)
	name = frappe.db.get_value("Sales Taxes and Charges Template", {"company": company, "is_default": 1})
	if name:
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "Sales Taxes and Charges Template",
				"title": "TVA 20 %",
				"company": company,
				"is_default": 1,
				"taxes": [
					{
						"charge_type": "On Net Total",
						"account_head": account,
						"rate": 20,
						"description": "TVA 20 %",
					}
				],
			}
		)
		.insert(ignore_permissions=True)
		.name
	)
