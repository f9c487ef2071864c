"""The dates a user sees for each step under the shipped policy: weekends, holidays, late starts, pauses."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance_app.engine.plan import SkipReason, next_business_day, next_level, plan, simulate
from relance_app.engine.policy import default_policy

from .conftest import inst

TOUSSAINT = date(2026, 11, 1)  # a Sunday
ARMISTICE = date(2026, 11, 11)  # a Wednesday
CHRISTMAS = date(2026, 12, 25)  # a Friday
FRENCH_HOLIDAYS_2026 = frozenset({TOUSSAINT, ARMISTICE, CHRISTMAS})


def sent_on(items, policy, start: date, end: date, holidays=frozenset()) -> list[tuple[date, int]]:
	"""Every step the daily run would take between `start` and `end`: (day, level number)."""
	results = simulate(items, policy, start, end, holidays=holidays)
	return [(r.day, a.level_number) for r in results for a in r.actions]


def test_call_due_on_a_saturday_goes_monday_and_the_later_steps_keep_their_own_dates():
	due = date(2026, 11, 4)  # a Wednesday: J+10 is Saturday 14 November
	assert sent_on([inst(due=due)], default_policy(), date(2026, 10, 1), date(2027, 1, 31)) == [
		(date(2026, 10, 30), 1),  # J-5, Friday
		(date(2026, 11, 9), 2),  # J+5, Monday
		(date(2026, 11, 16), 3),  # J+10 is a Saturday: Monday (J+12)
		(date(2026, 11, 19), 4),  # J+15, Thursday, not J+17 nor J+19
		(date(2026, 12, 4), 5),  # J+30, Friday, not J+34
	]


def test_after_a_call_held_over_the_weekend_the_invoice_shows_the_sms_on_its_own_date():
	policy = default_policy()
	due = date(2026, 11, 4)
	waiting = inst(due=due, last_level=2, last_sent_on=date(2026, 11, 9))
	saturday = plan([waiting], policy, date(2026, 11, 14)).skipped[0]
	assert (saturday.reason, saturday.level, saturday.next_on) == (
		SkipReason.NON_BUSINESS_DAY,
		3,
		date(2026, 11, 16),
	)
	assert next_level(waiting, policy, date(2026, 11, 13)) == (3, date(2026, 11, 16))

	called = dataclasses.replace(waiting, last_level=3, last_sent_on=date(2026, 11, 16))
	assert plan([called], policy, date(2026, 11, 17)).next_steps() == {"SINV-1": (4, date(2026, 11, 19))}
	assert [a.level_number for a in plan([called], policy, date(2026, 11, 19)).actions] == [4]


@pytest.mark.parametrize(
	"due,steps",
	[
		(
			date(2026, 10, 12),  # J+30 on Armistice day, a Wednesday
			[
				(date(2026, 10, 7), 1),
				(date(2026, 10, 19), 2),  # J+5 is a Saturday: Monday
				(date(2026, 10, 22), 3),
				(date(2026, 10, 27), 4),
				(date(2026, 11, 12), 5),  # Armistice: Thursday
			],
		),
		(
			date(2026, 11, 25),  # J+30 on Christmas, a Friday
			[
				(date(2026, 11, 20), 1),
				(date(2026, 11, 30), 2),
				(date(2026, 12, 7), 3),  # J+10 is a Saturday: Monday
				(date(2026, 12, 10), 4),
				(date(2026, 12, 28), 5),  # Christmas, then the weekend: Monday
			],
		),
	],
)
def test_formal_notice_due_on_a_public_holiday_goes_on_the_next_business_day(due, steps):
	policy = default_policy()
	assert (
		sent_on([inst(due=due)], policy, date(2026, 10, 1), date(2027, 1, 31), FRENCH_HOLIDAYS_2026) == steps
	)
	waiting = inst(due=due, last_level=4, last_sent_on=steps[3][0])
	holiday = due + timedelta(days=30)
	skip = plan([waiting], policy, holiday, holidays=FRENCH_HOLIDAYS_2026).skipped[0]
	assert (skip.reason, skip.next_on) == (SkipReason.NON_BUSINESS_DAY, steps[4][0])
	eve = holiday - timedelta(days=1)
	assert next_level(waiting, policy, eve, holidays=FRENCH_HOLIDAYS_2026) == (5, steps[4][0])


def test_instalment_first_picked_up_at_j_plus_20_climbs_the_ladder_at_its_pace():
	due = date(2026, 10, 31)  # a Saturday; J+20 is Friday 20 November
	late = inst(due=due)
	first = plan([late], default_policy(), date(2026, 11, 20))
	assert [a.level_number for a in first.actions] == [2]  # not J+10, J+15 and J+30 at once
	assert sent_on([late], default_policy(), date(2026, 11, 20), date(2027, 1, 31)) == [
		(date(2026, 11, 20), 2),  # J+20: the first overdue reminder
		(date(2026, 11, 25), 3),  # 5 days later, as J+5 -> J+10
		(date(2026, 11, 30), 4),  # 5 days later, as J+10 -> J+15
		(date(2026, 12, 15), 5),  # 15 days later, as J+15 -> J+30
	]


def test_late_step_held_over_a_weekend_restarts_the_pace_from_the_day_it_went_out():
	# Already behind the ladder, the call is due on Sunday 29 November and goes on Monday 30: the engine
	# knows the day it went out, not the day it was planned for, so the SMS counts its 5 days from Monday.
	due = date(2026, 11, 4)
	assert sent_on([inst(due=due)], default_policy(), date(2026, 11, 24), date(2027, 1, 31)) == [
		(date(2026, 11, 24), 2),
		(date(2026, 11, 30), 3),
		(date(2026, 12, 7), 4),  # Monday 30 + 5 is a Saturday: Monday 7 December
		(date(2026, 12, 22), 5),
	]


def test_after_a_pause_the_ladder_resumes_at_its_pace():
	due = date(2026, 11, 4)
	paused = inst(due=due, last_level=2, last_sent_on=date(2026, 11, 9), paused_until=date(2026, 11, 24))
	skip = plan([paused], default_policy(), date(2026, 11, 16)).skipped[0]
	assert (skip.reason, skip.level, skip.next_on) == (SkipReason.PAUSED, 3, date(2026, 11, 25))
	assert sent_on([paused], default_policy(), date(2026, 11, 10), date(2027, 1, 31)) == [
		(date(2026, 11, 25), 3),  # the day after the pause (J+21)
		(date(2026, 11, 30), 4),  # 5 days later, not J+15 the next day
		(date(2026, 12, 15), 5),  # 15 days later, not J+30 (4 December)
	]


def test_pause_ending_on_a_friday_shows_monday_as_the_next_step():
	paused = inst(
		due=date(2026, 11, 4), last_level=2, last_sent_on=date(2026, 11, 9), paused_until=date(2026, 11, 20)
	)
	skip = plan([paused], default_policy(), date(2026, 11, 16)).skipped[0]
	assert (skip.reason, skip.next_on) == (SkipReason.PAUSED, date(2026, 11, 23))


def test_without_business_days_only_every_step_goes_on_its_calendar_day():
	policy = dataclasses.replace(default_policy(), business_days_only=False)
	due = date(2026, 10, 12)
	assert sent_on([inst(due=due)], policy, date(2026, 10, 1), date(2027, 1, 31), FRENCH_HOLIDAYS_2026) == [
		(date(2026, 10, 7), 1),
		(date(2026, 10, 17), 2),  # a Saturday
		(date(2026, 10, 22), 3),
		(date(2026, 10, 27), 4),
		(date(2026, 11, 11), 5),  # Armistice
	]
	waiting = inst(due=due, last_level=1, last_sent_on=date(2026, 10, 7))
	assert next_level(waiting, policy, date(2026, 10, 16), holidays=FRENCH_HOLIDAYS_2026) == (
		2,
		date(2026, 10, 17),
	)


@given(due=st.dates(min_value=date(2026, 1, 1), max_value=date(2035, 12, 31)))
def test_weekend_shifts_never_add_up_along_the_ladder(due):
	policy = default_policy()

	def business_day_on_or_after(day: date) -> date:
		return day if day.weekday() < 5 else next_business_day(day)

	expected = [
		(business_day_on_or_after(due + timedelta(days=level.offset_days)), number)
		for number, level in enumerate(policy.levels, start=1)
	]
	assert sent_on([inst(due=due)], policy, due - timedelta(days=6), due + timedelta(days=40)) == expected
