"""What is due today: open instalments + their dunning history + a date -> the day's actions.

The rules, in the order they are applied to each instalment:

1. Nothing for an instalment that is paid (outstanding <= 0), under the policy's minimum amount, of an
   excluded customer, disputed, manually paused, or covered by a promise to pay not yet expired.
   A promise whose date has passed while the instalment is still unpaid is *broken*: dunning resumes
   at the next level and the action is flagged so the message (and the log) can say so.
2. The next level is the one after the last level sent. Pre-due levels (negative offsets) are only for
   instalments not yet due: once the due date is reached they are passed over, never sent late.
3. That level is due on its *ladder date*, ``due date + offset`` (offsets of overdue levels come forward
   by the policy's high-risk advance for high-risk customers). When the policy asks for business days only,
   a ladder date on a weekend or one of the given holidays moves to the next business day; nothing is sent
   on a non-business day, due steps simply wait for the next business day.
4. The ladder's spacing (``offset(next) - offset(previous)``) protects an instalment that starts late or
   resumes after a pause: it climbs the ladder at the ladder's pace instead of receiving several steps on
   consecutive days. The rule: if the previous step went out no later than its own ladder date (moved to
   the next business day when needed), the next step is due on its ladder date; if it went out later,
   for any other reason (late start, pause, promise, minimum gap, deferral), the next step is due on
   ``max(ladder date, day sent + spacing)``, moved to a business day likewise. So a step held over a
   weekend or holiday never delays the following ones: J+10 on a Saturday goes on Monday, J+15 and J+30
   keep their own dates. A step that was already late and then also lands on a non-business day anchors
   the next at the day it went out: the engine knows the day the last step went out, not the day it was
   planned for.
5. A customer contacted less than ``min_gap_days`` ago gets nothing today.
6. Due instalments are grouped into one action per customer and level: one message lists them all.
   With ``one_message_per_customer`` only the customer's highest due level is sent today; the others wait.

Every instalment that gets no action gets a `Skip` with its reason and, where known, the date its next
step can go out (a business day when the policy asks for them), so previews can explain themselves.
`plan` is deterministic: the same input gives the same output in the same order.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import Enum

from relance_app.engine.errors import N_, EngineError
from relance_app.engine.policy import Channel, Level, Policy


class PlanError(EngineError):
	"""Input instalments the planner cannot reason about."""


@dataclass(frozen=True)
class Instalment:
	"""One unpaid (or just paid) due amount: an invoice, or one row of its Payment Schedule.

	`last_level` is the number (1-based) of the last level sent for it, 0 when none was.
	`outstanding` may come as the database gives it (Decimal, float, int, a numeric string, or None for
	nothing owed); it is kept as a Decimal, and NaN, infinities or text that is not a number are refused.
	"""

	invoice: str
	customer: str
	due_date: date
	outstanding: Decimal
	currency: str = "EUR"
	instalment: str = ""
	last_level: int = 0
	last_sent_on: date | None = None
	paused_until: date | None = None
	promised_on: date | None = None
	disputed: bool = False
	excluded: bool = False
	high_risk: bool = False
	customer_name: str = ""

	def __post_init__(self) -> None:
		object.__setattr__(self, "outstanding", to_money(self.outstanding, self.key))

	@property
	def key(self) -> str:
		"""Identifies the instalment: the invoice name, plus the schedule row when there are several."""
		return f"{self.invoice}#{self.instalment}" if self.instalment else self.invoice

	def step_key(self, level: int) -> str:
		"""Idempotency key of one step for this instalment: what the contact log keeps unique."""
		return f"{self.key}|L{level}"


class SkipReason(str, Enum):
	"""Why an instalment gets no action today."""

	PAID = "paid"
	BELOW_MINIMUM = "below_minimum"
	EXCLUDED = "excluded"
	DISPUTED = "disputed"
	PAUSED = "paused"
	PROMISED = "promise_to_pay"
	COMPLETED = "ladder_completed"
	NOT_YET = "not_yet_due"
	NON_BUSINESS_DAY = "non_business_day"
	MIN_GAP = "min_gap"
	DEFERRED = "deferred"


@dataclass(frozen=True)
class Skip:
	instalment: Instalment
	reason: SkipReason
	level: int | None = None
	next_on: date | None = None


@dataclass(frozen=True)
class Action:
	"""One message (or call, or letter) to one customer at one level, covering one or more instalments."""

	customer: str
	level_number: int
	level: Level
	instalments: tuple[Instalment, ...]
	broken_promises: tuple[str, ...] = ()

	@property
	def channel(self) -> Channel:
		return self.level.channel

	@property
	def keys(self) -> tuple[str, ...]:
		return tuple(inst.step_key(self.level_number) for inst in self.instalments)

	@property
	def invoices(self) -> tuple[str, ...]:
		return tuple(dict.fromkeys(inst.invoice for inst in self.instalments))

	@property
	def totals(self) -> dict[str, Decimal]:
		"""Outstanding per currency (a customer may owe in several)."""
		totals: dict[str, Decimal] = defaultdict(Decimal)
		for inst in self.instalments:
			totals[inst.currency] += inst.outstanding
		return dict(sorted(totals.items()))

	@property
	def oldest_due_date(self) -> date:
		return min(inst.due_date for inst in self.instalments)


@dataclass(frozen=True)
class PlanResult:
	day: date
	actions: tuple[Action, ...]
	skipped: tuple[Skip, ...]

	def next_steps(self) -> dict[str, tuple[int, date]]:
		"""Per instalment key: the level and date of its next step, for the invoice's "next action" mirror."""
		steps = {}
		for action in self.actions:
			for inst in action.instalments:
				steps[inst.key] = (action.level_number, self.day)
		for skip in self.skipped:
			if skip.level is not None and skip.next_on is not None:
				steps[skip.instalment.key] = (skip.level, skip.next_on)
		return steps


def to_money(value: object, key: str) -> Decimal:
	"""`value` as a Decimal, from any type a database driver or a caller hands over for the amount of `key`.

	None reads as zero (as Frappe's ``flt`` does): an amount the database does not know is never claimed.
	Floats go through their shortest repr, so 0.1 becomes Decimal("0.1"), not the binary approximation.
	"""
	if value is None:
		return Decimal(0)
	if isinstance(value, Decimal):
		amount = value
	elif isinstance(value, bool):
		amount = None  # True is an int to Python, never an amount.
	elif isinstance(value, int):
		amount = Decimal(value)
	elif isinstance(value, float):
		amount = Decimal(repr(value))
	elif isinstance(value, str):
		try:
			amount = Decimal(value.strip())
		except InvalidOperation:
			amount = None
	else:
		amount = None
	if amount is None or not amount.is_finite():
		raise PlanError(
			N_("The amount of {key} must be a finite number, not {value!r}."), key=key, value=value
		)
	return amount


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
	return day.weekday() < 5 and day not in holidays


def next_business_day(day: date, holidays: Collection[date] = ()) -> date:
	day += timedelta(days=1)
	while not is_business_day(day, holidays):
		day += timedelta(days=1)
	return day


def _on_business_day(day: date, policy: Policy, holidays: Collection[date]) -> date:
	"""`day`, or the next business day when the policy sends on business days only and `day` is not one."""
	if policy.business_days_only and not is_business_day(day, holidays):
		return next_business_day(day, holidays)
	return day


def plan(
	instalments: Iterable[Instalment],
	policy: Policy,
	today: date,
	*,
	holidays: Collection[date] = frozenset(),
	last_contact: Mapping[str, date] | None = None,
) -> PlanResult:
	"""The actions due on `today` under `policy` (see the module docstring for the rules).

	`last_contact` gives, per customer, the date of the last contact of any kind (a logged call counts);
	when absent the latest `last_sent_on` of the customer's instalments is used.
	"""
	items = sorted(instalments, key=lambda i: (i.customer, i.due_date, i.invoice, i.instalment))
	_check_unique(items)
	holidays = frozenset(holidays)
	contacts = _last_contacts(items, last_contact)
	skipped: list[Skip] = []
	due: list[tuple[Instalment, int, bool]] = []

	for inst in items:
		outcome = _decide(inst, policy, today, holidays)
		if isinstance(outcome, Skip):
			skipped.append(outcome)
		else:
			due.append(outcome)

	if policy.business_days_only and not is_business_day(today, holidays) and due:
		later = next_business_day(today, holidays)
		skipped.extend(Skip(inst, SkipReason.NON_BUSINESS_DAY, number, later) for inst, number, _ in due)
		due = []

	if policy.min_gap_days:
		kept = []
		for inst, number, broken in due:
			last = contacts.get(inst.customer)
			if last is not None and (today - last).days < policy.min_gap_days:
				retry = _on_business_day(last + timedelta(days=policy.min_gap_days), policy, holidays)
				skipped.append(Skip(inst, SkipReason.MIN_GAP, number, retry))
			else:
				kept.append((inst, number, broken))
		due = kept

	groups: dict[tuple[str, int], list[tuple[Instalment, bool]]] = defaultdict(list)
	for inst, number, broken in due:
		groups[(inst.customer, number)].append((inst, broken))

	if policy.one_message_per_customer:
		highest: dict[str, int] = {}
		for customer, number in groups:
			highest[customer] = max(number, highest.get(customer, 0))
		for (customer, number), members in list(groups.items()):
			if number != highest[customer]:
				retry = _on_business_day(
					today + timedelta(days=max(1, policy.min_gap_days)), policy, holidays
				)
				skipped.extend(Skip(inst, SkipReason.DEFERRED, number, retry) for inst, _ in members)
				del groups[(customer, number)]

	actions = tuple(
		Action(
			customer=customer,
			level_number=number,
			level=policy.level(number),
			instalments=tuple(inst for inst, _ in members),
			broken_promises=tuple(inst.key for inst, broken in members if broken),
		)
		for (customer, number), members in sorted(groups.items())
	)
	skipped.sort(key=lambda s: (s.instalment.customer, s.instalment.due_date, s.instalment.key))
	return PlanResult(day=today, actions=actions, skipped=tuple(skipped))


def next_level(
	inst: Instalment, policy: Policy, today: date, *, holidays: Collection[date] = frozenset()
) -> tuple[int, date] | None:
	"""The next level number for `inst` and the day it can go out, or None when the ladder is done.

	The day is a business day when the policy sends on business days only (weekends, and `holidays`).
	"""
	step = _next_step(inst, policy, today, holidays)
	if step is None:
		return None
	number, due_on = step
	return number, _on_business_day(due_on, policy, holidays)


def _next_step(
	inst: Instalment, policy: Policy, today: date, holidays: Collection[date]
) -> tuple[int, date] | None:
	"""The next level and the calendar day it falls due (rules 2 to 4), before any business-day shift."""
	number = inst.last_level + 1
	# Pre-due reminders make sense only before the due date; afterwards they are passed over.
	while number <= len(policy.levels) and policy.level(number).is_pre_due and today >= inst.due_date:
		number += 1
	if number > len(policy.levels):
		return None
	offset = policy.effective_offset(number, high_risk=inst.high_risk)
	due_on = inst.due_date + timedelta(days=offset)
	if inst.last_level and inst.last_sent_on is not None and inst.last_level <= len(policy.levels):
		previous_offset = policy.effective_offset(inst.last_level, high_risk=inst.high_risk)
		previous_on = _on_business_day(inst.due_date + timedelta(days=previous_offset), policy, holidays)
		# Held over a weekend or holiday only, the previous step leaves the ladder on its dates; sent
		# later than that, the ladder's pace restarts from the day it went out.
		if inst.last_sent_on > previous_on:
			due_on = max(due_on, inst.last_sent_on + timedelta(days=offset - previous_offset))
	return number, due_on


def _decide(
	inst: Instalment, policy: Policy, today: date, holidays: Collection[date]
) -> Skip | tuple[Instalment, int, bool]:
	if inst.excluded:
		return Skip(inst, SkipReason.EXCLUDED)
	if inst.outstanding <= 0:
		return Skip(inst, SkipReason.PAID)
	if inst.outstanding < policy.min_outstanding:
		return Skip(inst, SkipReason.BELOW_MINIMUM)
	step = _next_step(inst, policy, today, holidays)
	if inst.disputed:
		return Skip(inst, SkipReason.DISPUTED, step[0] if step else None)
	if inst.paused_until is not None and inst.paused_until >= today:
		return _held(inst, SkipReason.PAUSED, step, inst.paused_until, policy, holidays)
	broken = inst.promised_on is not None and inst.promised_on < today
	if inst.promised_on is not None and not broken:
		return _held(inst, SkipReason.PROMISED, step, inst.promised_on, policy, holidays)
	if step is None:
		return Skip(inst, SkipReason.COMPLETED)
	number, due_on = step
	if today < due_on:
		return Skip(inst, SkipReason.NOT_YET, number, _on_business_day(due_on, policy, holidays))
	# Due, possibly on a weekend or holiday: plan() holds it until the next business day.
	return inst, number, broken


def _held(
	inst: Instalment,
	reason: SkipReason,
	step: tuple[int, date] | None,
	until: date,
	policy: Policy,
	holidays: Collection[date],
) -> Skip:
	if step is None:
		return Skip(inst, reason)
	resume_on = _on_business_day(max(step[1], until + timedelta(days=1)), policy, holidays)
	return Skip(inst, reason, step[0], resume_on)


def _check_unique(items: list[Instalment]) -> None:
	seen: set[str] = set()
	for inst in items:
		if inst.key in seen:
			raise PlanError(N_("Instalment {key} appears twice in the input."), key=inst.key)
		seen.add(inst.key)


def _last_contacts(items: list[Instalment], given: Mapping[str, date] | None) -> dict[str, date]:
	contacts: dict[str, date] = dict(given or {})
	if given is None:
		for inst in items:
			if inst.last_sent_on is not None:
				current = contacts.get(inst.customer)
				if current is None or inst.last_sent_on > current:
					contacts[inst.customer] = inst.last_sent_on
	return contacts


def simulate(
	instalments: Iterable[Instalment],
	policy: Policy,
	start: date,
	end: date,
	*,
	holidays: Collection[date] = frozenset(),
) -> list[PlanResult]:
	"""Plan each day from `start` to `end` inclusive as if every action were carried out.

	Used by previews ("what happens in the next 7 days") and by tests that walk an invoice along its ladder.
	Only days with at least one action are returned.
	"""
	if end < start:
		raise PlanError(N_("The end date {end} is before the start date {start}."), end=end, start=start)
	state = {inst.key: inst for inst in instalments}
	contacts = _last_contacts(list(state.values()), None)
	results = []
	day = start
	while day <= end:
		result = plan(state.values(), policy, day, holidays=holidays, last_contact=contacts)
		for action in result.actions:
			contacts[action.customer] = day
			for inst in action.instalments:
				# A broken promise is consumed by the step that resumes dunning.
				state[inst.key] = dataclasses.replace(
					inst, last_level=action.level_number, last_sent_on=day, promised_on=None
				)
		if result.actions:
			results.append(result)
		day += timedelta(days=1)
	return results


@dataclass(frozen=True)
class Outlook:
	"""Where one instalment stands on a day, by the run's own rules: the level it is due for and the day that
	level goes out (`reason` None: due that day), or why nothing goes out and, where known, when it will.
	`until`: the last day of the pause or promise that holds it back."""

	key: str
	level: int | None
	on: date | None
	reason: SkipReason | None = None
	until: date | None = None

	@property
	def due(self) -> bool:
		return self.reason is None


def explain(
	instalments: Iterable[Instalment],
	policy: Policy,
	today: date,
	*,
	holidays: Collection[date] = frozenset(),
	last_contact: Mapping[str, date] | None = None,
) -> dict[str, Outlook]:
	"""Per instalment key, its `Outlook` on `today`: `plan` itself, read per instalment, so that a banner, a
	preview or a worklist says what the run does (pause, promise, dispute, minimum gap, minimum amount...)."""
	result = plan(instalments, policy, today, holidays=holidays, last_contact=last_contact)
	outlooks: dict[str, Outlook] = {}
	for action in result.actions:
		for inst in action.instalments:
			outlooks[inst.key] = Outlook(inst.key, action.level_number, today)
	for skip in result.skipped:
		inst = skip.instalment
		until = {SkipReason.PAUSED: inst.paused_until, SkipReason.PROMISED: inst.promised_on}.get(skip.reason)
		outlooks[inst.key] = Outlook(inst.key, skip.level, skip.next_on, skip.reason, until)
	return outlooks
