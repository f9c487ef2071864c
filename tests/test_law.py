"""French late-payment penalties (relance_app.engine.law).

Every expected amount is worked out by hand from the shipped rate table
(relance_app/engine/data/fr_late_payment_rates.csv):
  B2B rate = ECB rate in force on 1 Jan / 1 Jul + 10 points
	2024-H1: ECB 4.50 (from 2023-09-20) → 14.50      2024-H2: ECB 4.25 (from 2024-06-12) → 14.25
	2025-H1: ECB 3.15 (from 2024-12-18) → 13.15      2025-H2: ECB 2.15 (from 2025-06-11) → 12.15
	2026-H1: ECB 2.15 (from 2025-06-11) → 12.15      2026-H2: not published → 12.15 with a warning
  legal_rate_other: 2025-H1 3.71, 2025-H2 2.76, 2026-H1 2.62 (so the contractual floor is 11.13, 8.28, 7.86)
Interest = base × rate × days / 36500, summed over segments, rounded half-up to the cent once.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance_app.engine import law
from relance_app.engine.errors import EngineError
from relance_app.engine.law import (
	ContractualRateBelowFloor,
	PenaltyResult,
	RateTableError,
	describe,
	late_payment_penalty,
)
from relance_app.engine.rates import ECB_MAIN_REFINANCING, LEGAL_RATE_OTHER, RateTable

D = Decimal
STALE_2026_H2_ECB = (
	"No rate published for 2026-H2 in the rate table; the last known rate (2.15 % from 2025-06-11) was used."
)


def d(iso: str) -> date:
	return date.fromisoformat(iso)


def seg(start: str, end: str, days: int, rate: str, base: str) -> tuple[date, date, int, Decimal, Decimal]:
	return d(start), d(end), days, D(rate), D(base)


def segments_of(result: PenaltyResult) -> list[tuple[date, date, int, Decimal, Decimal]]:
	return [(s.start, s.end, s.days, s.rate, s.base) for s in result.segments]


# -- B2B: the statutory rate over the calendar -------------------------------------------------------------

# fmt: off
B2B_CASES = [
	pytest.param("1000", "2025-03-10", "2025-03-10", [], "0.00", 0, id="paid-on-the-due-date"),
	pytest.param("1000", "2025-03-10", "2025-03-01", [], "0.00", 0, id="paid-before-the-due-date"),
	pytest.param(
		# 1000 × 13.15 % × 1/365 = 0.3602…
		"1000", "2025-03-10", "2025-03-11",
		[seg("2025-03-11", "2025-03-11", 1, "13.15", "1000")],
		"0.36", 1, id="one-day-late",
	),
	pytest.param(
		# 1000 × 14.25 % × 11/365 = 156750/36500 = 4.2945…
		"1000", "2024-12-20", "2024-12-31",
		[seg("2024-12-21", "2024-12-31", 11, "14.25", "1000")],
		"4.29", 11, id="period-ending-31-december",
	),
	pytest.param(
		# (1000 × 14.25 × 11 + 1000 × 13.15 × 1) / 36500 = 169900/36500 = 4.6547…
		"1000", "2024-12-20", "2025-01-01",
		[
			seg("2024-12-21", "2024-12-31", 11, "14.25", "1000"),
			seg("2025-01-01", "2025-01-01", 1, "13.15", "1000"),
		],
		"4.65", 12, id="period-ending-1-january",
	),
	pytest.param(
		# (1000 × 13.15 × 1 + 1000 × 12.15 × 5) / 36500 = 73900/36500 = 2.0246…
		"1000", "2025-06-29", "2025-07-05",
		[
			seg("2025-06-30", "2025-06-30", 1, "13.15", "1000"),
			seg("2025-07-01", "2025-07-05", 5, "12.15", "1000"),
		],
		"2.02", 6, id="period-starting-30-june",
	),
	pytest.param(
		# 1000 × 12.15 × 5 / 36500 = 60750/36500 = 1.6643…
		"1000", "2025-06-30", "2025-07-05",
		[seg("2025-07-01", "2025-07-05", 5, "12.15", "1000")],
		"1.66", 5, id="period-starting-1-july",
	),
	pytest.param(
		# 28 Feb, 29 Feb, 1 Mar 2024 = 3 days; 3650 × 14.50 × 3 / 36500 = 4.35 exactly (÷366 would give 4.34)
		"3650", "2024-02-27", "2024-03-01",
		[seg("2024-02-28", "2024-03-01", 3, "14.50", "3650")],
		"4.35", 3, id="leap-day-counts-but-the-year-stays-365",
	),
	pytest.param(
		# (1000 × 14.50 × 182 + 1000 × 14.25 × 184) / 36500 = 5261000/36500 = 144.1369… (366 days of interest)
		"1000", "2023-12-31", "2024-12-31",
		[
			seg("2024-01-01", "2024-06-30", 182, "14.50", "1000"),
			seg("2024-07-01", "2024-12-31", 184, "14.25", "1000"),
		],
		"144.14", 366, id="whole-leap-year",
	),
	pytest.param(
		# 2400 × 13.15 × 15 = 473400; 2400 × 12.15 × 184 = 5365440; 2400 × 12.15 × 20 = 583200
		# (473400 + 5365440 + 583200) / 36500 = 6422040/36500 = 175.9463…
		"2400", "2025-06-15", "2026-01-20",
		[
			seg("2025-06-16", "2025-06-30", 15, "13.15", "2400"),
			seg("2025-07-01", "2025-12-31", 184, "12.15", "2400"),
			seg("2026-01-01", "2026-01-20", 20, "12.15", "2400"),
		],
		"175.95", 219, id="three-half-years",
	),
	pytest.param(
		# 11 Jul .. 21 Sep = 21 + 31 + 21 = 73 days; 150 × 12.15 × 73 / 36500 = 3.645 exactly → 3.65 half-up
		# (banker's rounding would give 3.64)
		"150", "2025-07-10", "2025-09-21",
		[seg("2025-07-11", "2025-09-21", 73, "12.15", "150")],
		"3.65", 73, id="rounds-half-up",
	),
]
# fmt: on


@pytest.mark.parametrize(("amount", "due", "paid", "segments", "interest", "days_late"), B2B_CASES)
def test_b2b_statutory_penalty(
	amount: str, due: str, paid: str, segments: list, interest: str, days_late: int
) -> None:
	result = late_payment_penalty(D(amount), d(due), d(paid))
	assert segments_of(result) == segments
	assert result.interest == D(interest)
	assert result.days_late == days_late
	indemnity = D("40.00") if days_late else D("0.00")
	assert result.indemnity == indemnity
	assert result.total == D(interest) + indemnity
	assert result.warnings == ()
	assert result.legal_basis == ("Code de commerce L441-10 II", "Code de commerce D441-5")


def test_segment_interest_is_kept_exact() -> None:
	result = late_payment_penalty(D("150"), d("2025-07-10"), d("2025-09-21"))
	# 150 × 12.15 × 73 / 36500 = 3.645: the segment keeps the half cent, the interest rounds it once
	assert result.segments[0].interest == D("3.645")
	assert result.interest_unrounded == D("3.645")
	assert result.interest == D("3.65")


def test_rounding_happens_once_on_the_sum() -> None:
	result = late_payment_penalty(D("2400"), d("2025-06-15"), d("2026-01-20"))
	# segments 12.9698… + 146.9983… + 15.9780… = 175.9463… → 175.95, once
	# (the letter shows them as 12.97 + 147.00 + 15.98 for reading only)
	assert [round(s.interest, 4) for s in result.segments] == [D("12.9699"), D("146.9984"), D("15.9781")]
	assert D("175.946301369") < result.interest_unrounded < D("175.946301370")


# -- partial payments --------------------------------------------------------------------------------------

# fmt: off
PAYMENT_CASES = [
	pytest.param(
		# 2400 × 13.15 × 15 = 473400; 2400 × 12.15 × 92 = 2682720 (1 Jul .. 30 Sep);
		# 1400 × 12.15 × 92 = 1564920 (1 Oct .. 31 Dec); 1400 × 12.15 × 20 = 340200
		# 5061240 / 36500 = 138.6641…
		"2400", "2025-06-15", "2026-01-20", [("2025-09-30", "1000")],
		[
			seg("2025-06-16", "2025-06-30", 15, "13.15", "2400"),
			seg("2025-07-01", "2025-09-30", 92, "12.15", "2400"),
			seg("2025-10-01", "2025-12-31", 92, "12.15", "1400"),
			seg("2026-01-01", "2026-01-20", 20, "12.15", "1400"),
		],
		"138.66", 219, id="one-payment-lowers-the-base-from-the-next-day",
	),
	pytest.param(
		# paid 500 on the due date → base 1500 from the start; 700 on 10 Apr → 800 from 11 Apr
		# (1500 × 13.15 × 10 + 800 × 13.15 × 20) / 36500 = (197250 + 210400) / 36500 = 11.1684…
		"2000", "2025-03-31", "2025-04-30", [("2025-03-31", "500"), ("2025-04-10", "700")],
		[
			seg("2025-04-01", "2025-04-10", 10, "13.15", "1500"),
			seg("2025-04-11", "2025-04-30", 20, "13.15", "800"),
		],
		"11.17", 30, id="two-payments-one-on-the-due-date",
	),
	pytest.param(
		# 1000 × 13.15 × 30 / 36500 on the 600 left = 600 × 13.15 × 30 / 36500 = 236700/36500 = 6.4849…
		"1000", "2025-03-31", "2025-04-30", [("2025-03-15", "400")],
		[seg("2025-04-01", "2025-04-30", 30, "13.15", "600")],
		"6.48", 30, id="payment-before-the-due-date-lowers-the-base-from-the-start",
	),
	pytest.param(
		# settled on 10 Apr: 1000 × 13.15 × 10 / 36500 = 3.6027…; nothing after, although paid_on is 31 May
		"1000", "2025-03-31", "2025-05-31", [("2025-04-10", "1000")],
		[seg("2025-04-01", "2025-04-10", 10, "13.15", "1000")],
		"3.60", 10, id="full-payment-mid-period",
	),
	pytest.param(
		# (1000 × 13.15 × 5 + 600 × 13.15 × 5) / 36500 = (65750 + 39450) / 36500 = 2.8821…
		"1000", "2025-03-31", "2025-05-31", [("2025-04-10", "600"), ("2025-04-05", "400")],
		[
			seg("2025-04-01", "2025-04-05", 5, "13.15", "1000"),
			seg("2025-04-06", "2025-04-10", 5, "13.15", "600"),
		],
		"2.88", 10, id="full-payment-in-two-steps-given-out-of-order",
	),
	pytest.param(
		# the part paid on paid_on bears interest that day too: 1000 × 13.15 × 10 / 36500 = 3.6027…
		"1000", "2025-03-31", "2025-04-10", [("2025-04-10", "1000")],
		[seg("2025-04-01", "2025-04-10", 10, "13.15", "1000")],
		"3.60", 10, id="payment-on-paid-on",
	),
	pytest.param(
		# the 2026 payment comes after paid_on: same as without it (6422040/36500 = 175.9463…)
		"2400", "2025-06-15", "2026-01-20", [("2026-02-01", "2400")],
		[
			seg("2025-06-16", "2025-06-30", 15, "13.15", "2400"),
			seg("2025-07-01", "2025-12-31", 184, "12.15", "2400"),
			seg("2026-01-01", "2026-01-20", 20, "12.15", "2400"),
		],
		"175.95", 219, id="payment-after-paid-on-is-ignored",
	),
	pytest.param(
		"1000", "2025-03-31", "2025-05-31", [("2025-03-31", "1000")], [], "0.00", 0,
		id="paid-in-full-on-the-due-date-is-not-late",
	),
	pytest.param(
		# paid on 30 Jun: the base drops on 1 Jul, where the rate changes too — one cut, not two
		# (1000 × 13.15 × 10 + 600 × 12.15 × 10) / 36500 = (131500 + 72900) / 36500 = 5.60
		"1000", "2025-06-20", "2025-07-10", [("2025-06-30", "400")],
		[
			seg("2025-06-21", "2025-06-30", 10, "13.15", "1000"),
			seg("2025-07-01", "2025-07-10", 10, "12.15", "600"),
		],
		"5.60", 20, id="payment-on-the-last-day-of-a-half-year",
	),
	pytest.param(
		# 1000 × 13.15 × 1 = 13150; 0.01 × 13.15 × 29 = 3.8135; 13153.8135 / 36500 = 0.3603…
		"1000", "2025-03-31", "2025-04-30", [("2025-04-01", "999.99")],
		[
			seg("2025-04-01", "2025-04-01", 1, "13.15", "1000"),
			seg("2025-04-02", "2025-04-30", 29, "13.15", "0.01"),
		],
		"0.36", 30, id="indemnity-is-not-reduced-by-partial-payment",
	),
	pytest.param(
		# a zero payment changes nothing and cuts nothing: 1000 × 13.15 × 30 / 36500 = 10.8082…
		"1000", "2025-03-31", "2025-04-30", [("2025-04-10", "0")],
		[seg("2025-04-01", "2025-04-30", 30, "13.15", "1000")],
		"10.81", 30, id="zero-payment",
	),
]
# fmt: on


@pytest.mark.parametrize(
	("amount", "due", "paid", "payments", "segments", "interest", "days_late"), PAYMENT_CASES
)
def test_b2b_with_partial_payments(
	amount: str, due: str, paid: str, payments: list, segments: list, interest: str, days_late: int
) -> None:
	result = late_payment_penalty(
		D(amount), d(due), d(paid), payments=[(d(when), D(value)) for when, value in payments]
	)
	assert segments_of(result) == segments
	assert result.interest == D(interest)
	assert result.days_late == days_late
	assert result.indemnity == (D("40.00") if days_late else D("0"))
	assert result.warnings == ()


def test_payments_beyond_the_amount_stop_the_base_at_zero_with_a_warning() -> None:
	result = late_payment_penalty(
		D("1000"), d("2025-03-31"), d("2025-04-30"), payments=[(d("2025-04-05"), D("1500"))]
	)
	# 1000 × 13.15 × 5 / 36500 = 1.8013…
	assert segments_of(result) == [seg("2025-04-01", "2025-04-05", 5, "13.15", "1000")]
	assert result.interest == D("1.80")
	assert len(result.warnings) == 1
	assert "total 1500, more than the amount of 1000" in result.warnings[0]


def test_zero_amount_owes_nothing() -> None:
	result = late_payment_penalty(D("0"), d("2025-03-31"), d("2025-04-30"))
	assert (result.interest, result.indemnity, result.total, result.days_late) == (D("0"), D("0"), D("0"), 0)
	assert result.segments == ()


# -- B2B: contractual rate and its floor -------------------------------------------------------------------


def test_contractual_rate_exactly_at_the_floor_is_accepted() -> None:
	# 2026-H1 floor: 3 × 2.62 = 7.86. 1 Feb .. 2 Mar 2026 = 30 days; 1000 × 7.86 × 30 / 36500 = 6.4602…
	result = late_payment_penalty(D("1000"), d("2026-01-31"), d("2026-03-02"), contractual_rate=D("7.86"))
	assert segments_of(result) == [seg("2026-02-01", "2026-03-02", 30, "7.86", "1000")]
	assert result.interest == D("6.46")
	assert result.indemnity == D("40.00")
	assert result.contractual_rate == D("7.86")


def test_contractual_rate_below_the_floor_is_refused() -> None:
	with pytest.raises(
		ContractualRateBelowFloor, match=r"7\.85 % is below the legal floor of 7\.86 % for 2026-H1"
	):
		late_payment_penalty(D("1000"), d("2026-01-31"), d("2026-03-02"), contractual_rate=D("7.85"))


def test_contractual_rate_is_checked_in_every_half_year_of_the_period() -> None:
	# 9 % clears 2025-H2 (8.28) and 2026-H1 (7.86) but not 2025-H1 (3 × 3.71 = 11.13)
	with pytest.raises(
		ContractualRateBelowFloor, match=r"floor of 11\.13 % for 2025-H1 \(3 × the legal rate of 3\.71 %"
	):
		late_payment_penalty(D("2400"), d("2025-06-15"), d("2026-01-20"), contractual_rate=D("9"))


def test_contractual_rate_at_the_highest_floor_applies_to_every_half_year() -> None:
	# 2400 × 11.13 × 219 / 36500 = 5849928/36500 = 160.272
	result = late_payment_penalty(D("2400"), d("2025-06-15"), d("2026-01-20"), contractual_rate=D("11.13"))
	assert [s.rate for s in result.segments] == [D("11.13")] * 3
	assert result.interest == D("160.27")


def test_contractual_rate_is_only_checked_where_interest_runs() -> None:
	# from 1 Jul 2025: floors 8.28 and 7.86 only; 2400 × 9 × (184 + 20) / 36500 = 4406400/36500 = 120.7232…
	result = late_payment_penalty(D("2400"), d("2025-06-30"), d("2026-01-20"), contractual_rate=D("9"))
	assert result.interest == D("120.72")


def test_contractual_rate_is_not_checked_when_nothing_is_late() -> None:
	result = late_payment_penalty(D("1000"), d("2026-01-31"), d("2026-01-31"), contractual_rate=D("1"))
	assert result.total == D("0")


def test_contractual_rate_in_a_stale_half_year_uses_the_last_legal_rate_for_the_floor() -> None:
	# 2026-H2 not published: floor 3 × 2.62 = 7.86 with a warning; 1000 × 8 × 10 / 36500 = 2.1917…
	result = late_payment_penalty(D("1000"), d("2026-07-01"), d("2026-07-11"), contractual_rate=D("8"))
	assert result.interest == D("2.19")
	assert result.warnings == (
		"No rate published for 2026-H2 in the rate table; the last known rate (2.62 % from 2026-01-01) "
		"was used.",
	)


def test_contractual_rate_from_a_float_keeps_its_typed_value() -> None:
	# 7.86 as a float is 7.8599999…; taken through its repr it is exactly the floor, so it is accepted
	result = late_payment_penalty(1000, d("2026-01-31"), d("2026-03-02"), contractual_rate=7.86)
	assert result.contractual_rate == D("7.86")
	assert result.interest == D("6.46")


# -- B2C ---------------------------------------------------------------------------------------------------

# fmt: off
B2C_CASES = [
	pytest.param(
		# 16 Apr .. 31 May = 15 + 31 = 46 days; 1000 × 3.71 × 46 / 36500 = 170660/36500 = 4.6756…
		"2025-03-31", "2025-05-31", "2025-04-15", None, [],
		[seg("2025-04-16", "2025-05-31", 46, "3.71", "1000")], "4.68", id="from-the-day-after-the-notice",
	),
	pytest.param(
		# notice before the due date: from 1 Apr, 61 days; 1000 × 3.71 × 61 / 36500 = 226310/36500 = 6.2002…
		"2025-03-31", "2025-05-31", "2025-03-01", None, [],
		[seg("2025-04-01", "2025-05-31", 61, "3.71", "1000")], "6.20", id="notice-before-the-due-date",
	),
	pytest.param("2025-03-31", "2025-05-31", "2025-06-10", None, [], [], "0.00", id="notice-after-payment"),
	pytest.param(
		"2025-03-31", "2025-05-31", "2025-05-31", None, [], [], "0.00", id="notice-on-the-payment-date",
	),
	pytest.param(
		# (1000 × 3.71 × 10 + 1000 × 2.76 × 10) / 36500 = (37100 + 27600) / 36500 = 1.7726…
		"2025-06-15", "2025-07-10", "2025-06-20", None, [],
		[
			seg("2025-06-21", "2025-06-30", 10, "3.71", "1000"),
			seg("2025-07-01", "2025-07-10", 10, "2.76", "1000"),
		],
		"1.77", id="legal-rate-of-each-half-year",
	),
	pytest.param(
		# no 3 × floor for consumers: 5 % < 11.13 % is applied; 1000 × 5 × 46 / 36500 = 230000/36500 = 6.3013…
		"2025-03-31", "2025-05-31", "2025-04-15", "5", [],
		[seg("2025-04-16", "2025-05-31", 46, "5", "1000")], "6.30", id="contractual-rate-without-floor",
	),
	pytest.param(
		# (1000 × 3.71 × 16 + 700 × 3.71 × 30) / 36500 = (59360 + 77910) / 36500 = 3.7608…
		"2025-03-31", "2025-05-31", "2025-04-15", None, [("2025-05-01", "300")],
		[
			seg("2025-04-16", "2025-05-01", 16, "3.71", "1000"),
			seg("2025-05-02", "2025-05-31", 30, "3.71", "700"),
		],
		"3.76", id="partial-payment-after-the-notice",
	),
]
# fmt: on


@pytest.mark.parametrize(("due", "paid", "notice", "rate", "payments", "segments", "interest"), B2C_CASES)
def test_b2c_legal_interest_from_the_formal_notice(
	due: str, paid: str, notice: str, rate: str | None, payments: list, segments: list, interest: str
) -> None:
	result = late_payment_penalty(
		D("1000"),
		d(due),
		d(paid),
		debtor="B2C",
		notice_date=d(notice),
		contractual_rate=None if rate is None else D(rate),
		payments=[(d(when), D(value)) for when, value in payments],
	)
	assert segments_of(result) == segments
	assert result.interest == D(interest)
	assert result.indemnity == D("0")
	assert result.total == D(interest)
	assert result.days_late == (d(paid) - d(due)).days
	assert result.warnings == ()
	assert result.legal_basis == ("Code civil 1231-6", "Code civil 1344-1")


def test_b2c_without_notice_owes_no_interest_and_says_why() -> None:
	result = late_payment_penalty(D("1000"), d("2025-03-31"), d("2025-05-31"), debtor="B2C")
	assert (result.interest, result.indemnity, result.total) == (D("0"), D("0"), D("0"))
	assert result.segments == ()
	assert result.days_late == 61
	assert len(result.warnings) == 1
	assert "runs only from a formal notice" in result.warnings[0]


def test_b2c_on_time_without_notice_has_no_warning() -> None:
	result = late_payment_penalty(D("1000"), d("2025-03-31"), d("2025-03-31"), debtor="B2C")
	assert result.warnings == ()
	assert result.total == D("0")


def test_b2c_never_owes_the_recovery_indemnity() -> None:
	result = late_payment_penalty(
		D("5000"), d("2024-01-31"), d("2025-12-31"), debtor="B2C", notice_date=d("2024-02-15")
	)
	assert result.interest > 0
	assert result.indemnity == D("0")
	assert result.total == result.interest


def test_b2b_ignores_the_notice_date() -> None:
	with_notice = late_payment_penalty(
		D("1000"), d("2025-03-31"), d("2025-04-30"), notice_date=d("2025-04-20")
	)
	without = late_payment_penalty(D("1000"), d("2025-03-31"), d("2025-04-30"))
	assert with_notice.segments == without.segments
	assert with_notice.total == without.total


# -- the rate table's edges --------------------------------------------------------------------------------


def test_stale_half_year_uses_the_last_known_rate_with_a_warning() -> None:
	# (1000 × 12.15 × 10) × 2 / 36500 = 243000/36500 = 6.6575…: 2026-H2 assumed unchanged
	result = late_payment_penalty(D("1000"), d("2026-06-20"), d("2026-07-10"))
	assert segments_of(result) == [
		seg("2026-06-21", "2026-06-30", 10, "12.15", "1000"),
		seg("2026-07-01", "2026-07-10", 10, "12.15", "1000"),
	]
	assert result.interest == D("6.66")
	assert result.warnings == (STALE_2026_H2_ECB,)


def test_each_stale_half_year_is_named_once() -> None:
	# 1 Jul 2026 .. 5 Jan 2027 = 184 + 5 = 189 days; 1000 × 12.15 × 189 / 36500 = 2296350/36500 = 62.9136…
	result = late_payment_penalty(D("1000"), d("2026-06-30"), d("2027-01-05"))
	assert result.interest == D("62.91")
	assert result.warnings == (
		STALE_2026_H2_ECB,
		"No rate published for 2027-H1 in the rate table; the last known rate (2.15 % from 2025-06-11) "
		"was used.",
	)


def test_b2c_stale_half_year_warns_with_the_legal_rate() -> None:
	result = late_payment_penalty(
		D("1000"), d("2026-07-01"), d("2026-07-02"), debtor="B2C", notice_date=d("2026-07-01")
	)
	assert result.segments[0].rate == D("2.62")
	assert result.warnings == (
		"No rate published for 2026-H2 in the rate table; the last known rate (2.62 % from 2026-01-01) "
		"was used.",
	)


def test_date_before_the_table_raises() -> None:
	# ECB rows start on 2014-09-10: no rate in force on 1 July 2014
	with pytest.raises(RateTableError, match="no ecb_main_refinancing rate in force on 2014-07-01"):
		late_payment_penalty(D("1000"), d("2014-08-10"), d("2014-09-01"))
	# legal rates start on 2015-01-01: none for 2014-H2
	with pytest.raises(RateTableError, match="no legal_rate_other rate in force on 2014-07-01"):
		late_payment_penalty(
			D("1000"), d("2014-12-01"), d("2015-01-10"), debtor="B2C", notice_date=d("2014-12-10")
		)


def test_oldest_rows_cover_invoices_due_since_2015() -> None:
	# 2015-H1: ECB 0.05 (from 2014-09-10) on 1 January 2015 → 10.05. 1 Feb .. 2 Mar 2015 = 28 + 2 = 30 days;
	# 1000 × 10.05 × 30 / 36500 = 301500/36500 = 8.2602…
	result = late_payment_penalty(D("1000"), d("2015-01-31"), d("2015-03-02"))
	assert segments_of(result) == [seg("2015-02-01", "2015-03-02", 30, "10.05", "1000")]
	assert result.interest == D("8.26")
	# 2016-H1 still takes 0.05: the ECB cut to 0.00 on 2016-03-16 only counts from 1 July 2016 (10.00).
	# (1000 × 10.05 × 30 + 1000 × 10.00 × 10) / 36500 = (301500 + 100000)/36500 = 11.0000…
	result = late_payment_penalty(D("1000"), d("2016-05-31"), d("2016-07-10"))
	assert [s.rate for s in result.segments] == [D("10.05"), D("10.00")]
	assert result.interest == D("11.00")


def test_a_given_rate_table_is_used_instead_of_the_shipped_one() -> None:
	table = RateTable.from_rows(
		[(ECB_MAIN_REFINANCING, "2000-01-01", "1.00"), (LEGAL_RATE_OTHER, "2025-01-01", "3.00")]
	)
	# ECB 1.00 + 10 = 11; 1000 × 11 × 30 / 36500 = 330000/36500 = 9.0410…
	result = late_payment_penalty(D("1000"), d("2025-03-31"), d("2025-04-30"), rates=table)
	assert [s.rate for s in result.segments] == [D("11.00")]
	assert result.interest == D("9.04")


# -- inputs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
	("kwargs", "error", "message"),
	[
		({"amount": D("-1")}, EngineError, r"The amount cannot be negative \(-1\)"),
		({"amount": "abc"}, EngineError, "The amount must be a number, not 'abc'"),
		({"amount": D("NaN")}, EngineError, "The amount must be a finite number"),
		({"amount": "Infinity"}, EngineError, "The amount must be a finite number"),
		({"amount": True}, EngineError, "The amount must be a number, not True"),
		({"amount": None}, EngineError, "The amount must be a number, not None"),
		({"due_date": "2025-02-30"}, EngineError, "The due date must be a date"),
		({"paid_on": 20250430}, EngineError, "The payment date must be a date"),
		({"notice_date": "soon", "debtor": "B2C"}, EngineError, "The notice date must be a date"),
		({"debtor": "B2X"}, EngineError, "Unknown debtor type 'B2X'"),
		({"debtor": "b2b"}, EngineError, "Unknown debtor type 'b2b'"),
		({"contractual_rate": D("-1")}, EngineError, "The contractual rate cannot be negative"),
		({"payments": [(d("2025-04-01"), D("-5"))]}, EngineError, r"cannot be negative \(-5 on 2025-04-01\)"),
		({"payments": [d("2025-04-01")]}, EngineError, r"must be a \(date, amount\) pair"),
		({"payments": [("2025-04-31", "5")]}, EngineError, "A payment date must be a date"),
		({"payments": [("2025-04-01", "five")]}, EngineError, "A payment amount must be a number"),
	],
)
def test_invalid_input_raises(kwargs: dict, error: type[Exception], message: str) -> None:
	args = {"amount": D("1000"), "due_date": d("2025-03-31"), "paid_on": d("2025-04-30")} | kwargs
	with pytest.raises(error, match=message):
		late_payment_penalty(args.pop("amount"), args.pop("due_date"), args.pop("paid_on"), **args)


def test_engine_errors_carry_their_template() -> None:
	with pytest.raises(ContractualRateBelowFloor) as caught:
		late_payment_penalty(D("1000"), d("2026-01-31"), d("2026-03-02"), contractual_rate=D("5"))
	assert isinstance(caught.value, EngineError) and isinstance(caught.value, ValueError)
	assert "{rate}" in caught.value.template
	assert caught.value.params["floor"] == D("7.86")
	assert caught.value.params["half_year"] == "2026-H1"


@pytest.mark.parametrize("amount", [2400, "2400", " 2400.00 ", 2400.0, D("2400")])
def test_amount_types_give_the_same_result(amount: object) -> None:
	result = late_payment_penalty(amount, d("2025-06-15"), d("2026-01-20"))
	assert result.amount == D("2400")
	assert result.interest == D("175.95")


def test_float_amount_is_taken_as_typed() -> None:
	result = late_payment_penalty(1234.56, d("2025-03-31"), d("2025-03-31"))
	assert result.amount == D("1234.56")
	assert str(result.amount) == "1234.56"


def test_iso_strings_and_datetimes_are_accepted_as_dates() -> None:
	result = late_payment_penalty(
		D("2400"), "2025-06-15", datetime(2026, 1, 20, 17, 30), payments=[("2026-02-01", "1")]
	)
	assert (result.due_date, result.paid_on) == (d("2025-06-15"), d("2026-01-20"))
	assert result.interest == D("175.95")


# -- the result --------------------------------------------------------------------------------------------


def test_result_is_immutable() -> None:
	result = late_payment_penalty(D("2400"), d("2025-06-15"), d("2026-01-20"))
	with pytest.raises(dataclasses.FrozenInstanceError):
		result.interest = D("0")  # type: ignore[misc]
	with pytest.raises(dataclasses.FrozenInstanceError):
		result.segments[0].rate = D("0")  # type: ignore[misc]
	assert isinstance(result.segments, tuple) and isinstance(result.warnings, tuple)


def test_as_dict_is_json_ready() -> None:
	result = late_payment_penalty(
		D("2400"), d("2025-06-15"), d("2026-01-20"), payments=[(d("2025-09-30"), D("1000"))]
	)
	data = json.loads(json.dumps(result.as_dict()))
	assert data["debtor"] == "B2B"
	assert data["amount"] == "2400"
	assert (data["due_date"], data["paid_on"]) == ("2025-06-15", "2026-01-20")
	assert (data["interest"], data["indemnity"], data["total"]) == ("138.66", "40.00", "178.66")
	assert data["days_late"] == 219
	assert data["segments"][2] | {"interest": None} == {
		"start": "2025-10-01",
		"end": "2025-12-31",
		"days": 92,
		"rate": "12.15",
		"base": "1400",
		"interest": None,
	}
	# 1400 × 12.15 × 92 / 36500 = 42.8745205479…
	assert data["segments"][2]["interest"].startswith("42.874520547")
	assert data["warnings"] == []
	assert data["legal_basis"] == ["Code de commerce L441-10 II", "Code de commerce D441-5"]
	assert data["contractual_rate"] is None and data["notice_date"] is None


def test_as_dict_never_uses_exponent_notation() -> None:
	result = late_payment_penalty(D("0E+2"), d("2025-03-31"), d("2025-04-30"))
	assert result.as_dict()["amount"] == "0"


def test_law_is_data_with_its_sources() -> None:
	assert law.STATUTORY_MARGIN_POINTS == D("10")
	assert law.RECOVERY_INDEMNITY == D("40")
	assert law.CONTRACTUAL_FLOOR_MULTIPLIER == D("3")
	assert law.DAYS_IN_YEAR == 365
	assert law.LEGAL_BASIS["B2B"] == ("Code de commerce L441-10 II", "Code de commerce D441-5")
	assert law.LEGAL_BASIS["B2C"] == ("Code civil 1231-6", "Code civil 1344-1")


def test_describe_shows_segments_and_totals() -> None:
	text = describe(late_payment_penalty(D("2400"), d("2025-06-15"), d("2026-01-20")))
	assert "Amount incl. VAT 2400.00, due 2025-06-15, paid or as of 2026-01-20: 219 day(s) late" in text
	lines = text.splitlines()
	assert "  2025-06-16  2025-06-30    15   13.15  2400.00     12.97" in lines
	assert "  2025-07-01  2025-12-31   184   12.15  2400.00    147.00" in lines
	assert "  2026-01-01  2026-01-20    20   12.15  2400.00     15.98" in lines
	assert "  Total                    219                     175.95" in lines
	assert "  Recovery indemnity   40.00" in lines
	assert "  Total               215.95" in lines
	assert "Legal basis: Code de commerce L441-10 II; Code de commerce D441-5" in lines


def test_describe_shows_warnings_and_empty_periods() -> None:
	text = describe(late_payment_penalty(D("1000"), d("2025-03-31"), d("2025-05-31"), debtor="B2C"))
	assert "No interest-bearing days." in text
	assert "Formal notice (mise en demeure): none" in text
	assert "Warning: Consumer debtor: interest at the legal rate runs only from a formal notice" in text


# -- properties --------------------------------------------------------------------------------------------

FIRST_DUE = date(2019, 1, 1)  # legal rates start then; ECB rows earlier
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
debtors = st.sampled_from(["B2B", "B2C"])

# Hand-read from the CSV, independent of the engine: the rate of each half-year, by (year, half).
B2B_RATES = {(y, h): D("10.00") for y in range(2019, 2022) for h in (1, 2)} | {
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
	(2019, 1): D("0.86"), (2019, 2): D("0.87"), (2020, 1): D("0.87"), (2020, 2): D("0.84"),
	(2021, 1): D("0.79"), (2021, 2): D("0.76"), (2022, 1): D("0.76"), (2022, 2): D("0.77"),
	(2023, 1): D("2.06"), (2023, 2): D("4.22"), (2024, 1): D("5.07"), (2024, 2): D("4.92"),
	(2025, 1): D("3.71"), (2025, 2): D("2.76"), (2026, 1): D("2.62"),
}  # fmt: skip


def oracle_rate(debtor: str, day: date) -> Decimal:
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
				Fraction(outstanding(amount, counted, day) * oracle_rate(debtor, day))
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
	debtors,
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
	if debtor == "B2B":
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
	if debtor == "B2B":
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
