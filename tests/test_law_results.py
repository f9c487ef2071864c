"""French late-payment penalties (relance_app.engine.law): the rate table's edges, inputs, the result.

Amounts are worked out by hand from the shipped rate table, as in test_law.py (its docstring lists the rates).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from decimal import Decimal

import pytest

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


def test_floor_warning_carries_its_template_and_the_old_error_stays_importable() -> None:
	result = late_payment_penalty(D("1000"), d("2026-01-31"), d("2026-03-02"), contractual_rate=D("5"))
	[warning] = result.warnings
	assert warning.template == law.BELOW_FLOOR_WARNING
	assert warning.template.format(**warning.params) == warning
	assert (warning.params["floor"], warning.params["half_year"]) == (D("7.86"), "2026-H1")
	assert issubclass(ContractualRateBelowFloor, EngineError)


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
