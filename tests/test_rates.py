"""The rate table: loading, validation, lookups in force on a date, staleness."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance_app.engine.errors import EngineError
from relance_app.engine.rates import (
	ECB_MAIN_REFINANCING,
	KINDS,
	LEGAL_RATE_CONSUMER_CREDITOR,
	LEGAL_RATE_OTHER,
	EngineWarning,
	RateRow,
	RateTable,
	RateTableError,
	half_year_end,
	half_year_label,
	half_year_start,
	load_default_rates,
	next_half_year_start,
)

HEADER = "kind,valid_from,rate_percent,source\n"


def csv_text(*lines: str) -> str:
	return HEADER + "".join(line + "\n" for line in lines)


# -- the shipped table -------------------------------------------------------------------------------------


def test_default_table_holds_every_published_row() -> None:
	table = load_default_rates()
	counts = {kind: sum(1 for row in table.rows if row.kind == kind) for kind in KINDS}
	# ECB: 2014-09-10 (0.05), 2016-03-16 (0.00), then 18 changes from 2022-07-27 to 2025-06-11.
	# Legal rates: one row per half-year of each category, 2015-H1 to 2026-H1 = 12 × 2 - 1 = 23.
	assert counts == {ECB_MAIN_REFINANCING: 20, LEGAL_RATE_CONSUMER_CREDITOR: 23, LEGAL_RATE_OTHER: 23}
	assert all(isinstance(row.rate_percent, Decimal) for row in table.rows)


def test_default_table_is_loaded_once() -> None:
	assert load_default_rates() is load_default_rates()


def test_default_table_keeps_the_source_of_each_row() -> None:
	lookup = load_default_rates().rate_in_force(LEGAL_RATE_OTHER, date(2026, 1, 1))
	assert lookup.source == "Arrêté du 15 décembre 2025"


# (kind, on, expected rate, expected valid_from) — read off fr_late_payment_rates.csv by hand.
IN_FORCE_CASES = [
	# the rate in force on 1 January / 1 July, as L441-10 II asks for
	(ECB_MAIN_REFINANCING, date(2023, 1, 1), "2.50", date(2022, 12, 21)),
	(ECB_MAIN_REFINANCING, date(2023, 7, 1), "4.00", date(2023, 6, 21)),
	(ECB_MAIN_REFINANCING, date(2024, 1, 1), "4.50", date(2023, 9, 20)),
	(ECB_MAIN_REFINANCING, date(2024, 7, 1), "4.25", date(2024, 6, 12)),
	(ECB_MAIN_REFINANCING, date(2025, 1, 1), "3.15", date(2024, 12, 18)),
	(ECB_MAIN_REFINANCING, date(2025, 7, 1), "2.15", date(2025, 6, 11)),
	(ECB_MAIN_REFINANCING, date(2026, 1, 1), "2.15", date(2025, 6, 11)),
	# a row applies from its own date, not the day after; the day before still has the previous rate
	(ECB_MAIN_REFINANCING, date(2024, 12, 18), "3.15", date(2024, 12, 18)),
	(ECB_MAIN_REFINANCING, date(2024, 12, 17), "3.40", date(2024, 10, 23)),
	(ECB_MAIN_REFINANCING, date(2016, 3, 16), "0.00", date(2016, 3, 16)),
	# the oldest row: 0.05 from 2014-09-10 governs 2015-H1, 2015-H2 and 2016-H1, then 0.00 from 2016-03-16
	(ECB_MAIN_REFINANCING, date(2015, 1, 1), "0.05", date(2014, 9, 10)),
	(ECB_MAIN_REFINANCING, date(2016, 1, 1), "0.05", date(2014, 9, 10)),
	(ECB_MAIN_REFINANCING, date(2016, 3, 15), "0.05", date(2014, 9, 10)),
	(ECB_MAIN_REFINANCING, date(2016, 7, 1), "0.00", date(2016, 3, 16)),
	(LEGAL_RATE_OTHER, date(2015, 1, 1), "0.93", date(2015, 1, 1)),
	(LEGAL_RATE_OTHER, date(2015, 7, 1), "0.99", date(2015, 7, 1)),
	(LEGAL_RATE_OTHER, date(2018, 12, 31), "0.88", date(2018, 7, 1)),
	(LEGAL_RATE_CONSUMER_CREDITOR, date(2016, 1, 1), "4.54", date(2016, 1, 1)),
	(LEGAL_RATE_OTHER, date(2025, 1, 1), "3.71", date(2025, 1, 1)),
	(LEGAL_RATE_OTHER, date(2025, 6, 30), "3.71", date(2025, 1, 1)),
	(LEGAL_RATE_OTHER, date(2025, 7, 1), "2.76", date(2025, 7, 1)),
	(LEGAL_RATE_OTHER, date(2026, 6, 30), "2.62", date(2026, 1, 1)),
	(LEGAL_RATE_CONSUMER_CREDITOR, date(2026, 3, 15), "6.67", date(2026, 1, 1)),
	(LEGAL_RATE_CONSUMER_CREDITOR, date(2019, 1, 1), "3.40", date(2019, 1, 1)),
]


@pytest.mark.parametrize(("kind", "on", "rate", "valid_from"), IN_FORCE_CASES)
def test_rate_in_force_is_the_latest_row_on_or_before_the_date(
	kind: str, on: date, rate: str, valid_from: date
) -> None:
	lookup = load_default_rates().rate_in_force(kind, on)
	assert lookup.rate_percent == Decimal(rate)
	assert lookup.valid_from == valid_from
	assert (lookup.kind, lookup.on) == (kind, on)
	assert not lookup.stale
	assert lookup.warning is None


def test_published_zero_rate_is_returned_as_zero() -> None:
	# 0.00 from 2016-03-16 is a real, published rate: not to be confused with "no rate".
	lookup = load_default_rates().rate_in_force(ECB_MAIN_REFINANCING, date(2020, 1, 1))
	assert lookup.rate_percent == Decimal("0.00")
	assert lookup.source.startswith("ECB key interest rates")


@pytest.mark.parametrize(
	("kind", "on", "first"),
	[
		# the table starts with the ECB rate of 2014-09-10 and the legal rates of 2015-H1
		(ECB_MAIN_REFINANCING, date(2014, 9, 9), "2014-09-10"),
		(LEGAL_RATE_OTHER, date(2014, 12, 31), "2015-01-01"),
		(LEGAL_RATE_CONSUMER_CREDITOR, date(2000, 1, 1), "2015-01-01"),
	],
)
def test_date_before_the_first_row_raises(kind: str, on: date, first: str) -> None:
	with pytest.raises(RateTableError, match=f"no {kind} rate in force on {on.isoformat()}.*{first}"):
		load_default_rates().rate_in_force(kind, on)


def test_kind_without_any_row_raises() -> None:
	table = RateTable.from_rows([(LEGAL_RATE_OTHER, "2026-01-01", "2.62")])
	with pytest.raises(RateTableError, match="no ecb_main_refinancing rate at all"):
		table.rate_in_force(ECB_MAIN_REFINANCING, date(2026, 1, 1))


def test_lookup_of_unknown_kind_raises() -> None:
	with pytest.raises(RateTableError, match="Unknown rate kind 'euribor'"):
		load_default_rates().rate_in_force("euribor", date(2025, 1, 1))


def test_rate_table_error_is_an_engine_error_with_a_template() -> None:
	with pytest.raises(EngineError) as caught:
		load_default_rates().rate_in_force(LEGAL_RATE_OTHER, date(2014, 12, 31))
	assert isinstance(caught.value, RateTableError)
	assert caught.value.template.startswith("The rate table has no {kind} rate in force on {on}")
	assert caught.value.params["kind"] == LEGAL_RATE_OTHER


# -- staleness ---------------------------------------------------------------------------------------------


def test_default_table_is_up_to_date_until_the_end_of_the_last_legal_half_year() -> None:
	# Latest legal_rate_other row: 2026-01-01, so the table covers 2026-H1 and no further.
	assert load_default_rates().valid_through == date(2026, 6, 30)


@pytest.mark.parametrize(
	("kind", "on", "expected"),
	[
		(
			ECB_MAIN_REFINANCING,
			date(2026, 7, 1),
			"No rate published for 2026-H2 in the rate table; the last known rate (2.15 % from 2025-06-11) "
			"was used.",
		),
		(
			LEGAL_RATE_OTHER,
			date(2026, 12, 31),
			"No rate published for 2026-H2 in the rate table; the last known rate (2.62 % from 2026-01-01) "
			"was used.",
		),
		(
			LEGAL_RATE_CONSUMER_CREDITOR,
			date(2027, 2, 1),
			"No rate published for 2027-H1 in the rate table; the last known rate (6.67 % from 2026-01-01) "
			"was used.",
		),
	],
)
def test_lookup_after_the_table_uses_the_last_rate_with_a_warning(kind: str, on: date, expected: str) -> None:
	lookup = load_default_rates().rate_in_force(kind, on)
	assert lookup.stale
	assert lookup.warning == expected
	assert lookup.rate_percent == Decimal(expected.split("rate (")[1].split(" %")[0])


def test_stale_warning_keeps_its_template_for_translation() -> None:
	warning = load_default_rates().rate_in_force(LEGAL_RATE_OTHER, date(2026, 7, 1)).warning
	assert isinstance(warning, EngineWarning) and isinstance(warning, str)
	assert warning.template.format(**warning.params) == warning
	assert warning.params["half_year"] == "2026-H2"


def test_last_day_of_the_covered_half_year_is_not_stale() -> None:
	assert not load_default_rates().rate_in_force(ECB_MAIN_REFINANCING, date(2026, 6, 30)).stale


def test_publishing_the_next_legal_rate_makes_the_half_year_current() -> None:
	rows = [*load_default_rates().rows, RateRow(LEGAL_RATE_OTHER, date(2026, 7, 1), Decimal("2.50"), "test")]
	table = RateTable(tuple(rows))
	assert table.valid_through == date(2026, 12, 31)
	lookup = table.rate_in_force(ECB_MAIN_REFINANCING, date(2026, 7, 1))
	assert (lookup.rate_percent, lookup.stale, lookup.warning) == (Decimal("2.15"), False, None)


def test_table_without_legal_rows_is_current_until_its_latest_row() -> None:
	table = RateTable.from_rows([(ECB_MAIN_REFINANCING, "2025-06-11", "2.15")])
	# 2025-06-11 lies in 2025-H1
	assert table.valid_through == date(2025, 6, 30)
	assert not table.rate_in_force(ECB_MAIN_REFINANCING, date(2025, 6, 30)).stale
	assert table.rate_in_force(ECB_MAIN_REFINANCING, date(2025, 7, 1)).stale


def test_empty_table_has_no_rate() -> None:
	table = RateTable(())
	assert table.valid_through is None
	with pytest.raises(RateTableError, match="no legal_rate_other rate at all"):
		table.rate_in_force(LEGAL_RATE_OTHER, date(2025, 1, 1))


# -- building tables ---------------------------------------------------------------------------------------


def test_from_csv_reads_text_and_sorts_rows() -> None:
	table = RateTable.from_csv(
		csv_text(
			"legal_rate_other,2025-07-01,2.76,Arrêté du 19 juin 2025",
			"ecb_main_refinancing,2025-06-11,2.15,ECB",
			"legal_rate_other,2025-01-01,3.71,",
		)
	)
	assert table.rows == (
		RateRow(ECB_MAIN_REFINANCING, date(2025, 6, 11), Decimal("2.15"), "ECB"),
		RateRow(LEGAL_RATE_OTHER, date(2025, 1, 1), Decimal("3.71"), ""),
		RateRow(LEGAL_RATE_OTHER, date(2025, 7, 1), Decimal("2.76"), "Arrêté du 19 juin 2025"),
	)


def test_from_csv_reads_a_path_and_a_path_string(tmp_path: Path) -> None:
	path = tmp_path / "rates.csv"
	path.write_text(csv_text("legal_rate_other,2026-01-01,2.62,x"), encoding="utf-8")
	expected = RateTable((RateRow(LEGAL_RATE_OTHER, date(2026, 1, 1), Decimal("2.62"), "x"),))
	assert RateTable.from_csv(path) == expected
	assert RateTable.from_csv(str(path)) == expected


def test_from_csv_source_column_is_optional() -> None:
	table = RateTable.from_csv("kind,valid_from,rate_percent\nlegal_rate_other,2026-01-01,2.62\n")
	assert table.rows == (RateRow(LEGAL_RATE_OTHER, date(2026, 1, 1), Decimal("2.62"), ""),)


def test_from_csv_missing_file_raises(tmp_path: Path) -> None:
	with pytest.raises(RateTableError, match="cannot be read"):
		RateTable.from_csv(tmp_path / "absent.csv")


def test_from_csv_missing_column_raises() -> None:
	with pytest.raises(RateTableError, match="lacks the column\\(s\\) rate_percent"):
		RateTable.from_csv("kind,valid_from,rate\nlegal_rate_other,2026-01-01,2.62\n")


@pytest.mark.parametrize(
	("line", "message"),
	[
		("euribor,2025-01-01,2.00,x", "line 3: Unknown rate kind 'euribor'"),
		(
			"legal_rate_other,2025-01-01,-0.10,x",
			"line 3: The legal_rate_other rate from 2025-01-01 cannot be negative",
		),
		("legal_rate_other,2025-13-01,2.00,x", "line 3: valid_from must be a date"),
		("legal_rate_other,2025-07-01,deux,x", "line 3: rate_percent must be a number, not 'deux'"),
		("legal_rate_other,2025-07-01,NaN,x", "line 3: rate_percent must be a finite number"),
		("legal_rate_other,2025-07-01", "line 3: kind, valid_from and rate_percent are all required"),
		("legal_rate_other,2026-01-01,2.62,dup", "Duplicate legal_rate_other rate from 2026-01-01"),
	],
)
def test_from_csv_invalid_row_raises_naming_the_line(line: str, message: str) -> None:
	with pytest.raises(RateTableError, match=message):
		RateTable.from_csv(csv_text("legal_rate_other,2026-01-01,2.62,ok", line))


def test_from_rows_accepts_mappings_tuples_and_frappe_values() -> None:
	table = RateTable.from_rows(
		[
			# as a Frappe document gives them: a float Percent field and a date
			{
				"kind": LEGAL_RATE_OTHER,
				"valid_from": date(2025, 7, 1),
				"rate_percent": 2.76,
				"source": "arrêté",
			},
			{"kind": LEGAL_RATE_OTHER, "valid_from": "2026-01-01", "rate_percent": "2.62"},
			(ECB_MAIN_REFINANCING, date(2025, 6, 11), Decimal("2.15")),
			(ECB_MAIN_REFINANCING, "2024-12-18", 3, "ECB"),
			RateRow(LEGAL_RATE_CONSUMER_CREDITOR, date(2026, 1, 1), Decimal("6.67")),
		]
	)
	rates = {(row.kind, row.valid_from): row.rate_percent for row in table.rows}
	assert rates == {
		(ECB_MAIN_REFINANCING, date(2024, 12, 18)): Decimal("3"),
		(ECB_MAIN_REFINANCING, date(2025, 6, 11)): Decimal("2.15"),
		(LEGAL_RATE_CONSUMER_CREDITOR, date(2026, 1, 1)): Decimal("6.67"),
		# 2.76 as a float would be 2.7599999999999997868371792719699442386627197265625 through Decimal(float)
		(LEGAL_RATE_OTHER, date(2025, 7, 1)): Decimal("2.76"),
		(LEGAL_RATE_OTHER, date(2026, 1, 1)): Decimal("2.62"),
	}


@pytest.mark.parametrize(
	("row", "message"),
	[
		(("euribor", "2025-01-01", "1"), "row 1: Unknown rate kind 'euribor'"),
		(
			(LEGAL_RATE_OTHER, "2025-01-01", -1),
			"row 1: The legal_rate_other rate from 2025-01-01 cannot be negative",
		),
		((LEGAL_RATE_OTHER, "2025-01-01", True), "row 1: rate_percent must be a number, not True"),
		((LEGAL_RATE_OTHER, 20250101, "1"), "row 1: valid_from must be a date"),
		((LEGAL_RATE_OTHER, "2025-01-01"), "row 1: expected kind, valid_from, rate_percent and source"),
		({"kind": LEGAL_RATE_OTHER, "valid_from": "2025-01-01"}, "row 1: kind, valid_from and rate_percent"),
	],
)
def test_from_rows_invalid_row_raises(row: object, message: str) -> None:
	with pytest.raises(RateTableError, match=message):
		RateTable.from_rows([row])


def test_duplicate_kind_and_date_raises() -> None:
	with pytest.raises(RateTableError, match="Duplicate ecb_main_refinancing rate from 2025-06-11"):
		RateTable.from_rows(
			[(ECB_MAIN_REFINANCING, "2025-06-11", "2.15"), (ECB_MAIN_REFINANCING, "2025-06-11", "2.40")]
		)


def test_same_date_in_two_kinds_is_not_a_duplicate() -> None:
	table = RateTable.from_rows(
		[(LEGAL_RATE_OTHER, "2026-01-01", "2.62"), (LEGAL_RATE_CONSUMER_CREDITOR, "2026-01-01", "6.67")]
	)
	assert len(table.rows) == 2


def test_direct_construction_validates_rows() -> None:
	with pytest.raises(RateTableError, match="cannot be negative"):
		RateRow(LEGAL_RATE_OTHER, date(2025, 1, 1), Decimal("-1"))
	with pytest.raises(RateTableError, match="must be a finite Decimal"):
		RateRow(LEGAL_RATE_OTHER, date(2025, 1, 1), 2.62)  # type: ignore[arg-type]
	with pytest.raises(RateTableError, match="RateRow values"):
		RateTable(((LEGAL_RATE_OTHER, date(2025, 1, 1), Decimal("1")),))  # type: ignore[arg-type]


def test_table_and_rows_are_immutable() -> None:
	table = load_default_rates()
	with pytest.raises(dataclasses.FrozenInstanceError):
		table.rows = ()  # type: ignore[misc]
	with pytest.raises(dataclasses.FrozenInstanceError):
		table.rows[0].rate_percent = Decimal("99")  # type: ignore[misc]
	assert isinstance(table.rows, tuple)


# -- half-years --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
	("day", "start", "end", "following", "label"),
	[
		(date(2024, 1, 1), date(2024, 1, 1), date(2024, 6, 30), date(2024, 7, 1), "2024-H1"),
		(date(2024, 2, 29), date(2024, 1, 1), date(2024, 6, 30), date(2024, 7, 1), "2024-H1"),
		(date(2024, 6, 30), date(2024, 1, 1), date(2024, 6, 30), date(2024, 7, 1), "2024-H1"),
		(date(2024, 7, 1), date(2024, 7, 1), date(2024, 12, 31), date(2025, 1, 1), "2024-H2"),
		(date(2024, 12, 31), date(2024, 7, 1), date(2024, 12, 31), date(2025, 1, 1), "2024-H2"),
	],
)
def test_half_year_helpers(day: date, start: date, end: date, following: date, label: str) -> None:
	assert half_year_start(day) == start
	assert half_year_end(day) == end
	assert next_half_year_start(day) == following
	assert half_year_label(day) == label


# -- properties --------------------------------------------------------------------------------------------

rows_strategy = st.lists(
	st.tuples(
		st.sampled_from(KINDS),
		st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
		st.decimals(min_value=0, max_value=20, places=2),
	),
	min_size=1,
	max_size=30,
	unique_by=lambda row: (row[0], row[1]),
)


@settings(max_examples=200, deadline=None, database=None)
@given(
	rows=rows_strategy,
	on=st.dates(min_value=date(1999, 1, 1), max_value=date(2032, 12, 31)),
	kind=st.sampled_from(KINDS),
)
def test_lookup_matches_a_linear_scan(rows: list[tuple[str, date, Decimal]], on: date, kind: str) -> None:
	table = RateTable.from_rows(rows)
	candidates = [row for row in rows if row[0] == kind and row[1] <= on]
	if not candidates:
		with pytest.raises(RateTableError):
			table.rate_in_force(kind, on)
		return
	_, valid_from, rate = max(candidates, key=lambda row: row[1])
	lookup = table.rate_in_force(kind, on)
	assert (lookup.valid_from, lookup.rate_percent) == (valid_from, rate)
	legal = [row[1] for row in rows if row[0] == LEGAL_RATE_OTHER] or [row[1] for row in rows]
	latest = max(legal)
	# Stale exactly when `on` falls in a half-year that starts after the latest freshness row's half-year.
	covered_until = date(latest.year, 6, 30) if latest.month <= 6 else date(latest.year, 12, 31)
	assert lookup.stale == (on > covered_until)
	assert (lookup.warning is not None) == lookup.stale


@settings(max_examples=200, deadline=None, database=None)
@given(rows=rows_strategy)
def test_row_order_does_not_matter(rows: list[tuple[str, date, Decimal]]) -> None:
	assert RateTable.from_rows(rows) == RateTable.from_rows(list(reversed(rows)))


@settings(max_examples=200, deadline=None, database=None)
@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_half_years_partition_the_calendar(day: date) -> None:
	start, end = half_year_start(day), half_year_end(day)
	assert start <= day <= end
	assert next_half_year_start(day) == end + timedelta(days=1)
	assert half_year_start(end) == start
