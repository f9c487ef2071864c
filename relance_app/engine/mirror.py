"""What the Sales Invoice's dunning fields show (status, level, next step and its date), from the engine's view.

The daily run and every action on an invoice write these mirrors so list views and filters can use them; the
next step and its date are the plan's own (`plan.explain`: business days and holidays, the minimum gap
between contacts, one message per customer, the minimum amount, pauses, promises, disputes), so the invoice
list, the banner and the run never disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta

from relance_app.engine.plan import Instalment, Outlook, explain
from relance_app.engine.policy import Policy


def mirror_values(
	items: list[Instalment],
	policies: dict[str, Policy],
	policy_of: dict[str, str],
	today: date,
	last: date | None,
	needs_attention: bool = False,
	litigation: bool = False,
	outlooks: Mapping[str, Outlook] | None = None,
) -> dict:
	"""The mirror fields of one invoice from its open instalments (`policy_of`: policy name per instalment key).

	`needs_attention`: one of its automatic steps failed too often and waits for a person; that comes first,
	as nothing moves on the invoice until someone acts. `litigation`: taken to court by hand (injonction de
	payer); the ladder is over for it, so it keeps that status. `outlooks`: the plan's outlook per instalment
	key (`plan.explain`), computed over all the customer's instalments on the company's calendar; without it,
	over these instalments alone, with no holidays."""
	if outlooks is None:
		outlooks = {}
		for policy_name, group in _grouped(items, policy_of):
			if policy_name in policies:
				outlooks.update(explain(group, policies[policy_name], today))
	level = max(inst.last_level for inst in items)
	next_steps = []
	for inst in items:
		policy = policies.get(policy_of.get(inst.key, ""))
		outlook = outlooks.get(inst.key)
		if policy and outlook and outlook.level and outlook.on:
			next_steps.append((max(outlook.on, today), policy.level(outlook.level)))
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


def _grouped(items: list[Instalment], policy_of: Mapping[str, str]) -> list[tuple[str, list[Instalment]]]:
	groups: dict[str, list[Instalment]] = defaultdict(list)
	for inst in items:
		groups[policy_of.get(inst.key, "")].append(inst)
	return sorted(groups.items())


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
