"""The letter of a formal notice: its language, its data (parties and their legal mentions, rows with the
working of their penalties, the number of €40 indemnities and their basis, deadline, payment means, earlier
reminders, warnings for the sender), its HTML and PDF.

The payment deadline is computed once, by `notice_deadline`: the letter and the email that goes with it
(dunning.context) give the same date.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.query_builder import DocType
from frappe.translate import print_language
from frappe.utils import get_fullname, getdate
from frappe.utils.pdf import get_pdf
from frappe.www.printview import get_print_style, get_rendered_template

from relance_app.common.constants import DONE_STATUSES, REMINDER_ENTRY_TYPES
from relance_app.common.factoring import payment_instructions, with_payee, without_factored
from relance_app.common.invoices import CENT, to_money
from relance_app.common.parties import company_details, customer_details, dunning_language, payment_links
from relance_app.common.policy_store import resolve_policies
from relance_app.common.portal_links import portal_url
from relance_app.common.rate_store import get_rate_table
from relance_app.common.template_cache import with_compiled_templates
from relance_app.common.validation import translated_warnings
from relance_app.engine.dates import add_working_days
from relance_app.engine.epc_qr import qr_svg
from relance_app.engine.law import (
	B2B,
	B2C,
	LEGAL_RATE_KIND,
	PUBLIC,
	PUBLIC_MARGIN_POINTS,
	RECOVERY_INDEMNITY,
	STATUTORY_MARGIN_POINTS,
)
from relance_app.engine.law_invoice import INDEMNITY_PER_INSTALMENT, INDEMNITY_PER_INVOICE
from relance_app.engine.render import letter_language as to_letter_language
from relance_app.engine.text import first_line, html_lines
from relance_app.penalties.compute import (
	PenaltyTerms,
	first_notice_dates,
	invoice_penalties,
	load_penalty_terms,
)
from relance_app.penalties.ledger import terms_by_row

# The payment deadline when the level gives none: eight days from receipt, the usual delay of a mise en demeure.
DEFAULT_DEADLINE_DAYS = 8


# The letter's print format by language. Both render the same letter in the print dialog's language; each
# format's own language is only its default (`print_language_of`).
PRINT_FORMATS = {"fr": "Mise en demeure", "en": "Formal Notice"}


DEFAULT_LANGUAGE = "fr"


# The deadline runs from receipt, which the letter cannot know: it shows the date that follows from a
# registered letter received two working days after it is sent (La Poste's usual "J+2").
RECEIPT_DELAY_WORKING_DAYS = 2


def notice_deadline(sent_on: date, deadline_days: int) -> tuple[date, date]:
	"""(expected receipt, payment deadline) of a formal notice sent on `sent_on`: the deadline runs from receipt,
	two working days after sending. The letter and its covering email both use this one computation."""
	receipt = add_working_days(getdate(sent_on), RECEIPT_DELAY_WORKING_DAYS)
	return receipt, receipt + timedelta(days=int(deadline_days))


def letter_language(customer: str | None, company: str | None = None) -> str:
	"""The letter's language, "fr" or "en": the customer's dunning language, else its company's (or, without
	`company`, the company of the customer's latest invoice), else French (common.parties.dunning_language)."""
	if company is None and customer:
		company = frappe.db.get_value(
			"Sales Invoice", {"customer": customer, "docstatus": 1}, "company", order_by="posting_date desc"
		)
	return to_letter_language(dunning_language(customer, company))


def print_language_of(doc, default: str | None = None) -> str:
	"""The language a formal notice is printed in: the one chosen in the print dialog (Frappe sends it as
	`_lang` and makes it the request's language), else the print format's (`default`), else the Dunning's."""
	asked = (getattr(frappe.local, "form_dict", None) or {}).get("_lang")
	return to_letter_language(asked or default or doc.get("language") or DEFAULT_LANGUAGE)


def attach_letter(doc, *, language: str | None = None) -> str:
	"""Render the letter of Dunning `doc` to PDF, attach it as a private File, return the File URL."""
	language = to_letter_language(language or doc.language)
	print_format = PRINT_FORMATS[language]
	with print_language(language):
		pdf = letter_pdf(doc, print_format)
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{frappe.scrub(print_format)}-{doc.name}.pdf",
			"attached_to_doctype": "Dunning",
			"attached_to_name": doc.name,
			"is_private": 1,
			"content": pdf,
		}
	)
	file.insert(ignore_permissions=True)
	return file.file_url


def letter_html(doc, print_format: str) -> str:
	"""The letter as a self-contained HTML page (print style included): what the PDF is made from."""
	with_compiled_templates(frappe.get_jenv())
	format_doc = frappe.get_cached_doc("Print Format", print_format)
	# A preview's Dunning has no name yet: templates that print it (ERPNext v16's default letter head does)
	# must print nothing, not "None".
	unnamed = doc.name is None
	if unnamed:
		doc.name = ""
	try:
		body = get_rendered_template(doc, print_format=format_doc, meta=doc.meta, no_letterhead=0)
	finally:
		if unnamed:
			doc.name = None
	return frappe.render_template(
		"relance_app/templates/formal_notice/pdf_page.html",
		{
			"lang": frappe.local.lang,
			"title": doc.name or _("Formal notice"),
			"print_style": get_print_style(print_format=format_doc),
			"body": body,
		},
	)


def letter_pdf(doc, print_format: str) -> bytes:
	"""The PDF of `doc` in `print_format`: the print view's body and style on an A4 page, without side effects.

	`frappe.get_print` renders the whole print view page, which links Frappe's print stylesheet by URL (so
	wkhtmltopdf must reach the site over HTTP, and fails where the site's host name does not resolve) and records
	an Access Log that, outside tests, commits the transaction. The daily run makes each customer's step (log
	rows, Dunning, letter) in one transaction that a failure rolls back: here nothing is written or fetched.
	"""
	return get_pdf(letter_html(doc, print_format))


def relance_formal_notice_context(doc: Document | str, lang: str | None = None) -> dict:
	"""Everything the "Mise en demeure" and "Formal Notice" print formats show for Dunning `doc` (Jinja method),
	with ``language``: the print dialog's, else `lang` (the format's), else the Dunning's (`print_language_of`)."""
	if isinstance(doc, str):
		doc = frappe.get_doc("Dunning", doc)
		doc.check_permission("print")
	language = print_language_of(doc, lang)
	context = formal_notice_context(doc)
	context["language"] = language
	# The opening and closing stored on the Dunning are in the language it was made in; printed in another one,
	# the letter takes that language's texts instead, so that no sentence stays in the first language.
	context["own_texts"] = to_letter_language(doc.get("language") or DEFAULT_LANGUAGE) == language
	return context


def formal_notice_context(doc) -> dict:
	"""The letter's data: parties, rows with the working of their penalties, totals, deadline, payment means,
	legal basis, earlier reminders and the warnings the sender must see before sending.

	The amounts claimed are the Dunning's own (what was submitted); the working is recomputed as of its date,
	and a difference (rates edited since, a back-dated payment) becomes a warning, never a silent change.
	"""
	today = getdate(doc.posting_date)
	customer = customer_details(doc.customer)
	debtor = customer["debtor"]
	company = dict(company_details(doc.company))
	invoices = sorted({row.sales_invoice for row in doc.overdue_payments})
	# Factored invoices are paid to the factor, with the contract's subrogation mention (common.factoring).
	payments = payment_instructions(
		((row.sales_invoice, doc.currency, to_money(row.outstanding)) for row in doc.overdue_payments),
		doc.company,
	)
	factored = any(group["is_factor"] for group in payments)
	company = with_payee(company, payments)
	terms = terms_by_row(doc, until=today)
	notices = first_notice_dates(invoices, exclude=None if doc.is_new() else doc.name)
	notice_date = min([today, *notices.values()])
	items = []
	for row in doc.overdue_payments:
		found = terms[row.name or row.idx]
		items.append(
			(found.key, found, getdate(row.due_date), min(notices.get(row.sales_invoice, today), today))
		)
	policy_terms = load_penalty_terms(set(invoices), doc.flags.relance_policy)
	claims = doc.flags.relance_claims or invoice_penalties(
		items, today=today, debtor=debtor, policy_terms=policy_terms
	)
	results = {key: result for claim in claims.values() for key, result in claim.by_key().items()}
	kinds = _rate_kinds(policy_terms, debtor)
	warnings = translated_warnings(w for claim in claims.values() for w in claim.penalty.warnings)
	warnings.extend(company.get("legal_warnings") or [])
	if customer.get("proceedings"):
		warnings.append(
			_(
				"{0} is in collective proceedings since {1}: no formal notice may be sent (Code de commerce "
				"L622-21); declare the claims to the mandataire judiciaire instead."
			).format(
				customer["customer_name"],
				frappe.format(customer["proceedings"]["judgment_date"], {"fieldtype": "Date"}),
			)
		)

	rows = []
	for row in doc.overdue_payments:
		found = terms[row.name or row.idx]
		result = results[found.key]
		stored = to_money(row.interest)
		if stored != result.interest:
			warnings.append(
				_(
					"Sales Invoice {0}: the interest on this notice ({1}) differs from the interest computed now "
					"({2}); the rates or the payments have changed since it was made."
				).format(found.invoice, stored, result.interest)
			)
		rows.append(
			{
				"invoice": found.invoice,
				"instalment": found.instalment,
				"instalments": found.instalments,
				"posting_date": found.posting_date,
				"due_date": getdate(row.due_date),
				"amount": found.amount,
				"invoice_total": found.invoice_total,
				"payments": [{"date": day, "amount": amount} for day, amount in found.payments],
				"paid": found.paid,
				"outstanding": to_money(row.outstanding),
				"days_late": max(0, (today - getdate(row.due_date)).days),
				"interest": stored,
				"indemnity": result.indemnity,
				"rate_kind": kinds.get(found.invoice, "statutory"),
				"segments": [
					{
						"start": segment.start,
						"end": segment.end,
						"days": segment.days,
						"rate": segment.rate,
						"ecb_rate": _ecb_rate(segment.rate, kinds.get(found.invoice)),
						"base": segment.base,
						# Rounded for reading only: the interest claimed is the exact sum, rounded once.
						"interest": segment.interest.quantize(CENT, rounding=ROUND_HALF_UP),
					}
					for segment in result.segments
				],
			}
		)

	interest = to_money(doc.total_interest)
	indemnity = to_money(doc.dunning_fee)
	computed_indemnity = sum((claim.penalty.indemnity for claim in claims.values()), Decimal(0))
	indemnity_count = sum(claim.penalty.indemnity_count for claim in claims.values())
	indemnity_per = (
		INDEMNITY_PER_INSTALMENT
		if any(c.penalty.indemnity_per == INDEMNITY_PER_INSTALMENT for c in claims.values())
		else INDEMNITY_PER_INVOICE
	)
	if indemnity != computed_indemnity:
		warnings.append(
			_(
				"The recovery indemnity on this notice ({0}) differs from the {1} × 40 € computed now ({2})."
			).format(indemnity, indemnity_count, computed_indemnity)
		)
	outstanding = to_money(doc.total_outstanding)
	deadline_days = doc.flags.relance_deadline_days
	if deadline_days is None:
		deadline_days = _policy_deadline_days(invoices)
	receipt, deadline = notice_deadline(today, deadline_days)
	links = sorted(set(without_factored(payment_links(invoices), payments).values()))
	if not company["iban"] and not links and not factored:
		warnings.append(
			_(
				"The company has no bank account with an IBAN and no payment link: the letter gives no way to pay."
			)
		)
	if not company["city"]:
		warnings.append(_("The company has no address with a city: the letter cannot say where it was made."))
	contractual_rates = sorted({t.contractual_rate for t in policy_terms.values() if t.contractual_rate})
	legal_rate = None
	if debtor == B2C and not contractual_rates:
		lookup = get_rate_table().rate_in_force(LEGAL_RATE_KIND, notice_date)
		legal_rate = lookup.rate_percent
		if lookup.warning:
			warnings.append(_(lookup.warning.template).format(**lookup.warning.params))

	return {
		"name": doc.name,
		"date": today,
		"company": company,
		"customer": {
			**customer,
			"customer_name": doc.customer_name or customer["customer_name"],
			"contact_name": first_line(doc.contact_display) or customer["contact_name"],
			"address_lines": html_lines(doc.address_display),
		},
		"debtor": debtor,
		"debtor_kind": customer["debtor_kind"],
		"is_b2b": debtor == B2B,
		"is_public": debtor == PUBLIC,
		"is_consumer": debtor == B2C,
		# Professionals and public bodies owe the €40 (D441-5, D2192-35); consumers never.
		"indemnity_applies": debtor in (B2B, PUBLIC),
		"contractual_rate": contractual_rates[0] if contractual_rates else None,
		"currency": doc.currency,
		"rows": rows,
		"invoice_names": ", ".join(dict.fromkeys(row["invoice"] for row in rows)),
		"late_count": indemnity_count,
		"indemnity_count": indemnity_count,
		"indemnity_unit": RECOVERY_INDEMNITY,
		"indemnity_per": indemnity_per,
		"indemnity_basis": list(
			dict.fromkeys(b for claim in claims.values() for b in claim.penalty.indemnity_basis)
		),
		"outstanding": outstanding,
		"interest": interest,
		"indemnity": indemnity,
		"total_claimed": outstanding + interest + indemnity,
		"notice_date": notice_date,
		"legal_rate": legal_rate,
		"deadline_days": deadline_days,
		"expected_receipt": receipt,
		"deadline": deadline,
		"payment_links": links,
		# The customer's page (see, pay, promise, dispute): its link and QR code, printed with the means of payment.
		**customer_page(doc.customer, doc.company),
		"payments": payments,
		"factored": factored,
		"reminders": earlier_reminders(invoices, before=today, exclude_dunning=doc.name),
		"signatory": _signatory(doc),
		"warnings": list(dict.fromkeys(warnings)),
	}


def customer_page(customer: str | None, company: str | None) -> dict:
	"""`portal_link` (the customer's personal page) and `portal_qr` (its QR code, inline SVG) for the letter."""
	if not (customer and company):
		return {"portal_link": "", "portal_qr": ""}
	link = portal_url(customer, company)
	return {"portal_link": link, "portal_qr": qr_svg(link, scale=2)}


def _rate_kinds(policy_terms: dict[str, PenaltyTerms], debtor: str) -> dict[str, str]:
	"""Per invoice, which rate its penalties use: "contractual", else "statutory" (B2B), "legal" (B2C) or
	"public" (ECB + 8 points; a public body's rate is set by the code, never by contract)."""
	if debtor == PUBLIC:
		return dict.fromkeys(policy_terms, "public")
	default = "legal" if debtor == B2C else "statutory"
	return {invoice: "contractual" if t.contractual_rate else default for invoice, t in policy_terms.items()}


def _ecb_rate(rate: Decimal, kind: str | None) -> Decimal | None:
	"""The ECB rate inside a statutory or public-body rate (shown as "taux BCE x % + 10 points"), else None."""
	if kind == "statutory":
		return rate - STATUTORY_MARGIN_POINTS
	if kind == "public":
		return rate - PUBLIC_MARGIN_POINTS
	return None


def _policy_deadline_days(invoices: list[str]) -> int:
	"""The payment deadline of the formal-notice level of the policy that duns the first invoice."""
	rows = frappe.get_all(
		"Sales Invoice",
		filters={"name": ("in", invoices)},
		fields=["name", "company", "customer", "dunning_policy"],
	)
	policy = next((name for name in resolve_policies(rows).values() if name), None)
	if not policy:
		return DEFAULT_DEADLINE_DAYS
	days = frappe.get_all(
		"Dunning Level",
		filters={"parent": policy, "parenttype": "Dunning Policy", "formal_notice": 1},
		pluck="payment_deadline_days",
		order_by="idx desc",
		limit=1,
	)
	return int(days[0]) if days and days[0] is not None else DEFAULT_DEADLINE_DAYS


def earlier_reminders(invoices: list[str], *, before: date, exclude_dunning: str | None = None) -> list[dict]:
	"""The reminders sent (contact-log rows Sent or Done) about `invoices` up to `before`, one entry per
	day and channel with the invoices it named, oldest first."""
	if not invoices:
		return []
	log = DocType("Dunning Contact Log")
	query = (
		frappe.qb.from_(log)
		.select(log.contact_date, log.entry_type, log.sales_invoice, log.level_title)
		.where(log.sales_invoice.isin(invoices))
		.where(log.status.isin(DONE_STATUSES))
		.where(log.entry_type.isin(REMINDER_ENTRY_TYPES))
		.where(log.direction == "Outbound")
		.where(log.contact_date < getdate(before) + timedelta(days=1))
		.orderby(log.contact_date)
	)
	if exclude_dunning:
		query = query.where(log.dunning.isnull() | (log.dunning != exclude_dunning))
	grouped: dict[tuple[date, str], dict] = {}
	for row in query.run(as_dict=True):
		key = (getdate(row.contact_date), row.entry_type)
		entry = grouped.setdefault(
			key,
			{"date": key[0], "entry_type": row.entry_type, "invoices": [], "level": row.level_title or ""},
		)
		if row.sales_invoice not in entry["invoices"]:
			entry["invoices"].append(row.sales_invoice)
	return list(grouped.values())


def _signatory(doc) -> str:
	"""Who signs: the user who made the notice, unless it was made by the system."""
	if doc.owner in (None, "Administrator", "Guest"):
		return ""
	return get_fullname(doc.owner)
