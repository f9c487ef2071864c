from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance_app.engine.plan import PlanError, SkipReason, next_business_day, plan, simulate
from relance_app.engine.policy import Channel

from .conftest import inst, ladder

DUE = date(2026, 11, 2)  # a Monday


def day(offset: int) -> date:
	return DUE + timedelta(days=offset)


def levels_due(result) -> list[int]:
	return [action.level_number for action in result.actions]


@pytest.mark.parametrize(
	"today_offset,last_level,last_sent_offset,expected",
	[
		(-6, 0, None, []),  # the day before J-5
		(-5, 0, None, [1]),  # J-5 exactly
		(-1, 0, None, [1]),  # J-5 missed (job down) but still before due: send it late
		(0, 0, None, []),  # due date: pre-due reminder passed over, J+5 not yet
		(4, 1, -5, []),  # J+4
		(5, 1, -5, [2]),  # J+5 exactly
		(9, 2, 5, []),
		(10, 2, 5, [3]),
		(15, 3, 10, [4]),
		(29, 4, 15, []),
		(30, 4, 15, [5]),
		(60, 5, 30, []),  # ladder completed
	],
)
def test_next_level_fires_on_its_boundary_day(policy, today_offset, last_level, last_sent_offset, expected):
	last_sent = day(last_sent_offset) if last_sent_offset is not None else None
	result = plan([inst(due=DUE, last_level=last_level, last_sent_on=last_sent)], policy, day(today_offset))
	assert levels_due(result) == expected


def test_invoice_found_late_starts_at_first_overdue_level_not_at_formal_notice(policy):
	result = plan([inst(due=DUE)], policy, day(45))
	assert levels_due(result) == [2]


def test_ladder_keeps_its_spacing_after_a_late_start(policy):
	# J+5 sent on J+45: the call (5 days later in the ladder) waits until J+50, not tomorrow.
	late = inst(due=DUE, last_level=2, last_sent_on=day(45))
	assert plan([late], policy, day(46)).actions == ()
	assert plan([late], policy, day(49)).actions == ()
	assert levels_due(plan([late], policy, day(50))) == [3]


def test_walk_from_j_minus_6_to_j_plus_35_sends_each_level_once_on_its_day(policy):
	results = simulate([inst(due=DUE)], policy, day(-6), day(35))
	sent = [((r.day - DUE).days, a.level_number, a.channel) for r in results for a in r.actions]
	assert sent == [
		(-5, 1, Channel.EMAIL),
		(5, 2, Channel.EMAIL),
		(10, 3, Channel.CALL),
		(15, 4, Channel.SMS),
		(30, 5, Channel.REGISTERED_LETTER),
	]


def test_paid_instalment_gets_nothing(policy):
	result = plan([inst(outstanding=Decimal("0"))], policy, day(10))
	assert result.actions == ()
	assert result.skipped[0].reason is SkipReason.PAID


def test_amount_below_policy_minimum_gets_nothing():
	policy = ladder(min_outstanding=Decimal("10"))
	result = plan([inst(outstanding=Decimal("9.99"))], policy, day(5))
	assert result.skipped[0].reason is SkipReason.BELOW_MINIMUM
	assert levels_due(plan([inst(outstanding=Decimal("10"))], policy, day(5))) == [2]


def test_disputed_instalment_waits_until_resolved(policy):
	disputed = inst(disputed=True)
	assert plan([disputed], policy, day(20)).skipped[0].reason is SkipReason.DISPUTED
	assert levels_due(plan([inst(disputed=False)], policy, day(20))) == [2]


def test_excluded_customer_gets_nothing(policy):
	assert plan([inst(excluded=True)], policy, day(20)).skipped[0].reason is SkipReason.EXCLUDED


def test_manual_pause_holds_until_its_last_day_inclusive(policy):
	paused = inst(paused_until=day(12))
	skip = plan([paused], policy, day(12)).skipped[0]
	assert skip.reason is SkipReason.PAUSED
	assert skip.next_on == day(13)
	assert levels_due(plan([paused], policy, day(13))) == [2]


def test_promise_to_pay_holds_then_broken_promise_resumes_and_is_flagged(policy):
	promised = inst(last_level=2, last_sent_on=day(5), promised_on=day(20))
	assert plan([promised], policy, day(20)).skipped[0].reason is SkipReason.PROMISED
	result = plan([promised], policy, day(21))
	assert levels_due(result) == [3]
	assert result.actions[0].broken_promises == ("SINV-1",)


def test_instalments_of_one_customer_at_same_level_make_one_message(policy):
	three = [inst(f"SINV-{n}", outstanding=Decimal(n * 100)) for n in (1, 2, 3)]
	result = plan(three, policy, day(5))
	assert len(result.actions) == 1
	action = result.actions[0]
	assert action.invoices == ("SINV-1", "SINV-2", "SINV-3")
	assert action.totals == {"EUR": Decimal("600")}
	assert action.keys == ("SINV-1|L2", "SINV-2|L2", "SINV-3|L2")


def test_different_customers_get_separate_messages(policy):
	result = plan([inst("A", "C1"), inst("B", "C2")], policy, day(5))
	assert [a.customer for a in result.actions] == ["C1", "C2"]


def test_one_message_per_customer_sends_only_the_highest_level():
	policy = ladder(one_message_per_customer=True)
	low = inst("A", due=day(0))
	high = inst("B", due=day(-10), last_level=2, last_sent_on=day(-5))
	result = plan([low, high], policy, day(5))
	assert [(a.level_number, a.invoices) for a in result.actions] == [(3, ("B",))]
	assert result.skipped[0].reason is SkipReason.DEFERRED


def test_minimum_gap_between_contacts_with_the_same_customer():
	policy = ladder(min_gap_days=3)
	contacted = {"C1": day(3)}
	result = plan([inst()], policy, day(5), last_contact=contacted)
	assert result.skipped[0].reason is SkipReason.MIN_GAP
	assert result.skipped[0].next_on == day(6)
	assert levels_due(plan([inst()], policy, day(6), last_contact=contacted)) == [2]


def test_business_days_only_waits_for_monday_and_skips_holidays():
	policy = ladder(business_days_only=True)
	saturday = date(2026, 11, 7)
	item = inst(due=saturday - timedelta(days=5))  # J+5 falls on a Saturday
	result = plan([item], policy, saturday)
	assert result.skipped[0].reason is SkipReason.NON_BUSINESS_DAY
	assert result.skipped[0].next_on == date(2026, 11, 9)
	holiday = date(2026, 11, 11)  # Armistice
	assert plan([item], policy, holiday, holidays={holiday}).actions == ()
	assert levels_due(plan([item], policy, date(2026, 11, 9))) == [2]
	assert next_business_day(date(2026, 11, 10), {holiday}) == date(2026, 11, 12)


def test_high_risk_customer_is_chased_sooner_once_late():
	policy = ladder(high_risk_advance_days=3)
	assert plan([inst(high_risk=True)], policy, day(2)).actions[0].level_number == 2
	assert plan([inst(high_risk=False)], policy, day(2)).actions == ()


def test_same_instalment_twice_is_an_input_error(policy):
	with pytest.raises(PlanError, match="appears twice"):
		plan([inst(), inst()], policy, day(5))


def test_instalments_of_one_invoice_are_dunned_separately(policy):
	first = inst(instalment="1", due=day(-20), last_level=2, last_sent_on=day(-15))
	second = inst(instalment="2", due=day(0))
	result = plan([first, second], policy, day(5))
	assert [(a.level_number, [i.key for i in a.instalments]) for a in result.actions] == [
		(2, ["SINV-1#2"]),
		(3, ["SINV-1#1"]),
	]


def test_plan_is_deterministic_whatever_the_input_order(policy):
	items = [inst(f"S{n}", f"C{n % 3}", due=day(-n)) for n in range(30)]
	assert plan(items, policy, day(10)) == plan(list(reversed(items)), policy, day(10))


def test_next_steps_tell_the_next_action_date(policy):
	result = plan([inst(last_level=2, last_sent_on=day(5))], policy, day(7))
	assert result.next_steps() == {"SINV-1": (3, day(10))}


def test_simulate_refuses_backwards_period(policy):
	with pytest.raises(PlanError, match="before the start date"):
		simulate([], policy, day(5), day(1))


@pytest.mark.parametrize(
	"from_database,expected",
	[
		(Decimal("1234.56"), Decimal("1234.56")),  # MariaDB decimal columns
		(1234.56, Decimal("1234.56")),  # flt() and frappe.db.get_value on some paths
		(0.1, Decimal("0.1")),  # not 0.1000000000000000055511151231257827...
		(1234, Decimal("1234")),
		("1234.56", Decimal("1234.56")),
		(" 1234.56 ", Decimal("1234.56")),
		(None, Decimal("0")),  # NULL: nothing known to be owed
	],
)
def test_instalment_keeps_database_amounts_as_decimals(from_database, expected):
	amount = inst(outstanding=from_database).outstanding
	assert type(amount) is Decimal
	assert amount == expected


def test_amounts_of_mixed_database_types_add_up_in_one_message(policy):
	items = [
		inst("A", outstanding=Decimal("100.10")),
		inst("B", outstanding=200.20),
		inst("C", outstanding=300),
		inst("D", outstanding="400.40"),
	]
	result = plan(items, policy, day(5))
	assert result.actions[0].totals == {"EUR": Decimal("1000.70")}
	assert sum(i.outstanding for i in items) == Decimal("1000.70")


def test_instalment_with_a_null_amount_is_treated_as_paid(policy):
	assert plan([inst(outstanding=None)], policy, day(10)).skipped[0].reason is SkipReason.PAID


@pytest.mark.parametrize(
	"bad",
	[float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("Infinity"), "abc", "", True, [1]],
)
def test_instalment_refuses_amounts_that_are_not_finite_numbers(bad):
	with pytest.raises(PlanError, match=r"amount of SINV-1 must be a finite number"):
		inst(outstanding=bad)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_any_finite_float_amount_becomes_the_decimal_it_prints_as(amount):
	converted = inst(outstanding=amount).outstanding
	assert type(converted) is Decimal
	assert converted == Decimal(repr(amount))
	assert float(converted) == amount


D = Decimal


@pytest.mark.parametrize(
	"rows,outstanding,expected",
	[
		([(D(500), D(500)), (D(500), D(500))], D(1000), [D(500), D(500)]),  # nothing paid
		([(D(500), D(500)), (D(500), D(500))], D(700), [D(200), D(500)]),  # 300 paid: first instalment first
		([(D(500), D(500)), (D(500), D(500))], D(400), [D(0), D(400)]),
		([(D(500), D(500)), (D(500), D(0))], D(500), [D(500), D(0)]),  # paid by payment term: trusted
		([(D(500), D(500)), (D(500), D(500))], D(0), [D(0), D(0)]),
		(
			[(D("333.33"), D("333.33")), (D("333.33"), D("333.33")), (D("333.33"), D("333.33"))],
			D(1000),
			[D("333.33"), D("333.33"), D("333.34")],
		),
		([], D(10), []),
	],
)
def test_split_outstanding_applies_payments_to_earliest_instalments(rows, outstanding, expected):
	from relance_app.engine.instalments import split_outstanding

	assert split_outstanding(rows, outstanding) == expected
