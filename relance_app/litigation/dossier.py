"""The injonction de payer dossier of one customer: the request, the numbered bordereau and the pieces in order
(each invoice, the contact-log extract, each mise en demeure), as one PDF and as a ZIP of the separate files,
attached to the Customer; and the handover export for a commissaire de justice or a lawyer (the ZIP plus a
JSON and a CSV summary of the claim)."""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import date
from io import BytesIO, StringIO

import frappe
from frappe.utils import getdate

from relance_app.engine.render import relance_date
from relance_app.litigation import pieces as P
from relance_app.litigation.claim import litigation_claim


def build_dossier(customer: str, company: str, today: date) -> dict:
	"""The dossier's parts, in memory: claim, pieces (numbered), request and bordereau HTML, PDF, ZIP."""
	claim = litigation_claim(customer, company, today)
	invoices = [row["invoice"] for row in claim["rows"]]
	pieces = []

	def add(label: str, day, file_name: str, content: bytes, detail: str = "") -> None:
		pieces.append(P.piece(len(pieces) + 1, label, day, file_name, content, detail=detail))

	for row in claim["rows"]:
		label = "Facture n° {} du {}".format(row["invoice"], relance_date(row["posting_date"]))
		add(
			label, row["posting_date"], "facture-{}.pdf".format(row["invoice"]), P.invoice_pdf(row["invoice"])
		)
	entries = P.log_entries(invoices)
	history = P.page_pdf(P.contact_log_html(claim, entries), "Historique des relances")
	label = f"Historique des relances (extrait du journal, {len(entries)} entrées)"
	add(label, claim["date"], "historique-relances.pdf", history)
	for notice in claim["notices"]:
		tracking = notice["tracking_number"]
		add(
			"Mise en demeure {} du {}".format(notice["dunning"], relance_date(notice["sent_on"])),
			notice["sent_on"],
			"mise-en-demeure-{}.pdf".format(notice["dunning"]),
			P.notice_pdf(notice["dunning"]),
			detail=f"Lettre recommandée avec AR n° {tracking}" if tracking else "",
		)
	request = P.request_html(claim, pieces)
	bordereau = P.bordereau_html(claim, pieces)
	request_pdf = P.page_pdf(request, "Requête en injonction de payer")
	bordereau_pdf = P.page_pdf(bordereau, "Bordereau de pièces")
	files = [
		("00-requete-injonction-de-payer.pdf", request_pdf),
		("00-bordereau-de-pieces.pdf", bordereau_pdf),
	]
	files += [(p["file_name"], p["content"]) for p in pieces]
	return {
		"claim": claim,
		"pieces": [{k: v for k, v in p.items() if k != "content"} for p in pieces],
		"entries": entries,
		"request_html": request,
		"bordereau_html": bordereau,
		"pdf": P.merge([request_pdf, bordereau_pdf, *(p["content"] for p in pieces)]),
		"files": files,
	}


def zip_of(files: list[tuple[str, bytes]]) -> bytes:
	out = BytesIO()
	with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
		for name, content in files:
			archive.writestr(name, content)
	return out.getvalue()


def attach(customer: str, file_name: str, content: bytes) -> str:
	"""A private File on the Customer; returns its URL."""
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": file_name,
			"attached_to_doctype": "Customer",
			"attached_to_name": customer,
			"is_private": 1,
			"content": content,
		}
	)
	file.insert(ignore_permissions=True)
	return file.file_url


def _base_name(customer: str, today: date) -> str:
	return f"injonction-de-payer-{frappe.scrub(customer)}-{getdate(today).isoformat()}"


def prepare_dossier(customer: str, company: str, today: date) -> dict:
	"""Build the dossier and attach its PDF and ZIP to the Customer."""
	dossier = build_dossier(customer, company, today)
	base = _base_name(customer, today)
	dossier["pdf_url"] = attach(customer, base + ".pdf", dossier["pdf"])
	dossier["zip_url"] = attach(customer, base + ".zip", zip_of(dossier["files"]))
	return dossier


def claim_summary(claim: dict) -> dict:
	"""The claim as plain JSON: parties, court, form, and per invoice principal, interest and indemnity."""
	company, customer = claim["company"], claim["customer"]
	return {
		"date": claim["date"].isoformat(),
		"court": claim["court"],
		"court_city": claim["court_city"],
		"cerfa": claim["cerfa"],
		"creditor": {
			"name": company["name"],
			"legal_form": company.get("legal_form"),
			"siren": company.get("siren"),
			"rcs": company.get("rcs"),
			"address": company.get("address"),
		},
		"debtor": {
			"customer": customer["name"],
			"name": customer["customer_name"],
			"kind": customer["debtor_kind"],
			"tax_id": customer.get("tax_id"),
			"address": "\n".join(customer["address_lines"]),
		},
		"currency": claim["currency"],
		"invoices": [
			{
				"invoice": row["invoice"],
				"posting_date": row["posting_date"].isoformat(),
				"due_date": row["due_date"].isoformat(),
				"principal": str(row["principal"]),
				"interest": str(row["interest"]),
				"indemnity": str(row["indemnity"]),
				"total": str(row["total"]),
				"interest_periods": [
					{
						"from": s["start"].isoformat(),
						"to": s["end"].isoformat(),
						"days": s["days"],
						"rate": str(s["rate"]),
						"base": str(s["base"]),
					}
					for s in row["segments"]
				],
			}
			for row in claim["rows"]
		],
		"principal": str(claim["principal"]),
		"interest": str(claim["interest"]),
		"indemnity": str(claim["indemnity"]),
		"total": str(claim["total"]),
		"formal_notices": [
			{
				"dunning": n["dunning"],
				"sent_on": n["sent_on"].isoformat(),
				"deadline": n["deadline"].isoformat(),
				"tracking_number": n["tracking_number"],
			}
			for n in claim["notices"]
		],
	}


def claim_csv(claim: dict) -> str:
	out = StringIO()
	writer = csv.writer(out, delimiter=";")
	writer.writerow(["invoice", "posting_date", "due_date", "principal", "interest", "indemnity", "total"])
	for row in claim["rows"]:
		writer.writerow(
			[
				row["invoice"],
				row["posting_date"].isoformat(),
				row["due_date"].isoformat(),
				*(str(row[key]) for key in ("principal", "interest", "indemnity", "total")),
			]
		)
	writer.writerow(
		["TOTAL", "", "", *(str(claim[key]) for key in ("principal", "interest", "indemnity", "total"))]
	)
	return out.getvalue()


def handover_export(customer: str, company: str, today: date) -> dict:
	"""The file for the commissaire de justice or the lawyer: the dossier's files, claim.json and claim.csv."""
	dossier = build_dossier(customer, company, today)
	summary = claim_summary(dossier["claim"])
	files = [
		*dossier["files"],
		("creance.json", json.dumps(summary, ensure_ascii=False, indent=2).encode()),
		("creance.csv", claim_csv(dossier["claim"]).encode()),
	]
	url = attach(customer, _base_name(customer, today) + "-transmission.zip", zip_of(files))
	dossier.update(zip_url=url, summary=summary, files=files)
	return dossier
