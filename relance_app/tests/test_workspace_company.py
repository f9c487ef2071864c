"""Currency and company on the workspace (issue 18): the cards and the chart take the chosen company, all of
them when none is chosen, each amount in its invoices' currency; every contact-log row carries a company."""

from __future__ import annotations

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from relance_app.desk import dashboard
from relance_app.desk.workspace import COMPANY_BLOCK, company_choices, ensure_company_block
from relance_app.dunning.register import seal_pending, verify_chain
from relance_app.patches.v0_10 import contact_log_company
from relance_app.tests.factories import (
	COMPANY,
	ensure_fiscal_year,
	make_company,
	make_customer,
	make_item,
	make_overdue_invoice,
)

OTHER = "Relance Test Inc"


def make_other_company() -> str:
	"""A second company, in US dollars."""
	if not frappe.db.exists("Company", OTHER):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": OTHER,
				"abbr": "RTINC",
				"default_currency": "USD",
				"country": "United States",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return OTHER


def usd_invoice(days_overdue: int, amount: float) -> str:
	invoice = make_overdue_invoice(days_overdue=days_overdue, amount=amount, submit=False)
	ensure_fiscal_year(invoice.posting_date)
	doc = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": OTHER,
			"customer": make_customer(),
			"currency": "USD",
			"set_posting_time": 1,
			"posting_date": invoice.posting_date,
			"due_date": invoice.due_date,
			"items": [{"item_code": make_item(), "qty": 1, "rate": amount}],
		}
	)
	doc.insert(ignore_permissions=True)
	doc.submit()
	invoice.delete()
	return doc.name


class TestWorkspaceCompany(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_other_company()
		cls.eur = make_overdue_invoice(days_overdue=40, amount=1730.5).name
		cls.usd = usd_invoice(days_overdue=45, amount=987.65)

	def test_the_overdue_card_of_a_company_shows_only_its_currency(self):
		eur = dashboard.total_overdue(json.dumps({"company": COMPANY}))
		usd = dashboard.total_overdue(json.dumps({"company": OTHER}))
		self.assertIn("€", eur)
		self.assertNotIn("$", eur)
		self.assertIn("$", usd)
		self.assertNotIn("€", usd)
		# No company chosen: every company, each currency on its own.
		both = dashboard.total_overdue(json.dumps({"company": ""}))
		self.assertIn("€", both)
		self.assertIn("$", both)

	def test_the_chart_has_one_series_per_currency_over_all_companies_when_none_is_chosen(self):
		chart = dashboard.get_overdue_by_age_chart(filters=json.dumps({"company": OTHER}))
		[series] = chart["datasets"]
		self.assertEqual(series["name"], "USD")
		self.assertEqual(series["values"][2], 987.65)  # 31-90 days
		everything = dashboard.get_overdue_by_age_chart(filters=json.dumps({"company": ""}))
		names = [series["name"] for series in everything["datasets"]]
		self.assertIn("EUR", names)
		self.assertIn("USD", names)

	def test_count_cards_take_the_company(self):
		frappe.db.set_value(
			"Sales Invoice", self.usd, "dunning_status", "Formal Notice", update_modified=False
		)
		self.assertEqual(dashboard.in_formal_notice(json.dumps({"company": OTHER}))["value"], 1)
		all_companies = dashboard.in_formal_notice(json.dumps({}))["value"]
		self.assertGreaterEqual(all_companies, 1)
		with self.assertRaises(frappe.ValidationError):
			dashboard.in_formal_notice(json.dumps({"company": "No Such Company"}))

	def test_the_company_block_lists_the_companies(self):
		ensure_company_block()
		ensure_company_block()
		self.assertTrue(frappe.db.exists("Custom HTML Block", COMPANY_BLOCK))
		choices = company_choices()
		self.assertIn(COMPANY, choices["companies"])
		self.assertIn(OTHER, choices["companies"])


class TestContactLogCompany(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()

	def test_an_entry_without_invoice_gets_the_company_of_its_customer(self):
		invoice = make_overdue_invoice(days_overdue=10)
		note = frappe.get_doc(
			{
				"doctype": "Dunning Contact Log",
				"customer": invoice.customer,
				"entry_type": "Note",
				"direction": "Inbound",
				"status": "Open",
				"contact_date": "2026-11-18 10:00:00",
				"notes": "Procédure collective ouverte",
			}
		).insert(ignore_permissions=True)
		self.assertEqual(note.company, COMPANY)

	def test_the_patch_fills_unsealed_rows_and_leaves_sealed_ones_in_their_chain(self):
		invoice = make_overdue_invoice(days_overdue=10)
		entry = frappe.get_doc(
			{
				"doctype": "Dunning Contact Log",
				"sales_invoice": invoice.name,
				"entry_type": "Note",
				"direction": "Outbound",
				"status": "Open",
				"contact_date": "2026-11-18 10:00:00",
			}
		).insert(ignore_permissions=True)
		# As written by early versions: no company.
		frappe.db.set_value("Dunning Contact Log", entry.name, "company", None, update_modified=False)
		seal_pending()
		frappe.db.commit()
		contact_log_company.execute()
		self.assertEqual(frappe.db.get_value("Dunning Contact Log", entry.name, "company"), COMPANY)
		self.assertTrue(verify_chain(None).ok)
