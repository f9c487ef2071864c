"""Dated ledger movements -> dated payments per instalment (relance_app.engine.allocation)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from relance_app.engine.allocation import allocate_payments, net_reductions

D = Decimal


def test_payments_become_positive_reductions_in_date_order():
	movements = [(date(2026, 3, 1), D("-100")), (date(2026, 2, 1), D("-50"))]
	assert net_reductions(movements) == [(date(2026, 2, 1), D("50")), (date(2026, 3, 1), D("100"))]


def test_movements_of_the_same_day_are_netted():
	day = date(2026, 3, 1)
	assert net_reductions([(day, D("-100")), (day, D("30"))]) == [(day, D("70"))]


def test_an_increase_undoes_the_latest_reductions_first():
	movements = [
		(date(2026, 1, 10), D("-100")),
		(date(2026, 2, 10), D("-40")),
		(date(2026, 3, 10), D("60")),  # a refund: the 40 of February, then 20 of January, came back
	]
	assert net_reductions(movements) == [(date(2026, 1, 10), D("80"))]


def test_an_increase_with_nothing_to_undo_is_not_a_payment():
	assert net_reductions([(date(2026, 1, 10), D("25"))]) == []


def test_a_payment_fills_the_earliest_instalment_first():
	paid = [(date(2026, 2, 1), D("700"))]
	assert allocate_payments([D("500"), D("500")], paid) == [
		[(date(2026, 2, 1), D("500"))],
		[(date(2026, 2, 1), D("200"))],
	]


def test_later_payments_move_on_to_the_next_instalment():
	paid = [(date(2026, 3, 1), D("300")), (date(2026, 2, 1), D("400"))]
	assert allocate_payments([D("500"), D("500"), D("500")], paid) == [
		[(date(2026, 2, 1), D("400")), (date(2026, 3, 1), D("100"))],
		[(date(2026, 3, 1), D("200"))],
		[],
	]


def test_an_overpayment_is_left_unallocated():
	assert allocate_payments([D("100")], [(date(2026, 1, 1), D("150"))]) == [[(date(2026, 1, 1), D("100"))]]


def test_no_instalment_and_no_payment():
	assert allocate_payments([], [(date(2026, 1, 1), D("10"))]) == []
	assert allocate_payments([D("10")], []) == [[]]


money = st.decimals(min_value=0, max_value=10_000, places=2)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@given(st.lists(money, max_size=5), st.lists(st.tuples(days, money), max_size=8))
def test_allocation_never_exceeds_an_instalment_and_keeps_every_cent(amounts, payments):
	allocated = allocate_payments(amounts, payments)
	for amount, parts in zip(amounts, allocated, strict=True):
		assert sum((part for _, part in parts), D(0)) <= amount
		assert all(part > 0 for _, part in parts)
	total_allocated = sum((part for parts in allocated for _, part in parts), D(0))
	assert total_allocated == min(sum(amounts, D(0)), sum((p for _, p in payments), D(0)))


@given(st.lists(st.tuples(days, st.decimals(min_value=-5_000, max_value=5_000, places=2)), max_size=10))
def test_reductions_are_positive_and_never_exceed_what_was_paid(movements):
	reductions = net_reductions(movements)
	assert all(amount > 0 for _, amount in reductions)
	assert [day for day, _ in reductions] == sorted(day for day, _ in reductions)
	paid = -sum((amount for _, amount in movements if amount < 0), D(0))
	assert sum((amount for _, amount in reductions), D(0)) <= paid
