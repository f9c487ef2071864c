"""French late-payment penalties for a whole invoice and its schedule of instalments.

`invoice_penalty` runs `law.late_payment_penalty` on each instalment (the law itself is described in law.py)
and decides how many €40 recovery indemnities the invoice carries:

- ``indemnity_per="invoice"`` (the default): one €40 per invoice paid late (Code de commerce L441-10 II and
  D441-5, read invoice by invoice), however many of its instalments are late.
- ``indemnity_per="instalment"``: one €40 per instalment paid late. The CJEU (1 December 2022, C-370/21
  DOMUS-Software) reads Directive 2011/7 as owing it for each late payment when one contract calls for
  periodic payments; the issue also cites C-78/22. A creditor who relies on it chooses this option, and
  letters must then say "40 € par échéance", not "par facture": `InvoicePenalty.indemnity_per`,
  `indemnity_count` and `indemnity_basis` give the wording its facts.

Payments name the invoice, not an instalment: they pay the instalment due first (Code civil 1342-10), via
`allocation.allocate_payments`. Consumers never owe the indemnity; an instalment whose due date fell on or
after the opening of collective proceedings does not count (law.py).

Frappe layer: `formal_notice` still calls `late_payment_penalty` per instalment and adds €40 for each; switch
it to `invoice_penalty`, one call per invoice, and use each `InvoicePenalty.instalments[i]` for the Dunning's
per-instalment rows (their indemnities already add up to the invoice's).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from relance_app.engine.allocation import allocate_payments
from relance_app.engine.errors import N_, EngineError
from relance_app.engine.law import (
	B2B,
	B2C,
	LEGAL_BASIS,
	NO_MONEY,
	OVERPAID_WARNING,
	PUBLIC,
	RECOVERY_INDEMNITY,
	PenaltyResult,
	late_payment_penalty,
)
from relance_app.engine.law_interest import parse_payments
from relance_app.engine.law_text import json_ready, money, table
from relance_app.engine.rates import EngineWarning, RateTable, to_date, to_decimal

INDEMNITY_PER_INVOICE = "invoice"
INDEMNITY_PER_INSTALMENT = "instalment"
INDEMNITY_PER: tuple[str, ...] = (INDEMNITY_PER_INVOICE, INDEMNITY_PER_INSTALMENT)

# What a letter cites for the indemnity: the text that sets the €40, and for one per instalment the case law.
INDEMNITY_TEXTS = {
	B2B: ("Code de commerce D441-5",),
	PUBLIC: ("Code de la commande publique D2192-35",),
	B2C: (),
}
PER_INSTALMENT_CASE_LAW = "CJUE, 1er décembre 2022, C-370/21"

Amount = Decimal | int | str | float


@dataclass(frozen=True)
class InvoicePenalty:
	"""What `invoice_penalty` found for one invoice; money in euros, rounded to the cent.

	`instalments` are the per-instalment results in due-date order, each with the payments allocated to it;
	their `indemnity` is the share of the invoice's: with one €40 per invoice the earliest late instalment
	carries it and the others show 0, so `interest`, `indemnity` and `total` are always the sums of theirs.
	`indemnity_count` is how many €40 are owed, `late_instalments` how many instalments could carry one
	(paid late by a professional or public debtor, payment not barred by proceedings).
	"""

	debtor: str
	paid_on: date
	indemnity_per: str
	instalments: tuple[PenaltyResult, ...]
	interest: Decimal
	indemnity_unit: Decimal
	indemnity_count: int
	indemnity: Decimal
	total: Decimal
	late_instalments: int
	warnings: tuple[str, ...]
	legal_basis: tuple[str, ...]
	indemnity_basis: tuple[str, ...]

	@property
	def amount(self) -> Decimal:
		return sum((result.amount for result in self.instalments), Decimal(0))

	def as_dict(self) -> dict[str, object]:
		"""JSON-ready: dates in ISO format, Decimals as strings (never floats), tuples as lists."""
		return json_ready(self)


def invoice_penalty(
	instalments: Iterable[tuple[date, Amount]],
	paid_on: date,
	*,
	payments: Iterable[tuple[date, Amount]] = (),
	debtor: str = B2B,
	contractual_rate: Amount | None = None,
	notice_date: date | None = None,
	proceedings_date: date | None = None,
	indemnity_per: str = INDEMNITY_PER_INVOICE,
	rates: RateTable | None = None,
) -> InvoicePenalty:
	"""The late-payment interest and indemnities owed on one invoice paid in `instalments`.

	`instalments` are ``(due_date, amount incl. VAT)`` pairs, the invoice's payment schedule (one pair for an
	invoice due at once). `payments` are the dated payments made on the invoice as a whole; they pay the
	instalment due first. `paid_on`, `debtor`, `contractual_rate`, `notice_date`, `proceedings_date` and
	`rates` are as for `late_payment_penalty`; `indemnity_per` is "invoice" (default) or "instalment".
	Raises `EngineError` for inputs the law cannot apply to, `RateTableError` for a missing rate.
	"""
	if indemnity_per not in INDEMNITY_PER:
		raise EngineError(
			N_("Unknown indemnity basis {value!r}: use invoice or instalment."), value=indemnity_per
		)
	schedule = _schedule(instalments)
	until = to_date(paid_on, "The payment date")
	counted = [(day, value) for day, value in parse_payments(payments) if day <= until]
	allocated = allocate_payments([amount for _, amount in schedule], counted)

	results = [
		late_payment_penalty(
			amount,
			due,
			until,
			debtor=debtor,
			contractual_rate=contractual_rate,
			payments=paid,
			notice_date=notice_date,
			rates=rates,
			proceedings_date=proceedings_date,
		)
		for (due, amount), paid in zip(schedule, allocated, strict=True)
	]
	late = [index for index, result in enumerate(results) if result.indemnity]
	carriers = late[:1] if indemnity_per == INDEMNITY_PER_INVOICE else late
	results = [
		result if index in carriers else replace(result, indemnity=NO_MONEY, total=result.interest)
		for index, result in enumerate(results)
	]

	warnings: list[str] = []
	total_due = sum((amount for _, amount in schedule), Decimal(0))
	paid_total = sum((value for _, value in counted), Decimal(0))
	if paid_total > total_due:
		warnings.append(EngineWarning(OVERPAID_WARNING, paid_on=until, paid=paid_total, amount=total_due))
	for warning in (w for result in results for w in result.warnings):
		if warning not in warnings:
			warnings.append(warning)
	legal_basis = (
		tuple(dict.fromkeys(b for result in results for b in result.legal_basis)) or LEGAL_BASIS[debtor]
	)

	interest = sum((result.interest for result in results), Decimal(0))
	indemnity = sum((result.indemnity for result in results), Decimal(0))
	indemnity_basis = INDEMNITY_TEXTS[debtor]
	if indemnity_per == INDEMNITY_PER_INSTALMENT and indemnity_basis:
		indemnity_basis = (*indemnity_basis, PER_INSTALMENT_CASE_LAW)
	return InvoicePenalty(
		debtor=debtor,
		paid_on=until,
		indemnity_per=indemnity_per,
		instalments=tuple(results),
		interest=interest,
		indemnity_unit=RECOVERY_INDEMNITY,
		indemnity_count=len(carriers),
		indemnity=indemnity,
		total=interest + indemnity,
		late_instalments=len(late),
		warnings=tuple(warnings),
		legal_basis=legal_basis,
		indemnity_basis=indemnity_basis,
	)


def _schedule(instalments: Iterable[tuple[date, Amount]]) -> list[tuple[date, Decimal]]:
	"""The instalments checked and in due-date order (a stable sort keeps the order of equal dates)."""
	schedule = []
	for instalment in instalments:
		try:
			due, amount = instalment
		except (TypeError, ValueError):
			raise EngineError(
				N_("An instalment must be a (due date, amount) pair, not {instalment!r}."),
				instalment=instalment,
			) from None
		value = to_decimal(amount, "An instalment amount")
		if value < 0:
			raise EngineError(N_("An instalment amount cannot be negative ({amount})."), amount=value)
		schedule.append((to_date(due, "An instalment due date"), value))
	if not schedule:
		raise EngineError(N_("An invoice needs at least one instalment (due date and amount)."))
	return sorted(schedule, key=lambda row: row[0])


# -- text rendering ----------------------------------------------------------------------------------------


def describe_invoice(result: InvoicePenalty) -> str:
	"""A plain-text account of `result`: one row per instalment, then the totals, basis and warnings."""
	lines = [
		f"Late-payment penalty for an invoice of {len(result.instalments)} instalment(s), {result.debtor} debtor",
		f"Amount incl. VAT {money(result.amount)}, paid or as of {result.paid_on.isoformat()}",
		"",
	]
	rows = [("Due", "Amount", "Days late", "Interest", "Indemnity")]
	rows += [
		(r.due_date.isoformat(), money(r.amount), str(r.days_late), money(r.interest), money(r.indemnity))
		for r in result.instalments
	]
	rows.append(("Total", money(result.amount), "", money(result.interest), money(result.indemnity)))
	lines += table(rows, right_aligned=(1, 2, 3, 4))
	lines.append("")
	basis = "per invoice" if result.indemnity_per == INDEMNITY_PER_INVOICE else "per late instalment"
	lines += table(
		[
			("Interest", money(result.interest)),
			(
				f"Recovery indemnity ({result.indemnity_count} × {money(result.indemnity_unit)}, {basis})",
				money(result.indemnity),
			),
			("Total", money(result.total)),
		],
		right_aligned=(1,),
		header=False,
	)
	lines.append("Legal basis: " + "; ".join(result.legal_basis))
	if result.indemnity_basis:
		lines.append("Indemnity basis: " + "; ".join(result.indemnity_basis))
	lines += [f"Warning: {warning}" for warning in result.warnings]
	return "\n".join(lines) + "\n"


__all__ = [
	"INDEMNITY_PER",
	"INDEMNITY_PER_INSTALMENT",
	"INDEMNITY_PER_INVOICE",
	"InvoicePenalty",
	"describe_invoice",
	"invoice_penalty",
]
