"""The pieces of an injonction de payer dossier as PDFs: the request, the bordereau, each invoice in its
default print format, the contact-log extract and the mise en demeure letters.

Every page is rendered from the app's own templates by `engine.render` (sandboxed, autoescaped: a customer
name cannot inject markup into a court document) and printed without HTTP, as the letters are
(`formal_notice.letter.letter_pdf` says why `frappe.get_print` is not used). The documents are in French, the
language of French courts.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO

import frappe
from frappe.utils import get_fullname, getdate
from frappe.utils.pdf import get_pdf
from frappe.www.printview import get_print_style, get_rendered_template
from pypdf import PdfReader, PdfWriter

from relance_app.engine.render import render
from relance_app.formal_notice.letter import PRINT_FORMATS, letter_language, letter_pdf

# Contact-log entry types and statuses as the court reads them.
CHANNELS_FR = {
	"Reminder Email": "Courriel",
	"SMS": "SMS",
	"Call": "Appel téléphonique",
	"Letter": "Lettre simple",
	"Registered Letter": "Lettre recommandée avec AR",
	"Promise to Pay": "Promesse de paiement",
	"Dispute": "Contestation",
	"Note": "Note",
	"Payment Received": "Paiement reçu",
	"Bounce": "Courriel non distribué",
}
STATUSES_FR = {
	"Sent": "Envoyé",
	"Done": "Effectué",
	"Open": "En cours",
	"Cancelled": "Annulé",
	"Failed": "Échec",
	"Needs Attention": "À traiter",
}
# The litigation stage's own entries are not part of the history the court is shown, nor is the declaration
# to the credit insurer (a matter between the company and its insurer, not a contact with the debtor).
OWN_ENTRY_TYPES = ("Litigation", "Handover", "Insurer Declaration")


def template(name: str) -> str:
	with open(frappe.get_app_path("relance_app", "templates", "litigation", name), encoding="utf-8") as f:
		return f.read()


def page_pdf(body: str, title: str, print_style: str = "") -> bytes:
	html = frappe.render_template(
		"relance_app/templates/formal_notice/pdf_page.html",
		{"lang": "fr", "title": title, "print_style": print_style, "body": body},
	)
	return get_pdf(html)


def request_context(claim: dict, pieces: list[dict]) -> dict:
	"""What the request and the bordereau templates show: the claim, the parties' lines, the pieces."""
	company = dict(claim["company"])
	company["address_lines"] = [line for line in (company.get("address") or "").split("\n") if line]
	customer = {**claim["customer"], "is_consumer": claim["is_consumer"]}
	user = frappe.session.user
	return {
		**claim,
		"company": company,
		"customer": customer,
		"pieces": pieces,
		"signatory": "" if user in ("Administrator", "Guest") else get_fullname(user),
	}


def request_html(claim: dict, pieces: list[dict]) -> str:
	return render(template("request.html"), request_context(claim, pieces))


def bordereau_html(claim: dict, pieces: list[dict]) -> str:
	return render(template("bordereau.html"), request_context(claim, pieces))


def log_entries(invoices: list[str]) -> list[dict]:
	"""The contact-log rows of `invoices`, oldest first, as the extract shows them."""
	rows = frappe.get_all(
		"Dunning Contact Log",
		filters={
			"sales_invoice": ("in", invoices),
			"entry_type": ("not in", OWN_ENTRY_TYPES),
			"status": ("!=", "Planned"),
		},
		fields=[
			"contact_date",
			"sales_invoice",
			"entry_type",
			"status",
			"level_title",
			"tracking_number",
			"evidence_hash",
		],
		order_by="contact_date asc, creation asc",
	)
	return [
		{
			"date": getdate(row.contact_date),
			"invoice": row.sales_invoice,
			"channel": CHANNELS_FR.get(row.entry_type, row.entry_type),
			"level": row.level_title or "",
			"status": STATUSES_FR.get(row.status, row.status),
			"tracking_number": row.tracking_number or "",
			"evidence_hash": row.get("evidence_hash") or "",
		}
		for row in rows
	]


def contact_log_html(claim: dict, entries: list[dict]) -> str:
	return render(
		template("contact_log.html"),
		{
			**request_context(claim, []),
			"invoice_names": ", ".join(row["invoice"] for row in claim["rows"]),
			"entries": entries,
		},
	)


def invoice_pdf(invoice: str) -> bytes:
	"""The invoice in its default print format (the one the customer received), printed without HTTP."""
	doc = frappe.get_doc("Sales Invoice", invoice)
	meta = frappe.get_meta("Sales Invoice")
	name = meta.default_print_format or "Standard"
	format_doc = None if name == "Standard" else frappe.get_cached_doc("Print Format", name)
	body = get_rendered_template(doc, print_format=format_doc, meta=meta, no_letterhead=0)
	return page_pdf(body, invoice, get_print_style(print_format=format_doc))


def notice_pdf(dunning: str) -> bytes:
	"""The mise en demeure as it was sent: the PDF attached to its Dunning, else printed again from it."""
	url = frappe.db.get_value(
		"File",
		{"attached_to_doctype": "Dunning", "attached_to_name": dunning, "file_name": ("like", "%.pdf")},
		"file_url",
		order_by="creation asc",
	)
	if url:
		return frappe.get_doc("File", {"file_url": url}).get_content()
	doc = frappe.get_doc("Dunning", dunning)
	return letter_pdf(doc, PRINT_FORMATS[letter_language(doc.customer)])


def merge(pdfs: list[bytes]) -> bytes:
	writer = PdfWriter()
	for content in pdfs:
		for page in PdfReader(BytesIO(content)).pages:
			writer.add_page(page)
	out = BytesIO()
	writer.write(out)
	return out.getvalue()


def piece(number: int, title: str, on: date | None, file_name: str, content: bytes, detail: str = "") -> dict:
	return {
		"number": number,
		"title": title,
		"date": on,
		"detail": detail,
		"file_name": "{:02d}-{}".format(number, file_name.replace("/", "-")),
		"content": content,
	}
