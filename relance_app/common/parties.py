"""Who the parties are: the creditor company (identity, legal mentions, address, bank details), the customer
(debtor kind, collective proceedings, contact), where messages go (email, mobile, postal address) and who sends
them.

Legal mentions (Code de commerce R123-237): every letter of a registered company gives its SIREN followed by
"RCS" and the city of its registry, its legal form and its share capital. They come from the Company's custom
fields (dunning_siren, dunning_rcs_city, dunning_legal_form, dunning_share_capital; ERPNext has none of them);
the SIREN defaults to the one inside a French VAT number. python-stdnum checks SIREN and VAT numbers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import frappe
from erpnext.setup.doctype.company.company import get_default_company_address
from frappe import _
from frappe.contacts.doctype.address.address import get_address_display
from frappe.query_builder import DocType
from frappe.utils import getdate
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import tva as stdnum_tva

from relance_app.common.query import linked
from relance_app.engine.identifiers import format_iban
from relance_app.engine.law import B2B, B2C, PUBLIC
from relance_app.engine.text import html_lines

# Customer.dunning_debtor_kind (stored in English) -> the engine's debtor.
DEBTOR_KINDS = {"Professional": B2B, "Consumer": B2C, "Public Body": PUBLIC}
# ERPNext's Customer Type, when the debtor kind is empty.
CUSTOMER_TYPE_KINDS = {"Company": "Professional", "Individual": "Consumer"}
# Customer.dunning_proceedings_kind -> its French name, as a declaration of claim says it.
PROCEEDINGS_FR = {
	"Safeguard": "procédure de sauvegarde",
	"Judicial Reorganisation": "redressement judiciaire",
	"Judicial Liquidation": "liquidation judiciaire",
}


def company_details(company: str) -> dict:
	"""Identity, legal mentions and bank details of the creditor, as the letter and the emails show them.

	`legal_warnings` lists what the letter lacks or gets wrong (no SIREN, no RCS city...), translated.
	"""
	cache = frappe.local.cache.setdefault("relance_company_details", {})
	if company in cache:
		return cache[company]
	row = frappe.db.get_value(
		"Company",
		company,
		[
			"name",
			"company_name",
			"tax_id",
			"phone_no",
			"email",
			"website",
			"default_currency",
			"dunning_siren",
			"dunning_rcs_city",
			"dunning_legal_form",
			"dunning_share_capital",
		],
		as_dict=True,
	)
	if not row:
		frappe.throw(_("Company {0} not found.").format(company), frappe.DoesNotExistError)
	bank = _company_bank_account(company)
	tax_id = (row.tax_id or "").replace(" ", "").upper()
	details = {
		"name": row.company_name or row.name,
		**_company_address(company),
		"email": row.email or "",
		"phone": row.phone_no or "",
		"website": row.website or "",
		"vat_id": tax_id,
		**legal_mentions(row, tax_id),
		"iban": format_iban(bank.get("iban")),
		"bic": bank.get("bic") or "",
	}
	cache[company] = details
	return details


def legal_mentions(row, tax_id: str) -> dict:
	"""SIREN, RCS city, legal form and share capital (R123-237), the line a letter prints, and warnings."""
	warnings = []
	siren = stdnum_siren.compact(row.dunning_siren or "") if row.dunning_siren else ""
	french_vat = tax_id.startswith("FR")
	if french_vat and not stdnum_tva.is_valid(tax_id):
		warnings.append(_("The company's VAT number {0} is not a valid French VAT number.").format(tax_id))
	if not siren and french_vat and stdnum_tva.is_valid(tax_id):
		siren = stdnum_tva.to_siren(tax_id)
	if siren and not stdnum_siren.is_valid(siren):
		warnings.append(_("The company's SIREN {0} is not valid (9 digits with a Luhn check).").format(siren))
	elif siren and french_vat and stdnum_tva.is_valid(tax_id) and stdnum_tva.to_siren(tax_id) != siren:
		warnings.append(
			_("The company's SIREN {0} is not the one in its VAT number {1}.").format(siren, tax_id)
		)
	rcs_city = (row.dunning_rcs_city or "").strip()
	legal_form = (row.dunning_legal_form or "").strip()
	capital = row.dunning_share_capital or 0
	missing = [
		label
		for label, value in (
			(_("SIREN"), siren),
			(_("RCS city"), rcs_city),
			(_("legal form"), legal_form),
			(_("share capital"), capital),
		)
		if not value
	]
	if missing:
		warnings.append(
			_(
				"The company's legal mentions are incomplete ({0} missing): a French business letter must give "
				"them (Code de commerce R123-237). Fill them in on the Company, section Legal Mentions (France)."
			).format(", ".join(missing))
		)
	siren_text = stdnum_siren.format(siren) if siren and stdnum_siren.is_valid(siren) else siren
	return {
		"siren": siren_text,
		"rcs_city": rcs_city,
		"rcs": f"{siren_text} RCS {rcs_city}" if siren_text and rcs_city else "",
		"legal_form": legal_form,
		"share_capital": capital,
		"capital_currency": row.default_currency or "EUR",
		"legal_warnings": warnings,
	}


def _company_bank_account(company: str) -> dict:
	query, bank_account, bank = linked("Bank Account", "bank", "Bank", outer=True)
	rows = (
		query.select(bank_account.iban, bank.swift_number.as_("bic"))
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
	address = frappe.get_cached_doc("Address", name).as_dict()
	# Given as a dict, not a name: the company's own address is on every letter, and the customer page (Guest)
	# shows it too; by name, Frappe would check the reader's permission on Address.
	return {
		"address": "\n".join(html_lines(get_address_display(address))),
		"city": (address.city or "").strip(),
	}


def customer_details(customer: str) -> dict:
	"""The debtor: name, contact, kind for French law and collective proceedings (None when there are none)."""
	row = batched_customer(customer) or frappe.db.get_value(
		"Customer",
		customer,
		[
			"name",
			"customer_name",
			"customer_type",
			"dunning_contact",
			"dunning_debtor_kind",
			*PROCEEDINGS_FIELDS,
		],
		as_dict=True,
	)
	contact_name = ""
	if row and row.dunning_contact:
		contact = _batched_contact(row.dunning_contact)
		first, last = (
			(contact.first_name, contact.last_name)
			if contact
			else frappe.db.get_value("Contact", row.dunning_contact, ["first_name", "last_name"])
		) or ("", "")
		contact_name = " ".join(part for part in (first, last) if part)
	kind = debtor_kind(row)
	return {
		"name": customer,
		"customer_name": (row.customer_name if row else None) or customer,
		"contact_name": contact_name,
		"debtor_kind": kind,
		"debtor": DEBTOR_KINDS[kind],
		"proceedings": proceedings_of(row),
	}


def dunning_language(customer: str | None, company: str | None) -> str:
	"""The language code the customer is dunned in (emails, letters): the customer's own dunning language,
	else the company's, else French.

	Not ERPNext's Customer.language (Print Language): ERPNext fills it with the system language when a customer
	is created, so it would turn every letter of a French company into English without anyone choosing it."""
	batched = batched_customer(customer) if customer else None
	if batched:
		language = batched.dunning_language
	else:
		language = frappe.db.get_value("Customer", customer, "dunning_language") if customer else None
	if not language and company:
		row = batch_memo(
			("company_language", company),
			lambda: frappe.db.get_value("Company", company, ["dunning_language", "country"], as_dict=True),
		)
		language = row and (row.dunning_language or default_dunning_language(row.country))
	return language or "fr"


def default_dunning_language(country: str | None) -> str:
	"""What a company of `country` duns in until someone chooses: French in France, else the system language."""
	if country == "France":
		return "fr"
	return frappe.db.get_single_value("System Settings", "language") or "fr"


def debtor_kind(row) -> str:
	"""The customer's debtor kind: its own field, else from ERPNext's Customer Type (Company: Professional)."""
	kind = row.get("dunning_debtor_kind") if row else None
	if kind in DEBTOR_KINDS:
		return kind
	return CUSTOMER_TYPE_KINDS.get(row.get("customer_type") if row else None, "Professional")


PROCEEDINGS_FIELDS = (
	"dunning_proceedings_kind",
	"dunning_judgment_date",
	"dunning_court",
	"dunning_bodacc_date",
	"dunning_mandataire_name",
	"dunning_mandataire_address",
	"dunning_securities",
)


def proceedings_of(row) -> dict | None:
	"""The customer's collective proceedings as a dict, or None: a kind without a judgment date is not enough."""
	if not row or not row.get("dunning_proceedings_kind") or not row.get("dunning_judgment_date"):
		return None
	kind = row.dunning_proceedings_kind
	return {
		"kind": kind,
		"kind_fr": PROCEEDINGS_FR.get(kind, kind),
		"judgment_date": getdate(row.dunning_judgment_date),
		"court": row.get("dunning_court") or "",
		"bodacc_date": getdate(row.dunning_bodacc_date) if row.get("dunning_bodacc_date") else None,
		"mandataire_name": row.get("dunning_mandataire_name") or "",
		"mandataire_address": row.get("dunning_mandataire_address") or "",
		"securities": row.get("dunning_securities") or "",
	}


def customers_in_proceedings(customers) -> set[str]:
	"""Which of `customers` are in collective proceedings (one query)."""
	names = list(customers)
	if not names:
		return set()
	return set(
		frappe.get_all(
			"Customer",
			filters={
				"name": ("in", names),
				"dunning_proceedings_kind": ("is", "set"),
				"dunning_judgment_date": ("is", "set"),
			},
			pluck="name",
		)
	)


def payment_links(invoices: Iterable[str]) -> dict[str, str]:
	"""The pay-online URL of each invoice's open Payment Request, when ERPNext has one."""
	names = list(invoices)
	if not names:
		return {}
	batch = frappe.local.cache.get(BATCH)
	if batch and batch["invoices"].issuperset(names):
		return {name: batch["links"][name] for name in names if name in batch["links"]}
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


# What one batch of the daily run reads once for all its messages (see `prefetched`).
BATCH = "relance_party_batch"
BATCH_CUSTOMER_FIELDS = (
	"name", "customer_name", "customer_type", "dunning_contact", "dunning_debtor_kind", *PROCEEDINGS_FIELDS,
	"email_id", "mobile_no", "dunning_language", "dunning_portal_revision",
)  # fmt: skip


@contextlib.contextmanager
def prefetched(customers: Iterable[str], invoices: Iterable[str] = ()) -> Iterator[None]:
	"""Inside the block, the customers' rows and dunning contacts and the invoices' payment links come from
	one query each, not from a few queries per message (customer_details, recipient_for, dunning_language,
	payment_links, the portal token); values computed once per batch are memoised (`batch_memo`). For one
	batch of the daily run: what it reads stays as read for the batch's few seconds, and is gone after."""
	names = list(dict.fromkeys(customers))
	invoice_names = list(dict.fromkeys(invoices))
	rows = {}
	if names:
		table = DocType("Customer")
		query = frappe.qb.from_(table).select(*(table[field] for field in BATCH_CUSTOMER_FIELDS))
		rows = {row.name: row for row in query.where(table.name.isin(names)).run(as_dict=True)}
	contact_names = list({row.dunning_contact for row in rows.values() if row.dunning_contact})
	contacts = {}
	if contact_names:
		table = DocType("Contact")
		fields = ("name", "email_id", "mobile_no", "first_name", "last_name")
		query = frappe.qb.from_(table).select(*(table[field] for field in fields))
		contacts = {row.name: row for row in query.where(table.name.isin(contact_names)).run(as_dict=True)}
	links = payment_links(invoice_names)
	frappe.local.cache[BATCH] = {
		"customers": rows,
		"contacts": contacts,
		"invoices": set(invoice_names),
		"links": links,
		"memo": {},
	}
	try:
		yield
	finally:
		frappe.local.cache.pop(BATCH, None)


def batched_customer(customer: str):
	"""The customer's row read by `prefetched` (None outside a batch or for a customer it did not read)."""
	batch = frappe.local.cache.get(BATCH)
	return batch["customers"].get(customer) if batch else None


def _batched_contact(contact: str):
	batch = frappe.local.cache.get(BATCH)
	return batch["contacts"].get(contact) if batch else None


def batch_memo(key, compute):
	"""`compute()`, once per batch of the run (every time outside one)."""
	batch = frappe.local.cache.get(BATCH)
	if batch is None:
		return compute()
	if key not in batch["memo"]:
		batch["memo"][key] = compute()
	return batch["memo"][key]


@dataclass(frozen=True)
class Recipient:
	email: str | None
	mobile: str | None
	contact_name: str | None


def recipient_for(customer: str, invoice_contact_email: str | None = None) -> Recipient:
	"""Who receives reminders: the customer's dunning contact, else the invoice contact, else the customer."""
	row = batched_customer(customer) or frappe.db.get_value(
		"Customer",
		customer,
		["dunning_contact", "email_id", "mobile_no"],
		as_dict=True,
	)
	email = mobile = contact_name = None
	if row and row.dunning_contact:
		contact = _batched_contact(row.dunning_contact) or frappe.db.get_value(
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


def accounts_managers() -> list[dict]:
	"""The enabled Accounts Managers (name, email), who got the role first first, in one query: they receive
	the digest and follow up when nobody else is named."""
	query, has_role, user = linked("Has Role", "parent", "User")
	return (
		query.select(user.name, user.email)
		.distinct()
		.where(has_role.role == "Accounts Manager")
		.where(has_role.parenttype == "User")
		.where(user.enabled == 1)
		.where(user.name.notin(("Administrator", "Guest")))
		.orderby(has_role.creation)
		.run(as_dict=True)
	)


def first_accounts_manager() -> str | None:
	"""The enabled Accounts Manager who got the role first (who follows up when nobody else is named)."""
	managers = accounts_managers()
	return managers[0].name if managers else None
