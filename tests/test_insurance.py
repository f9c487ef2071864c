"""Credit insurance deadlines and credit limits (engine.insurance), at every boundary."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance_app.engine.insurance import (
	CoveredParty,
	CoverState,
	Deadlines,
	InsuranceError,
	cover,
	covering_row,
	first_unpaid_due,
	first_warning_due,
	over_limit,
)

DUE = date(2026, 10, 1)
# Declare within 60 days of the due date, claim within 150, warned 10 days ahead.
POLICY = Deadlines(declaration_days=60, claim_days=150, lead_days=10)
DEADLINE = date(2026, 11, 30)
WARNING = date(2026, 11, 20)


def state_on(day: date, *, outstanding="1200", declared_on=None, deadlines=POLICY) -> CoverState:
	return cover(
		due_date=DUE,
		outstanding=Decimal(outstanding),
		deadlines=deadlines,
		today=day,
		declared_on=declared_on,
	).state


def test_deadlines_are_counted_in_calendar_days_from_the_due_date():
	result = cover(due_date=DUE, outstanding=Decimal("1200"), deadlines=POLICY, today=DUE)
	assert result.declaration_deadline == DEADLINE
	assert result.claim_deadline == date(2027, 2, 28)
	assert result.warning_date == WARNING
	assert result.days_left == 60


def test_nothing_to_do_the_day_before_the_warning_date():
	assert state_on(WARNING - timedelta(days=1)) is CoverState.NOT_DUE


def test_warned_from_the_warning_date():
	assert state_on(WARNING) is CoverState.WARN


def test_still_warned_on_the_deadline_day_itself_with_zero_days_left():
	result = cover(due_date=DUE, outstanding=Decimal("1"), deadlines=POLICY, today=DEADLINE)
	assert result.state is CoverState.WARN
	assert result.days_left == 0


def test_overdue_the_day_after_the_deadline():
	result = cover(
		due_date=DUE, outstanding=Decimal("1"), deadlines=POLICY, today=DEADLINE + timedelta(days=1)
	)
	assert result.state is CoverState.OVERDUE
	assert result.days_left == -1
	assert result.needs_declaration


def test_before_the_due_date_nothing_is_due():
	assert state_on(DUE - timedelta(days=30)) is CoverState.NOT_DUE


def test_a_recorded_declaration_stops_the_warnings_whatever_the_day():
	for day in (WARNING, DEADLINE, DEADLINE + timedelta(days=400)):
		result = cover(
			due_date=DUE, outstanding=Decimal("1200"), deadlines=POLICY, today=day, declared_on=WARNING
		)
		assert result.state is CoverState.DECLARED
		assert not result.needs_declaration


def test_a_late_declaration_still_counts_as_declared():
	assert (
		state_on(DEADLINE + timedelta(days=5), declared_on=DEADLINE + timedelta(days=3))
		is CoverState.DECLARED
	)


@pytest.mark.parametrize("outstanding", ["0", "0.00", "-10"])
def test_a_settled_invoice_needs_no_declaration(outstanding):
	assert state_on(DEADLINE, outstanding=outstanding) is CoverState.SETTLED


def test_one_cent_outstanding_still_needs_the_declaration():
	assert state_on(DEADLINE, outstanding="0.01") is CoverState.WARN


def test_without_lead_time_the_warning_is_on_the_deadline_day():
	deadlines = Deadlines(declaration_days=30, claim_days=30, lead_days=0)
	day = DUE + timedelta(days=30)
	assert state_on(day - timedelta(days=1), deadlines=deadlines) is CoverState.NOT_DUE
	assert state_on(day, deadlines=deadlines) is CoverState.WARN
	assert state_on(day + timedelta(days=1), deadlines=deadlines) is CoverState.OVERDUE


def test_a_lead_time_longer_than_the_deadline_warns_before_the_due_date():
	deadlines = Deadlines(declaration_days=5, claim_days=90, lead_days=10)
	assert state_on(DUE - timedelta(days=6), deadlines=deadlines) is CoverState.NOT_DUE
	assert state_on(DUE - timedelta(days=5), deadlines=deadlines) is CoverState.WARN


def test_the_deadlines_cross_a_leap_day():
	result = cover(
		due_date=date(2028, 2, 1), outstanding=Decimal("1"), deadlines=POLICY, today=date(2028, 2, 1)
	)
	assert result.declaration_deadline == date(2028, 4, 1)


def test_first_warning_due_is_the_warning_date():
	assert first_warning_due(DUE, POLICY) == WARNING


@pytest.mark.parametrize(
	"fields, match",
	[
		({"declaration_days": -1, "claim_days": 10}, "-1"),
		({"declaration_days": 10, "claim_days": 5}, "cannot come before"),
		({"declaration_days": 10, "claim_days": 20, "lead_days": -2}, "-2"),
		({"declaration_days": 1.5, "claim_days": 20}, "whole number"),
		({"declaration_days": True, "claim_days": 20}, "whole number"),
	],
)
def test_unusable_deadlines_are_refused(fields, match):
	with pytest.raises(InsuranceError, match=match):
		Deadlines(**fields)


def test_equal_declaration_and_claim_deadlines_are_accepted():
	assert Deadlines(declaration_days=90, claim_days=90).claim_days == 90


@given(
	st.integers(min_value=0, max_value=400),
	st.integers(min_value=0, max_value=400),
	st.integers(min_value=0, max_value=120),
	st.integers(min_value=-200, max_value=800),
)
def test_states_follow_each_other_in_order(declaration, extra, lead, offset):
	deadlines = Deadlines(declaration_days=declaration, claim_days=declaration + extra, lead_days=lead)
	day = DUE + timedelta(days=offset)
	result = cover(due_date=DUE, outstanding=Decimal("10"), deadlines=deadlines, today=day)
	assert result.warning_date <= result.declaration_deadline <= result.claim_deadline
	expected = (
		CoverState.NOT_DUE
		if day < result.warning_date
		else CoverState.WARN
		if day <= result.declaration_deadline
		else CoverState.OVERDUE
	)
	assert result.state is expected
	assert result.days_left == (result.declaration_deadline - day).days


# Credit limits.
ROWS = [
	CoveredParty(customer=None, customer_group="Commercial", credit_limit=Decimal("50000")),
	CoveredParty(customer=None, customer_group="Grands comptes", credit_limit=Decimal("200000")),
	CoveredParty(customer="Durand SARL", customer_group=None, credit_limit=Decimal("10000")),
]


def test_the_customers_own_row_wins_over_its_group():
	assert covering_row(ROWS, "Durand SARL", ["Grands comptes", "Commercial"]).credit_limit == Decimal(
		"10000"
	)


def test_the_nearest_group_wins_over_its_parents():
	row = covering_row(ROWS, "Martin SA", ["Grands comptes", "Commercial", "All Customer Groups"])
	assert row.credit_limit == Decimal("200000")


def test_a_parent_group_covers_its_subgroups():
	row = covering_row(ROWS, "Martin SA", ["PME", "Commercial", "All Customer Groups"])
	assert row.customer_group == "Commercial"


def test_an_uncovered_customer_has_no_row():
	assert covering_row(ROWS, "Martin SA", ["Particuliers", "All Customer Groups"]) is None
	assert covering_row([], "Durand SARL", ["Commercial"]) is None


def test_over_the_limit_only_strictly_above_it():
	limit = Decimal("10000")
	assert not over_limit(limit, Decimal("9000"), Decimal("1000"))
	assert over_limit(limit, Decimal("9000"), Decimal("1000.01"))
	assert over_limit(limit, Decimal("10000.01"))
	assert not over_limit(limit, Decimal("0"))


def test_a_negative_limit_is_refused():
	with pytest.raises(InsuranceError, match="negative"):
		over_limit(Decimal("-1"), Decimal("0"))


# The due date the deadlines count from, for an invoice paid in instalments.
SCHEDULE = [
	(date(2026, 11, 1), Decimal("400")),
	(date(2026, 10, 1), Decimal("400")),
	(date(2026, 12, 1), Decimal("400")),
]


def test_an_unpaid_invoice_counts_from_its_first_instalment():
	assert first_unpaid_due(SCHEDULE, Decimal("1200")) == date(2026, 10, 1)


def test_a_paid_first_instalment_moves_the_count_to_the_next():
	assert first_unpaid_due(SCHEDULE, Decimal("800")) == date(2026, 11, 1)


def test_a_partly_paid_first_instalment_still_counts():
	assert first_unpaid_due(SCHEDULE, Decimal("800.01")) == date(2026, 10, 1)


def test_only_the_last_instalment_left():
	assert first_unpaid_due(SCHEDULE, Decimal("0.01")) == date(2026, 12, 1)


def test_without_instalments_or_outstanding_there_is_no_first_unpaid_due():
	assert first_unpaid_due([], Decimal("100")) is None
	assert first_unpaid_due(SCHEDULE, Decimal("0")) is None
