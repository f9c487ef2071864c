"""French-law penalties owed on ERPNext invoices: the ledger's instalments and the dunning policy's terms
(contractual rate, indemnity switch, one €40 per invoice or per instalment) fed to the engine
(`engine.law_invoice.invoice_penalty`, one call per invoice), in a fixed number of queries.

The letter, its Dunning, the penalty invoice and the covering email all count through `invoice_penalties`,
so they claim the same interest and the same number of €40 indemnities, and say on which basis.
"""

from __future__ import annotations

from collections import defaultdict
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
from relance_app.engine.law import B2C, NO_MONEY, RECOVERY_INDEMNITY, PenaltyResult
from relance_app.engine.law_invoice import (
	INDEMNITY_PER_INSTALMENT,
	INDEMNITY_PER_INVOICE,
	InvoicePenalty,
	invoice_penalty,
)
from relance_app.engine.plan import Instalment
from relance_app.penalties.ledger import InstalmentTerms, instalment_terms


@dataclass(frozen=True)
class PenaltyTerms:
	"""What the policy that duns an invoice says about penalties."""

	policy: str | None = None
	contractual_rate: float | None = None
	charge_indemnity: bool = True
	indemnity_per: str = INDEMNITY_PER_INVOICE


# Dunning Policy.indemnity_per -> the engine's basis.
INDEMNITY_PER = {"Invoice": INDEMNITY_PER_INVOICE, "Instalment": INDEMNITY_PER_INSTALMENT}


@dataclass(frozen=True)
class InvoiceClaim:
	"""The engine's result for one invoice, with the `Instalment.key` of each of its instalments, in order."""

	invoice: str
	keys: tuple[str, ...]
	penalty: InvoicePenalty

	def by_key(self) -> dict[str, PenaltyResult]:
		return dict(zip(self.keys, self.penalty.instalments, strict=True))


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
	items: Sequence[tuple[str, InstalmentTerms, date, date | None]], **options
) -> dict[str, PenaltyResult]:
	"""Per `Instalment.key`, the engine's result for that instalment (its share of the invoice's €40);
	`options` are `invoice_penalties`' (today, debtor, policy...)."""
	claims = invoice_penalties(items, **options)
	return {key: result for claim in claims.values() for key, result in claim.by_key().items()}


def invoice_penalties(
	items: Sequence[tuple[str, InstalmentTerms, date, date | None]],
	*,
	today: date,
	debtor: str,
	policy: str | None = None,
	policy_terms: dict[str, PenaltyTerms] | None = None,
	proceedings_date: date | None = None,
) -> dict[str, InvoiceClaim]:
	"""The engine over ``(key, terms, due date, notice date)`` items, one `invoice_penalty` call per invoice.

	The instalments of an invoice are given with the payments the ledger allocated to them; the engine
	allocates the same payments again, earliest instalment first, so it finds the same split. The notice date
	is the invoice's (the first formal notice naming it). Engine errors become translated errors.
	"""
	rates = get_rate_table()
	if policy_terms is None:
		policy_terms = load_penalty_terms({terms.invoice for _, terms, _, _ in items}, policy)
	by_invoice: dict[str, list] = defaultdict(list)
	for key, terms, due_date, notice in items:
		by_invoice[terms.invoice].append((key, terms, getdate(due_date), notice))
	claims = {}
	for invoice, rows in by_invoice.items():
		# The engine sorts the schedule by due date, keeping the order of equal dates: so do the keys.
		rows.sort(key=lambda row: row[2])
		penalty_terms = policy_terms.get(invoice, PenaltyTerms())
		notice = next((row[3] for row in rows if row[3]), None)
		try:
			result = invoice_penalty(
				[(due, terms.amount) for _, terms, due, _ in rows],
				today,
				payments=[payment for _, terms, _, _ in rows for payment in terms.payments],
				debtor=debtor,
				contractual_rate=penalty_terms.contractual_rate,
				notice_date=getdate(notice) if notice else None,
				proceedings_date=proceedings_date,
				indemnity_per=penalty_terms.indemnity_per,
				rates=rates,
			)
		except EngineError as exc:
			frappe.throw(
				_("Sales Invoice {0}: {1}").format(invoice, engine_message(exc)), DunningConfigurationError
			)
		if not penalty_terms.charge_indemnity and result.indemnity:
			result = replace(
				result,
				instalments=tuple(
					replace(r, indemnity=NO_MONEY, total=r.interest) for r in result.instalments
				),
				indemnity=NO_MONEY,
				indemnity_count=0,
				total=result.interest,
			)
		claims[invoice] = InvoiceClaim(invoice, tuple(row[0] for row in rows), result)
	return claims


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
			fields=[
				"name",
				"penalty_rate_type",
				"contractual_rate",
				"charge_recovery_indemnity",
				"indemnity_per",
			],
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
			indemnity_per=INDEMNITY_PER.get(row.indemnity_per or "Invoice", INDEMNITY_PER_INVOICE),
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
	notice_date: date | Mapping[str, date] | None = None,
	policy: str | None = None,
	formal_notice: bool = False,
) -> dict:
	"""What a reminder email says about penalties: interest and indemnities owed today on the instalments
	(partial payments from the Payment Ledger, the policy's rate, indemnity switch and basis), their sum, and
	the facts its wording needs.

	For a consumer, interest runs only from the first formal notice: unless `notice_date` is given, it is the
	first submitted notice naming each invoice, else today when this message goes with a formal notice
	(`formal_notice`), else none. So the email of a second notice claims what its letter claims.

	Keys: interest, indemnity, total (Decimals), indemnity_count, indemnity_unit, indemnity_per ("invoice" or
	"instalment"), indemnity_due (a professional or public debtor owes at least one €40 under the policy),
	debtor, warnings.
	"""
	today = getdate(today)
	if notice_date is None and debtor == B2C:
		notice_date = first_notice_dates(inst.invoice for inst in instalments)
		if formal_notice:
			notice_date = {inst.invoice: notice_date.get(inst.invoice, today) for inst in instalments}
	terms = instalment_terms((inst.invoice for inst in instalments), until=today)
	items = []
	for inst in instalments:
		found = terms.get((inst.invoice, inst.instalment))
		if found is None:
			continue
		notice = notice_date.get(inst.invoice) if isinstance(notice_date, Mapping) else notice_date
		items.append((inst.key, found, inst.due_date, min(notice, today) if notice else None))
	claims = invoice_penalties(items, today=today, debtor=debtor, policy=policy).values()
	return summarise(claims, debtor=debtor)


def summarise(claims: Iterable[InvoiceClaim], *, debtor: str) -> dict:
	"""The totals of invoice claims and the facts their wording needs (see `penalties_for`)."""
	claims = list(claims)
	interest = sum((c.penalty.interest for c in claims), Decimal(0))
	indemnity = sum((c.penalty.indemnity for c in claims), Decimal(0))
	count = sum(c.penalty.indemnity_count for c in claims)
	bases = {c.penalty.indemnity_per for c in claims if c.penalty.indemnity_count}
	warnings: list[str] = []
	for claim in claims:
		warnings.extend(w for w in claim.penalty.warnings if w not in warnings)
	return {
		"interest": interest,
		"indemnity": indemnity,
		"total": interest + indemnity,
		"indemnity_count": count,
		"indemnity_unit": RECOVERY_INDEMNITY,
		"indemnity_per": INDEMNITY_PER_INSTALMENT
		if INDEMNITY_PER_INSTALMENT in bases
		else INDEMNITY_PER_INVOICE,
		"indemnity_due": bool(count),
		"debtor": debtor,
		"warnings": warnings,
	}
