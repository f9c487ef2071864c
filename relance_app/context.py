"""The rendering context of a reminder, built from ERPNext data (see engine/render.py for its contract)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

import frappe
from frappe.query_builder import DocType
from frappe.utils import getdate

from relance_app.engine.plan import Instalment
from relance_app.engine.policy import Level


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
		"address": _company_address(company),
		"email": row.email or "",
		"phone": row.phone_no or "",
		"website": row.website or "",
		"vat_id": tax_id,
		# A French VAT number is FR + 2 check digits + the 9-digit SIREN.
		"siren": _format_siren(tax_id[4:13]) if tax_id.upper().startswith("FR") and len(tax_id) == 13 else "",
		"iban": _format_iban(bank.get("iban") or ""),
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


def _company_address(company: str) -> str:
	from erpnext.setup.doctype.company.company import get_default_company_address
	from frappe.contacts.doctype.address.address import get_address_display

	name = get_default_company_address(company)
	if not name:
		return ""
	html = get_address_display(name) or ""
	return "\n".join(line.strip() for line in html.replace("<br>", "\n").split("\n") if line.strip())


def _format_iban(iban: str) -> str:
	compact = iban.replace(" ", "").upper()
	return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _format_siren(digits: str) -> str:
	return " ".join(digits[i : i + 3] for i in range(0, 9, 3)) if digits.isdigit() else ""


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


def build_context(
	*,
	customer: str,
	company: str,
	instalments: Sequence[Instalment],
	level: Level,
	today: date,
	invoice_rows: dict[str, dict] | None = None,
	broken_promise: bool = False,
	sender: str | None = None,
	policy: str | None = None,
) -> dict:
	"""Everything a template may use for one message to `customer` about `instalments` at `level`."""
	invoice_rows = invoice_rows or _invoice_rows(inst.invoice for inst in instalments)
	links = payment_links(inst.invoice for inst in instalments)
	company_info = company_details(company)
	customer_info = customer_details(customer)
	currency = instalments[0].currency if instalments else "EUR"
	invoices = []
	for inst in instalments:
		row = invoice_rows.get(inst.invoice, {})
		invoices.append(
			{
				"name": inst.invoice,
				"posting_date": getdate(row.get("posting_date")) if row.get("posting_date") else None,
				"due_date": inst.due_date,
				"grand_total": Decimal(str(row.get("grand_total") or 0)),
				"outstanding": inst.outstanding,
				"currency": inst.currency,
				"days_overdue": max(0, (today - inst.due_date).days),
				"instalment": inst.instalment,
				"payment_link": links.get(inst.invoice, ""),
			}
		)
	total = sum((inst.outstanding for inst in instalments), Decimal(0))
	penalties = None
	if level.include_penalties:
		penalties = penalties_for(instalments, today=today, debtor=customer_info["debtor"], policy=policy)
	distinct_links = {link for link in links.values() if link}
	return {
		"customer": customer_info,
		"company": company_info,
		"invoices": invoices,
		"invoice_names": ", ".join(dict.fromkeys(inst.invoice for inst in instalments)),
		"total": total,
		"currency": currency,
		"level": {
			"title": level.title,
			"label": level.label,
			"offset_days": level.offset_days,
			"formal_notice": level.formal_notice,
			"payment_deadline_days": level.payment_deadline_days,
		},
		"today": today,
		"payment_deadline": today + timedelta(days=level.payment_deadline_days),
		"payment_link": next(iter(distinct_links)) if len(distinct_links) == 1 else "",
		"iban": company_info["iban"],
		"bic": company_info["bic"],
		"penalties": penalties,
		"sender": sender or company_info["name"],
		"broken_promise": broken_promise,
	}


def penalties_for(
	instalments: Sequence[Instalment],
	*,
	today: date,
	debtor: str,
	notice_date: date | None = None,
	policy: str | None = None,
) -> dict:
	"""Interest and indemnity owed today on the instalments (partial payments from the Payment Ledger,
	the policy's contractual rate and indemnity switch), and their sum."""
	# formal_notice imports this module: import it here.
	from relance_app.formal_notice import penalties_for_instalments

	results = penalties_for_instalments(
		instalments, today=today, debtor=debtor, notice_date=notice_date, policy=policy
	).values()
	interest = sum((r.interest for r in results), Decimal(0))
	indemnity = sum((r.indemnity for r in results), Decimal(0))
	warnings: list[str] = []
	for result in results:
		warnings.extend(w for w in result.warnings if w not in warnings)
	return {"interest": interest, "indemnity": indemnity, "total": interest + indemnity, "warnings": warnings}


def _invoice_rows(names: Iterable[str]) -> dict[str, dict]:
	names = list(dict.fromkeys(names))
	rows = frappe.get_all(
		"Sales Invoice",
		filters={"name": ("in", names)},
		fields=[
			"name",
			"posting_date",
			"grand_total",
			"outstanding_amount",
			"currency",
			"company",
			"customer",
		],
	)
	return {row.name: row for row in rows}
