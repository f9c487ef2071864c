"""Calendar arithmetic the letters and the ladder share: working days, with or without public holidays."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta


def add_working_days(day: date, count: int, holidays: Collection[date] = ()) -> date:
	"""`day` + `count` working days (Monday to Friday, not in `holidays`); `day` itself is not counted."""
	while count > 0:
		day += timedelta(days=1)
		if day.weekday() < 5 and day not in holidays:
			count -= 1
	return day
