"""The reasons shown with a risk score (`relance_app.engine.risk`): translatable templates and parameters.

Each reason says, in the user's terms, one thing the score was built from ("paid the last 6 invoices 23 days
late on average"), with the points it adds. Templates are marked with `N_` and never formatted here: the
Frappe layer translates the template, then fills it (amounts are Decimal, to format as currency).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from relance_app.engine.errors import N_
from relance_app.engine.risk_model import GRACE_DAYS, Fit, Prior

RECENT_COUNT = 6
SHARE_COUNT = 12
FEW_INVOICES = 3
# A trend is worth mentioning from one more (or fewer) day late per month.
TREND_MENTION_DAYS_PER_MONTH = 1.0

PINNED = N_("Risk class set by hand: {risk_class} (the payment history gives {computed_class}).")
NO_HISTORY = N_("No paid invoice yet: the score starts from the average customer, who pays {days} days late.")
FEW_PAID = N_(
	"Paid invoices so far: {count}. The score still leans on the average customer ({days} days late)."
)
LAST_LATE = N_("Paid the last invoice {days} days late.")
LAST_ON_TIME = N_("Paid the last invoice on time.")
RECENT_LATE = N_("Paid the last {count} invoices {days} days late on average.")
RECENT_ON_TIME = N_("Paid the last {count} invoices on time on average.")
LATE_SHARE = N_("Paid {late} of the last {count} invoices more than {grace} days late.")
WORSENING = N_("Paying later and later: about {days} more days late each month.")
IMPROVING = N_("Paying earlier and earlier: about {days} fewer days late each month.")
BROKEN_PROMISES = N_("Broken payment promises: {count}.")
DISPUTES = N_("Disputed invoices: {count}.")
OVERDUE = N_("Overdue now: {amount}, about {ratio} times a usual invoice.")

TEMPLATES = (
	PINNED,
	NO_HISTORY,
	FEW_PAID,
	LAST_LATE,
	LAST_ON_TIME,
	RECENT_LATE,
	RECENT_ON_TIME,
	LATE_SHARE,
	WORSENING,
	IMPROVING,
	BROKEN_PROMISES,
	DISPUTES,
	OVERDUE,
)


@dataclass(frozen=True)
class Reason:
	"""One line of explanation: `template` is translatable (``N_``), `params` fill it, `points` is what this
	reason adds to the score (0 for context). `code` is stable, for tests and icons."""

	code: str
	template: str
	params: Mapping[str, object] = field(default_factory=dict)
	points: int = 0

	def __str__(self) -> str:
		return self.template.format(**self.params)


def whole(value: float) -> int:
	"""Half-up to a whole number (Python's round() goes to even)."""
	return int(Decimal(repr(value)).quantize(Decimal(1), ROUND_HALF_UP))


def reasons_for(
	delays: Sequence[float],
	model: Fit,
	prior: Prior,
	parts: Mapping[str, float],
	*,
	broken_promises: int,
	disputes: int,
	overdue: tuple[Decimal, Decimal],
	pinned: tuple[str | None, str],
) -> tuple[Reason, ...]:
	"""The reasons for a score: `delays` are the clipped days late, oldest due first; `parts` the points of
	each part of the score; `overdue` = (overdue outstanding, usual invoice); `pinned` = (pinned class or
	None, computed class). The pinned class comes first, then the reasons by points, most first."""
	found: list[Reason] = []
	count = len(delays)
	prior_days = whole(prior.mean_delay)
	history_points = whole(parts["delay"] + parts["late_share"])
	if count == 0:
		found.append(Reason("no_history", NO_HISTORY, {"days": prior_days}, history_points))
	else:
		if count < FEW_INVOICES:
			found.append(Reason("few_invoices", FEW_PAID, {"count": count, "days": prior_days}))
		found.append(recent_reason(delays, whole(parts["delay"])))
		late = sum(1 for d in delays[-SHARE_COUNT:] if d > GRACE_DAYS)
		if count >= 2 and late:
			params = {"late": late, "count": min(count, SHARE_COUNT), "grace": GRACE_DAYS}
			found.append(Reason("late_share", LATE_SHARE, params, whole(parts["late_share"])))
	per_month = model.slope * 30
	if count >= 3 and abs(per_month) >= TREND_MENTION_DAYS_PER_MONTH:
		template, code = (WORSENING, "worsening") if per_month > 0 else (IMPROVING, "improving")
		found.append(Reason(code, template, {"days": whole(abs(per_month))}))
	if broken_promises:
		found.append(
			Reason("broken_promises", BROKEN_PROMISES, {"count": broken_promises}, whole(parts["promises"]))
		)
	if disputes:
		found.append(Reason("disputes", DISPUTES, {"count": disputes}, whole(parts["disputes"])))
	amount, usual = overdue
	if amount > 0:
		ratio = (amount / usual).quantize(Decimal("0.1"), ROUND_HALF_UP) if usual > 0 else None
		params = {"amount": amount, "ratio": ratio}
		found.append(Reason("overdue", OVERDUE, params, whole(parts["overdue"])))
	found.sort(key=lambda r: -r.points)
	pinned_class, computed_class = pinned
	if pinned_class:
		params = {"risk_class": pinned_class, "computed_class": computed_class}
		found.insert(0, Reason("pinned", PINNED, params))
	return tuple(found)


def recent_reason(delays: Sequence[float], points: int) -> Reason:
	"""How late the last few invoices were paid, on average (clipped days, half-up)."""
	recent = delays[-RECENT_COUNT:]
	days = whole(sum(recent) / len(recent))
	if len(recent) == 1:
		if days > GRACE_DAYS:
			return Reason("recent_delay", LAST_LATE, {"days": days}, points)
		return Reason("recent_on_time", LAST_ON_TIME, {}, points)
	if days > GRACE_DAYS:
		return Reason("recent_delay", RECENT_LATE, {"count": len(recent), "days": days}, points)
	return Reason("recent_on_time", RECENT_ON_TIME, {"count": len(recent)}, points)
