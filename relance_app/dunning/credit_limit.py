"""Insured credit limits: a customer a Credit Insurance Policy covers, against the limit the insurer grants,
from the company's receivable (Payment Ledger, in the company's currency) plus the document being entered.

Only ever a warning: being over the limit means the part above it is not insured, not that the sale is
forbidden. The document event (`warn_on_new_document`) never raises: an error here is logged and the user's
transaction goes on.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Sum
from frappe.utils import getdate, nowdate

from relance_app.common.invoices import to_money
from relance_app.dunning.insurance import customer_groups, enabled_policies
from relance_app.engine.insurance import covering_row, over_limit


def credit_positions(customer: str, today: date | None = None, *, company: str | None = None) -> list[dict]:
	"""Per company whose valid policy covers the customer: the insured limit, the receivable and whether it is
	over the limit."""
	today = getdate(today or nowdate())
	groups = customer_groups({customer}).get(customer, [])
	positions, seen = [], set()
	for policy in enabled_policies(company):
		if policy.company in seen or not _valid_on(policy, today):
			continue
		party = covering_row(policy.rows, customer, groups)
		if party is None:
			continue
		seen.add(policy.company)
		outstanding = receivable(customer, policy.company)
		positions.append(
			{
				"company": policy.company,
				"policy": policy.name,
				"insurer": policy.insurer,
				"policy_number": policy.policy_number,
				"credit_limit": party.credit_limit,
				"outstanding": outstanding,
				"currency": frappe.get_cached_value("Company", policy.company, "default_currency"),
				"over_limit": over_limit(party.credit_limit, outstanding),
			}
		)
	return positions


def receivable(customer: str, company: str) -> Decimal:
	"""What the customer owes the company (receivable accounts, net of unallocated advances), in the
	company's currency."""
	ple = DocType("Payment Ledger Entry")
	total = (
		frappe.qb.from_(ple)
		.select(Sum(ple.amount))
		.where(ple.party_type == "Customer")
		.where(ple.party == customer)
		.where(ple.company == company)
		.where(ple.account_type == "Receivable")
		.where(ple.delinked == 0)
		.run()
	)[0][0]
	return to_money(total)


def warn_on_new_document(doc) -> None:
	"""A message (not an error) when a new Sales Order or Sales Invoice takes a covered customer over its
	insured credit limit. Never raises."""
	try:
		if not doc.is_new() or doc.get("is_return") or not doc.customer or not doc.company:
			return
		positions = credit_positions(
			doc.customer, getdate(doc.get("posting_date") or doc.get("transaction_date")), company=doc.company
		)
		if not positions:
			return
		position = positions[0]
		total = position["outstanding"] + to_money(
			doc.get("base_grand_total") or doc.get("base_rounded_total")
		)
		if not over_limit(position["credit_limit"], total):
			return
		frappe.msgprint(
			_(
				"{0} is over its insured credit limit: {1} receivable with this document, limit {2} ({3}, "
				"policy {4}). The part above the limit is not insured."
			).format(
				frappe.bold(doc.get("customer_name") or doc.customer),
				_money(total, position["currency"]),
				_money(position["credit_limit"], position["currency"]),
				position["insurer"],
				position["policy_number"],
			),
			title=_("Credit insurance"),
			indicator="orange",
		)
	except Exception:
		frappe.log_error(
			title=_("Credit limit not checked for {0}").format(doc.get("customer")),
			reference_doctype=doc.doctype,
		)


def _valid_on(policy, day: date) -> bool:
	return getdate(policy.valid_from) <= day and (not policy.valid_to or day <= getdate(policy.valid_to))


def _money(amount: Decimal, currency: str) -> str:
	return frappe.format_value(amount, {"fieldtype": "Currency", "options": currency}, currency=currency)
