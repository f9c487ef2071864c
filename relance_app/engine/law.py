"""French late-payment penalties: what a debtor owes for paying one invoice (or one instalment) late.

The regime depends on who the debtor is.

Professional debtor (B2B), Code de commerce L441-10 II and D441-5:
- Penalties are due "sans qu'un rappel soit nécessaire": no reminder, no formal notice. They run from the
  day after the due date up to and including the payment date, so ``days = paid_on - due_date``; zero or
  fewer days means nothing at all is owed.
- The statutory rate is the ECB main refinancing rate plus 10 percentage points. For the days of the first
  half-year the ECB rate in force on 1 January applies, for the second the rate in force on 1 July; a
  period over several half-years takes each half-year's rate for its own days.
- The contract may set another rate, but L441-10 II forbids one "inférieur à trois fois le taux d'intérêt
  légal": it is checked against 3 × the legal rate of every half-year in which interest accrues and refused
  with `ContractualRateBelowFloor` if below (exactly at the floor is fine).
- A fixed recovery indemnity of €40 (D441-5) per late invoice. The engine is called once per invoice or per
  instalment, so each late instalment carries its own €40. It is due as soon as any part of the sum is paid
  late, is not reduced by partial payments, and carries no VAT (it compensates recovery costs, it is the
  price of no supply).

Consumer debtor (B2C), Code civil 1231-6 and 1344-1:
- Moratory interest at the legal rate runs only from the formal notice (mise en demeure): from the day after
  the later of the due date and the notice date. Without a notice date there is no interest, and a warning
  says why.
- The creditor is a business, so the rate is ``legal_rate_other`` of each half-year (see rates.py).
- Never the €40 indemnity: L441-10 and D441-5 govern relations between professionals only.
- A contractual rate, when the contract has one, replaces the legal rate. The 3 × floor of L441-10 II is a
  rule between professionals, so it is not applied. Interest still runs from the notice only.

Arithmetic, the same for both:
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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from types import MappingProxyType

from relance_app.engine.errors import N_, EngineError
from relance_app.engine.rates import (
	ECB_MAIN_REFINANCING,
	LEGAL_RATE_OTHER,
	EngineWarning,
	RateTable,
	RateTableError,
	half_year_end,
	half_year_label,
	half_year_start,
	load_default_rates,
	to_date,
	to_decimal,
)

B2B = "B2B"
B2C = "B2C"
DEBTORS: tuple[str, ...] = (B2B, B2C)

# Code de commerce L441-10 II: the statutory rate "est égal au taux d'intérêt appliqué par la Banque centrale
# européenne à son opération de refinancement la plus récente majoré de 10 points de pourcentage", the rate
# "en vigueur au 1er janvier" for the first half-year and "au 1er juillet" for the second.
STATUTORY_REFERENCE_KIND = ECB_MAIN_REFINANCING
STATUTORY_MARGIN_POINTS = Decimal("10")

# Code de commerce L441-10 II: a contractual rate may not be "inférieur à trois fois le taux d'intérêt légal".
CONTRACTUAL_FLOOR_MULTIPLIER = Decimal("3")

# The legal rate (Code monétaire et financier L313-2, arrêté semestriel) for creditors other than private
# persons: the creditor here is always a business. Used for B2C interest and for the B2B floor.
LEGAL_RATE_KIND = LEGAL_RATE_OTHER

# Code de commerce D441-5: "Le montant de l'indemnité forfaitaire pour frais de recouvrement [...] est fixé à
# 40 euros." Owed by professional debtors only, once per late invoice.
RECOVERY_INDEMNITY = Decimal("40.00")

# L441-10 fixes an annual rate but no day count. The usual practice, followed here, is exact days over a
# 365-day year, leap years included: a day late costs the same in every year.
DAYS_IN_YEAR = 365

LEGAL_BASIS: Mapping[str, tuple[str, ...]] = MappingProxyType(
	{
		B2B: ("Code de commerce L441-10 II", "Code de commerce D441-5"),
		B2C: ("Code civil 1231-6", "Code civil 1344-1"),
	}
)

CENT = Decimal("0.01")
NO_MONEY = Decimal("0.00")
ONE_DAY = timedelta(days=1)
# Wide enough that base × rate × days is exact for any invoice, so only the final division ever rounds.
_ARITHMETIC = Context(prec=34, rounding=ROUND_HALF_EVEN)

NO_NOTICE_WARNING = N_(
	"Consumer debtor: interest at the legal rate runs only from a formal notice (mise en demeure, Code civil "
	"1344-1); no notice date was given, so no interest was computed."
)
OVERPAID_WARNING = N_(
	"The payments up to {paid_on} total {paid}, more than the amount of {amount}; the base stops at zero."
)


class ContractualRateBelowFloor(EngineError):
	"""A B2B contractual rate below 3 × the legal rate of a half-year (Code de commerce L441-10 II)."""


__all__ = [
	"B2B",
	"B2C",
	"CONTRACTUAL_FLOOR_MULTIPLIER",
	"DAYS_IN_YEAR",
	"DEBTORS",
	"LEGAL_BASIS",
	"LEGAL_RATE_KIND",
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
class Segment:
	"""Days `start` to `end`, both included, on which `base` bore interest at `rate` % a year.

	`interest` is exact (``base × rate × days / 36500`` to 34 significant digits), not rounded to the cent.
	"""

	start: date
	end: date
	days: int
	rate: Decimal
	base: Decimal
	interest: Decimal

	def as_dict(self) -> dict[str, object]:
		return _json_ready(self)


@dataclass(frozen=True)
class PenaltyResult:
	"""What `late_payment_penalty` found; money rounded half-up to the cent except `interest_unrounded`.

	`days_late` counts the days after the due date, up to `paid_on`, on which some of the amount was still
	unpaid. For B2B it equals the interest-bearing days; for B2C interest may start later (formal notice).
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

	@property
	def interest_days(self) -> int:
		return sum(segment.days for segment in self.segments)

	def as_dict(self) -> dict[str, object]:
		"""JSON-ready: dates in ISO format, Decimals as strings (never floats), tuples as lists."""
		return _json_ready(self)


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
) -> PenaltyResult:
	"""The late-payment interest and indemnity owed on one invoice or instalment (module docstring: the law).

	`amount` is the sum due including VAT; `paid_on` the payment date, or for an unpaid invoice the date
	the computation is made "as of". `contractual_rate` is an annual percent replacing the statutory (B2B)
	or legal (B2C) rate. `payments` are ``(date, amount)`` partial payments. `notice_date` is the date of
	the formal notice, which starts B2C interest and is irrelevant for B2B. `rates` defaults to the shipped
	table.

	Amounts may be Decimals, ints, numeric strings or floats (taken through their shortest repr, see
	`rates.to_decimal`); dates may be ISO strings. Raises `EngineError` for inputs the law cannot apply to,
	`ContractualRateBelowFloor`, and `RateTableError` when the table has no rate for a half-year concerned.
	"""
	principal = to_decimal(amount, "The amount")
	if principal < 0:
		raise EngineError(N_("The amount cannot be negative ({amount})."), amount=principal)
	due = to_date(due_date, "The due date")
	until = to_date(paid_on, "The payment date")
	notice = None if notice_date is None else to_date(notice_date, "The notice date")
	if debtor not in DEBTORS:
		raise EngineError(
			N_("Unknown debtor type {debtor!r}: use B2B (professional) or B2C (consumer)."), debtor=debtor
		)
	agreed_rate = None
	if contractual_rate is not None:
		agreed_rate = to_decimal(contractual_rate, "The contractual rate")
		if agreed_rate < 0:
			raise EngineError(N_("The contractual rate cannot be negative ({rate} %)."), rate=agreed_rate)
	# A payment after paid_on happened after the period computed, so it cannot change it.
	counted = tuple(p for p in _parse_payments(payments) if p[0] <= until)
	table = rates if rates is not None else load_default_rates()

	warnings: list[EngineWarning] = []
	paid_total = sum((value for _, value in counted), Decimal(0))
	if paid_total > principal:
		warnings.append(EngineWarning(OVERPAID_WARNING, paid_on=until, paid=paid_total, amount=principal))

	last_unpaid = _last_unpaid_day(principal, counted, until)
	days_late = max(0, (last_unpaid - due).days) if last_unpaid is not None else 0

	start: date | None = due + ONE_DAY
	if debtor == B2C:
		start = None if notice is None else max(due, notice) + ONE_DAY
		if notice is None and days_late:
			warnings.append(EngineWarning(NO_NOTICE_WARNING))

	def rate_for(half_year: date) -> Decimal:
		rate, warning = _half_year_rate(half_year, debtor, agreed_rate, table)
		if warning is not None and warning not in warnings:
			warnings.append(warning)
		return rate

	segments: tuple[Segment, ...] = ()
	if start is not None and days_late:
		segments = _segments(principal, start, until, counted, rate_for)

	with localcontext(_ARITHMETIC):
		numerator = sum((_numerator(s.base, s.rate, s.days) for s in segments), Decimal(0))
		interest_unrounded = numerator / (100 * DAYS_IN_YEAR)
		interest = interest_unrounded.quantize(CENT, rounding=ROUND_HALF_UP)
	indemnity = RECOVERY_INDEMNITY if debtor == B2B and days_late else NO_MONEY
	return PenaltyResult(
		debtor=debtor,
		amount=principal,
		due_date=due,
		paid_on=until,
		days_late=days_late,
		segments=segments,
		interest_unrounded=interest_unrounded,
		interest=interest,
		indemnity=indemnity,
		total=interest + indemnity,
		warnings=tuple(warnings),
		legal_basis=LEGAL_BASIS[debtor],
		contractual_rate=agreed_rate,
		notice_date=notice,
	)


def _parse_payments(
	payments: Iterable[tuple[date, Decimal | int | str | float]],
) -> list[tuple[date, Decimal]]:
	parsed = []
	for payment in payments:
		try:
			when, value = payment
		except (TypeError, ValueError):
			raise EngineError(
				N_("A partial payment must be a (date, amount) pair, not {payment!r}."), payment=payment
			) from None
		day = to_date(when, "A payment date")
		paid = to_decimal(value, "A payment amount")
		if paid < 0:
			raise EngineError(
				N_("A partial payment cannot be negative ({amount} on {date})."), amount=paid, date=day
			)
		parsed.append((day, paid))
	return sorted(parsed)


def _last_unpaid_day(
	principal: Decimal, payments: tuple[tuple[date, Decimal], ...], until: date
) -> date | None:
	"""The last day up to `until` on which something is outstanding: the day of the payment that settles the
	amount (it is still owed until paid), else `until`. None when nothing is owed at all."""
	if principal <= 0:
		return None
	paid = Decimal(0)
	for day, value in payments:
		paid += value
		if paid >= principal:
			return day
	return until


def _segments(
	principal: Decimal,
	start: date,
	end: date,
	payments: tuple[tuple[date, Decimal], ...],
	rate_for: Callable[[date], Decimal],
) -> tuple[Segment, ...]:
	"""Cut start..end at half-years and at the day after each payment; stop once nothing is outstanding."""
	segments = []
	period_start = start
	while period_start <= end:
		period_end = min(end, half_year_end(period_start))
		# The rate is looked up (and a contractual rate checked) only for half-years that bear interest.
		rate: Decimal | None = None
		cuts = sorted(
			{day + ONE_DAY for day, value in payments if value and period_start <= day < period_end}
		)
		for seg_start, next_start in zip([period_start, *cuts], [*cuts, period_end + ONE_DAY], strict=True):
			base = principal - sum((value for day, value in payments if day < seg_start), Decimal(0))
			if base <= 0:
				# Payments only ever lower the base: nothing more can accrue.
				return tuple(segments)
			if rate is None:
				rate = rate_for(half_year_start(period_start))
			days = (next_start - seg_start).days
			with localcontext(_ARITHMETIC):
				interest = _numerator(base, rate, days) / (100 * DAYS_IN_YEAR)
			segments.append(Segment(seg_start, next_start - ONE_DAY, days, rate, base, interest))
		period_start = period_end + ONE_DAY
	return tuple(segments)


def _numerator(base: Decimal, rate: Decimal, days: int) -> Decimal:
	# Exact under _ARITHMETIC; summing these before the one division keeps the total free of rounding drift.
	return base * rate * days


def _half_year_rate(
	half_year: date, debtor: str, agreed_rate: Decimal | None, table: RateTable
) -> tuple[Decimal, EngineWarning | None]:
	"""The annual rate for the half-year starting on `half_year`, and the table's staleness warning if any."""
	if debtor == B2C:
		if agreed_rate is not None:
			return agreed_rate, None
		lookup = table.rate_in_force(LEGAL_RATE_KIND, half_year)
		return lookup.rate_percent, lookup.warning
	if agreed_rate is None:
		# Looked up on 1 January or 1 July itself: the rate "en vigueur" that day governs the half-year.
		lookup = table.rate_in_force(STATUTORY_REFERENCE_KIND, half_year)
		return lookup.rate_percent + STATUTORY_MARGIN_POINTS, lookup.warning
	lookup = table.rate_in_force(LEGAL_RATE_KIND, half_year)
	floor = CONTRACTUAL_FLOOR_MULTIPLIER * lookup.rate_percent
	if agreed_rate < floor:
		raise ContractualRateBelowFloor(
			N_(
				"The contractual rate of {rate} % is below the legal floor of {floor} % for {half_year} "
				"(3 × the legal rate of {legal_rate} %, Code de commerce L441-10 II)."
			),
			rate=agreed_rate,
			floor=floor,
			half_year=half_year_label(half_year),
			legal_rate=lookup.rate_percent,
		)
	return agreed_rate, lookup.warning


def _json_ready(value: object) -> object:
	if isinstance(value, Segment | PenaltyResult):
		return {f.name: _json_ready(getattr(value, f.name)) for f in fields(value)}
	if isinstance(value, Decimal):
		return format(value, "f")
	if isinstance(value, date):
		return value.isoformat()
	if isinstance(value, tuple | list):
		return [_json_ready(item) for item in value]
	if isinstance(value, str):
		return str(value)
	return value


# -- text rendering ----------------------------------------------------------------------------------------

_DEBTOR_LABELS = {B2B: "professional debtor (B2B)", B2C: "consumer debtor (B2C)"}


def describe(result: PenaltyResult) -> str:
	"""A plain-text account of `result`: the segments as a table, then the totals, basis and warnings."""
	lines = [
		f"Late-payment penalty, {_DEBTOR_LABELS[result.debtor]}",
		f"Amount incl. VAT {_money(result.amount)}, due {result.due_date.isoformat()}, "
		f"paid or as of {result.paid_on.isoformat()}: {result.days_late} day(s) late",
	]
	if result.contractual_rate is not None:
		lines.append(f"Contractual rate: {_rate(result.contractual_rate)} %")
	if result.debtor == B2C:
		notice = result.notice_date.isoformat() if result.notice_date else "none"
		lines.append(f"Formal notice (mise en demeure): {notice}")
	lines.append("")
	if result.segments:
		rows = [("Start", "End", "Days", "Rate %", "Base", "Interest")]
		rows += [
			(
				s.start.isoformat(),
				s.end.isoformat(),
				str(s.days),
				_rate(s.rate),
				_money(s.base),
				_money(s.interest),
			)
			for s in result.segments
		]
		rows.append(("Total", "", str(result.interest_days), "", "", _money(result.interest)))
		lines += _table(rows, right_aligned=(2, 3, 4, 5))
		lines.append("")
	else:
		lines.append("No interest-bearing days.")
	lines += _table(
		[
			("Interest", _money(result.interest)),
			("Recovery indemnity", _money(result.indemnity)),
			("Total", _money(result.total)),
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


def _money(value: Decimal) -> str:
	return format(value.quantize(CENT, rounding=ROUND_HALF_UP), "f")


def _rate(value: Decimal) -> str:
	# Rates are published with two decimals; show more only when the rate really has them.
	return format(value.quantize(CENT) if value == value.quantize(CENT) else value, "f")


def _table(rows: list[tuple[str, ...]], *, right_aligned: tuple[int, ...], header: bool = True) -> list[str]:
	widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

	def line(row: tuple[str, ...]) -> str:
		cells = (
			cell.rjust(width) if i in right_aligned else cell.ljust(width)
			for i, (cell, width) in enumerate(zip(row, widths, strict=True))
		)
		return "  " + "  ".join(cells).rstrip()

	rendered = [line(row) for row in rows]
	if header:
		rendered.insert(1, "  " + "  ".join("-" * width for width in widths))
	return rendered
