"""What the escalation would do over the coming days, as if every step were carried out, and where each open
instalment stands today by the run's own rules (`explain_selection`, `invoice_outlook`). Acts on nothing."""

from __future__ import annotations

from datetime import date, timedelta

import frappe
from frappe import _
from frappe.utils import add_days, getdate

from relance_app.common.policy_store import load_policies
from relance_app.dunning.selection import Selection, company_holidays, select_open_instalments
from relance_app.engine.plan import Instalment, Outlook, SkipReason, explain, simulate


def preview(start: date | str | None = None, days: int = 7, *, company: str | None = None) -> list[dict]:
	"""What would happen from `start` over `days` days, as if every step were carried out. Acts on nothing."""
	start = getdate(start)
	selection = select_open_instalments(start + timedelta(days=days), company=company)
	policies = load_policies(selection.by_policy)
	rows = []
	for policy_name, company_name, items in selection.per_policy_and_company():
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


def explain_selection(selection: Selection, today: date) -> dict[str, tuple[str, Outlook]]:
	"""Per instalment key: (policy name, `Outlook`) on `today`, planned exactly as the run plans it (per
	policy and company, on the company's calendar, with the customer's last contact)."""
	policies = load_policies(selection.by_policy)
	outlooks: dict[str, tuple[str, Outlook]] = {}
	for policy_name, company, items in selection.per_policy_and_company():
		holidays = company_holidays(company)
		found = explain(
			items, policies[policy_name], today, holidays=holidays, last_contact=selection.last_contact
		)
		outlooks.update((key, (policy_name, outlook)) for key, outlook in found.items())
	return outlooks


def first_outlook(outlooks: list[Outlook]) -> Outlook | None:
	"""The outlook an invoice shows for its instalments: a step due today first, then the earliest next step,
	then one that says why nothing is planned."""
	if not outlooks:
		return None
	due = [o for o in outlooks if o.due]
	if due:
		return min(due, key=lambda o: o.level or 0)
	dated = [o for o in outlooks if o.on]
	if dated:
		return min(dated, key=lambda o: (o.on, o.level or 0))
	return outlooks[0]


def reason_text(outlook: Outlook | None) -> str:
	"""Why nothing goes out (or that a step is due), in words, with the dates."""
	if outlook is None:
		return _("No dunning policy applies")
	when = _date(outlook.on)
	texts = {
		None: lambda: _("Due today"),
		SkipReason.PAID: lambda: _("Paid"),
		SkipReason.BELOW_MINIMUM: lambda: _("Below the policy's minimum amount"),
		SkipReason.EXCLUDED: lambda: _("Customer excluded from dunning"),
		SkipReason.DISPUTED: lambda: _("Dispute open: dunning waits until it is resolved"),
		SkipReason.PAUSED: lambda: _("Paused until {0}").format(_date(outlook.until)),
		SkipReason.PROMISED: lambda: _("Promise to pay until {0}").format(_date(outlook.until)),
		SkipReason.COMPLETED: lambda: _("Every level of the policy was sent"),
		SkipReason.NOT_YET: lambda: _("No level due before {0}").format(when),
		SkipReason.NON_BUSINESS_DAY: lambda: _("Not a business day: next step on {0}").format(when),
		SkipReason.MIN_GAP: lambda: _("Minimum gap between two contacts: next step on {0}").format(when),
		SkipReason.DEFERRED: lambda: _("A higher level goes to this customer first: next on {0}").format(
			when
		),
	}
	return texts[outlook.reason]()


def _date(day) -> str:
	return frappe.format_value(day, {"fieldtype": "Date"}) if day else ""


def invoice_outlook(
	invoice: str, today: date
) -> tuple[str | None, list[Instalment], Outlook | None, Selection]:
	"""The invoice's policy, open instalments and outlook on `today`, planned with the customer's other open
	invoices as the run plans them (one message per customer, minimum gap)."""
	row = frappe.db.get_value("Sales Invoice", invoice, ["customer", "company"], as_dict=True)
	if not row:
		return None, [], None, Selection(today=today)
	selection = select_open_instalments(today, company=row.company, customers=[row.customer])
	outlooks = explain_selection(selection, today)
	policy_name = None
	mine, found = [], []
	for inst in selection.instalments:
		if inst.invoice != invoice:
			continue
		mine.append(inst)
		if inst.key in outlooks:
			policy_name, outlook = outlooks[inst.key]
			found.append(outlook)
	return policy_name, mine, first_outlook(found), selection
