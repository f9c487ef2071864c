"""The invoice's next step and its date (the mirrors on the Sales Invoice) are the plan's own: the company's
holidays, the minimum gap between contacts, the minimum amount and a dispute move or stop them exactly as they
move or stop the run, so the invoice list never promises a step the run will not take that day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance_app.engine.mirror import mirror_values
from relance_app.engine.plan import Instalment, explain
from relance_app.engine.policy import default_policy

POLICY = default_policy()  # the shipped ladder: J-5, J+5, J+10, J+15, J+30; business days, 3-day gap, 10 EUR
DUE = date(2026, 11, 2)  # a Monday: J+5 is Saturday 7 November, sent on Monday 9
MONDAY = date(2026, 11, 9)


def reminded(**changes) -> Instalment:
	"""Reminded before its due date (level 1); the J+5 email is next."""
	values = dict(
		invoice="SINV-1",
		customer="C1",
		due_date=DUE,
		outstanding=Decimal("1200.00"),
		last_level=1,
		last_sent_on=date(2026, 10, 28),
	)
	values.update(changes)
	return Instalment(**values)


def mirrors(inst: Instalment, today: date, *, holidays=frozenset(), last_contact=None) -> dict:
	# As the Frappe layer calls it: the plan's outlooks on the company's calendar, the customer's contacts known.
	outlooks = explain([inst], POLICY, today, holidays=holidays, last_contact=last_contact)
	return mirror_values(
		[inst], {POLICY.name: POLICY}, {inst.key: POLICY.name}, today, None, outlooks=outlooks
	)


def test_the_next_step_is_on_the_next_business_day_after_a_weekend():
	values = mirrors(reminded(), date(2026, 11, 3))
	assert values["dunning_next_action_date"] == MONDAY
	assert values["dunning_next_action"].endswith(POLICY.level(2).title)


def test_a_company_holiday_moves_the_next_step_as_it_moves_the_run():
	inst = reminded()
	values = mirrors(inst, date(2026, 11, 3), holidays=frozenset({MONDAY}))
	assert values["dunning_next_action_date"] == date(2026, 11, 10)
	assert (
		values["dunning_next_action_date"]
		== explain([inst], POLICY, date(2026, 11, 3), holidays={MONDAY})[inst.key].on
	)


def test_a_customer_contacted_two_days_ago_waits_for_the_minimum_gap():
	# Called on Saturday 7 about another invoice: the 3-day gap ends on Tuesday 10, not on the ladder's Monday.
	values = mirrors(reminded(), MONDAY, last_contact={"C1": date(2026, 11, 7)})
	assert values["dunning_next_action_date"] == date(2026, 11, 10)
	assert mirrors(reminded(), MONDAY)["dunning_next_action_date"] == MONDAY


def test_below_the_minimum_amount_no_step_is_announced():
	values = mirrors(reminded(outstanding=Decimal("9.99")), date(2026, 11, 3))
	assert values["dunning_next_action"] is None
	assert values["dunning_next_action_date"] is None


def test_a_disputed_invoice_announces_no_date():
	values = mirrors(reminded(disputed=True), date(2026, 11, 3))
	assert values["dunning_status"] == "Disputed"
	assert values["dunning_next_action_date"] is None


def test_a_pause_moves_the_next_step_to_the_business_day_after_it():
	# Paused until Friday 13: the J+5 email goes on Monday 16.
	values = mirrors(reminded(paused_until=date(2026, 11, 13)), date(2026, 11, 3))
	assert values["dunning_status"] == "Paused"
	assert values["dunning_next_action_date"] == date(2026, 11, 16)
