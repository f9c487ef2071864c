"""Plain-text and JSON rendering shared by `law.describe` and `law_invoice.describe_invoice`.

Kept apart from the law itself so that law.py holds the rules and stays readable.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def json_ready(value: object) -> object:
	"""Dataclasses as dicts, dates in ISO format, Decimals as strings (never floats), tuples as lists."""
	if is_dataclass(value) and not isinstance(value, type):
		return {f.name: json_ready(getattr(value, f.name)) for f in fields(value)}
	if isinstance(value, Decimal):
		return format(value, "f")
	if isinstance(value, date):
		return value.isoformat()
	if isinstance(value, tuple | list):
		return [json_ready(item) for item in value]
	if isinstance(value, str):
		# An EngineWarning is a str subclass: JSON gets the plain English text.
		return str(value)
	return value


def money(value: Decimal) -> str:
	return format(value.quantize(CENT, rounding=ROUND_HALF_UP), "f")


def rate_text(value: Decimal) -> str:
	# Rates are published with two decimals; show more only when the rate really has them.
	return format(value.quantize(CENT) if value == value.quantize(CENT) else value, "f")


def table(rows: list[tuple[str, ...]], *, right_aligned: tuple[int, ...], header: bool = True) -> list[str]:
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
