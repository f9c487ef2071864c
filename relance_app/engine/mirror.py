"""What the Sales Invoice's dunning fields show (status, level, next step and its date), from the engine's view.

The daily run and every action on an invoice write these mirrors so list views and filters can use them; the
values are decided here, by the same rules as the plan, so the banner and the run never disagree.
"""

from __future__ import annotations

from datetime import date, timedelta

from relance_app.engine.plan import Instalment, next_level
from relance_app.engine.policy import Policy


def mirror_values(
	items: list[Instalment],
	policies: dict[str, Policy],
	policy_of: dict[str, str],
	today: date,
	last: date | None,
	needs_attention: bool = False,
	litigation: bool = False,
) -> dict:
	"""The mirror fields of one invoice from its open instalments (`policy_of`: policy name per instalment key).

	`needs_attention`: one of its automatic steps failed too often and waits for a person; that comes first,
	as nothing moves on the invoice until someone acts. `litigation`: taken to court by hand (injonction de
	payer); the ladder is over for it, so it keeps that status."""
	level = max(inst.last_level for inst in items)
	next_steps = []
	for inst in items:
		policy = policies.get(policy_of.get(inst.key, ""))
		if policy and inst.outstanding > 0:
			step = next_level(inst, policy, today)
			if step:
				next_steps.append((next_action_on(inst, step[1], today), policy.level(step[0])))
	if needs_attention:
		status = "Needs Attention"
	elif litigation:
		status = "Litigation"
	elif any(inst.disputed for inst in items):
		status = "Disputed"
	elif any(inst.promised_on and inst.promised_on >= today for inst in items):
		status = "Promise"
	elif any(inst.paused_until and inst.paused_until >= today for inst in items):
		status = "Paused"
	elif any(in_formal_notice(inst, policies.get(policy_of.get(inst.key, ""))) for inst in items):
		status = "Formal Notice"
	elif level:
		status = "Active"
	else:
		status = "Not Started"
	next_on, next_level_ = min(next_steps, key=lambda s: s[0]) if next_steps else (None, None)
	return {
		"dunning_status": status,
		"dunning_level": level,
		"dunning_last_contact": last,
		"dunning_next_action": f"{next_level_.label} {next_level_.title}" if next_level_ else None,
		"dunning_next_action_date": next_on,
	}


def next_action_on(inst: Instalment, due_on: date, today: date) -> date:
	"""The day the next step can be taken: as the engine's plan, not before a pause or a promise is over."""
	day = max(due_on, today)
	for until in (inst.paused_until, inst.promised_on):
		if until is not None and until >= today:
			day = max(day, until + timedelta(days=1))
	return day


def in_formal_notice(inst: Instalment, policy: Policy | None) -> bool:
	return bool(policy and policy.formal_notice_level and inst.last_level >= policy.formal_notice_level)


def check_on(
	items: list[Instalment], next_on: date | None, today: date, *, needs_attention: bool, never: date
) -> date:
	"""The first day the daily run must read this invoice again (it reads the invoices whose day has come).

	The next step's day (today when it is due but was not taken: a minimum gap, a failure to retry); a week
	on for an invoice held by a dispute, an excluded customer or a step waiting for a person (their end is an
	event that asks for a new reading anyway, the week is a safety net); `never` when the ladder is done:
	only an event or the weekly full sweep reads it again."""
	if needs_attention or any(inst.disputed or inst.excluded for inst in items):
		return today + timedelta(days=7)
	if next_on is None:
		return never
	return max(next_on, today)
