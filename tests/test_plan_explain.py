from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from relance_app.engine.plan import SkipReason, explain

from .conftest import inst, ladder

DUE = date(2026, 11, 2)


def day(offset: int) -> date:
	return DUE + timedelta(days=offset)


def test_due_instalment_is_due_today_at_its_level(policy):
	outlook = explain([inst(last_level=1, last_sent_on=day(-5))], policy, day(5))["SINV-1"]
	assert (outlook.due, outlook.level, outlook.on) == (True, 2, day(5))


def test_paused_instalment_says_until_when_and_resumes_the_day_after(policy):
	outlook = explain([inst(last_level=1, last_sent_on=day(-5), paused_until=day(12))], policy, day(6))[
		"SINV-1"
	]
	assert (outlook.reason, outlook.until, outlook.level, outlook.on) == (
		SkipReason.PAUSED,
		day(12),
		2,
		day(13),
	)


def test_promise_holds_until_the_day_after_the_promised_date(policy):
	outlook = explain([inst(last_level=2, last_sent_on=day(5), promised_on=day(20))], policy, day(11))[
		"SINV-1"
	]
	assert (outlook.reason, outlook.until, outlook.level, outlook.on) == (
		SkipReason.PROMISED,
		day(20),
		3,
		day(21),
	)


def test_not_yet_due_gives_the_day_of_the_next_level(policy):
	outlook = explain([inst(last_level=2, last_sent_on=day(5))], policy, day(7))["SINV-1"]
	assert (outlook.reason, outlook.level, outlook.on) == (SkipReason.NOT_YET, 3, day(10))


def test_minimum_gap_and_minimum_amount_are_explained():
	gap = ladder(min_gap_days=5)
	outlook = explain([inst(last_level=1, last_sent_on=day(-5))], gap, day(5), last_contact={"C1": day(3)})
	assert (outlook["SINV-1"].reason, outlook["SINV-1"].on) == (SkipReason.MIN_GAP, day(8))
	small = ladder(min_outstanding=Decimal("50"))
	assert (
		explain([inst(outstanding=Decimal("10"))], small, day(5))["SINV-1"].reason is SkipReason.BELOW_MINIMUM
	)
