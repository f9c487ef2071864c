"""The arithmetic of late-payment interest, apart from the law that picks the rates (law.py).

Simple interest on the sum due: ``base × rate / 100 × days / 365``, the year always 365 days. The period is
cut into `Segment` values at each half-year (1 January, 1 July) and the day after each partial payment; the
rate of a segment comes from a callable given by the law. Segment interest is exact (34 significant digits);
rounding to the cent happens once, on the sum, in law.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

from relance_app.engine.errors import N_, EngineError
from relance_app.engine.law_text import json_ready
from relance_app.engine.rates import half_year_end, half_year_start, to_date, to_decimal

# L441-10 fixes an annual rate but no day count. The usual practice, followed here, is exact days over a
# 365-day year, leap years included: a day late costs the same in every year.
DAYS_IN_YEAR = 365

ONE_DAY = timedelta(days=1)
# Wide enough that base × rate × days is exact for any invoice, so only the final division ever rounds.
ARITHMETIC = Context(prec=34, rounding=ROUND_HALF_EVEN)

Payment = tuple[date, Decimal]


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
		return json_ready(self)


def parse_payments(payments: Iterable[tuple[date, Decimal | int | str | float]]) -> list[Payment]:
	"""``(date, amount)`` pairs checked and converted, in date order."""
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


def last_unpaid_day(principal: Decimal, payments: tuple[Payment, ...], until: date) -> date | None:
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


def segments(
	principal: Decimal,
	start: date,
	end: date,
	payments: tuple[Payment, ...],
	rate_for: Callable[[date], Decimal],
) -> tuple[Segment, ...]:
	"""Cut start..end at half-years and at the day after each payment; stop once nothing is outstanding.

	`rate_for` gets the first day of a half-year (1 January or 1 July) and returns its annual rate.
	"""
	found = []
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
				return tuple(found)
			if rate is None:
				rate = rate_for(half_year_start(period_start))
			days = (next_start - seg_start).days
			with localcontext(ARITHMETIC):
				interest = numerator(base, rate, days) / (100 * DAYS_IN_YEAR)
			found.append(Segment(seg_start, next_start - ONE_DAY, days, rate, base, interest))
		period_start = period_end + ONE_DAY
	return tuple(found)


def numerator(base: Decimal, rate: Decimal, days: int) -> Decimal:
	# Exact under ARITHMETIC; summing these before the one division keeps the total free of rounding drift.
	return base * rate * days


def exact_interest(of: Iterable[Segment]) -> Decimal:
	"""The exact interest of segments: their numerators summed, divided once."""
	with localcontext(ARITHMETIC):
		total = sum((numerator(s.base, s.rate, s.days) for s in of), Decimal(0))
		return total / (100 * DAYS_IN_YEAR)
