"""Keyword-only factories for the bench tier: real ERPNext documents, French company, back-dated invoices."""

from __future__ import annotations

from datetime import date, timedelta

import frappe
from frappe.utils import add_days, getdate, nowdate

COMPANY = "Relance Test SAS"
ABBR = "RTS"
ITEM = "RELANCE-SERVICE"
PASSWORD = "Relance-Test-2026!"

ROLE_USERS = {
	"Accounts Manager": "relance.manager@example.com",
	"Accounts User": "relance.accountant@example.com",
	"Sales User": "relance.sales@example.com",
	"": "relance.nobody@example.com",
}


def make_company() -> str:
	"""A French company in EUR (its creation also gives it the default "Relance standard" policy)."""
	if not frappe.db.exists("Company", COMPANY):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": COMPANY,
				"abbr": ABBR,
				"default_currency": "EUR",
				"country": "France",
				"chart_of_accounts": "Standard",
				"tax_id": "FR40123456789",
			}
		).insert(ignore_permissions=True)
	return COMPANY


def ensure_fiscal_year(day: date | str) -> None:
	day = getdate(day)
	if frappe.db.exists("Fiscal Year", {"year_start_date": ("<=", day), "year_end_date": (">=", day)}):
		return
	frappe.get_doc(
		{
			"doctype": "Fiscal Year",
			"year": str(day.year),
			"year_start_date": date(day.year, 1, 1),
			"year_end_date": date(day.year, 12, 31),
		}
	).insert(ignore_permissions=True)


def make_item() -> str:
	if not frappe.db.exists("Item", ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": ITEM,
				"item_name": "Prestation de service",
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name") or "All Item Groups",
				"stock_uom": "Nos",
				"is_stock_item": 0,
			}
		).insert(ignore_permissions=True)
	return ITEM


def make_customer_group(*, name: str, parent: str | None = None, policy: str | None = None) -> str:
	if not frappe.db.exists("Customer Group", name):
		frappe.get_doc(
			{
				"doctype": "Customer Group",
				"customer_group_name": name,
				"parent_customer_group": parent or "All Customer Groups",
			}
		).insert(ignore_permissions=True)
	frappe.db.set_value("Customer Group", name, "dunning_policy", policy)
	return name


def make_customer(
	*, name: str | None = None, group: str | None = None, policy: str | None = None, email: str | None = None
) -> str:
	name = name or f"Client {frappe.generate_hash(length=6)}"
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_type": "Company",
				"customer_group": group or "All Customer Groups",
				"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name") or "All Territories",
				"email_id": email,
			}
		).insert(ignore_permissions=True)
	updates = {"dunning_policy": policy}
	if group:
		updates["customer_group"] = group
	frappe.db.set_value("Customer", name, updates)
	return name


def make_overdue_invoice(
	*,
	days_overdue: int,
	amount: float = 1200.0,
	customer: str | None = None,
	submit: bool = True,
	today: date | str | None = None,
	credit_days: int = 30,
):
	"""A Sales Invoice due `days_overdue` days before `today` (negative: not yet due)."""
	company = make_company()
	today = getdate(today or nowdate())
	due = add_days(today, -days_overdue)
	posting = add_days(due, -credit_days)
	ensure_fiscal_year(posting)
	ensure_fiscal_year(due)
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": company,
			"customer": customer or make_customer(),
			"currency": "EUR",
			"set_posting_time": 1,
			"posting_date": posting,
			"due_date": due,
			"items": [{"item_code": make_item(), "qty": 1, "rate": amount}],
		}
	)
	invoice.insert(ignore_permissions=True)
	if submit:
		invoice.submit()
	return invoice


def make_role_users() -> dict[str, str]:
	"""One user per role the permission tests need (and one with none of them)."""
	for role, email in ROLE_USERS.items():
		if not frappe.db.exists("User", email):
			user = frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": role or "Nobody",
					"send_welcome_email": 0,
					"new_password": PASSWORD,
				}
			)
			user.insert(ignore_permissions=True)
			if role:
				user.add_roles(role)
	return dict(ROLE_USERS)


def days_ago(n: int) -> date:
	return getdate(nowdate()) - timedelta(days=n)


def make_email_account(email: str = "relances@relance-test.example") -> str:
	"""A default outgoing account so that Frappe's Email Queue accepts mail (nothing leaves the machine)."""
	name = frappe.db.get_value("Email Account", {"email_id": email})
	if not name:
		# Inserted switched off, then switched on below: outside a test (the browser tests' `bench execute`)
		# Frappe would try to reach the SMTP server on save, and there is none.
		name = (
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": "Relances test",
					"email_id": email,
					"enable_outgoing": 0,
					"smtp_server": "127.0.0.1",
					"smtp_port": 2525,
					"no_smtp_authentication": 1,
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	# An earlier test may have switched it off (the readiness tests do): make it the sender again, the only
	# default one (as Frappe's save would).
	frappe.db.set_value("Email Account", {"name": ("!=", name), "default_outgoing": 1}, "default_outgoing", 0)
	frappe.db.set_value("Email Account", name, {"enable_outgoing": 1, "default_outgoing": 1})
	# Frappe keeps the outgoing account it found for the process (a test run is one process): find it again.
	frappe.local.outgoing_email_account = {}
	return name


def make_dunning_customer(
	*, email: str | None = "compta@client.example", mobile: str | None = None, **kwargs
) -> str:
	"""A professional customer reachable by email (and SMS when `mobile` is given)."""
	customer = make_customer(email=email, **kwargs)
	if mobile:
		frappe.db.set_value("Customer", customer, "mobile_no", mobile)
	return customer


def make_policy(*, levels: list[dict] | None = None, **fields) -> str:
	"""A test policy for the test company (not the default), without calendar rules unless asked."""
	doc = {
		"doctype": "Dunning Policy",
		"policy_name": f"Politique test {frappe.generate_hash(length=6)}",
		"company": make_company(),
		"business_days_only": 0,
		"one_message_per_customer": 0,
		"min_gap_days": 0,
		"min_outstanding": 1,
		"levels": levels
		or [
			{
				"title": "Rappel amical",
				"offset_days": -5,
				"channel": "Email",
				"email_template": "Relance J-5 - Rappel amical",
			},
			{
				"title": "Relance",
				"offset_days": 5,
				"channel": "Email",
				"email_template": "Relance J+5 - Facture échue",
			},
			{
				"title": "Appel",
				"offset_days": 10,
				"channel": "Phone Call",
				"email_template": "Relance J+10 - Récapitulatif après appel",
			},
			{
				"title": "SMS",
				"offset_days": 15,
				"channel": "SMS",
				"sms_text": "{{ company.name }} : facture(s) {{ invoice_names }} de {{ total | money(currency) }} en retard.",
			},
			{
				"title": "Mise en demeure",
				"offset_days": 30,
				"channel": "Registered Letter",
				"email_template": "Relance J+30 - Mise en demeure",
				"formal_notice": 1,
				"include_penalties": 1,
			},
		],
	}
	doc.update(fields)
	return frappe.get_doc(doc).insert(ignore_permissions=True).name


def make_overdue_invoice_for_e2e(**kwargs) -> dict:
	"""`make_overdue_invoice` for `bench execute` (the browser test): plain values, not a Document, which
	v16's `execute` cannot print once the site is closed."""
	invoice = make_overdue_invoice(**kwargs)
	return {
		"name": invoice.name,
		"docstatus": invoice.docstatus,
		"outstanding_amount": invoice.outstanding_amount,
		"customer": invoice.customer,
	}
