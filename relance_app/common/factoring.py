"""Factored invoices in the Frappe layer: the Factoring Contracts as the engine reads them, which invoice is
assigned to which contract (`Sales Invoice.dunning_factoring_contract`), and whom each invoice is paid to.

`payment_instructions` is the one place every message, letter, formal notice and the debtor page take their
payment details from: the company's account for its own invoices, the factor's account and subrogation
mention for factored ones, in separate groups (engine/payee.py says why one message keeps two groups rather
than being split in two).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import getdate, now_datetime
from frappe.utils.nestedset import get_ancestors_of

from relance_app.common.parties import company_details
from relance_app.engine.payee import (
	Contract,
	Payee,
	PaymentGroup,
	factor_collects,
	match_contract,
	payee_for,
	payment_groups,
)

CONTRACT_FIELD = "dunning_factoring_contract"
ASSIGNED_ENTRY_TYPE = "Assigned to Factor"
CONTRACT_FIELDS = (
	"name", "company", "factor_name", "factor_iban", "factor_bic", "factor_address", "subrogation_mention",
	"collected_by", "assignment", "customer", "customer_group", "enabled",
)  # fmt: skip
_CACHE_KEY = "relance_factoring_contracts"


def _to_contract(row) -> Contract:
	return Contract(
		name=row.name,
		company=row.company,
		factor_name=row.factor_name or row.name,
		iban=row.factor_iban or "",
		bic=row.factor_bic or "",
		address=row.factor_address or "",
		mention=row.subrogation_mention or "",
		collected_by=row.collected_by,
		assignment=row.assignment,
		customer=row.customer or "",
		customer_group=row.customer_group or "",
		enabled=bool(row.enabled),
	)


def contracts() -> dict[str, Contract]:
	"""Every Factoring Contract by name, read once per request (there are a handful)."""
	cache = frappe.local.cache
	if _CACHE_KEY not in cache:
		rows = frappe.get_all("Factoring Contract", fields=list(CONTRACT_FIELDS)) if _installed() else []
		cache[_CACHE_KEY] = {row.name: _to_contract(row) for row in rows}
	return cache[_CACHE_KEY]


def clear_contract_cache() -> None:
	frappe.local.cache.pop(_CACHE_KEY, None)


def _installed() -> bool:
	# Between an upgrade of the code and its migration, neither the doctype nor the field exist yet.
	return frappe.db.table_exists("Factoring Contract") and frappe.db.has_column(
		"Sales Invoice", CONTRACT_FIELD
	)


def invoice_contracts(invoices: Iterable[str]) -> dict[str, Contract]:
	"""The contract of each factored invoice among `invoices` (one query); the others are left out."""
	names = [name for name in dict.fromkeys(invoices) if name]
	if not names or not contracts():
		return {}
	rows = frappe.get_all(
		"Sales Invoice",
		filters={"name": ("in", names), CONTRACT_FIELD: ("is", "set")},
		fields=["name", CONTRACT_FIELD],
	)
	known = contracts()
	return {row.name: known[row[CONTRACT_FIELD]] for row in rows if row[CONTRACT_FIELD] in known}


def company_payee(company: str) -> Payee:
	details = company_details(company)
	return Payee(name=details["name"], iban=details["iban"], bic=details["bic"])


def payees_for(invoices: Iterable[str], company: str) -> dict[str, Payee]:
	"""Whom each invoice is paid to: its factor when factored, else the company."""
	names = list(dict.fromkeys(invoices))
	own = company_payee(company)
	factored = invoice_contracts(names)
	return {name: payee_for(own, factored.get(name)) for name in names}


def payment_instructions(rows: Iterable[tuple[str, str, Decimal]], company: str) -> list[dict]:
	"""(invoice, currency, outstanding) rows as payment instructions, one per payee, the company's first:
	name, iban, bic, address, mention (a factor's subrogation mention), is_factor, invoices, totals."""
	rows = list(rows)
	own = company_payee(company)
	factored = invoice_contracts(row[0] for row in rows)
	payee_of = {name: payee_for(own, contract) for name, contract in factored.items()}
	return [_as_dict(group) for group in payment_groups(rows, payee_of, own)]


def _as_dict(group: PaymentGroup) -> dict:
	payee = group.payee
	return {
		"name": payee.name,
		"iban": payee.iban,
		"bic": payee.bic,
		"address": payee.address,
		"mention": payee.mention,
		"is_factor": payee.is_factor,
		"contract": payee.contract,
		"invoices": list(group.invoices),
		"invoice_names": group.invoice_names,
		"totals": dict(group.totals),
	}


def factor_collected(invoices: Iterable[str]) -> dict[str, Contract]:
	"""The invoices among `invoices` whose factor does the dunning: the company sends them no reminder."""
	return {name: c for name, c in invoice_contracts(invoices).items() if factor_collects(c)}


def contract_by_rule(company: str, customer: str) -> str | None:
	"""The contract a newly submitted invoice of `customer` falls under by rule, or None."""
	known = [c for c in contracts().values() if c.company == company]
	if not known:
		return None
	group = frappe.db.get_value("Customer", customer, "customer_group")
	groups_up = [group, *get_ancestors_of("Customer Group", group)] if group else []
	found = match_contract(known, company=company, customer=customer, groups_up=groups_up)
	return found.name if found else None


def log_assigned_to_factor(invoices: dict[str, dict], today) -> int:
	"""One contact-log row per invoice the factor collects, once per (invoice, contract): the evidence of why
	the company's ladder sends it nothing. `invoices`: name -> {customer, customer_name, company, currency,
	outstanding_amount}. Returns the number of rows written.

	Status "Cancelled" (a step not taken on purpose) and not automatic: the row neither counts as a contact
	with the customer (minimum gap) nor as a ladder step, so an invoice taken back from the factor starts its
	ladder as if it had never been factored."""
	collected = factor_collected(invoices)
	if not collected:
		return 0
	keys = {name: f"factor:{name}:{contract.name}" for name, contract in collected.items()}
	done = set(
		frappe.get_all(
			"Dunning Contact Log",
			filters={"idempotency_key": ("in", list(keys.values()))},
			pluck="idempotency_key",
		)
	)
	written = 0
	stamp = now_datetime() if getdate(today) == getdate() else f"{getdate(today).isoformat()} 09:00:00"
	for name, contract in sorted(collected.items()):
		if keys[name] in done:
			continue
		row = invoices[name]
		frappe.get_doc(
			{
				"doctype": "Dunning Contact Log",
				"customer": row["customer"],
				"company": row.get("company"),
				"sales_invoice": name,
				"entry_type": ASSIGNED_ENTRY_TYPE,
				"direction": "Outbound",
				"status": "Cancelled",
				"contact_date": stamp,
				"is_automatic": 0,
				"outstanding_amount": row.get("outstanding_amount"),
				"currency": row.get("currency"),
				"idempotency_key": keys[name],
				"notes": _(
					"Assigned to factor {0} (Factoring Contract {1}), who collects it: the company sends no "
					"reminder for this invoice."
				).format(contract.factor_name, contract.name),
			}
		).insert(ignore_permissions=True)
		written += 1
	return written


def relance_factoring_mention(doc=None, *, invoice: str | None = None) -> str:
	"""The subrogation mention a factored invoice's print must carry ("" when not factored): a Jinja method
	for Sales Invoice print formats (templates/print_snippets/sales_invoice_factoring.html)."""
	name = doc.get(CONTRACT_FIELD) if doc is not None else None
	if doc is None and invoice:
		name = frappe.db.get_value("Sales Invoice", invoice, CONTRACT_FIELD)
	contract = contracts().get(name) if name else None
	if not contract:
		return ""
	company = doc.get("company") if doc is not None else contract.company
	return payee_for(company_payee(company), contract).mention


def with_payee(company: dict, payments: list[dict]) -> dict:
	"""The company's details as a message about these invoices may show them: when a factor is paid for any
	of them, `iban` and `bic` are the one payee's, or empty when there are several (the payment block then
	gives each payee with its invoices): a template written for one account never prints the company's
	account next to a factored invoice."""
	if not any(group["is_factor"] for group in payments):
		return company
	company = dict(company)
	single = payments[0] if len(payments) == 1 else {"iban": "", "bic": ""}
	company["iban"], company["bic"] = single["iban"], single["bic"]
	return company


def payment_block(payments: list[dict], language: str = "fr") -> str:
	"""The HTML a message about factored invoices ends with: the subrogation mention and, with several payees,
	one clearly separated instruction per payee and its invoices. "" when no invoice is factored."""
	if not any(group["is_factor"] for group in payments):
		return ""
	return frappe.render_template(
		"relance_app/templates/dunning/_factoring_payment.html",
		{"payments": payments, "fr": language != "en"},
	)


def without_factored(links: dict[str, str], payments: list[dict]) -> dict[str, str]:
	"""Payment links of the invoices paid to the company: an ERPNext Payment Request pays into the company's
	books, so a factored invoice is never offered one."""
	factored = {name for group in payments if group["is_factor"] for name in group["invoices"]}
	return {invoice: link for invoice, link in links.items() if invoice not in factored}


# Report filter "factoring" (Dunning Aged Receivables, Dunning Cash Forecast): stored in English.
OWN_RECEIVABLES = "Own Receivables"
FACTORED_ONLY = "Factored Only"
ALL_RECEIVABLES = "All"


def by_factoring(rows: list, filters) -> list:
	"""Report rows (each with the invoice's `name`) kept apart by factoring: by default the company's own
	receivables only, since a factored invoice is the factor's claim (subrogation) and its payment goes to the
	factor; "Factored Only" shows the others, "All" both."""
	choice = filters.get("factoring") or OWN_RECEIVABLES
	if choice == ALL_RECEIVABLES or not rows:
		return rows
	factored = set(invoice_contracts(row.name for row in rows))
	return [row for row in rows if (row.name in factored) == (choice == FACTORED_ONLY)]


def factor_collected_invoices(*, company: str | None = None, customer: str | None = None) -> list[dict]:
	"""The open invoices whose factor does the dunning (the company sends them nothing), for the worklist:
	name, customer, customer_name, outstanding_amount, currency, contract, factor_name."""
	collecting = [c.name for c in contracts().values() if factor_collects(c)]
	if not collecting:
		return []
	filters = {"docstatus": 1, "outstanding_amount": (">", 0), CONTRACT_FIELD: ("in", collecting)}
	if company:
		filters["company"] = company
	if customer:
		filters["customer"] = customer
	rows = frappe.get_all(
		"Sales Invoice",
		filters=filters,
		fields=["name", "customer", "customer_name", "outstanding_amount", "currency", CONTRACT_FIELD],
		order_by="due_date asc, name asc",
	)
	known = contracts()
	for row in rows:
		row["contract"] = row[CONTRACT_FIELD]
		row["factor_name"] = known[row[CONTRACT_FIELD]].factor_name
	return rows
