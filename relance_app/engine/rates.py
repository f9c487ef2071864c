"""The rates French late-payment law refers to, kept as dated data rather than code.

Three kinds of rate, each a series of rows "from this date on, this rate" (annual percent):

- ``ecb_main_refinancing``: the ECB main refinancing operations rate, by the date it took effect (not the
  decision date). Code de commerce L441-10 II builds the statutory B2B penalty rate on it: the rate in force
  on 1 January for the first half-year, on 1 July for the second, plus 10 percentage points.
- ``legal_rate_consumer_creditor`` and ``legal_rate_other``: the taux de l'intérêt légal, fixed for each
  half-year by arrêté (Code monétaire et financier L313-2). The first applies when the *creditor* is a
  natural person not acting for professional needs, the second in every other case. A business dunning
  anyone therefore uses ``legal_rate_other``: for consumer interest (Code civil 1231-6, 1344-1) and for the
  floor of a contractual B2B rate (3 × the legal rate, L441-10 II).

Rates change: the app ships their history in ``data/fr_late_payment_rates.csv`` (with each row's source) and
accounts managers add every new half-year when it is published; the Frappe layer builds a `RateTable` from the
"Late Payment Rate" rows with `RateTable.from_rows`.

Staleness. Legal rates are published every half-year, so the latest ``legal_rate_other`` row tells how
current the whole table is: it is taken as up to date until the end of that row's half-year
(`RateTable.valid_through`; a table without any ``legal_rate_other`` row falls back on its latest row of
any kind). A lookup for a later date still answers with the last known rate of its kind, because penalties
keep running while the next arrêté is awaited and a zero would be silently wrong, but it is flagged
``stale`` with a warning naming the half-year, so whoever sends the letter knows to check it. A date before
the first row of its kind has no rate at all and raises `RateTableError`.
"""

from __future__ import annotations

import csv
import io
import os
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path

from relance_app.engine.errors import N_, EngineError

ECB_MAIN_REFINANCING = "ecb_main_refinancing"
LEGAL_RATE_CONSUMER_CREDITOR = "legal_rate_consumer_creditor"
LEGAL_RATE_OTHER = "legal_rate_other"
KINDS: tuple[str, ...] = (ECB_MAIN_REFINANCING, LEGAL_RATE_CONSUMER_CREDITOR, LEGAL_RATE_OTHER)

# Published every half-year by arrêté, so the latest row of this kind says how current the table is.
FRESHNESS_KIND = LEGAL_RATE_OTHER

CSV_COLUMNS: tuple[str, ...] = ("kind", "valid_from", "rate_percent", "source")
DEFAULT_RATES_PACKAGE = "relance_app.engine.data"
DEFAULT_RATES_FILE = "fr_late_payment_rates.csv"

STALE_RATE_WARNING = N_(
	"No rate published for {half_year} in the rate table; the last known rate ({rate} % from {valid_from}) "
	"was used."
)


class RateTableError(EngineError):
	"""A rate table that is malformed, or that has no rate for the date asked."""


class EngineWarning(str):
	"""A warning that is a plain `str` (in English) and keeps its translatable `template` and `params`."""

	template: str
	params: dict[str, object]

	def __new__(cls, template: str, **params: object) -> EngineWarning:
		self = super().__new__(cls, template.format(**params))
		self.template = template
		self.params = params
		return self


# -- half-years --------------------------------------------------------------------------------------------


def half_year_start(day: date) -> date:
	"""1 January or 1 July: the day whose rates govern the half-year containing `day`."""
	return date(day.year, 1 if day.month <= 6 else 7, 1)


def half_year_end(day: date) -> date:
	return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)


def next_half_year_start(day: date) -> date:
	return date(day.year, 7, 1) if day.month <= 6 else date(day.year + 1, 1, 1)


def half_year_label(day: date) -> str:
	"""``2026-H2``: how the warnings and errors name a half-year."""
	return f"{day.year}-H{1 if day.month <= 6 else 2}"


# -- input conversion (shared with law.py) -----------------------------------------------------------------


def to_decimal(value: object, what: str, error: type[EngineError] = EngineError) -> Decimal:
	"""`value` as a finite Decimal; ints, numeric strings and floats are accepted.

	Floats are taken through their shortest repr (``2.15`` → ``Decimal("2.15")``), which is what the user
	typed: Frappe's Currency and Percent fields arrive as floats, and ``Decimal(2.15)`` would carry the binary
	error (2.149999…) into the money. Booleans are refused even though they are ints.
	"""
	if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
		raise error(N_("{what} must be a number, not {value!r}."), what=what, value=value)
	try:
		number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
	except InvalidOperation:
		raise error(N_("{what} must be a number, not {value!r}."), what=what, value=value) from None
	if not number.is_finite():
		raise error(N_("{what} must be a finite number, not {value!r}."), what=what, value=value)
	return number


def to_date(value: object, what: str, error: type[EngineError] = EngineError) -> date:
	"""`value` as a date: a `date`, the date part of a `datetime`, or an ISO ``YYYY-MM-DD`` string."""
	if isinstance(value, datetime):
		return value.date()
	if isinstance(value, date):
		return value
	if isinstance(value, str):
		try:
			return date.fromisoformat(value.strip())
		except ValueError:
			pass
	raise error(N_("{what} must be a date (YYYY-MM-DD), not {value!r}."), what=what, value=value)


# -- the table ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
	"""From `valid_from` on (until the next row of the same kind), the rate of `kind` is `rate_percent` %."""

	kind: str
	valid_from: date
	rate_percent: Decimal
	source: str = ""

	def __post_init__(self) -> None:
		if self.kind not in KINDS:
			raise RateTableError(
				N_("Unknown rate kind {kind!r}: expected one of {kinds}."),
				kind=self.kind,
				kinds=", ".join(KINDS),
			)
		if isinstance(self.valid_from, datetime) or not isinstance(self.valid_from, date):
			raise RateTableError(
				N_("The {kind} rate needs a valid_from date, not {value!r}."),
				kind=self.kind,
				value=self.valid_from,
			)
		if not isinstance(self.rate_percent, Decimal) or not self.rate_percent.is_finite():
			problem = N_("The {kind} rate from {valid_from} must be a finite Decimal, not {rate!r}.")
		elif self.rate_percent < 0:
			problem = N_("The {kind} rate from {valid_from} cannot be negative ({rate} %).")
		else:
			return
		raise RateTableError(problem, kind=self.kind, valid_from=self.valid_from, rate=self.rate_percent)


@dataclass(frozen=True)
class RateLookup:
	"""The answer to "which `kind` rate was in force `on` this day", with the row it comes from."""

	kind: str
	on: date
	rate_percent: Decimal
	valid_from: date
	source: str
	stale: bool = False
	warning: EngineWarning | None = None


@dataclass(frozen=True)
class RateTable:
	"""An immutable, validated set of dated rates; rows are kept sorted by kind, then date."""

	rows: tuple[RateRow, ...]
	# Per kind, the sorted valid_from dates (for bisection) and the matching rows: derived, so not compared.
	_index: Mapping[str, tuple[tuple[date, ...], tuple[RateRow, ...]]] = field(
		init=False, repr=False, compare=False
	)
	valid_through: date | None = field(init=False, compare=False)

	def __post_init__(self) -> None:
		rows = tuple(self.rows)
		seen: set[tuple[str, date]] = set()
		for row in rows:
			if not isinstance(row, RateRow):
				raise RateTableError(N_("A rate table holds RateRow values, not {row!r}."), row=row)
			if (row.kind, row.valid_from) in seen:
				raise RateTableError(
					N_("Duplicate {kind} rate from {valid_from}: keep one row per kind and date."),
					kind=row.kind,
					valid_from=row.valid_from,
				)
			seen.add((row.kind, row.valid_from))
		rows = tuple(sorted(rows, key=lambda r: (KINDS.index(r.kind), r.valid_from)))
		index = {}
		for kind in KINDS:
			of_kind = tuple(r for r in rows if r.kind == kind)
			index[kind] = (tuple(r.valid_from for r in of_kind), of_kind)
		marker = index[FRESHNESS_KIND][0] or tuple(sorted(r.valid_from for r in rows))
		object.__setattr__(self, "rows", rows)
		object.__setattr__(self, "_index", index)
		object.__setattr__(self, "valid_through", half_year_end(marker[-1]) if marker else None)

	@classmethod
	def from_rows(cls, rows: Iterable[Mapping[str, object] | Sequence[object]]) -> RateTable:
		"""Build a table from mappings with keys kind, valid_from, rate_percent and optional source, or from
		``(kind, valid_from, rate_percent[, source])`` tuples.

		Dates may be ISO strings, and rates strings or floats (see `to_decimal`), as Frappe documents give
		them.
		"""
		return cls(tuple(_row(raw, f"row {number}") for number, raw in enumerate(rows, start=1)))

	@classmethod
	def from_csv(cls, text_or_path: str | os.PathLike[str]) -> RateTable:
		"""Build a table from CSV with the header ``kind,valid_from,rate_percent,source`` (source optional).

		A path-like object, or a string without a line break, is read as a file path (UTF-8); any other
		string is the CSV text itself.
		"""
		if isinstance(text_or_path, os.PathLike) or "\n" not in text_or_path:
			try:
				text = Path(text_or_path).read_text(encoding="utf-8-sig")
			except OSError as exc:
				raise RateTableError(
					N_("The rate table {path} cannot be read: {error}"),
					path=str(text_or_path),
					error=exc.strerror,
				) from None
		else:
			text = text_or_path.removeprefix("\ufeff")
		reader = csv.DictReader(io.StringIO(text))
		missing = [c for c in CSV_COLUMNS[:3] if c not in (reader.fieldnames or ())]
		if missing:
			raise RateTableError(
				N_("The rate table CSV lacks the column(s) {columns}; its header must be {header}."),
				columns=", ".join(missing),
				header=",".join(CSV_COLUMNS),
			)
		# line_num is the reader's physical line, so errors point at the line a person would open.
		return cls(tuple(_row(raw, f"line {reader.line_num}") for raw in reader))

	def rate_in_force(self, kind: str, on: date) -> RateLookup:
		"""The `kind` rate in force on `on`: the latest row of that kind with ``valid_from <= on``.

		After `valid_through` the last known rate is still returned, flagged stale with a warning (see the
		module docstring). Raises `RateTableError` for an unknown kind or a date before the kind's first row.
		"""
		if kind not in KINDS:
			raise RateTableError(
				N_("Unknown rate kind {kind!r}: expected one of {kinds}."), kind=kind, kinds=", ".join(KINDS)
			)
		dates, rows = self._index[kind]
		position = bisect_right(dates, on)
		if position == 0:
			if not rows:
				raise RateTableError(N_("The rate table has no {kind} rate at all."), kind=kind)
			raise RateTableError(
				N_("The rate table has no {kind} rate in force on {on}: its first one is from {first}."),
				kind=kind,
				on=on,
				first=dates[0],
			)
		row = rows[position - 1]
		stale = self.valid_through is not None and on > self.valid_through
		warning = None
		if stale:
			warning = EngineWarning(
				STALE_RATE_WARNING,
				half_year=half_year_label(on),
				rate=row.rate_percent,
				valid_from=row.valid_from.isoformat(),
			)
		return RateLookup(kind, on, row.rate_percent, row.valid_from, row.source, stale, warning)


def _row(raw: Mapping[str, object] | Sequence[object], where: str) -> RateRow:
	"""One input row as a RateRow; errors are prefixed with where the row comes from."""
	if isinstance(raw, RateRow):
		return raw
	try:
		if isinstance(raw, Mapping):
			values = [raw.get(name) for name in CSV_COLUMNS]
		elif isinstance(raw, Sequence) and not isinstance(raw, str) and len(raw) in (3, 4):
			values = [*raw, None][:4]
		else:
			raise RateTableError(
				N_("expected kind, valid_from, rate_percent and source, not {raw!r}."), raw=raw
			)
		kind, valid_from, rate, source = values
		if kind is None or valid_from is None or rate is None:
			raise RateTableError(N_("kind, valid_from and rate_percent are all required."))
		return RateRow(
			kind=str(kind).strip(),
			valid_from=to_date(valid_from, "valid_from", RateTableError),
			rate_percent=to_decimal(rate, "rate_percent", RateTableError),
			source=str(source or "").strip(),
		)
	except RateTableError as exc:
		raise RateTableError(N_("{where}: ") + exc.template, where=where, **exc.params) from None


@lru_cache(maxsize=1)
def load_default_rates() -> RateTable:
	"""The rates shipped with the app (``relance_app/engine/data/fr_late_payment_rates.csv``)."""
	text = resources.files(DEFAULT_RATES_PACKAGE).joinpath(DEFAULT_RATES_FILE).read_text(encoding="utf-8")
	return RateTable.from_csv(text)


__all__ = [
	"CSV_COLUMNS",
	"ECB_MAIN_REFINANCING",
	"KINDS",
	"LEGAL_RATE_CONSUMER_CREDITOR",
	"LEGAL_RATE_OTHER",
	"STALE_RATE_WARNING",
	"EngineWarning",
	"RateLookup",
	"RateRow",
	"RateTable",
	"RateTableError",
	"half_year_end",
	"half_year_label",
	"half_year_start",
	"load_default_rates",
	"next_half_year_start",
	"to_date",
	"to_decimal",
]
