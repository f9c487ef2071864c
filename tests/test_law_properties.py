"""Properties of French late-payment penalties (relance_app.engine.law), against a day-by-day oracle.

The oracle's rates are read by hand off relance_app/engine/data/fr_late_payment_rates.csv, independently of
the engine (see the tables below).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from relance_app.engine.law import PenaltyResult, late_payment_penalty

D = Decimal

# -- properties --------------------------------------------------------------------------------------------

FIRST_DUE = date(2015, 1, 1)  # legal rates start then; the ECB row of 2014-09-10 governs 2015-H1
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, database=None)

amounts = st.decimals(min_value=0, max_value=1_000_000, places=2)
due_dates = st.dates(min_value=FIRST_DUE, max_value=date(2026, 12, 31))
day_counts = st.integers(min_value=-30, max_value=800)
# (days after the due date, amount); negative: paid before the due date
payment_offsets = st.lists(
	st.tuples(
		st.integers(min_value=-60, max_value=800), st.decimals(min_value=0, max_value=600_000, places=2)
	),
	max_size=4,
)
notice_offsets = st.one_of(st.none(), st.integers(min_value=-30, max_value=400))
debtors = st.sampled_from(["B2B", "B2C", "public"])

# Hand-read from the CSV, independent of the engine: the rate of each half-year, by (year, half).
B2B_RATES = {(y, h): D("10.00") for y in range(2016, 2022) for h in (1, 2)} | {
	(2015, 1): D("10.05"),  # ECB 0.05 from 2014-09-10
	(2015, 2): D("10.05"),
	(2016, 1): D("10.05"),  # still 0.05 on 1 Jan 2016 (0.00 from 16 Mar 2016)
	(2022, 1): D("10.00"),  # ECB 0.00 from 2016-03-16
	(2022, 2): D("10.00"),  # ECB still 0.00 on 1 Jul 2022 (0.50 from 27 Jul)
	(2023, 1): D("12.50"),
	(2023, 2): D("14.00"),
	(2024, 1): D("14.50"),
	(2024, 2): D("14.25"),
	(2025, 1): D("13.15"),
	(2025, 2): D("12.15"),
	(2026, 1): D("12.15"),
}
LEGAL_RATES = {
	(2015, 1): D("0.93"), (2015, 2): D("0.99"), (2016, 1): D("1.01"), (2016, 2): D("0.93"),
	(2017, 1): D("0.90"), (2017, 2): D("0.90"), (2018, 1): D("0.89"), (2018, 2): D("0.88"),
	(2019, 1): D("0.86"), (2019, 2): D("0.87"), (2020, 1): D("0.87"), (2020, 2): D("0.84"),
	(2021, 1): D("0.79"), (2021, 2): D("0.76"), (2022, 1): D("0.76"), (2022, 2): D("0.77"),
	(2023, 1): D("2.06"), (2023, 2): D("4.22"), (2024, 1): D("5.07"), (2024, 2): D("4.92"),
	(2025, 1): D("3.71"), (2025, 2): D("2.76"), (2026, 1): D("2.62"),
}  # fmt: skip


def oracle_rate(debtor: str, day: date, due: date) -> Decimal:
	if debtor == "public":
		# R2192-31: ECB + 8, that is the B2B rate - 2, of the half-year in which interest started, fixed.
		return oracle_rate("B2B", due + timedelta(days=1), due) - 2
	key = (day.year, 1 if day.month <= 6 else 2)
	table = B2B_RATES if debtor == "B2B" else LEGAL_RATES
	# past the table: the last known rate (2026-H1) carries on
	return table.get(key, table[(2026, 1)])


def outstanding(amount: Decimal, payments: Payments, day: date) -> Decimal:
	return max(D(0), amount - sum((value for when, value in payments if when < day), D(0)))


def interest_days(debtor: str, due: date, paid: date, notice: date | None) -> list[date]:
	"""Every day that may bear interest, one by one."""
	if debtor == "B2C":
		if notice is None:
			return []
		due = max(due, notice)
	return [due + timedelta(days=n) for n in range(1, (paid - due).days + 1)]


Payments = list[tuple[date, Decimal]]
Offsets = list[tuple[int, Decimal]]


def call(
	amount: Decimal,
	due: date,
	paid: date,
	payments: Payments,
	debtor: str = "B2B",
	notice: date | None = None,
) -> PenaltyResult:
	return late_payment_penalty(amount, due, paid, debtor=debtor, payments=payments, notice_date=notice)


def dated(due: date, offsets: Offsets) -> Payments:
	return [(due + timedelta(days=n), value) for n, value in offsets]


@PROPERTY_SETTINGS
@given(amounts, due_dates, day_counts, payment_offsets, debtors, notice_offsets)
def test_property_matches_a_day_by_day_computation(
	amount: Decimal, due: date, late: int, offsets: Offsets, debtor: str, notice_after: int | None
) -> None:
	payments = dated(due, offsets)
	paid = due + timedelta(days=late)
	notice = None if notice_after is None else due + timedelta(days=notice_after)
	result = call(amount, due, paid, payments, debtor, notice)
	counted = [(when, value) for when, value in payments if when <= paid]
	exact = (
		sum(
			(
				Fraction(outstanding(amount, counted, day) * oracle_rate(debtor, day, due))
				for day in interest_days(debtor, due, paid, notice)
			),
			Fraction(0),
		)
		/ 36500
	)
	assert abs(Fraction(result.interest_unrounded) - exact) < Fraction(1, 10**20)
	# half-up to the cent, done on the exact fraction
	cents = (exact * 100 + Fraction(1, 2)).__floor__()
	assert result.interest == D(cents) / 100


@PROPERTY_SETTINGS
@given(amounts, due_dates, day_counts, payment_offsets, debtors, notice_offsets)
def test_property_never_negative(
	amount: Decimal, due: date, late: int, offsets: Offsets, debtor: str, notice_after: int | None
) -> None:
	notice = None if notice_after is None else due + timedelta(days=notice_after)
	result = call(amount, due, due + timedelta(days=late), dated(due, offsets), debtor, notice)
	assert result.interest >= 0 and result.indemnity >= 0 and result.total >= 0 and result.days_late >= 0
	assert all(s.base > 0 and s.days > 0 and s.interest >= 0 and s.rate >= 0 for s in result.segments)


@PROPERTY_SETTINGS
@given(
	amounts,
	due_dates,
	day_counts,
	st.integers(min_value=0, max_value=400),
	payment_offsets,
	debtors,
	notice_offsets,
)
def test_property_monotone_in_the_payment_date(
	amount: Decimal, due: date, late: int, more: int, offsets: Offsets, debtor: str, notice_after: int | None
) -> None:
	payments = dated(due, offsets)
	notice = None if notice_after is None else due + timedelta(days=notice_after)
	earlier = call(amount, due, due + timedelta(days=late), payments, debtor, notice)
	later = call(amount, due, due + timedelta(days=late + more), payments, debtor, notice)
	assert earlier.interest_unrounded <= later.interest_unrounded
	assert earlier.interest <= later.interest
	assert earlier.total <= later.total
	assert earlier.days_late <= later.days_late


@PROPERTY_SETTINGS
@given(
	amounts,
	due_dates,
	st.integers(min_value=0, max_value=800),
	st.data(),
	payment_offsets,
	# not public: its rate is fixed by where the period starts, which a split moves
	st.sampled_from(["B2B", "B2C"]),
	notice_offsets,
)
def test_property_additive_across_a_split_of_the_period(
	amount: Decimal,
	due: date,
	late: int,
	data: st.DataObject,
	offsets: Offsets,
	debtor: str,
	notice_after: int | None,
) -> None:
	payments = dated(due, offsets)
	notice = None if notice_after is None else due + timedelta(days=notice_after)
	paid = due + timedelta(days=late)
	split = due + timedelta(days=data.draw(st.integers(min_value=0, max_value=late)))
	whole = call(amount, due, paid, payments, debtor, notice)
	# the second part starts "due" on the split day: payments made by then lower its base from its start
	first = call(amount, due, split, payments, debtor, notice)
	second = call(amount, split, paid, payments, debtor, notice)
	assert abs(whole.interest_unrounded - (first.interest_unrounded + second.interest_unrounded)) < D("1e-20")
	assert abs(whole.interest - (first.interest + second.interest)) <= D("0.01")
	assert whole.interest_days == first.interest_days + second.interest_days


@PROPERTY_SETTINGS
@given(amounts, due_dates, day_counts, payment_offsets, debtors, notice_offsets)
def test_property_indemnity_is_40_per_late_b2b_invoice_and_never_b2c(
	amount: Decimal, due: date, late: int, offsets: Offsets, debtor: str, notice_after: int | None
) -> None:
	notice = None if notice_after is None else due + timedelta(days=notice_after)
	result = call(amount, due, due + timedelta(days=late), dated(due, offsets), debtor, notice)
	if debtor in ("B2B", "public"):
		assert result.indemnity == (D("40") if result.days_late > 0 else D("0"))
		assert result.days_late <= max(late, 0)
	else:
		assert result.indemnity == 0
	assert result.total == result.interest + result.indemnity


@PROPERTY_SETTINGS
@given(amounts, due_dates, day_counts, payment_offsets, debtors, notice_offsets)
def test_property_segments_are_contiguous_and_cover_the_interest_bearing_days(
	amount: Decimal, due: date, late: int, offsets: Offsets, debtor: str, notice_after: int | None
) -> None:
	payments = dated(due, offsets)
	paid = due + timedelta(days=late)
	notice = None if notice_after is None else due + timedelta(days=notice_after)
	result = call(amount, due, paid, payments, debtor, notice)
	counted = [(when, value) for when, value in payments if when <= paid]
	bearing = [
		day for day in interest_days(debtor, due, paid, notice) if outstanding(amount, counted, day) > 0
	]
	assert result.interest_days == len(bearing)
	if debtor in ("B2B", "public"):
		assert result.interest_days == result.days_late
	if not bearing:
		assert result.segments == ()
		return
	assert result.segments[0].start == bearing[0]
	assert result.segments[-1].end == bearing[-1]
	for segment in result.segments:
		assert segment.days == (segment.end - segment.start).days + 1
		# one rate per segment: never across 1 January or 1 July
		assert (segment.start.year, segment.start.month <= 6) == (segment.end.year, segment.end.month <= 6)
	for before, after in pairwise(result.segments):
		assert after.start == before.end + timedelta(days=1)
