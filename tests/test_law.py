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

from datetime import date
from decimal import Decimal

import pytest

from relance_app.engine.law import (
	PenaltyResult,
	late_payment_penalty,
)

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


def test_contractual_rate_below_the_floor_is_applied_at_the_floor_with_a_warning() -> None:
	# 2026-H1 floor: 3 × 2.62 = 7.86 > 7.85, so 7.86 applies; 1000 × 7.86 × 30 / 36500 = 235800/36500 = 6.4602…
	result = late_payment_penalty(D("1000"), d("2026-01-31"), d("2026-03-02"), contractual_rate=D("7.85"))
	assert segments_of(result) == [seg("2026-02-01", "2026-03-02", 30, "7.86", "1000")]
	assert (result.interest, result.indemnity, result.total) == (D("6.46"), D("40.00"), D("46.46"))
	assert result.contractual_rate == D("7.85")
	assert result.warnings == (
		"The contractual rate of 7.85 % is below the legal floor of 7.86 % for 2026-H1 (3 × the legal rate of "
		"2.62 %, Code de commerce L441-10 II); the floor of 7.86 % was applied.",
	)


def test_contractual_rate_is_checked_in_every_half_year_of_the_period() -> None:
	# 9 % clears 2025-H2 (3 × 2.76 = 8.28) and 2026-H1 (7.86) but not 2025-H1 (3 × 3.71 = 11.13):
	# 2400 × 11.13 × 15 = 400680; 2400 × 9 × (184 + 20) = 4406400; 4807080/36500 = 131.7008…
	result = late_payment_penalty(D("2400"), d("2025-06-15"), d("2026-01-20"), contractual_rate=D("9"))
	assert [s.rate for s in result.segments] == [D("11.13"), D("9"), D("9")]
	assert result.interest == D("131.70")
	assert len(result.warnings) == 1
	assert (
		"9 % is below the legal floor of 11.13 % for 2025-H1 (3 × the legal rate of 3.71 %"
		in result.warnings[0]
	)


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
