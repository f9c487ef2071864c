"""The first hour of a French accounts manager (issue 18): the setup checklist says what is missing and where to
fix it, the run refuses to start without a sender, the policy editor sorts levels and explains template
mistakes, the customer summary keeps currencies apart, and contact-log rows carry their company."""

from __future__ import annotations

from datetime import date

import frappe
from frappe.tests.utils import FrappeTestCase

from relance_app.api import contacts as contacts_api
from relance_app.api import customer as customer_api
from relance_app.common.rate_store import KIND_LABELS
from relance_app.common.readiness import NotReadyToRunError, assert_ready_to_run, readiness
from relance_app.common.validation import DunningConfigurationError, TemplateRenderError
from relance_app.engine.rates import LEGAL_RATE_CONSUMER_CREDITOR, LEGAL_RATE_OTHER
from relance_app.setup.checklist import setup_checklist
from relance_app.tests.factories import (
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
)
from relance_app.tests.test_formal_notice import bank_ledger_account

BARE = "Relance Premiere Heure SAS"
DAY = date(2026, 11, 23)
IBAN = "FR7630006000011234567890189"


def make_bare_company() -> str:
	"""A company as ERPNext creates it: no address, no legal mentions, no bank account."""
	if not frappe.db.exists("Company", BARE):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": BARE,
				"abbr": "RPH",
				"default_currency": "EUR",
				"country": "France",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return BARE


def without_outgoing_accounts() -> None:
	frappe.db.set_value(
		"Email Account", {"enable_outgoing": 1}, {"default_outgoing": 0, "enable_outgoing": 0}
	)
	frappe.db.set_single_value("Dunning Settings", "sender", None)


def missing(items) -> set[str]:
	return {item["key"] if isinstance(item, dict) else item.key for item in items if not _ok(item)}


def _ok(item) -> bool:
	return item["ok"] if isinstance(item, dict) else item.ok


class TestSetupChecklist(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()
		frappe.local.cache.pop("relance_company_details", None)

	def test_checklist_names_what_a_bare_company_lacks_and_is_empty_once_fixed(self):
		company = make_bare_company()
		without_outgoing_accounts()
		items = setup_checklist(company)
		self.assertTrue({"sender", "company_address", "legal_mentions", "iban"} <= missing(items), items)
		by_key = {item["key"]: item for item in items}
		self.assertIn("Email Account", by_key["sender"]["detail"])
		self.assertIn(BARE, by_key["iban"]["detail"])
		self.assertEqual(
			by_key["legal_mentions"]["fix_route"].rsplit("/", 1)[-1], frappe.utils.quote(company)
		)

		make_email_account()
		frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": f"{BARE} siège",
				"address_type": "Billing",
				"address_line1": "3 place Bellecour",
				"city": "Lyon",
				"pincode": "69002",
				"country": "France",
				"is_your_company_address": 1,
				"is_primary_address": 1,
				"links": [{"link_doctype": "Company", "link_name": company}],
			}
		).insert(ignore_permissions=True)
		if not frappe.db.exists("Bank", "Banque Premiere Heure"):
			frappe.get_doc({"doctype": "Bank", "bank_name": "Banque Premiere Heure"}).insert(
				ignore_permissions=True
			)
		frappe.get_doc(
			{
				"doctype": "Bank Account",
				"account_name": "Compte courant PH",
				"bank": "Banque Premiere Heure",
				"company": company,
				"is_company_account": 1,
				"is_default": 1,
				"iban": IBAN,
				"account": bank_ledger_account(company),
			}
		).insert(ignore_permissions=True)
		frappe.db.set_value(
			"Company",
			company,
			{
				"dunning_siren": "732829320",
				"dunning_rcs_city": "Lyon",
				"dunning_legal_form": "SAS",
				"dunning_share_capital": 10000,
			},
		)
		frappe.db.set_single_value("SMS Settings", "sms_gateway_url", "https://sms.example/send")
		for kind in (LEGAL_RATE_OTHER, LEGAL_RATE_CONSUMER_CREDITOR):
			if not frappe.db.exists(
				"Late Payment Rate", {"rate_type": KIND_LABELS[kind], "valid_from": "2026-07-01"}
			):
				frappe.get_doc(
					{
						"doctype": "Late Payment Rate",
						"rate_type": KIND_LABELS[kind],
						"valid_from": "2026-07-01",
						"rate_percent": 3.0,
						"source": "test",
					}
				).insert(ignore_permissions=True)

		self.assertEqual(missing(readiness(company, on=DAY)), set())

	def test_run_refuses_to_start_without_an_outgoing_account_when_a_level_emails(self):
		company = make_company()
		make_policy()  # email levels, enabled
		without_outgoing_accounts()
		with self.assertRaises(NotReadyToRunError) as caught:
			assert_ready_to_run(company)
		self.assertIn("Default Outgoing", str(caught.exception))
		self.assertIn("Dunning Settings", str(caught.exception))

		make_email_account()
		assert_ready_to_run(company)


class TestPolicyEditor(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_letter_level_without_template_is_refused_naming_the_level(self):
		levels = [
			{"title": "Courrier simple", "offset_days": 20, "channel": "Letter", "email_template": None}
		]
		with self.assertRaisesRegex(DunningConfigurationError, r"Row 1 \(Courrier simple\): a letter level"):
			make_policy(levels=levels)

	def test_levels_entered_out_of_order_are_saved_sorted_by_offset(self):
		levels = [
			{
				"title": "Mise en demeure",
				"offset_days": 30,
				"channel": "Registered Letter",
				"email_template": "Relance J+30 - Mise en demeure",
				"formal_notice": 1,
			},
			{
				"title": "Relance",
				"offset_days": 5,
				"channel": "Email",
				"email_template": "Relance J+5 - Facture échue",
			},
			{
				"title": "Rappel",
				"offset_days": -5,
				"channel": "Email",
				"email_template": "Relance J-5 - Rappel amical",
			},
		]
		name = make_policy(levels=levels)
		saved = frappe.get_all(
			"Dunning Level", filters={"parent": name}, fields=["title", "offset_days"], order_by="idx asc"
		)
		self.assertEqual([row.offset_days for row in saved], [-5, 5, 30])
		self.assertEqual(saved[-1].title, "Mise en demeure")

	def test_template_typo_is_explained_with_the_closest_variable(self):
		levels = [
			{
				"title": "SMS",
				"offset_days": 15,
				"channel": "SMS",
				"sms_text": "Bonjour {{ customer.custmer_name }}, merci de régler {{ total }}.",
			}
		]
		with self.assertRaisesRegex(
			TemplateRenderError,
			r"Unknown variable customer\.custmer_name: did you mean customer\.customer_name\?",
		):
			make_policy(levels=levels)


class TestCustomerAndLog(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_customer_summary_gives_one_total_per_currency(self):
		customer = make_dunning_customer()
		make_overdue_invoice(days_overdue=20, amount=1000, customer=customer, today=DAY)
		make_overdue_invoice(days_overdue=10, amount=500, customer=customer, today=DAY)
		summary = customer_api.get_customer_summary(customer)
		self.assertEqual(summary["overdue_by_currency"], [{"currency": "EUR", "amount": 1500.0}])
		self.assertEqual(summary["currency"], "EUR")
		self.assertEqual(summary["total_overdue"], 1500.0)

	def test_contact_log_row_made_through_the_api_has_its_company(self):
		make_email_account()
		invoice = make_overdue_invoice(days_overdue=12, customer=make_dunning_customer(), today=DAY)
		result = contacts_api.set_dispute(invoice.name, True, "Livraison incomplète")
		[name] = result["entries"]
		self.assertEqual(frappe.db.get_value("Dunning Contact Log", name, "company"), invoice.company)


class TestWorkspaceAndRunReport(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_overdue_card_gives_the_amount_in_the_invoices_currency(self):
		from relance_app.desk.dashboard import total_overdue

		frappe.db.set_default("currency", "USD")
		customer = make_dunning_customer()
		make_overdue_invoice(days_overdue=20, amount=1000, customer=customer, today=DAY)
		text = total_overdue(frappe.as_json({"company": make_company()}))
		self.assertIn("€", text)
		self.assertNotIn("$", text)

	def test_the_workspace_setup_block_exists_and_is_made_once(self):
		from relance_app.setup.checklist import SETUP_BLOCK, ensure_setup_block

		ensure_setup_block()
		ensure_setup_block()
		self.assertEqual(frappe.db.count("Custom HTML Block", {"name": SETUP_BLOCK}), 1)
		workspace = frappe.get_doc("Workspace", "Relances")
		self.assertIn(SETUP_BLOCK, [row.custom_block_name for row in workspace.custom_blocks])
		self.assertIn("Relance Overdue Amount", [row.number_card_name for row in workspace.number_cards])

	def test_a_run_on_a_saturday_says_why_it_did_nothing(self):
		from relance_app.desk.run_summary import describe_run
		from relance_app.dunning.report import RunReport

		company = make_bare_company()  # only the shipped policy, business days only
		frappe.db.set_single_value("Dunning Settings", "enabled", 1)
		saturday = date(2026, 11, 28)
		lines = describe_run(RunReport(day=saturday, dry_run=False), company)
		self.assertIn("is not a business day", lines[-1])
		self.assertTrue(lines[-1].startswith(frappe.format(saturday, {"fieldtype": "Date"})))

	def test_a_failed_step_is_reported_with_its_reason_in_words(self):
		from relance_app.desk.run_summary import describe_run
		from relance_app.dunning.report import RunReport

		report = RunReport(day=DAY, dry_run=False, actions=2, sent=1, failed=1)
		report.by_channel["email"] = 1
		report.errors.append("Client A: Please setup default Email Account")
		text = "\n".join(describe_run(report))
		self.assertIn("1 step(s) failed:", text)
		self.assertIn("Client A: Please setup default Email Account", text)


class TestChecklistLinks(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()

	def test_fix_links_are_used_as_the_server_encoded_them(self):
		"""The "Fix" link of a company named with spaces or accents opened "Page not found": the route, already
		percent-encoded by the server, was encoded a second time by the page (encodeURI)."""
		from pathlib import Path
		from urllib.parse import unquote

		from relance_app.setup.checklist import SETUP_BLOCK_SCRIPT

		company = make_bare_company()
		routes = {item["key"]: item["fix_route"] for item in setup_checklist(company)}
		self.assertEqual(unquote(routes["legal_mentions"]).rsplit("/", 1)[-1], company)
		self.assertIn("%20", routes["legal_mentions"])
		settings_js = Path(
			frappe.get_app_path(
				"relance_app", "relance_app", "doctype", "dunning_settings", "dunning_settings.js"
			)
		).read_text()
		for script in (SETUP_BLOCK_SCRIPT, settings_js):
			self.assertIn("fix_route", script)
			self.assertNotIn("encodeURI(", script)


class TestSetupBlockAccess(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()

	def test_the_workspace_block_asks_only_when_the_user_may_read_the_checklist(self):
		"""An accountant (Accounts User) opening the workspace got "Not permitted" for Dunning Settings: the
		block asked for a checklist they may not read. It now asks only those who may."""
		from relance_app.setup.checklist import SETUP_BLOCK_SCRIPT, get_setup_checklist
		from relance_app.tests.factories import make_role_users

		accountant = make_role_users()["Accounts User"]
		frappe.set_user(accountant)
		self.assertFalse(frappe.has_permission("Dunning Settings", "read"))
		with self.assertRaises(frappe.PermissionError):
			get_setup_checklist()
		guard = SETUP_BLOCK_SCRIPT.index('frappe.model.can_read("Dunning Settings")')
		self.assertLess(guard, SETUP_BLOCK_SCRIPT.index("get_setup_checklist"))


class TestChecklistDates(FrappeTestCase):
	def tearDown(self):
		frappe.db.rollback()
		frappe.local.user_date_format = None

	def test_the_rates_item_gives_the_half_year_in_the_users_date_format(self):
		"""The French checklist said "Manquant ... au 2026-07-01": a date in the user's format, as elsewhere."""
		from relance_app.common.readiness import check_rates

		frappe.local.user_date_format = "dd-mm-yyyy"
		for kind in (LEGAL_RATE_OTHER, LEGAL_RATE_CONSUMER_CREDITOR):
			frappe.db.delete(
				"Late Payment Rate", {"rate_type": KIND_LABELS[kind], "valid_from": "2026-07-01"}
			)
		item = check_rates(DAY)
		self.assertFalse(item.ok)
		self.assertIn("01-07-2026", item.detail)
		self.assertNotIn("2026-07-01", item.detail)


class TestReportScripts(FrappeTestCase):
	def test_every_report_script_loads_with_its_shared_filters(self):
		"""The browser said "Chemin d'inclusion non valide" on the Dunning Worklist: the included filters file
		mentioned the include directive in a comment, which Frappe tried to expand again."""
		from frappe.desk.query_report import get_script

		reports = frappe.get_all(
			"Report", filters={"module": "Relance App", "report_type": "Script Report"}, pluck="name"
		)
		self.assertIn("Dunning Worklist", reports)
		for report in reports:
			script = get_script(report)["script"]
			self.assertNotIn("{% include", script, report)
			if "report_filters" in script:
				self.assertIn('frappe.provide("relance.report_filters")', script, report)


# -- data of the browser test e2e/test_first_hour.py (run through `bench execute`, which commits) -----------

E2E_COMPANY = "Première Heure SARL"
E2E_CUSTOMER = "Boulangerie Petit"
E2E_SENDER = "relances@premiere-heure.example"


def first_hour_for_e2e(days_overdue: int = 8, amount: float = 1730.5) -> dict:
	"""A company as a French accounts manager finds it in their first hour: made by ERPNext (so with the shipped
	"Relance standard" policy), one customer with one overdue invoice, and nothing else: no address, no legal
	mentions, no bank account, no account to send from.

	The browser test shares its site with other tests: the other companies' policies and the outgoing email
	accounts are switched off here, and given back by `first_hour_teardown_for_e2e`."""
	from relance_app.tests.factories import ensure_fiscal_year, make_customer, make_item

	if not frappe.db.exists("Company", E2E_COMPANY):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": E2E_COMPANY,
				"abbr": "PHS",
				"default_currency": "EUR",
				"country": "France",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	# What the test fixes through the desk, undone when a site is reused (CI makes a new site each run).
	frappe.db.set_value(
		"Company",
		E2E_COMPANY,
		{
			"dunning_siren": None,
			"dunning_rcs_city": None,
			"dunning_legal_form": None,
			"dunning_share_capital": 0,
		},
	)
	for name in frappe.get_all("Bank Account", filters={"company": E2E_COMPANY}, pluck="name"):
		frappe.delete_doc("Bank Account", name, force=True)
	for name in frappe.get_all(
		"Dynamic Link",
		filters={"link_doctype": "Company", "link_name": E2E_COMPANY, "parenttype": "Address"},
		pluck="parent",
	):
		frappe.delete_doc("Address", name, force=True)
	policy = frappe.db.get_value("Dunning Policy", {"company": E2E_COMPANY, "enabled": 1})
	# Any day of the week: the shipped policy waits for a business day, and CI runs on Sundays too.
	frappe.db.set_value("Dunning Policy", policy, "business_days_only", 0)
	others = frappe.get_all(
		"Dunning Policy", filters={"enabled": 1, "company": ("!=", E2E_COMPANY)}, pluck="name"
	)
	for name in others:
		frappe.db.set_value("Dunning Policy", name, "enabled", 0)
	accounts = frappe.get_all(
		"Email Account",
		filters={"enable_outgoing": 1},
		fields=["name", "enable_outgoing", "default_outgoing"],
	)
	for row in accounts:
		frappe.db.set_value("Email Account", row.name, {"enable_outgoing": 0, "default_outgoing": 0})
	if frappe.db.exists("Email Account", {"email_id": E2E_SENDER}):
		frappe.delete_doc("Email Account", frappe.db.get_value("Email Account", {"email_id": E2E_SENDER}))
	settings = frappe.get_single("Dunning Settings")
	previous_settings = {"sender": settings.sender, "enabled": settings.enabled, "dry_run": settings.dry_run}
	frappe.db.set_single_value("Dunning Settings", {"sender": None, "enabled": 1, "dry_run": 0})
	if not frappe.db.exists("Bank", "Banque Première Heure"):
		frappe.get_doc({"doctype": "Bank", "bank_name": "Banque Première Heure"}).insert(
			ignore_permissions=True
		)

	# A customer never dunned yet (a reused site keeps the earlier runs' customers, already reminded today).
	customer, number = E2E_CUSTOMER, 1
	while frappe.db.exists("Customer", customer):
		number += 1
		customer = f"{E2E_CUSTOMER} {number}"
	customer = make_customer(name=customer, email="compta@boulangerie-petit.example")
	today = frappe.utils.getdate()
	due = frappe.utils.add_days(today, -days_overdue)
	posting = frappe.utils.add_days(due, -30)
	ensure_fiscal_year(posting)
	ensure_fiscal_year(due)
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": E2E_COMPANY,
			"customer": customer,
			"currency": "EUR",
			"set_posting_time": 1,
			"posting_date": posting,
			"due_date": due,
			"items": [{"item_code": make_item(), "qty": 1, "rate": amount}],
		}
	)
	invoice.insert(ignore_permissions=True)
	invoice.submit()
	return {
		"started": str(frappe.utils.now_datetime()),
		"company": E2E_COMPANY,
		"customer": customer,
		"invoice": invoice.name,
		"policy": policy,
		"bank_ledger_account": bank_ledger_account(E2E_COMPANY),
		"others": others,
		"accounts": accounts,
		"settings": previous_settings,
	}


def first_hour_teardown_for_e2e(state: dict) -> None:
	"""Give the site back as the other browser tests expect it: their policies, accounts and settings."""
	for name in state["others"]:
		frappe.db.set_value("Dunning Policy", name, "enabled", 1)
	frappe.db.set_value(
		"Email Account", {"email_id": E2E_SENDER}, {"enable_outgoing": 0, "default_outgoing": 0}
	)
	for row in state["accounts"]:
		frappe.db.set_value(
			"Email Account",
			row["name"],
			{"enable_outgoing": row["enable_outgoing"], "default_outgoing": row["default_outgoing"]},
		)
	frappe.db.set_single_value("Dunning Settings", state["settings"])
