"""French-law penalties owed on ERPNext invoices: the ledger's instalments and the dunning policy's terms
(contractual rate, indemnity switch) fed to the engine (`engine.law`), in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Min
from frappe.utils import getdate

from relance_app.common.policy_store import resolve_policies
from relance_app.common.rate_store import get_rate_table
from relance_app.common.validation import DunningConfigurationError, engine_message
from relance_app.engine.errors import EngineError
from relance_app.engine.law import NO_MONEY, PenaltyResult, late_payment_penalty
from relance_app.engine.plan import Instalment
from relance_app.penalties.ledger import InstalmentTerms, instalment_terms


@dataclass(frozen=True)
class PenaltyTerms:
	"""What the policy that duns an invoice says about penalties."""

	policy: str | None = None
	contractual_rate: float | None = None
	charge_indemnity: bool = True


def penalties_for_instalment(
	inst: Instalment,
	*,
	today: date,
	debtor: str,
	notice_date: date | None = None,
	policy: str | None = None,
) -> PenaltyResult:
	"""The penalties owed today on one instalment, with its dated partial payments (see the module docstring).

	`policy` is a Dunning Policy name (or document); by default, the policy that duns the invoice.
	"""
	return penalties_for_instalments(
		[inst], today=today, debtor=debtor, notice_date=notice_date, policy=policy
	)[inst.key]


def penalties_for_instalments(
	instalments: Sequence[Instalment],
	*,
	today: date,
	debtor: str,
	notice_date: date | Mapping[str, date] | None = None,
	policy: str | None = None,
) -> dict[str, PenaltyResult]:
	"""`penalties_for_instalment` for many instalments in a fixed number of queries, keyed by `Instalment.key`.

	`notice_date` is one date for all, or a date per invoice name (the formal notice that starts consumer
	interest).
	"""
	today = getdate(today)
	terms = instalment_terms((inst.invoice for inst in instalments), until=today)
	items = []
	for inst in instalments:
		found = terms.get((inst.invoice, inst.instalment))
		if found is None:
			frappe.throw(
				_("Instalment {0} of Sales Invoice {1} was not found.").format(
					inst.instalment or 1, inst.invoice
				)
			)
		notice = notice_date.get(inst.invoice) if isinstance(notice_date, Mapping) else notice_date
		items.append((inst.key, found, inst.due_date, notice))
	return penalties_for_items(items, today=today, debtor=debtor, policy=policy)


def penalties_for_items(
	items: Sequence[tuple[str, InstalmentTerms, date, date | None]],
	*,
	today: date,
	debtor: str,
	policy: str | None = None,
	policy_terms: dict[str, PenaltyTerms] | None = None,
) -> dict[str, PenaltyResult]:
	"""The engine over ``(key, terms, due date, notice date)`` items; engine errors become translated errors."""
	rates = get_rate_table()
	if policy_terms is None:
		policy_terms = load_penalty_terms({terms.invoice for _, terms, _, _ in items}, policy)
	results = {}
	for key, terms, due_date, notice in items:
		penalty_terms = policy_terms.get(terms.invoice, PenaltyTerms())
		try:
			result = late_payment_penalty(
				terms.amount,
				getdate(due_date),
				today,
				debtor=debtor,
				contractual_rate=penalty_terms.contractual_rate,
				payments=terms.payments,
				notice_date=getdate(notice) if notice else None,
				rates=rates,
			)
		except EngineError as exc:
			frappe.throw(
				_("Sales Invoice {0}: {1}").format(terms.invoice, engine_message(exc)),
				DunningConfigurationError,
			)
		if not penalty_terms.charge_indemnity and result.indemnity:
			result = replace(result, indemnity=NO_MONEY, total=result.interest)
		results[key] = result
	return results


def load_penalty_terms(invoices: set[str], policy: str | None) -> dict[str, PenaltyTerms]:
	"""Per invoice, the penalty settings of `policy`, or of the policy that duns it (three queries + one)."""
	policy = getattr(policy, "name", policy)
	if policy:
		policy_of = dict.fromkeys(invoices, policy)
	else:
		rows = frappe.get_all(
			"Sales Invoice",
			filters={"name": ("in", sorted(invoices))},
			fields=["name", "company", "customer", "dunning_policy"],
		)
		policy_of = resolve_policies(rows)
	names = sorted({name for name in policy_of.values() if name})
	settings = {
		row.name: row
		for row in frappe.get_all(
			"Dunning Policy",
			filters={"name": ("in", names)},
			fields=["name", "penalty_rate_type", "contractual_rate", "charge_recovery_indemnity"],
		)
	}
	terms = {}
	for invoice, name in policy_of.items():
		row = settings.get(name)
		if row is None:
			# No policy: the law alone, statutory rate and indemnity.
			terms[invoice] = PenaltyTerms()
			continue
		terms[invoice] = PenaltyTerms(
			policy=name,
			contractual_rate=row.contractual_rate if row.penalty_rate_type == "Contractual" else None,
			charge_indemnity=bool(row.charge_recovery_indemnity),
		)
	return terms


def first_notice_dates(invoices: Iterable[str], *, exclude: str | None = None) -> dict[str, date]:
	"""Per invoice, the date of the first submitted formal notice (a Dunning of the French-law type) naming it.

	Consumer interest runs from the first notice: a second letter does not restart it (Code civil 1344-1).
	"""
	names = sorted(set(invoices))
	if not names:
		return {}
	dunning = DocType("Dunning")
	row = DocType("Overdue Payment")
	dunning_type = DocType("Dunning Type")
	query = (
		frappe.qb.from_(row)
		.join(dunning)
		.on((row.parent == dunning.name) & (row.parenttype == "Dunning"))
		.join(dunning_type)
		.on(dunning_type.name == dunning.dunning_type)
		.select(row.sales_invoice, Min(dunning.posting_date).as_("first_notice"))
		.where(row.sales_invoice.isin(names))
		.where(dunning.docstatus == 1)
		.where(dunning_type.dunning_formal_notice == 1)
		.groupby(row.sales_invoice)
	)
	if exclude:
		query = query.where(dunning.name != exclude)
	return {r.sales_invoice: getdate(r.first_notice) for r in query.run(as_dict=True)}


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
	results = penalties_for_instalments(
		instalments, today=today, debtor=debtor, notice_date=notice_date, policy=policy
	).values()
	interest = sum((r.interest for r in results), Decimal(0))
	indemnity = sum((r.indemnity for r in results), Decimal(0))
	warnings: list[str] = []
	for result in results:
		warnings.extend(w for w in result.warnings if w not in warnings)
	return {"interest": interest, "indemnity": indemnity, "total": interest + indemnity, "warnings": warnings}
