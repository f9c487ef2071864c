"""Collective proceedings of a customer (sauvegarde, redressement or liquidation judiciaire): what replaces the
ladder once the opening judgment is recorded on the Customer.

- The judgment stays individual claims (Code de commerce L622-21, applied by L631-14 and L641-3): no reminder,
  no formal notice, no threat of injonction de payer. `dunning.selection` excludes the customer's invoices and
  `formal_notice.dunning.build_formal_notice` refuses.
- `record_proceedings` (Customer on_update) logs it once as a contact-log Note and, once the BODACC publication
  date is known, makes a ToDo for the filing deadline: two months from that publication (L622-24, R622-24).
- `declaration_context` is the data of the print format "Déclaration de créance" (on Customer): per company,
  each claim as of the judgment date (principal; interest up to the judgment, which stops it, L622-28; the
  €40 where due; whether the claim is due or not yet due, L622-25; securities and retention of title when
  recorded), computed by the same engine as the letters (`penalties.compute.invoice_penalties`).
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.translate import print_language
from frappe.utils import add_months, getdate
from frappe.utils.pdf import get_pdf
from frappe.www.printview import get_print_style, get_rendered_template

from relance_app.common.parties import company_details, customer_details
from relance_app.engine.law import B2C
from relance_app.engine.render import relance_date, relance_date_long, relance_money
from relance_app.penalties.compute import invoice_penalties, load_penalty_terms
from relance_app.penalties.ledger import instalment_terms

PRINT_FORMAT = "Déclaration de créance"
# Code de commerce R622-24: "Le délai de déclaration [...] est de deux mois à compter de la publication du
# jugement d'ouverture au Bulletin officiel des annonces civiles et commerciales."
FILING_MONTHS = 2


def filing_deadline(bodacc_date: date | None) -> date | None:
	"""The last day to declare the claims: two months from the BODACC publication (R622-24), if known."""
	return add_months(getdate(bodacc_date), FILING_MONTHS) if bodacc_date else None


def relance_claim_declaration(doc: Document | str) -> list[dict]:
	"""Jinja method of the print format "Déclaration de créance": one declaration per creditor company."""
	if isinstance(doc, str):
		doc = frappe.get_doc("Customer", doc)
		doc.check_permission("print")
	return declarations(doc.name)


def relance_claim_formatters() -> dict:
	"""Jinja method: the French formats the declaration prints with, whatever the filters are called."""
	return {"money": relance_money, "date": relance_date, "date_long": relance_date_long, "today": getdate()}


def declarations(customer: str) -> list[dict]:
	"""One `declaration_context` per company holding claims on `customer`, by company name."""
	details = customer_details(customer)
	if not details["proceedings"]:
		return []
	judgment = details["proceedings"]["judgment_date"]
	companies = frappe.get_all(
		"Sales Invoice",
		filters=_claim_filters(customer, judgment),
		pluck="company",
		distinct=True,
		order_by="company",
	)
	return [declaration_context(customer, company) for company in companies]


def _claim_filters(customer: str, judgment: date, company: str | None = None) -> dict:
	# Claims born before the judgment (L622-24 concerns them): invoices up to that day still unpaid.
	filters = {
		"customer": customer,
		"docstatus": 1,
		"is_return": 0,
		"posting_date": ("<=", judgment),
		"outstanding_amount": (">", 0),
	}
	if company:
		filters["company"] = company
	return filters


def declaration_context(customer: str, company: str) -> dict:
	"""The declaration of `company`'s claims on `customer`, as of the opening judgment."""
	details = customer_details(customer)
	proceedings = details["proceedings"]
	if not proceedings:
		frappe.throw(_("{0} is not in collective proceedings.").format(customer))
	judgment = proceedings["judgment_date"]
	invoices = frappe.get_all(
		"Sales Invoice",
		filters=_claim_filters(customer, judgment, company),
		fields=["name", "posting_date", "currency"],
		order_by="posting_date, name",
	)
	names = [row.name for row in invoices]
	terms = instalment_terms(names, until=judgment)
	# Interest stops on the judgment (L622-28): the engine computes as of that day, with the judgment date.
	items = [(found.key, found, found.due_date, None) for found in terms.values()]
	claims = invoice_penalties(
		items,
		today=judgment,
		debtor=details["debtor"],
		policy_terms=load_penalty_terms(set(names), None),
		proceedings_date=judgment,
	)
	by_key = {found.key: found for found in terms.values()}
	rows = []
	for invoice in invoices:
		claim = claims.get(invoice.name)
		if claim is None:
			continue
		for key, result in claim.by_key().items():
			found = by_key[key]
			if found.outstanding <= 0 and not result.total:
				continue
			rows.append(
				{
					"invoice": found.invoice,
					"instalment": found.instalment,
					"instalments": found.instalments,
					"posting_date": found.posting_date,
					"due_date": found.due_date,
					"principal": found.outstanding,
					# L622-25: the declaration says whether each claim is due ("échue") or not yet due.
					"is_due": found.due_date <= judgment,
					"interest": result.interest,
					"indemnity": result.indemnity,
					"total": found.outstanding + result.total,
					"currency": found.currency,
				}
			)
	due = [row for row in rows if row["is_due"]]
	company_info = company_details(company)
	bodacc = proceedings["bodacc_date"]
	warnings = list(company_info.get("legal_warnings") or [])
	if not bodacc:
		warnings.append(
			_(
				"No BODACC publication date on the customer: the filing deadline (two months from it) is unknown."
			)
		)
	if not proceedings["mandataire_name"]:
		warnings.append(_("No mandataire judiciaire on the customer: the declaration has no addressee."))
	return {
		"company": company_info,
		"customer": details,
		"proceedings": proceedings,
		"judgment_date": judgment,
		"deadline": filing_deadline(bodacc),
		"currency": rows[0]["currency"]
		if rows
		else frappe.get_cached_value("Company", company, "default_currency"),
		"rows": rows,
		"principal_due": sum((row["principal"] for row in due), Decimal(0)),
		"principal_not_due": sum((row["principal"] for row in rows if not row["is_due"]), Decimal(0)),
		"interest": sum((row["interest"] for row in rows), Decimal(0)),
		"indemnity": sum((row["indemnity"] for row in rows), Decimal(0)),
		"indemnity_applies": details["debtor"] != B2C,
		"total": sum((row["total"] for row in rows), Decimal(0)),
		"securities": proceedings["securities"],
		"warnings": warnings,
	}


def declaration_html(customer: str) -> str:
	"""The print format as a self-contained HTML page: what the PDF is made from (no HTTP, no Access Log)."""
	doc = frappe.get_doc("Customer", customer)
	format_doc = frappe.get_cached_doc("Print Format", PRINT_FORMAT)
	with print_language("fr"):
		body = get_rendered_template(doc, print_format=format_doc, meta=doc.meta, no_letterhead=1)
		return frappe.render_template(
			"relance_app/templates/formal_notice/pdf_page.html",
			{
				"lang": "fr",
				"title": PRINT_FORMAT,
				"print_style": get_print_style(print_format=format_doc),
				"body": body,
			},
		)


def declaration_pdf(customer: str) -> bytes:
	return get_pdf(declaration_html(customer))


def record_proceedings(doc) -> None:
	"""Once per judgment: a contact-log Note saying the ladder stopped, and a ToDo for the filing deadline."""
	details = customer_details(doc.name)
	proceedings = details["proceedings"]
	if not proceedings:
		return
	judgment = proceedings["judgment_date"]
	key = f"proceedings:{doc.name}:{judgment.isoformat()}"
	if not frappe.db.exists("Dunning Contact Log", {"idempotency_key": key}):
		frappe.get_doc(
			{
				"doctype": "Dunning Contact Log",
				"customer": doc.name,
				"entry_type": "Note",
				"direction": "Inbound",
				"status": "Done",
				"contact_date": datetime.combine(getdate(), time(0, 0)),
				"idempotency_key": key,
				"notes": _(
					"Collective proceedings ({0}) opened on {1}{2}: reminders and formal notices stopped for all "
					"the customer's invoices (Code de commerce L622-21). Declare the claims to the mandataire "
					"judiciaire (L622-24)."
				).format(
					_(proceedings["kind"]),
					frappe.format(judgment, {"fieldtype": "Date"}),
					" ({})".format(proceedings["court"]) if proceedings["court"] else "",
				),
			}
		).insert(ignore_permissions=True)
	deadline = filing_deadline(proceedings["bodacc_date"])
	if deadline is None:
		return
	description = _(
		"Declare the claims on {0} to the mandataire judiciaire {1} before {2} (two months from the BODACC "
		"publication, Code de commerce L622-24 and R622-24): print the Déclaration de créance from the customer."
	).format(
		frappe.bold(details["customer_name"]),
		proceedings["mandataire_name"],
		frappe.format(deadline, {"fieldtype": "Date"}),
	)
	if frappe.db.exists(
		"ToDo",
		{
			"reference_type": "Customer",
			"reference_name": doc.name,
			"date": deadline,
			"status": ("!=", "Cancelled"),
		},
	):
		return
	frappe.get_doc(
		{
			"doctype": "ToDo",
			"status": "Open",
			"priority": "High",
			"date": deadline,
			"allocated_to": doc.get("account_manager") or frappe.session.user,
			"description": description,
			"reference_type": "Customer",
			"reference_name": doc.name,
			"assigned_by": frappe.session.user,
		}
	).insert(ignore_permissions=True)
