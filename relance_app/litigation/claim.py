"""What an injonction de payer may claim from one customer, and whether it may be requested at all.

The request goes to the president of the court of the debtor's registered office (Code de procédure civile
1406): the tribunal de commerce between professionals (Cerfa 12946), the tribunal judiciaire otherwise (Cerfa
12948). It must name both parties (CPC 57), give the amount claimed with the breakdown of the claim and its
basis (CPC 1407) and come with the supporting documents.

`litigation_claim` refuses, with a translated message naming what to fix, what the court would reject or what
the law forbids: no mise en demeure, a deadline not yet passed, a disputed invoice, a debtor in collective
proceedings (Code de commerce L622-21: individual actions are stayed), a public body (an injonction de payer
cannot be enforced against a public person), missing creditor identifiers or debtor address.

The amounts are the engine's, through `penalties.compute.invoice_penalties`, exactly as the letters count them:
principal outstanding, late-payment interest with its rates and periods, and the €40 recovery indemnity for a
professional debtor (Code de commerce L441-10); nothing else.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import frappe
from frappe import _
from frappe.contacts.doctype.address.address import get_address_display, get_default_address
from frappe.query_builder import DocType
from frappe.utils import getdate

from relance_app.common.constants import DONE_STATUSES
from relance_app.common.invoices import CENT
from relance_app.common.parties import company_details, customer_details
from relance_app.common.query import linked
from relance_app.engine.law import B2B, B2C, PUBLIC
from relance_app.engine.text import html_lines
from relance_app.formal_notice.letter import DEFAULT_DEADLINE_DAYS, notice_deadline
from relance_app.penalties.compute import first_notice_dates, invoice_penalties, load_penalty_terms
from relance_app.penalties.ledger import instalment_terms

# The court and the official form, by the engine's debtor.
COURTS = {
	B2B: {"court": "Tribunal de commerce", "cerfa": "12946", "court_en": "commercial court"},
	B2C: {"court": "Tribunal judiciaire", "cerfa": "12948", "court_en": "judicial court"},
}


def litigation_claim(customer: str, company: str, today: date) -> dict:
	"""The claim of `company` on `customer` for an injonction de payer on `today`, or a translated refusal."""
	today = getdate(today)
	details = customer_details(customer)
	if details["proceedings"]:
		frappe.throw(
			_(
				"{0} is in collective proceedings since {1}: no injonction de payer may be requested (Code de "
				"commerce L622-21); declare the claims to the mandataire judiciaire instead."
			).format(
				details["customer_name"],
				frappe.format(details["proceedings"]["judgment_date"], {"fieldtype": "Date"}),
			)
		)
	if details["debtor"] == PUBLIC:
		frappe.throw(
			_(
				"{0} is a public body: an injonction de payer cannot be enforced against it; ask the "
				"administrative court for a référé-provision instead."
			).format(details["customer_name"])
		)
	creditor = company_details(company)
	_check_creditor(creditor)
	address_name = _customer_address(customer)
	address = get_address_display(address_name) if address_name else ""
	city = (frappe.db.get_value("Address", address_name, "city") or "").strip() if address_name else ""
	if not address or not city:
		frappe.throw(
			_(
				"{0} has no primary address with a city: the request must give the debtor's registered office, "
				"which decides the competent court (CPC 1406). Set the customer's primary address."
			).format(details["customer_name"])
		)
	notices = _notices(customer, company)
	if not notices:
		frappe.throw(
			_(
				"No formal notice was sent to {0} for its unpaid invoices: send the mise en demeure first, "
				"then wait for its deadline."
			).format(details["customer_name"])
		)
	ready = {name: n for name, n in notices.items() if n["deadline"] < today}
	if not ready:
		first = min(notices.values(), key=lambda n: n["deadline"])
		frappe.throw(
			_(
				"The deadline of the formal notice {0} runs until {1}: the injonction de payer may be requested "
				"from the next day."
			).format(first["dunning"], frappe.format(first["deadline"], {"fieldtype": "Date"}))
		)
	disputed = _disputed(sorted(ready))
	if disputed:
		frappe.throw(
			_("Sales Invoice {0} is disputed: resolve the dispute before going to court.").format(
				", ".join(disputed)
			)
		)
	claim = _amounts(sorted(ready), details["debtor"], today)
	for row in claim["rows"]:
		row["notice"] = ready[row["invoice"]]
	court = COURTS[details["debtor"]]
	return {
		"date": today,
		"company": creditor,
		"customer": {
			**details,
			"address_lines": html_lines(address),
			"city": city,
			"tax_id": frappe.db.get_value("Customer", customer, "tax_id") or "",
		},
		"is_consumer": details["debtor"] == B2C,
		"court": court["court"],
		"court_en": court["court_en"],
		"court_city": city,
		"cerfa": court["cerfa"],
		"notices": sorted(
			{n["dunning"]: n for n in ready.values()}.values(), key=lambda n: (n["sent_on"], n["dunning"])
		),
		**claim,
	}


def percent(rate: Decimal) -> str:
	"""A yearly rate as the court reads it: "12,15 %"."""
	return f"{Decimal(rate):.2f} %".replace(".", ",")


def _check_creditor(creditor: dict) -> None:
	missing = [
		label
		for label, value in (
			(_("SIREN"), creditor.get("siren")),
			(_("RCS city"), creditor.get("rcs_city")),
			(_("legal form"), creditor.get("legal_form")),
			(_("registered office address"), creditor.get("address")),
		)
		if not value
	]
	if missing:
		frappe.throw(
			_(
				"The request must identify the creditor (CPC 57): {0} missing on Company {1}. Fill them in on "
				"the Company (section Legal Mentions (France) and its address)."
			).format(", ".join(missing), creditor["name"])
		)


def _customer_address(customer: str) -> str | None:
	"""The customer's primary address, else its preferred one among those linked to it."""
	return frappe.db.get_value("Customer", customer, "customer_primary_address") or get_default_address(
		"Customer", customer
	)


def _notices(customer: str, company: str) -> dict[str, dict]:
	"""Per unpaid invoice of `customer` at `company`, its latest submitted formal notice: Dunning, date sent,
	payment deadline (from the level's deadline days, as the letter counts it) and registered-letter number."""
	query, log, dunning = linked("Dunning Contact Log", "dunning", "Dunning")
	si = DocType("Sales Invoice")
	rows = (
		query.join(si)
		.on(si.name == log.sales_invoice)
		.select(
			log.sales_invoice,
			log.dunning,
			log.dunning_policy,
			log.tracking_number,
			log.contact_date,
			dunning.posting_date,
		)
		.where(si.customer == customer)
		.where(si.company == company)
		.where(si.docstatus == 1)
		.where(si.is_return == 0)
		.where(si.outstanding_amount > 0)
		.where(log.status.isin(DONE_STATUSES))
		.where(dunning.docstatus == 1)
		.orderby(dunning.posting_date)
		.orderby(log.creation)
		.run(as_dict=True)
	)
	days = _deadline_days({row.dunning_policy for row in rows if row.dunning_policy})
	notices = {}
	for row in rows:
		sent_on = getdate(row.posting_date)
		_receipt, deadline = notice_deadline(sent_on, days.get(row.dunning_policy, DEFAULT_DEADLINE_DAYS))
		# The latest notice counts: its deadline is the one the debtor was given last.
		notices[row.sales_invoice] = {
			"dunning": row.dunning,
			"sent_on": sent_on,
			"deadline": deadline,
			"tracking_number": row.tracking_number or "",
		}
	return notices


def _deadline_days(policies: set[str]) -> dict[str, int]:
	if not policies:
		return {}
	rows = frappe.get_all(
		"Dunning Level",
		filters={"parent": ("in", sorted(policies)), "parenttype": "Dunning Policy", "formal_notice": 1},
		fields=["parent", "payment_deadline_days"],
		order_by="idx asc",
	)
	return {row.parent: int(row.payment_deadline_days or DEFAULT_DEADLINE_DAYS) for row in rows}


def _disputed(invoices: list[str]) -> list[str]:
	return sorted(
		set(
			frappe.get_all(
				"Dunning Contact Log",
				filters={"sales_invoice": ("in", invoices), "entry_type": "Dispute", "status": "Open"},
				pluck="sales_invoice",
			)
		)
	)


def _amounts(invoices: list[str], debtor: str, today: date) -> dict:
	"""Per invoice: principal outstanding, interest (with its periods and rates) and indemnity, by the engine."""
	terms = instalment_terms(invoices, until=today)
	notices = first_notice_dates(invoices)
	items = [
		(
			found.key,
			found,
			found.due_date,
			min(notices[found.invoice], today) if found.invoice in notices else None,
		)
		for found in terms.values()
	]
	claims = invoice_penalties(
		items, today=today, debtor=debtor, policy_terms=load_penalty_terms(set(invoices), None)
	)
	posting = dict(
		frappe.get_all(
			"Sales Invoice", filters={"name": ("in", invoices)}, fields=["name", "posting_date"], as_list=True
		)
	)
	rows = []
	currency = "EUR"
	for invoice in sorted(invoices, key=lambda name: (getdate(posting[name]), name)):
		claim = claims.get(invoice)
		found = [t for t in terms.values() if t.invoice == invoice]
		if claim is None or not found:
			continue
		currency = found[0].currency
		principal = sum((t.outstanding for t in found), Decimal(0))
		segments = [
			{
				"start": s.start,
				"end": s.end,
				"days": s.days,
				"rate": s.rate,
				"rate_text": percent(s.rate),
				"base": s.base,
				"interest": s.interest.quantize(CENT, rounding=ROUND_HALF_UP),
			}
			for result in claim.penalty.instalments
			for s in result.segments
		]
		rows.append(
			{
				"invoice": invoice,
				"posting_date": getdate(posting[invoice]),
				"due_date": min(t.due_date for t in found),
				"invoice_total": found[0].invoice_total,
				"principal": principal,
				"interest": claim.penalty.interest,
				"indemnity": claim.penalty.indemnity,
				"indemnity_count": claim.penalty.indemnity_count,
				"total": principal + claim.penalty.interest + claim.penalty.indemnity,
				"segments": segments,
				"notice_date": notices.get(invoice),
			}
		)
	return {
		"currency": currency,
		"rows": rows,
		"principal": sum((r["principal"] for r in rows), Decimal(0)),
		"interest": sum((r["interest"] for r in rows), Decimal(0)),
		"indemnity": sum((r["indemnity"] for r in rows), Decimal(0)),
		"total": sum((r["total"] for r in rows), Decimal(0)),
		"indemnity_applies": debtor != B2C,
	}
