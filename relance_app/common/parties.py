"""Who the parties are: the creditor company (identity, address, bank details), the customer (debtor kind,
contact), where messages go (email, mobile, postal address) and who sends them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import frappe
from erpnext.setup.doctype.company.company import get_default_company_address
from frappe.contacts.doctype.address.address import get_address_display
from frappe.query_builder import DocType

from relance_app.engine.identifiers import format_iban, siren_from_vat
from relance_app.engine.text import html_lines


def company_details(company: str) -> dict:
	"""Identity and bank details of the creditor, as the letter and the emails show them."""
	cache = frappe.local.cache.setdefault("relance_company_details", {})
	if company in cache:
		return cache[company]
	row = frappe.db.get_value(
		"Company", company, ["name", "company_name", "tax_id", "phone_no", "email", "website"], as_dict=True
	)
	if not row:
		frappe.throw(frappe._("Company {0} not found.").format(company), frappe.DoesNotExistError)
	bank = _company_bank_account(company)
	tax_id = (row.tax_id or "").replace(" ", "")
	details = {
		"name": row.company_name or row.name,
		**_company_address(company),
		"email": row.email or "",
		"phone": row.phone_no or "",
		"website": row.website or "",
		"vat_id": tax_id,
		"siren": siren_from_vat(tax_id),
		"iban": format_iban(bank.get("iban")),
		"bic": bank.get("bic") or "",
	}
	cache[company] = details
	return details


def _company_bank_account(company: str) -> dict:
	bank_account = DocType("Bank Account")
	bank = DocType("Bank")
	rows = (
		frappe.qb.from_(bank_account)
		.left_join(bank)
		.on(bank.name == bank_account.bank)
		.select(bank_account.iban, bank.swift_number.as_("bic"))
		.where(bank_account.company == company)
		.where(bank_account.is_company_account == 1)
		.where(bank_account.disabled == 0)
		.orderby(bank_account.is_default, order=frappe.qb.desc)
		.orderby(bank_account.creation)
		.limit(1)
		.run(as_dict=True)
	)
	return rows[0] if rows else {}


def _company_address(company: str) -> dict:
	"""The company's default address as printed lines, and its city (where the letters say they were made)."""
	name = get_default_company_address(company)
	if not name:
		return {"address": "", "city": ""}
	city = frappe.db.get_value("Address", name, "city")
	return {"address": "\n".join(html_lines(get_address_display(name))), "city": (city or "").strip()}


def customer_details(customer: str) -> dict:
	row = frappe.db.get_value(
		"Customer", customer, ["name", "customer_name", "customer_type", "dunning_contact"], as_dict=True
	)
	contact_name = ""
	if row and row.dunning_contact:
		first, last = frappe.db.get_value("Contact", row.dunning_contact, ["first_name", "last_name"]) or (
			"",
			"",
		)
		contact_name = " ".join(part for part in (first, last) if part)
	return {
		"name": customer,
		"customer_name": (row.customer_name if row else None) or customer,
		"contact_name": contact_name,
		# ERPNext's customer type decides the law: a company is a professional debtor, an individual a consumer.
		"debtor": "B2C" if row and row.customer_type == "Individual" else "B2B",
	}


def payment_links(invoices: Iterable[str]) -> dict[str, str]:
	"""The pay-online URL of each invoice's open Payment Request, when ERPNext has one."""
	names = list(invoices)
	if not names:
		return {}
	request = DocType("Payment Request")
	rows = (
		frappe.qb.from_(request)
		.select(request.reference_name, request.payment_url)
		.where(request.reference_doctype == "Sales Invoice")
		.where(request.reference_name.isin(names))
		.where(request.docstatus == 1)
		.where(request.status.notin(("Paid", "Cancelled")))
		.where(request.payment_url.isnotnull())
		.orderby(request.creation)
		.run(as_dict=True)
	)
	return {row.reference_name: row.payment_url for row in rows if row.payment_url}


@dataclass(frozen=True)
class Recipient:
	email: str | None
	mobile: str | None
	contact_name: str | None


def recipient_for(customer: str, invoice_contact_email: str | None = None) -> Recipient:
	"""Who receives reminders: the customer's dunning contact, else the invoice contact, else the customer."""
	row = frappe.db.get_value(
		"Customer",
		customer,
		["dunning_contact", "email_id", "mobile_no"],
		as_dict=True,
	)
	email = mobile = contact_name = None
	if row and row.dunning_contact:
		contact = frappe.db.get_value(
			"Contact", row.dunning_contact, ["email_id", "mobile_no", "first_name", "last_name"], as_dict=True
		)
		if contact:
			email, mobile = contact.email_id, contact.mobile_no
			contact_name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
	email = email or invoice_contact_email or (row.email_id if row else None)
	mobile = mobile or (row.mobile_no if row else None)
	return Recipient(email=email or None, mobile=mobile or None, contact_name=contact_name)


def postal_address(customer: str) -> str:
	"""The customer's primary address, as printed on a letter (read only when a letter is made)."""
	address = frappe.db.get_value("Customer", customer, "customer_primary_address")
	return get_address_display(address) if address else ""


def sender_address(account: str | None) -> str | None:
	"""The From address: the Dunning Settings account, else Frappe's default outgoing account."""
	if account:
		return frappe.db.get_value("Email Account", account, "email_id")
	return frappe.db.get_value("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}, "email_id")


def default_sender() -> str | None:
	"""The From address of every message the app sends: Dunning Settings' account, else the default one."""
	return sender_address(frappe.db.get_single_value("Dunning Settings", "sender"))
