"""What the escalation would do over the coming days, as if every step were carried out. Acts on nothing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from frappe.utils import add_days, getdate

from relance_app.common.policy_store import load_policies
from relance_app.dunning.selection import company_holidays, select_open_instalments
from relance_app.engine.plan import Instalment, simulate


def preview(start: date | str | None = None, days: int = 7, *, company: str | None = None) -> list[dict]:
	"""What would happen from `start` over `days` days, as if every step were carried out. Acts on nothing."""
	start = getdate(start)
	selection = select_open_instalments(start + timedelta(days=days), company=company)
	policies = load_policies(selection.by_policy)
	rows = []
	for policy_name, instalments in sorted(selection.by_policy.items()):
		by_company: dict[str, list[Instalment]] = defaultdict(list)
		for inst in instalments:
			by_company[selection.invoices[inst.invoice]["company"]].append(inst)
		for company_name, items in by_company.items():
			results = simulate(
				items,
				policies[policy_name],
				start,
				add_days(start, days - 1),
				holidays=company_holidays(company_name),
			)
			for result in results:
				for action in result.actions:
					rows.append(
						{
							"date": result.day,
							"customer": action.customer,
							"customer_name": action.instalments[0].customer_name,
							"policy": policy_name,
							"level": action.level_number,
							"level_title": action.level.title,
							"channel": action.channel.value,
							"invoices": ", ".join(action.invoices),
							"outstanding": sum((inst.outstanding for inst in action.instalments), 0),
							"currency": action.instalments[0].currency,
						}
					)
	rows.sort(key=lambda r: (r["date"], r["customer"], r["level"]))
	return rows
