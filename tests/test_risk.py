"""Payment risk learned from history (engine/risk.py): score, class, reasons, predicted payment dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance_app.engine import risk_model
from relance_app.engine.risk import (
	DEFAULT_PRIOR,
	HIGH,
	LOW,
	NORMAL,
	RISK_CLASSES,
	CustomerHistory,
	OpenInvoice,
	PaidInvoice,
	Prior,
	RiskError,
	prior_from_histories,
	score_customer,
	score_customers,
)
from relance_app.engine.risk_reasons import TEMPLATES
from relance_app.setup.custom_fields import RISK_CLASSES as CUSTOMER_FIELD_OPTIONS

TODAY = date(2026, 3, 2)
AMOUNT = Decimal("1200.00")


def paid(delays, last_due=date(2026, 2, 1), every=30, amount=AMOUNT):
	"""One paid invoice per delay, oldest first, due every `every` days up to `last_due`."""
	first = last_due - timedelta(days=every * (len(delays) - 1))
	return [
		PaidInvoice(first + timedelta(days=every * i), first + timedelta(days=every * i + d), amount)
		for i, d in enumerate(delays)
	]


def upcoming(key="SINV-NEXT", due=date(2026, 3, 20), outstanding=AMOUNT, posting=date(2026, 2, 18)):
	return OpenInvoice(key, due, outstanding, posting)


def customer(delays, *opens, **fields):
	return CustomerHistory("CUST-1", paid(delays), opens or (upcoming(),), **fields)


def delay_of(assessment, invoice):
	return (assessment.predicted[invoice.key] - invoice.due_date).days


def codes(assessment):
	return [reason.code for reason in assessment.reasons]


# -- the examples of the issue -------------------------------------------------------------------------------


def test_a_customer_who_always_pays_on_time_is_low_risk_and_expected_on_the_due_date():
	result = score_customer(customer([0] * 24), TODAY)
	assert result.score <= 5
	assert result.risk_class == LOW
	assert result.predicted == {"SINV-NEXT": date(2026, 3, 20)}
	assert result.typical_delay == 0
	assert str(result.reasons[0]) == "Paid the last 6 invoices on time on average."


def test_a_customer_who_always_pays_30_days_late_is_high_risk_and_expected_30_days_after_the_due_date():
	result = score_customer(customer([30] * 24), TODAY)
	assert 45 <= result.score <= 60
	assert result.risk_class == HIGH
	assert result.predicted == {"SINV-NEXT": date(2026, 4, 19)}
	assert [(r.code, dict(r.params)) for r in result.reasons] == [
		("recent_delay", {"count": 6, "days": 30}),
		("late_share", {"late": 12, "count": 12, "grace": 3}),
	]
	assert str(result.reasons[0]) == "Paid the last 6 invoices 30 days late on average."


def test_a_customer_getting_worse_scores_above_a_steady_one_and_is_expected_later_than_their_average():
	worse = score_customer(customer([5, 10, 20, 40]), TODAY)
	steady = score_customer(customer([20, 20, 20, 20]), TODAY)
	assert worse.score > steady.score
	assert delay_of(worse, upcoming()) > (5 + 10 + 20 + 40) / 4 + 10
	assert delay_of(steady, upcoming()) <= 20
	assert "worsening" in codes(worse) and "worsening" not in codes(steady)
	trend = next(r for r in worse.reasons if r.code == "worsening")
	assert str(trend) == f"Paying later and later: about {trend.params['days']} more days late each month."
	assert trend.params["days"] >= 5


def test_a_customer_getting_better_is_expected_earlier_than_their_average():
	better = score_customer(customer([60, 50, 40, 30, 20, 10]), TODAY)
	assert delay_of(better, upcoming()) < 35 - 10
	assert "improving" in codes(better)


def test_one_broken_promise_raises_the_score_and_says_so():
	without = score_customer(customer([10] * 8), TODAY)
	with_one = score_customer(customer([10] * 8, broken_promises=1), TODAY)
	assert with_one.score > without.score
	reason = next(r for r in with_one.reasons if r.code == "broken_promises")
	assert str(reason) == "Broken payment promises: 1."
	assert reason.points == 8  # 15 * (1 - 0.5), half-up
	assert with_one.score - without.score in (7, 8)


def test_a_dispute_raises_the_score_less_than_a_broken_promise():
	base = score_customer(customer([10] * 8), TODAY).score
	disputed = score_customer(customer([10] * 8, disputes=1), TODAY).score
	promised = score_customer(customer([10] * 8, broken_promises=1), TODAY).score
	assert base < disputed < promised


def test_a_new_customer_gets_the_prior_and_a_no_history_reason():
	prior = Prior(mean_delay=12.0, scale=8.0, late_share=0.4, strength=2.0)
	far = upcoming(due=date(2026, 5, 1))
	result = score_customer(CustomerHistory("NEW", (), (far,)), TODAY, prior)
	assert delay_of(result, far) == 12
	assert result.typical_delay == 12
	assert result.risk_class == NORMAL
	assert codes(result) == ["no_history"]
	assert str(result.reasons[0]) == (
		"No paid invoice yet: the score starts from the average customer, who pays 12 days late."
	)
	assert result.reasons[0].points == result.score


def test_a_customer_with_one_paid_invoice_still_leans_on_the_prior():
	result = score_customer(customer([40]), TODAY)
	assert codes(result)[:2] == ["recent_delay", "few_invoices"]
	assert str(result.reasons[0]) == "Paid the last invoice 40 days late."
	assert 10 < delay_of(result, upcoming()) < 40


# -- predicted dates -----------------------------------------------------------------------------------------


def test_an_invoice_already_later_than_usual_gets_a_date_after_today_not_in_the_past():
	old = upcoming("SINV-OLD", due=date(2026, 1, 1), posting=date(2025, 12, 1))
	result = score_customer(customer([10] * 12, old), TODAY)
	# 60 days overdue for a customer who pays 10 days late: not due + 10 (January), but from today on.
	assert TODAY < result.predicted["SINV-OLD"] <= TODAY + timedelta(days=10)


def test_a_slightly_overdue_invoice_of_a_late_payer_is_expected_at_their_usual_delay():
	invoice = upcoming("SINV-LATE", due=date(2026, 2, 20), posting=date(2026, 1, 21))
	result = score_customer(customer([30] * 24, invoice), TODAY)
	assert result.predicted["SINV-LATE"] == date(2026, 3, 22)


def test_an_early_payer_is_never_expected_before_today_nor_before_the_posting_date():
	soon = upcoming("SINV-SOON", due=date(2026, 3, 12), posting=date(2026, 2, 10))
	result = score_customer(customer([-25] * 12, soon), TODAY)
	# Still unpaid 10 days before its due date, by someone who pays 25 days early: any day now.
	assert TODAY <= result.predicted["SINV-SOON"] <= TODAY + timedelta(days=1)
	short_terms = upcoming("SINV-SHORT", due=date(2026, 3, 12), posting=date(2026, 2, 25))
	early = score_customer(customer([-25] * 12, short_terms), date(2026, 1, 1))
	assert early.predicted["SINV-SHORT"] == date(2026, 2, 25)


def test_every_open_invoice_gets_a_date():
	a, b = upcoming("A", due=date(2026, 3, 10)), upcoming("B", due=date(2026, 4, 30))
	result = score_customer(customer([15] * 6, a, b), TODAY)
	# Six invoices 15 days late, still a little pulled toward the average customer (10 days late).
	assert result.predicted == {"A": date(2026, 3, 24), "B": date(2026, 5, 14)}


# -- overdue now, pinned class, many customers --------------------------------------------------------------


def test_current_overdue_raises_the_score_and_is_reported_against_the_usual_invoice():
	overdue = [
		upcoming(f"SINV-{n}", due=date(2026, 1, 2), posting=date(2025, 12, 3), outstanding=Decimal("1800.00"))
		for n in range(2)
	]
	calm = score_customer(customer([10] * 8), TODAY)
	behind = score_customer(customer([10] * 8, *overdue), TODAY)
	assert behind.score > calm.score
	reason = next(r for r in behind.reasons if r.code == "overdue")
	assert dict(reason.params) == {"amount": Decimal("3600.00"), "ratio": Decimal("3.0")}
	assert str(reason) == "Overdue now: 3600.00, about 3.0 times a usual invoice."


def test_a_pinned_class_wins_and_keeps_the_computed_one_in_sight():
	result = score_customer(customer([30] * 24, pinned_class=LOW), TODAY)
	assert (result.risk_class, result.computed_class, result.pinned) == (LOW, HIGH, True)
	assert str(result.reasons[0]) == "Risk class set by hand: Low (the payment history gives High)."
	unpinned = score_customer(customer([30] * 24, pinned_class=""), TODAY)
	assert (unpinned.risk_class, unpinned.pinned) == (HIGH, False)


def test_classes_are_the_customer_field_options():
	assert RISK_CLASSES == tuple(CUSTOMER_FIELD_OPTIONS) == ("Low", "Normal", "High")


def test_scoring_many_customers_shrinks_newcomers_toward_this_population():
	regulars = [CustomerHistory(f"C{n}", paid([20 + n] * 10)) for n in range(6)]
	newcomer = CustomerHistory("NEW", (), (upcoming(due=date(2026, 5, 1)),))
	results = score_customers([*regulars, newcomer], TODAY)
	assert list(results) == ["C0", "C1", "C2", "C3", "C4", "C5", "NEW"]
	assert results["NEW"].reasons[0].params == {"days": 23}
	assert delay_of(results["NEW"], upcoming(due=date(2026, 5, 1))) == 23
	assert results["C5"].score > results["C0"].score


def test_the_population_prior_falls_back_on_the_default_with_few_customers():
	few = [CustomerHistory(f"C{n}", paid([40] * 5)) for n in range(4)]
	assert prior_from_histories(few) == DEFAULT_PRIOR
	prior = prior_from_histories([*few, CustomerHistory("C9", paid([0] * 5)), CustomerHistory("NONE")])
	assert prior.mean_delay == 32.0
	assert prior.late_share == 0.8
	assert 0.5 <= prior.strength <= 10


def test_the_order_the_invoices_come_in_does_not_matter():
	history = customer([3, 40, 8, 0, 25, 12])
	shuffled = CustomerHistory("CUST-1", list(reversed(history.paid)), history.open)
	assert score_customer(history, TODAY) == score_customer(shuffled, TODAY)


def test_reasons_are_translatable_templates_with_their_parameters():
	history = customer([5, 10, 20, 40], upcoming("X", due=date(2026, 1, 10)), broken_promises=2, disputes=1)
	result = score_customer(CustomerHistory("C", history.paid, history.open, 2, 1, NORMAL), TODAY)
	assert {r.code for r in result.reasons} == {
		"pinned",
		"recent_delay",
		"late_share",
		"worsening",
		"broken_promises",
		"disputes",
		"overdue",
	}
	for reason in result.reasons:
		assert reason.template in TEMPLATES
		assert str(reason) == reason.template.format(**reason.params)
	points = [r.points for r in result.reasons[1:]]
	assert points == sorted(points, reverse=True)


def test_inputs_are_checked_and_converted():
	assert PaidInvoice("2026-01-31", "2026-02-10", 99.9).amount == Decimal("99.9")
	assert PaidInvoice(date(2026, 1, 31), date(2026, 2, 10)).days_late == 10
	with pytest.raises(RiskError):
		PaidInvoice("31/01/2026", date(2026, 2, 10), AMOUNT)
	with pytest.raises(RiskError):
		CustomerHistory("C", pinned_class="Medium")
	with pytest.raises(RiskError):
		CustomerHistory("C", broken_promises=-1)


# -- the statistics ------------------------------------------------------------------------------------------


def test_the_laplace_conditional_mean_is_continuous_and_never_below_what_is_known():
	mean = risk_model.laplace_conditional_mean
	assert mean(10.0, 5.0, 10.0) == 15.0
	assert mean(10.0, 5.0, 40.0) == 45.0
	assert abs(mean(10.0, 5.0, 10.0 - 1e-9) - 15.0) < 1e-6
	assert abs(mean(10.0, 5.0, -200.0) - 10.0) < 1e-9
	for already in range(-30, 60):
		assert mean(10.0, 5.0, already) >= already


def test_an_erratic_slope_is_shrunk_to_nothing_and_a_clean_one_kept():
	days = [date(2026, 1, 1).toordinal() + 30 * i for i in range(8)]
	_raw, clean, _c, _m = risk_model.trend(list(zip(days, [0, 5, 10, 15, 20, 25, 30, 35], strict=True)))
	raw, noisy, _c, _m = risk_model.trend(list(zip(days, [0, 40, 2, 35, 1, 45, 0, 38], strict=True)))
	assert abs(clean * 30 - 5) < 1e-9
	assert raw > 0 and noisy == 0


# -- properties ----------------------------------------------------------------------------------------------

delays = st.integers(min_value=-40, max_value=400)
histories = st.builds(
	lambda ds, gaps, amounts, opens, promises, disputes: CustomerHistory(
		"P",
		[
			PaidInvoice(
				date(2024, 1, 1) + timedelta(days=sum(gaps[: i + 1])),
				date(2024, 1, 1) + timedelta(days=sum(gaps[: i + 1]) + d),
				Decimal(a),
			)
			for i, (d, a) in enumerate(zip(ds, amounts, strict=False))
		],
		[
			OpenInvoice(f"O{n}", TODAY + timedelta(days=offset), Decimal(a), TODAY - timedelta(days=90))
			for n, (offset, a) in enumerate(opens)
		],
		promises,
		disputes,
	),
	st.lists(delays, max_size=25),
	st.lists(st.integers(min_value=0, max_value=60), min_size=25, max_size=25),
	st.lists(st.integers(min_value=0, max_value=50_000), min_size=25, max_size=25),
	st.lists(st.tuples(st.integers(-400, 90), st.integers(0, 50_000)), max_size=5),
	st.integers(0, 6),
	st.integers(0, 6),
)


@settings(max_examples=200, deadline=None)
@given(histories)
def test_property_the_score_is_between_0_and_100_and_its_class_follows(history):
	result = score_customer(history, TODAY)
	assert 0 <= result.score <= 100
	assert result.computed_class == (LOW if result.score < 20 else HIGH if result.score >= 45 else NORMAL)


@settings(max_examples=200, deadline=None)
@given(histories, st.data())
def test_property_paying_any_invoice_later_never_lowers_the_score(history, data):
	if not history.paid:
		return
	index = data.draw(st.integers(0, len(history.paid) - 1))
	later = data.draw(st.integers(1, 200))
	invoice = history.paid[index]
	moved = PaidInvoice(invoice.due_date, invoice.paid_date + timedelta(days=later), invoice.amount)
	changed = [moved if i == index else p for i, p in enumerate(history.paid)]
	slower = CustomerHistory("P", changed, history.open, history.broken_promises, history.disputes)
	assert score_customer(slower, TODAY).score >= score_customer(history, TODAY).score


@settings(max_examples=200, deadline=None)
@given(histories, st.integers(0, 200))
def test_property_adding_an_invoice_paid_later_than_all_before_never_lowers_the_score(history, extra):
	known = CustomerHistory("P", history.paid, (), history.broken_promises, history.disputes)
	worst = max([p.days_late for p in known.paid] + [int(DEFAULT_PRIOR.mean_delay), 4])
	due = max([p.due_date for p in known.paid], default=date(2025, 1, 1)) + timedelta(days=1)
	newest = PaidInvoice(due, due + timedelta(days=worst + extra), AMOUNT)
	grown = CustomerHistory("P", [*known.paid, newest], (), known.broken_promises, known.disputes)
	assert score_customer(grown, TODAY).score >= score_customer(known, TODAY).score


@settings(max_examples=200, deadline=None)
@given(histories)
def test_property_no_open_invoice_is_expected_before_today_or_its_posting_date(history):
	result = score_customer(history, TODAY)
	assert set(result.predicted) == {o.key for o in history.open}
	for invoice in history.open:
		assert result.predicted[invoice.key] >= max(TODAY, invoice.posting_date)
		if invoice.due_date < TODAY:
			assert result.predicted[invoice.key] >= TODAY
