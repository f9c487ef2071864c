"""The rendering context of a reminder, built from ERPNext data (see engine/render.py for its contract).

The payment deadline of a formal-notice level is the letter's (`formal_notice.letter.notice_deadline`: from
receipt, two working days after sending), so the covering email and the letter state the same date; other
levels ask for payment `payment_deadline_days` after the message. What the law lets a message say about
penalties (debtor kind, whether the policy charges the €40 and on which basis) is in ``late_payment``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal

import frappe
from frappe.utils import getdate

from relance_app.common.factoring import payment_instructions, with_payee, without_factored
from relance_app.common.invoices import to_money
from relance_app.common.parties import company_details, customer_details, dunning_language, payment_links
from relance_app.common.portal_links import portal_url
from relance_app.engine.law import B2B, PUBLIC
from relance_app.engine.law_invoice import INDEMNITY_PER_INSTALMENT, INDEMNITY_PER_INVOICE
from relance_app.engine.plan import Instalment
from relance_app.engine.policy import Level
from relance_app.formal_notice.letter import notice_deadline
from relance_app.penalties.compute import load_penalty_terms, penalties_for


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
	# Whom to pay, per invoice: a factored invoice's factor (common.factoring), never the company's account,
	# nor the company's online payment (a Payment Request pays into the company's books).
	payments = payment_instructions(
		((inst.invoice, inst.currency, inst.outstanding) for inst in instalments), company
	)
	links = without_factored(payment_links(inst.invoice for inst in instalments), payments)
	# A copy: company_details is cached for the whole run, and callers adjust the context they get back.
	company_info = copy.deepcopy(company_details(company))
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
				"grand_total": to_money(row.get("grand_total")),
				"outstanding": inst.outstanding,
				"currency": inst.currency,
				"days_overdue": max(0, (today - inst.due_date).days),
				"instalment": inst.instalment,
				"payment_link": links.get(inst.invoice, ""),
			}
		)
	total = sum((inst.outstanding for inst in instalments), Decimal(0))
	debtor = customer_info["debtor"]
	penalties = None
	if level.include_penalties:
		penalties = penalties_for(
			instalments, today=today, debtor=debtor, policy=policy, formal_notice=level.formal_notice
		)
	if level.formal_notice:
		# The letter's own date: the deadline runs from receipt of the registered letter.
		deadline = notice_deadline(today, level.payment_deadline_days)[1]
	else:
		deadline = today + timedelta(days=level.payment_deadline_days)
	distinct_links = {link for link in links.values() if link}
	company_info = with_payee(company_info, payments)
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
		"payment_deadline": deadline,
		"payment_link": next(iter(distinct_links)) if len(distinct_links) == 1 else "",
		# The customer's personal page (pay, promise, dispute): a signed link, valid portal_link_days.
		"portal_link": portal_url(customer, company, policy),
		"iban": company_info["iban"],
		"bic": company_info["bic"],
		"payments": payments,
		"penalties": penalties,
		"late_payment": late_payment(debtor, {inst.invoice for inst in instalments}, policy),
		"sender": sender or company_info["name"],
		# The customer's dunning language (its own, else the company's): which shipped template is sent, and
		# how its amounts and dates are written (dunning.messages).
		"language": dunning_language(customer, company),
		"broken_promise": broken_promise,
	}


def late_payment(debtor: str, invoices: set[str], policy: str | None) -> dict:
	"""What a reminder may recall about late-payment penalties, before any is claimed: the debtor kind, and
	whether the policy charges the €40 recovery indemnity (professionals and public bodies only; D441-5,
	D2192-35) and per invoice or per instalment. Consumers cost no query: they never owe it."""
	charged, per = False, INDEMNITY_PER_INVOICE
	if debtor in (B2B, PUBLIC) and invoices:
		terms = load_penalty_terms(invoices, policy).values()
		charged = any(t.charge_indemnity for t in terms)
		if any(t.charge_indemnity and t.indemnity_per == INDEMNITY_PER_INSTALMENT for t in terms):
			per = INDEMNITY_PER_INSTALMENT
	return {
		"debtor": debtor,
		"is_professional": debtor == B2B,
		"indemnity_charged": charged,
		"indemnity_per": per,
	}


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
