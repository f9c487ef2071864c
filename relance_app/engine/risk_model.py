"""The statistics behind the payment-risk score (`relance_app.engine.risk`): pure arithmetic on days late.

Everything here works on one customer's paid invoices, oldest first, as ``(due ordinal, days late)`` pairs
(days late already clipped to [`MIN_DELAY`, `MAX_DELAY`]), and on a `Prior` that stands for the average
customer. `risk.py` documents the formulas; this module only computes them. Days are floats here (they are
statistics, not money); the results are rounded to whole days by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Delays outside this range are clipped before any statistic: one invoice paid two years late (often a
# forgotten credit note) must not swamp the rest.
MIN_DELAY = -30
MAX_DELAY = 180
# Paid at most this many days after the due date still counts as on time (a bank transfer takes a few days).
GRACE_DAYS = 3
# Half-lives, in invoices: each older invoice weighs 0.5 ** (1 / half_life) times the next one.
LEVEL_HALF_LIFE = 4.0
RECENT_HALF_LIFE = 1.5
TREND_HALF_LIFE = 6.0
# The trend is extrapolated at most this many days past the due date of the last paid invoice.
TREND_HORIZON_DAYS = 60
MIN_SCALE = 1.0
# How strongly an uncertain slope is pulled toward zero (1: by its plain signal-to-noise ratio).
SLOPE_DOUBT = 3.0
# Weight, in invoices, of the smooth (Laplace) tail against the customer's own past delays when estimating
# how late an invoice that is already late will end up.
TAIL_STRENGTH = 2.0


@dataclass(frozen=True)
class Prior:
	"""The average customer, used for a customer with little or no history.

	`mean_delay` days late on average, spread `scale` (mean absolute deviation of one invoice's delay
	around a customer's own level), `late_share` of invoices paid after the grace days, worth `strength`
	invoices of evidence. `population_prior` estimates one from the company's customers.
	"""

	mean_delay: float = 10.0
	scale: float = 10.0
	late_share: float = 0.5
	strength: float = 3.0


DEFAULT_PRIOR = Prior()


@dataclass(frozen=True)
class Fit:
	"""What one customer's paid history says; see `fit`."""

	count: int
	level: float
	recent: float
	late_share: float
	base: float
	scale: float
	slope: float
	raw_slope: float
	centre: float
	first: int
	last: int
	residuals: tuple[tuple[float, float], ...]

	def centre_delay(self, due_ordinal: int) -> float:
		"""Expected days late of an invoice due on `due_ordinal`: level plus the (capped) trend."""
		if not self.count:
			return clip(self.base)
		# Within the fitted invoices the line is used as is; past the last one, for TREND_HORIZON_DAYS at most.
		where = max(self.first, min(self.last + TREND_HORIZON_DAYS, due_ordinal))
		return clip(self.base + self.slope * (where - self.centre))


def clip(days: float) -> float:
	return min(float(MAX_DELAY), max(float(MIN_DELAY), days))


def decay(half_life: float) -> float:
	return 0.5 ** (1.0 / half_life)


def forgetting_mean(
	values: Sequence[float], half_life: float, prior_value: float, prior_weight: float
) -> float:
	"""Start from `prior_value` worth `prior_weight`; for each value, oldest first, multiply what is known
	by alpha = 0.5 ** (1 / half_life) and add the value with weight 1. Returns the weighted mean.

	A new value at least as large as the current mean never lowers it (the old weights all shrink by the
	same factor), which is what makes the score monotone.
	"""
	alpha = decay(half_life)
	total, weight = prior_weight * prior_value, prior_weight
	for value in values:
		total = alpha * total + value
		weight = alpha * weight + 1.0
	return total / weight


def recency_weights(count: int, half_life: float) -> list[float]:
	"""Weights of `count` invoices, oldest first; the newest weighs 1."""
	alpha = decay(half_life)
	return [alpha ** (count - 1 - i) for i in range(count)]


def trend(points: Sequence[tuple[int, float]]) -> tuple[float, float, float, float]:
	"""(slope, shrunk slope, weighted centre, weighted mean) of days late against the due date, in days late per day.

	Weighted least squares with `TREND_HALF_LIFE` recency weights. The slope is then shrunk toward zero by
	its own uncertainty, slope * max(0, 1 - SLOPE_DOUBT * Var(slope) / slope²) (positive-part James-Stein):
	a clear deterioration is kept, a slope an erratic customer draws by chance vanishes. Var(slope) comes
	from the weighted residuals (effective count n_eff = (sum w)² / sum w²). Fewer than three invoices, all
	due on the same day, or n_eff <= 2: no trend.
	"""
	weights = recency_weights(len(points), TREND_HALF_LIFE)
	total = sum(weights)
	if not points:
		return 0.0, 0.0, 0.0, 0.0
	centre = sum(w * x for w, (x, _d) in zip(weights, points, strict=True)) / total
	mean = sum(w * d for w, (_x, d) in zip(weights, points, strict=True)) / total
	if len(points) < 3:
		return 0.0, 0.0, centre, mean
	sxx = sum(w * (x - centre) ** 2 for w, (x, _d) in zip(weights, points, strict=True))
	if sxx <= 0:
		return 0.0, 0.0, centre, mean
	sxy = sum(w * (x - centre) * (d - mean) for w, (x, d) in zip(weights, points, strict=True))
	slope = sxy / sxx
	effective = total * total / sum(w * w for w in weights)
	if effective <= 2.0:
		return slope, 0.0, centre, mean
	residual = sum(
		w * (d - mean - slope * (x - centre)) ** 2 for w, (x, d) in zip(weights, points, strict=True)
	)
	noise = residual / total * effective / (effective - 2.0)
	variance = noise * sum(w * w * (x - centre) ** 2 for w, (x, _d) in zip(weights, points, strict=True))
	variance /= sxx * sxx
	if slope == 0.0:
		return 0.0, 0.0, centre, mean
	return slope, slope * max(0.0, 1.0 - SLOPE_DOUBT * variance / (slope * slope)), centre, mean


def fit(points: Sequence[tuple[int, float]], prior: Prior) -> Fit:
	"""The statistics of one customer's paid invoices, `points` = (due ordinal, clipped days late), oldest
	first; see risk.py for the formulas."""
	count = len(points)
	delays = [d for _x, d in points]
	# The prior is the oldest evidence: it is forgotten at the same pace as the invoices that follow it.
	level = forgetting_mean(delays, LEVEL_HALF_LIFE, prior.mean_delay, prior.strength)
	recent = forgetting_mean(delays, RECENT_HALF_LIFE, prior.mean_delay, prior.strength)
	late = [1.0 if d > GRACE_DAYS else 0.0 for d in delays]
	late_share = forgetting_mean(late, LEVEL_HALF_LIFE, prior.late_share, prior.strength)
	raw_slope, slope, centre, mean = trend(points)
	# The prediction's line: the trend's weighted mean delay (shrunk to the prior) at the trend's centre.
	base = forgetting_mean(delays, TREND_HALF_LIFE, prior.mean_delay, prior.strength)
	weights = recency_weights(count, TREND_HALF_LIFE)
	# Residuals around the customer's own line (not the shrunk one): the spread, and the past surprises that
	# the conditional estimate of an overdue invoice moves to this invoice's centre.
	residuals = tuple((w, d - mean - slope * (x - centre)) for w, (x, d) in zip(weights, points, strict=True))
	spread = forgetting_mean([abs(r) for _w, r in residuals], TREND_HALF_LIFE, prior.scale, prior.strength)
	return Fit(
		count=count,
		level=level,
		recent=recent,
		late_share=late_share,
		base=base,
		scale=max(MIN_SCALE, spread),
		slope=slope,
		raw_slope=raw_slope,
		centre=centre,
		first=points[0][0] if points else 0,
		last=points[-1][0] if points else 0,
		residuals=residuals,
	)


def laplace_conditional_mean(centre: float, scale: float, already: float) -> float:
	"""E[D | D >= already] for D Laplace(centre, scale): closed form, >= `already`, continuous.

	Past the centre the tail is exponential, so the answer is simply already + scale (memoryless: an invoice
	far later than usual is expected to take one more "spread" of days). Before the centre:
	(centre - e/2 (already - scale)) / (1 - e/2) with e = exp(-(centre - already) / scale).
	"""
	if already >= centre:
		return already + scale
	tail = 0.5 * math.exp(-(centre - already) / scale)
	return (centre - tail * (already - scale)) / (1.0 - tail)


def expected_delay(model: Fit | None, prior: Prior, due_ordinal: int, already: int) -> float:
	"""Expected days late of an open invoice due on `due_ordinal`, knowing it was still unpaid `already`
	days after its due date (negative when not yet due): E[D | D >= already].

	Two estimates of that conditional mean, blended by weight: the customer's own past delays, moved to this
	invoice's centre (centre + each past residual), keeping those >= `already` (their recency weights summed
	give the blend weight); and the Laplace tail around the centre with the customer's spread
	(`TAIL_STRENGTH`). Without history, only the Laplace tail of the prior.
	"""
	if model is None or model.count == 0:
		return laplace_conditional_mean(prior.mean_delay, max(MIN_SCALE, prior.scale), already)
	centre = model.centre_delay(due_ordinal)
	smooth = laplace_conditional_mean(centre, model.scale, already)
	kept = [(w, centre + r) for w, r in model.residuals if centre + r >= already]
	mass = sum(w for w, _d in kept)
	if mass <= 0:
		return smooth
	own = sum(w * d for w, d in kept) / mass
	return (mass * own + TAIL_STRENGTH * smooth) / (mass + TAIL_STRENGTH)


def population_prior(samples: Sequence[Sequence[float]], default: Prior = DEFAULT_PRIOR) -> Prior:
	"""An empirical-Bayes prior from many customers' clipped delays (one sequence per customer).

	mean_delay is the mean of the customers' mean delays, scale the pooled mean absolute deviation around
	each customer's own mean, late_share the mean of the customers' late shares. strength is sigma² / tau²
	(within-customer variance over between-customer variance, method of moments), kept within [0.5, 10]
	invoices: the more customers differ from each other, the faster one's own history takes over. Fewer than
	five customers with a paid invoice: `default`.
	"""
	customers = [list(s) for s in samples if len(s)]
	if len(customers) < 5:
		return default
	means = [sum(s) / len(s) for s in customers]
	mean = sum(means) / len(means)
	deviations = [abs(d - m) for s, m in zip(customers, means, strict=True) for d in s]
	scale = sum(deviations) / len(deviations)
	late_share = sum(sum(1 for d in s if d > GRACE_DAYS) / len(s) for s in customers) / len(customers)
	within_n = sum(len(s) - 1 for s in customers)
	within = (
		sum((d - m) ** 2 for s, m in zip(customers, means, strict=True) for d in s) / within_n
		if within_n
		else default.scale**2
	)
	between = sum((m - mean) ** 2 for m in means) / (len(means) - 1)
	between -= sum(within / len(s) for s in customers) / len(customers)
	strength = within / between if between > 0 else 10.0
	return Prior(
		mean_delay=mean,
		scale=max(MIN_SCALE, scale),
		late_share=late_share,
		strength=min(10.0, max(0.5, strength)),
	)
