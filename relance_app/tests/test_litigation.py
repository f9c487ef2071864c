"""The injonction de payer on a real site: after a mise en demeure sent with the shipped policy and its deadline
passed, a customer taken to litigation gets a dossier (request, numbered bordereau, invoices, contact-log
extract, the notice) whose amounts are the engine's; the refusals name what to fix."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import frappe
from frappe.tests.utils import FrappeTestCase

from relance_app.api import formal_notice as formal_notice_api
from relance_app.api import litigation as litigation_api
from relance_app.dunning.mirrors import update_mirrors
from relance_app.dunning.register import seal_company
from relance_app.engine.law import B2B, B2C
from relance_app.engine.render import relance_money as money
from relance_app.litigation.dossier import build_dossier
from relance_app.penalties.compute import penalties_for_instalments
from relance_app.tests.factories import ROLE_USERS, make_company, make_overdue_invoice, make_role_users
from relance_app.tests.test_formal_notice import (
	make_company_identity,
	make_letter_customer,
	open_instalments,
	pdf_of,
	pdf_text,
)

test_ignore = ["Company", "Email Template", "User"]

NOTICE_DAY = date(2026, 11, 3)  # a Tuesday: received Thursday 5, deadline Friday 13 (8 days, shipped policy)
DEADLINE = date(2026, 11, 13)
AFTER = date(2026, 11, 20)
DUE = date(2026, 9, 30)
TRACKING = "1A 234 567 8901 2"
PDF_DIR = Path(tempfile.gettempdir()) / "relance_litigation"


class TestLitigation(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_company_identity(cls.company)
		make_role_users()

	def setUp(self):
		frappe.local.cache.pop("relance_company_details", None)

	def tearDown(self):
		frappe.set_user("Administrator")

	def customer_with_invoices(self, amounts, *, individual=False):
		"""A customer with an address in Paris and one invoice per amount, oldest first, all overdue."""
		customer = make_letter_customer(name="Client Litige", individual=individual)
		invoices = [
			make_overdue_invoice(
				days_overdue=(NOTICE_DAY - DUE).days + len(amounts) - 1 - i,
				amount=amount,
				customer=customer,
				today=NOTICE_DAY,
			).name
			for i, amount in enumerate(amounts)
		]
		return customer, invoices

	def notice(self, invoice, tracking=None):
		with self.freeze_time(datetime.combine(NOTICE_DAY, time(9, 0))):
			dunning = formal_notice_api.send_formal_notice(invoice)["dunning"]
		if tracking:
			frappe.db.set_value("Dunning Contact Log", {"dunning": dunning}, "tracking_number", tracking)
		return dunning

	def start(self, customer, day=AFTER):
		with self.freeze_time(datetime.combine(day, time(10, 0))):
			return litigation_api.start_litigation(customer, self.company)

	def test_professional_gets_a_commercial_court_dossier_with_the_engine_amounts(self):
		customer, invoices = self.customer_with_invoices([1200, 800])
		dunning = self.notice(invoices[0], tracking=TRACKING)
		seal_company(self.company)
		dossier = build_dossier(customer, self.company, AFTER)
		claim = dossier["claim"]

		# The court of the debtor's registered office (Paris), the form between professionals.
		self.assertEqual(
			(claim["court"], claim["court_city"], claim["cerfa"]), ("Tribunal de commerce", "Paris", "12946")
		)
		request = dossier["request_html"]
		self.assertIn("Tribunal de commerce compétent pour Paris", request)
		self.assertIn("Cerfa n° 12946", request)
		self.assertIn("RCS de Lyon", request)

		# Per invoice: the outstanding principal, the engine's interest and one €40 each.
		engine = penalties_for_instalments(open_instalments(customer, AFTER), today=AFTER, debtor=B2B)
		# Oldest invoice first.
		self.assertEqual([row["invoice"] for row in claim["rows"]], invoices)
		for row in claim["rows"]:
			result = engine[row["invoice"]]
			self.assertEqual(row["interest"], result.interest)
			self.assertGreater(row["interest"], 0)
			self.assertEqual(row["indemnity"], result.indemnity)
			self.assertEqual(str(row["indemnity"]), "40.00")
			self.assertIn(money(row["interest"], "EUR"), request)
		self.assertEqual([row["principal"] for row in claim["rows"]], [1200, 800])
		self.assertEqual(claim["total"], 2000 + claim["interest"] + 80)
		self.assertIn(money(claim["total"], "EUR"), request)

		# The bordereau: the invoices, the contact-log extract, then the notice with its tracking number.
		titles = [piece["title"] for piece in dossier["pieces"]]
		self.assertEqual([piece["number"] for piece in dossier["pieces"]], [1, 2, 3, 4])
		self.assertTrue(titles[0].startswith(f"Facture n° {invoices[0]}"))
		self.assertTrue(titles[1].startswith(f"Facture n° {invoices[1]}"))
		self.assertTrue(titles[2].startswith("Historique des relances"))
		self.assertTrue(titles[3].startswith(f"Mise en demeure {dunning} du 03/11/2026"))
		bordereau = dossier["bordereau_html"]
		positions = [bordereau.index(frappe.utils.escape_html(title)) for title in titles]
		self.assertEqual(positions, sorted(positions))
		self.assertIn(TRACKING, bordereau)
		# The extract: the formal notice row of each invoice, by registered letter, with its sealed hash.
		notice_rows = [e for e in dossier["entries"] if e["channel"] == "Lettre recommandée avec AR"]
		self.assertEqual(sorted(e["invoice"] for e in notice_rows), sorted(invoices))
		hashes = frappe.get_all("Dunning Contact Log", filters={"dunning": dunning}, pluck="evidence_hash")
		self.assertTrue(all(hashes))
		self.assertEqual(sorted(e["evidence_hash"] for e in notice_rows), sorted(hashes))

		# Starting the stage: status, task, contact log, and the PDF attached to the customer.
		started = self.start(customer)
		self.assertEqual(sorted(started["invoices"]), sorted(invoices))
		for invoice in invoices:
			self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "dunning_status"), "Litigation")
		update_mirrors(AFTER, customers=[customer])
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoices[0], "dunning_status"), "Litigation")
		logs = frappe.get_all(
			"Dunning Contact Log",
			filters={"customer": customer, "entry_type": "Litigation"},
			pluck="sales_invoice",
		)
		self.assertEqual(sorted(logs), sorted(invoices))
		self.assertEqual(frappe.db.get_value("ToDo", started["todo"], "reference_name"), customer)
		for url in (started["pdf"], started["zip"]):
			self.assertTrue(
				frappe.db.exists(
					"File", {"file_url": url, "attached_to_doctype": "Customer", "attached_to_name": customer}
				)
			)
		content = pdf_of(started["pdf"])
		# Kept for a look by eye (pdftoppm), as the letters' tests do.
		PDF_DIR.mkdir(exist_ok=True)
		(PDF_DIR / "dossier-professional.pdf").write_bytes(content)
		text = pdf_text(content)
		for invoice in invoices:
			self.assertIn(invoice, text)
		self.assertIn("REQUÊTE EN INJONCTION DE PAYER", text)
		self.assertIn("BORDEREAU DE PIÈCES", text)
		self.assertIn("HISTORIQUE DES RELANCES", text)
		with zipfile.ZipFile(io.BytesIO(pdf_of(started["zip"]))) as archive:
			names = archive.namelist()
		self.assertEqual(names[:2], ["00-requete-injonction-de-payer.pdf", "00-bordereau-de-pieces.pdf"])
		self.assertEqual(
			names[2:],
			[
				f"01-facture-{invoices[0]}.pdf",
				f"02-facture-{invoices[1]}.pdf",
				"03-historique-relances.pdf",
				f"04-mise-en-demeure-{dunning}.pdf",
			],
		)

		# The handover: the same files, the claim as JSON and CSV, and a contact-log entry.
		with self.freeze_time(datetime.combine(AFTER, time(11, 0))):
			handed = litigation_api.hand_over(customer, self.company, "Maître Dupont, commissaire de justice")
		with zipfile.ZipFile(io.BytesIO(pdf_of(handed["zip"]))) as archive:
			self.assertIn("creance.csv", archive.namelist())
			summary = json.loads(archive.read("creance.json"))
		self.assertEqual(summary["total"], str(claim["total"]))
		self.assertEqual(
			[i["interest"] for i in summary["invoices"]], [str(r["interest"]) for r in claim["rows"]]
		)
		self.assertEqual(summary["formal_notices"][0]["tracking_number"], TRACKING)
		self.assertEqual(
			frappe.db.count("Dunning Contact Log", {"customer": customer, "entry_type": "Handover"}), 2
		)

	def test_starting_again_claims_interest_to_the_new_day_and_logs_the_stage_once(self):
		customer, [invoice] = self.customer_with_invoices([300])
		self.notice(invoice)
		first = self.start(customer)
		later = self.start(customer, date(2026, 11, 27))
		# Interest runs until payment: a week on, the same invoice claims a week more.
		self.assertGreater(later["total"], first["total"])
		self.assertEqual(
			frappe.db.count("Dunning Contact Log", {"sales_invoice": invoice, "entry_type": "Litigation"}), 1
		)

	def test_consumer_goes_to_the_judicial_court_with_legal_interest_from_the_notice(self):
		customer, [invoice] = self.customer_with_invoices([500], individual=True)
		self.notice(invoice)
		# Markup in a name the customer gave is printed as text on the court documents, never as HTML.
		frappe.db.set_value("Customer", customer, "customer_name", "<b>Evil</b> Martin")
		dossier = build_dossier(customer, self.company, AFTER)
		for html in (dossier["request_html"], dossier["bordereau_html"]):
			self.assertIn("&lt;b&gt;Evil&lt;/b&gt; Martin", html)
			self.assertNotIn("<b>Evil", html)
		claim = dossier["claim"]
		self.assertEqual((claim["court"], claim["cerfa"]), ("Tribunal judiciaire", "12948"))
		self.assertIn("Tribunal judiciaire compétent pour Paris", dossier["request_html"])
		self.assertIn("Cerfa n° 12948", dossier["request_html"])
		engine = penalties_for_instalments(
			open_instalments(customer, AFTER), today=AFTER, debtor=B2C, notice_date=NOTICE_DAY
		)
		[row] = claim["rows"]
		self.assertEqual(row["interest"], engine[invoice].interest)
		self.assertGreater(row["interest"], 0)
		self.assertEqual(row["indemnity"], 0)
		self.assertEqual(row["segments"][0]["start"], date(2026, 11, 4))
		self.assertNotIn("Indemnité forfaitaire", dossier["request_html"])

	def assert_refused(self, customer, message, day=AFTER):
		count = frappe.db.count("Dunning Contact Log", {"customer": customer})
		with self.assertRaisesRegex(frappe.ValidationError, message):
			self.start(customer, day)
		self.assertEqual(frappe.db.count("Dunning Contact Log", {"customer": customer}), count)

	def test_refused_without_a_formal_notice(self):
		customer, _invoices = self.customer_with_invoices([300])
		self.assert_refused(customer, "No formal notice was sent")

	def test_refused_before_the_notice_deadline(self):
		customer, [invoice] = self.customer_with_invoices([300])
		dunning = self.notice(invoice)
		deadline = frappe.format(DEADLINE, {"fieldtype": "Date"})
		self.assert_refused(customer, f"formal notice {dunning} runs until {deadline}", day=DEADLINE)

	def test_refused_for_a_disputed_invoice(self):
		customer, [invoice] = self.customer_with_invoices([300])
		self.notice(invoice)
		frappe.get_doc(
			{
				"doctype": "Dunning Contact Log",
				"customer": customer,
				"sales_invoice": invoice,
				"entry_type": "Dispute",
				"direction": "Inbound",
				"status": "Open",
				"contact_date": datetime.combine(date(2026, 11, 10), time(9, 0)),
			}
		).insert(ignore_permissions=True)
		self.assert_refused(customer, f"Sales Invoice {invoice} is disputed")

	def test_refused_for_a_customer_in_collective_proceedings(self):
		customer, [invoice] = self.customer_with_invoices([300])
		self.notice(invoice)
		frappe.db.set_value(
			"Customer",
			customer,
			{
				"dunning_proceedings_kind": "Judicial Reorganisation",
				"dunning_judgment_date": date(2026, 11, 16),
			},
		)
		self.assert_refused(customer, "is in collective proceedings since")

	def test_refused_without_the_company_identifiers(self):
		customer, [invoice] = self.customer_with_invoices([300])
		self.notice(invoice)
		frappe.db.set_value("Company", self.company, {"dunning_rcs_city": "", "dunning_legal_form": ""})
		frappe.local.cache.pop("relance_company_details", None)
		try:
			self.assert_refused(customer, "RCS city, legal form missing on Company")
		finally:
			make_company_identity(self.company)

	def test_refused_to_users_without_invoice_roles_writing_nothing(self):
		customer, [invoice] = self.customer_with_invoices([300])
		self.notice(invoice)
		for user in (ROLE_USERS[""], ROLE_USERS["Sales User"]):
			frappe.set_user(user)
			with self.assertRaises(frappe.PermissionError):
				self.start(customer)
			with self.assertRaises(frappe.PermissionError):
				litigation_api.hand_over(customer, self.company, "Maître Dupont")
			frappe.set_user("Administrator")
		self.assertFalse(
			frappe.db.exists("Dunning Contact Log", {"customer": customer, "entry_type": "Litigation"})
		)
		self.assertFalse(
			frappe.db.exists("File", {"attached_to_doctype": "Customer", "attached_to_name": customer})
		)
