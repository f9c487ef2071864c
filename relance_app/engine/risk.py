"""Payment risk learned from history: a score 0-100, a risk class, reasons, and a predicted payment date for
each open invoice. Pure: the Frappe layer reads the history in set-based queries, builds `CustomerHistory`
values and calls `score_customers`; nothing here reads the database or the clock.

Inputs, per customer: the paid invoices (due date, payment date, amount), the open ones, the count of broken
payment promises and of disputes, and the class a user pinned by hand if any. Days late d = paid date - due
date, clipped to [-30, 180]; invoices are ordered by due date. The numbers are the constants of this module
and of risk_model.py (which computes the statistics); they were tuned on benchmarks/risk_backtest.py.

Forgetting mean (the building block). Start from the prior value v0 worth k invoices; for each paid invoice,
oldest first, multiply everything known by alpha = 0.5 ** (1 / half-life) and add the invoice with weight 1:

    M = (k alpha^n v0 + sum_i alpha^(n-1-i) d_i) / (k alpha^n + sum_i alpha^(n-1-i))

This is empirical-Bayes shrinkage toward the population in which the prior is the oldest evidence: a new
customer sits at the population's value, one with two years of history at their own recent behaviour. The
prior (mu0 mean delay, its late share, spread, k) is `population_prior` of the customers scored together:
k = within-customer variance / between-customer variance, in [0.5, 10]; `DEFAULT_PRIOR` otherwise.

    L = forgetting mean of d, half-life 4 invoices            (level)
    R = forgetting mean of d, half-life 1.5 invoices          (recent level: the trend, as the score sees it)
    s = forgetting mean of [d > 3], half-life 4 invoices      (share paid late)

Trend (for the dates). Weighted least squares of d against the due date, weights of half-life 6 invoices, at
least three invoices: weighted mean B at the weighted mean due date c (B also shrunk by the forgetting
rule), slope b, shrunk by its own uncertainty as b_s = b * max(0, 1 - 3 Var(b) / b²): a slope with a t-ratio
under sqrt(3) counts for nothing, a clear one almost fully. The expected delay of an invoice due on day x is

    mu(x) = B + b_s * (x' - c),  x' = x kept between the first paid due date and the last one + 60 days.

Score, 0-100. Each part is non-decreasing in every invoice's days late, so a customer never improves their
score by paying any invoice later (the fitted slope is kept out of it for that reason; R carries the trend):

    delay      45 * (1 - exp(-max(L, R, 0) / 20))
    late share 15 * s
    promises   15 * (1 - 0.5 ** broken_promises)
    disputes    5 * (1 - 0.5 ** disputes)
    overdue    20 * (1 - exp(-r / 1.5)),  r = sum(outstanding * min(1, days overdue / 30)) / usual invoice

"usual invoice": forgetting mean of paid amounts (no paid invoice: the mean open amount). Score = the sum
rounded half-up; class Low below 20, High from 45, Normal between (the issue's "medium"). A class pinned by
hand wins; the computed one is still returned.

Predicted payment date of an open invoice due on day x, with a = today - due date (negative if not yet due).
It is unpaid at the start of today, so its delay D is at least a; the prediction is E[D | D >= a], a blend of
two estimates: the customer's own past delays moved along the trend to this invoice (mu(x) + each past
residual), keeping those >= a, with their recency weights; and a Laplace distribution around mu(x) with the
customer's spread (forgetting mean absolute residual), worth two invoices, whose conditional mean has a
closed form (a + spread once a >= mu(x)). Date = due date + E rounded half-up, never before today nor the
posting date. An invoice already later than usual therefore gets a date from today on, never in the past.

Reasons are `Reason` values: a translatable template (marked with `N_`) and its parameters, never formatted
English; the Frappe layer shows ``_(reason.template).format(**reason.params)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from relance_app.engine.errors import N_, EngineError
from relance_app.engine.rates import to_date, to_decimal
from relance_app.engine.risk_model import (
	DEFAULT_PRIOR,
	LEVEL_HALF_LIFE,
	Fit,
	Prior,
	clip,
	expected_delay,
	fit,
	forgetting_mean,
	population_prior,
)
from relance_app.engine.risk_reasons import Reason, reasons_for

__all__ = [
	"DEFAULT_PRIOR",
	"HIGH",
	"LOW",
	"NORMAL",
	"RISK_CLASSES",
	"CustomerHistory",
	"OpenInvoice",
	"PaidInvoice",
	"Prior",
	"Reason",
	"RiskAssessment",
	"RiskError",
	"prior_from_histories",
	"score_customer",
	"score_customers",
]

# The options of the Customer field dunning_risk_class (setup/custom_fields.py RISK_CLASSES).
LOW, NORMAL, HIGH = "Low", "Normal", "High"
RISK_CLASSES = (LOW, NORMAL, HIGH)
LOW_BELOW = 20
HIGH_FROM = 45

DELAY_POINTS, DELAY_SCALE_DAYS = 45.0, 20.0
SHARE_POINTS = 15.0
PROMISE_POINTS = 15.0
DISPUTE_POINTS = 5.0
OVERDUE_POINTS, OVERDUE_SCALE = 20.0, 1.5
OVERDUE_FULL_DAYS = 30


class RiskError(EngineError):
	"""A history the risk engine cannot read."""


@dataclass(frozen=True)
class PaidInvoice:
	"""An invoice (or instalment) paid in full on `paid_date`: the last payment that cleared it."""

	due_date: date
	paid_date: date
	amount: Decimal = Decimal("0")

	def __post_init__(self) -> None:
		object.__setattr__(self, "due_date", to_date(self.due_date, "due_date", RiskError))
		object.__setattr__(self, "paid_date", to_date(self.paid_date, "paid_date", RiskError))
		object.__setattr__(self, "amount", to_decimal(self.amount, "amount", RiskError))

	@property
	def days_late(self) -> int:
		return (self.paid_date - self.due_date).days


@dataclass(frozen=True)
class OpenInvoice:
	"""An invoice (or instalment) not paid in full; `key` names it in `RiskAssessment.predicted`."""

	key: str
	due_date: date
	outstanding: Decimal
	posting_date: date | None = None

	def __post_init__(self) -> None:
		object.__setattr__(self, "due_date", to_date(self.due_date, "due_date", RiskError))
		object.__setattr__(self, "outstanding", to_decimal(self.outstanding, "outstanding", RiskError))
		if self.posting_date is not None:
			object.__setattr__(self, "posting_date", to_date(self.posting_date, "posting_date", RiskError))


@dataclass(frozen=True)
class CustomerHistory:
	"""What is known of one customer: invoices in any order, counts, and the class a user pinned (or None)."""

	customer: str
	paid: Sequence[PaidInvoice] = ()
	open: Sequence[OpenInvoice] = ()
	broken_promises: int = 0
	disputes: int = 0
	pinned_class: str | None = None

	def __post_init__(self) -> None:
		object.__setattr__(self, "paid", tuple(self.paid))
		object.__setattr__(self, "open", tuple(self.open))
		for name in ("broken_promises", "disputes"):
			value = getattr(self, name)
			if isinstance(value, bool) or not isinstance(value, int) or value < 0:
				raise RiskError(
					N_("{what} must be a whole number >= 0, not {value!r}."), what=name, value=value
				)
		if self.pinned_class in ("", None):
			object.__setattr__(self, "pinned_class", None)
		elif self.pinned_class not in RISK_CLASSES:
			raise RiskError(
				N_("Unknown risk class {value!r}: expected one of {classes}."),
				value=self.pinned_class,
				classes=", ".join(RISK_CLASSES),
			)


@dataclass(frozen=True)
class RiskAssessment:
	"""The verdict on one customer. `risk_class` is the pinned class if any, else `computed_class`.
	`typical_delay` is the expected days late of an invoice due today; `predicted` maps each open invoice's
	key to its predicted payment date."""

	customer: str
	score: int
	risk_class: str
	computed_class: str
	pinned: bool
	reasons: tuple[Reason, ...]
	predicted: dict[str, date]
	typical_delay: int


def ordered_points(paid: Iterable[PaidInvoice]) -> list[tuple[int, float]]:
	"""(due ordinal, clipped days late), oldest due first, then by payment date: among invoices due the same
	day the later-paid counts as the newer, which keeps every statistic non-decreasing in each delay."""
	ordered = sorted(paid, key=lambda p: (p.due_date, p.paid_date))
	return [(p.due_date.toordinal(), clip(p.days_late)) for p in ordered]


def prior_from_histories(histories: Iterable[CustomerHistory], default: Prior = DEFAULT_PRIOR) -> Prior:
	"""The population prior (empirical Bayes) from these customers' paid invoices; see
	`risk_model.population_prior`."""
	return population_prior([[d for _x, d in ordered_points(h.paid)] for h in histories], default)


def class_for(score: int) -> str:
	if score < LOW_BELOW:
		return LOW
	return HIGH if score >= HIGH_FROM else NORMAL


def usual_amount(history: CustomerHistory) -> Decimal:
	"""Forgetting mean of paid amounts (oldest due first); without any, the mean open amount.

	Invoices due the same day are taken by amount, not by payment date: paying one of them later must not
	change the usual invoice (nor, through it, the score)."""
	if history.paid:
		amounts = [float(p.amount) for p in sorted(history.paid, key=lambda p: (p.due_date, p.amount))]
		return Decimal(repr(forgetting_mean(amounts, LEVEL_HALF_LIFE, 0.0, 0.0)))
	if history.open:
		return sum((o.outstanding for o in history.open), Decimal(0)) / len(history.open)
	return Decimal(0)


def overdue_exposure(history: CustomerHistory, today: date) -> tuple[Decimal, Decimal, float]:
	"""(overdue outstanding, usual invoice, r): r weighs each overdue amount by min(1, days overdue / 30),
	counted in usual invoices."""
	overdue = [o for o in history.open if o.due_date < today and o.outstanding > 0]
	total = sum((o.outstanding for o in overdue), Decimal(0))
	usual = usual_amount(history)
	if not overdue or usual <= 0:
		return total, usual, 0.0
	weighted = sum(
		float(o.outstanding) * min(1.0, (today - o.due_date).days / OVERDUE_FULL_DAYS) for o in overdue
	)
	return total, usual, weighted / float(usual)


def predict(history: CustomerHistory, model: Fit | None, prior: Prior, today: date) -> dict[str, date]:
	"""Predicted payment date of each open invoice (see the module docstring)."""
	predicted = {}
	for invoice in history.open:
		already = (today - invoice.due_date).days
		delay = expected_delay(model, prior, invoice.due_date.toordinal(), already)
		day = invoice.due_date + timedelta(days=max(already, math.floor(delay + 0.5)))
		if invoice.posting_date is not None:
			day = max(day, invoice.posting_date)
		predicted[invoice.key] = day
	return predicted


def score_customer(history: CustomerHistory, today: date, prior: Prior = DEFAULT_PRIOR) -> RiskAssessment:
	"""Score one customer as of `today` (the paid invoices are those known at the start of that day)."""
	today = to_date(today, "today", RiskError)
	points = ordered_points(history.paid)
	model = fit(points, prior)
	level = max(model.level, model.recent, 0.0)
	overdue_total, usual, exposure = overdue_exposure(history, today)
	parts = {
		"delay": DELAY_POINTS * (1.0 - math.exp(-level / DELAY_SCALE_DAYS)),
		"late_share": SHARE_POINTS * model.late_share,
		"promises": PROMISE_POINTS * (1.0 - 0.5**history.broken_promises),
		"disputes": DISPUTE_POINTS * (1.0 - 0.5**history.disputes),
		"overdue": OVERDUE_POINTS * (1.0 - math.exp(-exposure / OVERDUE_SCALE)),
	}
	score = min(100, max(0, math.floor(sum(parts.values()) + 0.5)))
	computed = class_for(score)
	reasons = reasons_for(
		[d for _x, d in points],
		model,
		prior,
		parts,
		broken_promises=history.broken_promises,
		disputes=history.disputes,
		overdue=(overdue_total, usual),
		pinned=(history.pinned_class, computed),
	)
	return RiskAssessment(
		customer=history.customer,
		score=score,
		risk_class=history.pinned_class or computed,
		computed_class=computed,
		pinned=history.pinned_class is not None,
		reasons=reasons,
		predicted=predict(history, model if points else None, prior, today),
		typical_delay=math.floor(model.centre_delay(today.toordinal()) + 0.5),
	)


def score_customers(
	histories: Iterable[CustomerHistory], today: date, prior: Prior | None = None
) -> dict[str, RiskAssessment]:
	"""Score many customers; without `prior`, the population prior is estimated from these customers
	(empirical Bayes). Returns {customer: assessment} in input order."""
	histories = list(histories)
	if prior is None:
		prior = prior_from_histories(histories)
	return {h.customer: score_customer(h, today, prior) for h in histories}
