"""French late-payment penalties: what a debtor owes for paying one invoice (or one instalment) late.

Two entry points:

- `late_payment_penalty(amount, due_date, paid_on, ...)`: one sum due on one date (an invoice, or one
  instalment of it). Each late result carries its own €40 for professional and public debtors.
- `law_invoice.invoice_penalty(instalments, paid_on, ..., indemnity_per="invoice")`: a whole invoice and its
  schedule of instalments, with invoice-level payments allocated to the instalment due first, interest per
  instalment and the €40 counted once per invoice (default) or once per late instalment. The Frappe layer
  (formal notices) still calls `late_payment_penalty` per instalment and adds €40 each; it is meant to switch to
  `invoice_penalty`, which gives the count and the basis a letter needs ("40 € par facture" or "par échéance").
  `late_payment_penalty` keeps its signature; the keywords added since (`proceedings_date`) are optional.

The regime depends on who the debtor is (`debtor`: B2B, B2C or public).

Professional debtor (B2B), Code de commerce L441-10 II and D441-5:
- Penalties are due "sans qu'un rappel soit nécessaire": no reminder, no formal notice. They run from the
  day after the due date up to and including the payment date, so ``days = paid_on - due_date``; zero or
  fewer days means nothing at all is owed.
- The statutory rate is the ECB main refinancing rate plus 10 percentage points. For the days of the first
  half-year the ECB rate in force on 1 January applies, for the second the rate in force on 1 July; a
  period over several half-years takes each half-year's rate for its own days.
- The contract may set another rate, but L441-10 II forbids one "inférieur à trois fois le taux d'intérêt
  légal": in every half-year in which interest accrues, a contractual rate below 3 × that half-year's legal
  rate is replaced by that floor, and a warning names both rates so the letter and the user see it (exactly
  at the floor is fine). `ContractualRateBelowFloor` is no longer raised; it stays importable.
- A fixed recovery indemnity of €40 (D441-5) per invoice paid late (L441-10 II). It is due as soon as any
  part of the sum is paid late, is not reduced by partial payments, and carries no VAT (it compensates
  recovery costs, it is the price of no supply). For an invoice paid in instalments the CJEU (1 December 2022,
  C-370/21 DOMUS-Software; the issue also cites C-78/22) reads Directive 2011/7 as owing it for each late
  periodic payment: `invoice_penalty` offers that as the ``indemnity_per="instalment"`` option.

Public-body debtor, Code de la commande publique L2192-13, R2192-31 and D2192-35:
- Moratory interest runs from the day after the payment period ends (the due date) to the payment date,
  with no reminder.
- The rate is the ECB main refinancing rate in force on the first day of the half-year in which interest
  started to run (1 January or 1 July), plus 8 points, fixed for the whole period however many half-years
  it spans. The rate is set by the code: a contractual rate is not applied (a warning says so).
- The €40 recovery indemnity is due (D2192-35), as for B2B.

Consumer debtor (B2C), Code civil 1231-6 and 1344-1:
- Moratory interest at the legal rate runs only from the formal notice (mise en demeure): from the day after
  the later of the due date and the notice date. Without a notice date there is no interest, and a warning
  says why.
- The creditor is a business, so the rate is ``legal_rate_other`` of each half-year (see rates.py).
- Never the €40 indemnity: L441-10 and D441-5 govern relations between professionals only.
- A contractual rate, when the contract has one, replaces the legal rate; texts then name the contractual
  rate, never "the legal rate". The 3 × floor of L441-10 II is a rule between professionals, so it is not
  applied. Interest still runs from the notice only.

Collective proceedings (sauvegarde, redressement or liquidation judiciaire), `proceedings_date` = the day of
the opening judgment, for a claim born before it:
- The judgment stops interest (Code de commerce L622-28, applied by L631-14 and L641-3): interest runs up
  to and including the judgment day, as if the debt were paid that day; later payments change nothing.
- L441-10 II, last sentence: no €40 when the proceedings barred payment at the due date, i.e. when the
  judgment is on or before the due date. A judgment after the due date leaves the €40 due.
- A warning reminds that individual claims are stopped (L622-21): the creditor declares the claim to the
  mandataire judiciaire (L622-24) instead of sending a formal notice. The engine applies the stop for any
  debtor kind; it only ever lowers what is claimed.

Arithmetic, the same for all:
- Simple interest on the sum due, VAT included: ``base × rate / 100 × days / 365``. The year is always 365
  days, leap years included (see `DAYS_IN_YEAR`).
- Partial payments lower the base from the day after they are made: the part paid bears interest up to and
  including its payment date. A payment made before the first day of interest (on or before the due date,
  or for B2C before the notice takes effect) lowers the base from the start; payments after `paid_on` are
  ignored; the base never goes below zero.
- The period is cut into `Segment` values at each half-year (1 January, 1 July) and the day after each
  payment; days on which nothing is outstanding get no segment.
- Each segment keeps its exact interest (34 significant digits, not rounded to the cent). The interest due
  is the sum of those exact values rounded once, half-up, to the cent. A letter or `describe` shows the
  segments rounded to the cent for reading only, so their displayed sum may differ from the interest by a
  cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from relance_app.engine.errors import N_, EngineError
from relance_app.engine.law_interest import (
	DAYS_IN_YEAR,
	ONE_DAY,
	Segment,
	exact_interest,
	last_unpaid_day,
	parse_payments,
	segments,
)
from relance_app.engine.law_text import json_ready, money, rate_text, table
from relance_app.engine.rates import (
	ECB_MAIN_REFINANCING,
	LEGAL_RATE_OTHER,
	EngineWarning,
	RateTable,
	RateTableError,
	half_year_label,
	half_year_start,
	load_default_rates,
	to_date,
	to_decimal,
)

B2B = "B2B"
B2C = "B2C"
PUBLIC = "public"
DEBTORS: tuple[str, ...] = (B2B, B2C, PUBLIC)

# Code de commerce L441-10 II: the statutory rate "est égal au taux d'intérêt appliqué par la Banque centrale
# européenne à son opération de refinancement la plus récente majoré de 10 points de pourcentage", the rate
# "en vigueur au 1er janvier" for the first half-year and "au 1er juillet" for the second.
STATUTORY_REFERENCE_KIND = ECB_MAIN_REFINANCING
STATUTORY_MARGIN_POINTS = Decimal("10")

# Code de la commande publique R2192-31: the ECB main refinancing rate "en vigueur au premier jour du semestre
# de l'année civile au cours duquel les intérêts moratoires ont commencé à courir, majoré de huit points".
PUBLIC_MARGIN_POINTS = Decimal("8")

# Code de commerce L441-10 II: a contractual rate may not be "inférieur à trois fois le taux d'intérêt légal".
CONTRACTUAL_FLOOR_MULTIPLIER = Decimal("3")

# The legal rate (Code monétaire et financier L313-2, arrêté semestriel) for creditors other than private
# persons: the creditor here is always a business. Used for B2C interest and for the B2B floor.
LEGAL_RATE_KIND = LEGAL_RATE_OTHER

# Code de commerce D441-5 and Code de la commande publique D2192-35: "Le montant de l'indemnité forfaitaire
# pour frais de recouvrement [...] est fixé à 40 euros." Never owed by consumers.
RECOVERY_INDEMNITY = Decimal("40.00")
INDEMNITY_DEBTORS: tuple[str, ...] = (B2B, PUBLIC)

LEGAL_BASIS: Mapping[str, tuple[str, ...]] = MappingProxyType(
	{
		B2B: ("Code de commerce L441-10 II", "Code de commerce D441-5"),
		B2C: ("Code civil 1231-6", "Code civil 1344-1"),
		PUBLIC: (
			"Code de la commande publique L2192-13",
			"Code de la commande publique R2192-31",
			"Code de la commande publique D2192-35",
		),
	}
)
# Added to the legal basis when an opening judgment stopped the interest.
PROCEEDINGS_BASIS = "Code de commerce L622-28"

CENT = Decimal("0.01")
NO_MONEY = Decimal("0.00")

NO_NOTICE_WARNING = N_(
	"Consumer debtor: interest at the legal rate runs only from a formal notice (mise en demeure, Code civil "
	"1344-1); no notice date was given, so no interest was computed."
)
NO_NOTICE_CONTRACTUAL_WARNING = N_(
	"Consumer debtor: interest at the contractual rate runs only from a formal notice (mise en demeure, Code "
	"civil 1344); no notice date was given, so no interest was computed."
)
OVERPAID_WARNING = N_(
	"The payments up to {paid_on} total {paid}, more than the amount of {amount}; the base stops at zero."
)
BELOW_FLOOR_WARNING = N_(
	"The contractual rate of {rate} % is below the legal floor of {floor} % for {half_year} (3 × the legal "
	"rate of {legal_rate} %, Code de commerce L441-10 II); the floor of {floor} % was applied."
)
PUBLIC_CONTRACTUAL_WARNING = N_(
	"Public-body debtor: the moratory interest rate is set by the Code de la commande publique (R2192-31); "
	"the contractual rate of {rate} % was not applied."
)
PROCEEDINGS_WARNING = N_(
	"Collective proceedings opened on {judgment}: interest stops on that day (Code de commerce L622-28) and "
	"individual claims are stayed (L622-21); declare the claim to the mandataire judiciaire (L622-24)."
)
PROCEEDINGS_BARRED_WARNING = N_(
	"The proceedings opened on {judgment}, on or before the due date of {due_date}, barred payment when it "
	"fell due: no late-payment interest and no recovery indemnity (Code de commerce L441-10 II)."
)


class ContractualRateBelowFloor(EngineError):
	"""A B2B contractual rate below 3 × the legal rate; no longer raised (the floor applies, with a warning)."""


__all__ = [
	"B2B",
	"B2C",
	"CONTRACTUAL_FLOOR_MULTIPLIER",
	"DAYS_IN_YEAR",
	"DEBTORS",
	"INDEMNITY_DEBTORS",
	"LEGAL_BASIS",
	"LEGAL_RATE_KIND",
	"PUBLIC",
	"PUBLIC_MARGIN_POINTS",
	"RECOVERY_INDEMNITY",
	"STATUTORY_MARGIN_POINTS",
	"STATUTORY_REFERENCE_KIND",
	"ContractualRateBelowFloor",
	"EngineError",
	"PenaltyResult",
	"RateTableError",
	"Segment",
	"describe",
	"late_payment_penalty",
]


@dataclass(frozen=True)
class PenaltyResult:
	"""What `late_payment_penalty` found; money rounded half-up to the cent except `interest_unrounded`.

	`days_late` counts the days after the due date, up to `interest_until`, on which some of the amount was
	still unpaid. For B2B and public debtors it equals the interest-bearing days; for B2C interest may start
	later (formal notice).
	"""

	debtor: str
	amount: Decimal
	due_date: date
	paid_on: date
	days_late: int
	segments: tuple[Segment, ...]
	interest_unrounded: Decimal
	interest: Decimal
	indemnity: Decimal
	total: Decimal
	warnings: tuple[str, ...]
	legal_basis: tuple[str, ...]
	contractual_rate: Decimal | None = None
	notice_date: date | None = None
	proceedings_date: date | None = None

	@property
	def interest_days(self) -> int:
		return sum(segment.days for segment in self.segments)

	@property
	def interest_until(self) -> date:
		"""The last day interest may run: `paid_on`, or the opening judgment of collective proceedings."""
		if self.proceedings_date is not None and self.proceedings_date < self.paid_on:
			return self.proceedings_date
		return self.paid_on

	def as_dict(self) -> dict[str, object]:
		"""JSON-ready: dates in ISO format, Decimals as strings (never floats), tuples as lists."""
		return json_ready(self)


def late_payment_penalty(
	amount: Decimal | int | str | float,
	due_date: date,
	paid_on: date,
	*,
	debtor: str = B2B,
	contractual_rate: Decimal | int | str | float | None = None,
	payments: Iterable[tuple[date, Decimal | int | str | float]] = (),
	notice_date: date | None = None,
	rates: RateTable | None = None,
	proceedings_date: date | None = None,
) -> PenaltyResult:
	"""The late-payment interest and indemnity owed on one invoice or instalment (module docstring: the law).

	`amount` is the sum due including VAT; `paid_on` the payment date, or for an unpaid invoice the date
	the computation is made "as of". `debtor` is B2B, B2C or public. `contractual_rate` is an annual percent
	replacing the statutory (B2B) or legal (B2C) rate; a B2B one below the floor is raised to it with a
	warning, a public body's is not applied. `payments` are ``(date, amount)`` partial payments.
	`notice_date` is the date of the formal notice, which starts B2C interest and is irrelevant otherwise.
	`proceedings_date` is the opening judgment of collective proceedings. `rates` defaults to the shipped
	table.

	Amounts may be Decimals, ints, numeric strings or floats (taken through their shortest repr, see
	`rates.to_decimal`); dates may be ISO strings. Raises `EngineError` for inputs the law cannot apply to
	and `RateTableError` when the table has no rate for a half-year concerned.
	"""
	principal = to_decimal(amount, "The amount")
	if principal < 0:
		raise EngineError(N_("The amount cannot be negative ({amount})."), amount=principal)
	due = to_date(due_date, "The due date")
	paid = to_date(paid_on, "The payment date")
	notice = None if notice_date is None else to_date(notice_date, "The notice date")
	judgment = None if proceedings_date is None else to_date(proceedings_date, "The proceedings date")
	if debtor not in DEBTORS:
		raise EngineError(
			N_(
				"Unknown debtor type {debtor!r}: use B2B (professional), B2C (consumer) or public (public body)."
			),
			debtor=debtor,
		)
	agreed_rate = None
	if contractual_rate is not None:
		agreed_rate = to_decimal(contractual_rate, "The contractual rate")
		if agreed_rate < 0:
			raise EngineError(N_("The contractual rate cannot be negative ({rate} %)."), rate=agreed_rate)
	table = rates if rates is not None else load_default_rates()

	warnings: list[EngineWarning] = []

	def note(warning: EngineWarning | None) -> None:
		if warning is not None and warning not in warnings:
			warnings.append(warning)

	if debtor == PUBLIC and agreed_rate is not None:
		note(EngineWarning(PUBLIC_CONTRACTUAL_WARNING, rate=agreed_rate))
		agreed_rate = None

	# The opening judgment ends the period like a payment of everything on that day (L622-28).
	until = paid if judgment is None else min(paid, judgment)
	# A payment after the period computed cannot change it.
	counted = tuple(p for p in parse_payments(payments) if p[0] <= until)
	paid_total = sum((value for _, value in counted), Decimal(0))
	if paid_total > principal:
		note(EngineWarning(OVERPAID_WARNING, paid_on=until, paid=paid_total, amount=principal))

	last_unpaid = last_unpaid_day(principal, counted, until)
	days_late = max(0, (last_unpaid - due).days) if last_unpaid is not None else 0
	legal_basis = LEGAL_BASIS[debtor]
	if judgment is not None and judgment <= paid and paid_total < principal:
		# Something was still owed when the proceedings opened: the judgment, not a payment, ends the period.
		note(EngineWarning(PROCEEDINGS_WARNING, judgment=judgment.isoformat()))
		if judgment <= due:
			note(
				EngineWarning(
					PROCEEDINGS_BARRED_WARNING, judgment=judgment.isoformat(), due_date=due.isoformat()
				)
			)
		legal_basis = (*legal_basis, PROCEEDINGS_BASIS)

	start: date | None = due + ONE_DAY
	if debtor == B2C:
		start = None if notice is None else max(due, notice) + ONE_DAY
		if notice is None and days_late:
			note(EngineWarning(NO_NOTICE_WARNING if agreed_rate is None else NO_NOTICE_CONTRACTUAL_WARNING))

	def rate_for(half_year: date) -> Decimal:
		if debtor == PUBLIC:
			# Fixed for the whole period: the half-year in which interest started, not `half_year`.
			half_year = half_year_start(start)
		rate, found = _half_year_rate(half_year, debtor, agreed_rate, table)
		for warning in found:
			note(warning)
		return rate

	found_segments: tuple[Segment, ...] = ()
	if start is not None and days_late:
		found_segments = segments(principal, start, until, counted, rate_for)

	interest_unrounded = exact_interest(found_segments)
	interest = interest_unrounded.quantize(CENT, rounding=ROUND_HALF_UP)
	indemnity = RECOVERY_INDEMNITY if debtor in INDEMNITY_DEBTORS and days_late else NO_MONEY
	return PenaltyResult(
		debtor=debtor,
		amount=principal,
		due_date=due,
		paid_on=paid,
		days_late=days_late,
		segments=found_segments,
		interest_unrounded=interest_unrounded,
		interest=interest,
		indemnity=indemnity,
		total=interest + indemnity,
		warnings=tuple(warnings),
		legal_basis=legal_basis,
		contractual_rate=agreed_rate,
		notice_date=notice,
		proceedings_date=judgment,
	)


def _half_year_rate(
	half_year: date, debtor: str, agreed_rate: Decimal | None, table: RateTable
) -> tuple[Decimal, tuple[EngineWarning, ...]]:
	"""The annual rate for the half-year starting on `half_year`, and the warnings it comes with (a stale
	table, a contractual rate raised to the floor)."""
	if debtor == B2C:
		if agreed_rate is not None:
			return agreed_rate, ()
		lookup = table.rate_in_force(LEGAL_RATE_KIND, half_year)
		return lookup.rate_percent, _present(lookup.warning)
	if debtor == PUBLIC:
		lookup = table.rate_in_force(STATUTORY_REFERENCE_KIND, half_year)
		return lookup.rate_percent + PUBLIC_MARGIN_POINTS, _present(lookup.warning)
	if agreed_rate is None:
		# Looked up on 1 January or 1 July itself: the rate "en vigueur" that day governs the half-year.
		lookup = table.rate_in_force(STATUTORY_REFERENCE_KIND, half_year)
		return lookup.rate_percent + STATUTORY_MARGIN_POINTS, _present(lookup.warning)
	lookup = table.rate_in_force(LEGAL_RATE_KIND, half_year)
	floor = CONTRACTUAL_FLOOR_MULTIPLIER * lookup.rate_percent
	if agreed_rate >= floor:
		return agreed_rate, _present(lookup.warning)
	below = EngineWarning(
		BELOW_FLOOR_WARNING,
		rate=agreed_rate,
		floor=floor,
		half_year=half_year_label(half_year),
		legal_rate=lookup.rate_percent,
	)
	return floor, (*_present(lookup.warning), below)


def _present(warning: EngineWarning | None) -> tuple[EngineWarning, ...]:
	return () if warning is None else (warning,)


# -- text rendering ----------------------------------------------------------------------------------------

_DEBTOR_LABELS = {
	B2B: "professional debtor (B2B)",
	B2C: "consumer debtor (B2C)",
	PUBLIC: "public-body debtor",
}


def describe(result: PenaltyResult) -> str:
	"""A plain-text account of `result`: the segments as a table, then the totals, basis and warnings."""
	lines = [
		f"Late-payment penalty, {_DEBTOR_LABELS[result.debtor]}",
		f"Amount incl. VAT {money(result.amount)}, due {result.due_date.isoformat()}, "
		f"paid or as of {result.paid_on.isoformat()}: {result.days_late} day(s) late",
		rate_basis(result),
	]
	if result.debtor == B2C:
		notice = result.notice_date.isoformat() if result.notice_date else "none"
		lines.append(f"Formal notice (mise en demeure): {notice}")
	if result.proceedings_date is not None:
		lines.append(f"Collective proceedings opened: {result.proceedings_date.isoformat()}")
	lines.append("")
	if result.segments:
		rows = [("Start", "End", "Days", "Rate %", "Base", "Interest")]
		rows += [
			(
				s.start.isoformat(),
				s.end.isoformat(),
				str(s.days),
				rate_text(s.rate),
				money(s.base),
				money(s.interest),
			)
			for s in result.segments
		]
		rows.append(("Total", "", str(result.interest_days), "", "", money(result.interest)))
		lines += table(rows, right_aligned=(2, 3, 4, 5))
		lines.append("")
	else:
		lines.append("No interest-bearing days.")
	lines += table(
		[
			("Interest", money(result.interest)),
			("Recovery indemnity", money(result.indemnity)),
			("Total", money(result.total)),
		],
		right_aligned=(1,),
		header=False,
	)
	if len(result.segments) > 1:
		lines.append(
			"Segment interest is rounded for display; the interest is their exact sum, rounded once."
		)
	lines.append("Legal basis: " + "; ".join(result.legal_basis))
	lines += [f"Warning: {warning}" for warning in result.warnings]
	return "\n".join(lines) + "\n"


def rate_basis(result: PenaltyResult) -> str:
	"""One line saying which rate applies: a contractual rate is never called the legal rate."""
	if result.contractual_rate is not None:
		line = f"Contractual rate: {rate_text(result.contractual_rate)} %"
		if result.debtor == B2C:
			return line + ", from the formal notice"
		return line + " (never below 3 × the legal rate of each half-year)"
	if result.debtor == B2C:
		return "Rate: the legal interest rate of each half-year, from the formal notice"
	if result.debtor == PUBLIC:
		if not result.segments:
			return "Rate: ECB main refinancing rate + 8 points, fixed for the whole period"
		reference = half_year_start(result.segments[0].start)
		return (
			f"Rate: ECB main refinancing rate on {reference.isoformat()} + 8 points = "
			f"{rate_text(result.segments[0].rate)} %, fixed for the whole period"
		)
	return "Rate: ECB main refinancing rate on 1 January / 1 July + 10 points, per half-year"
