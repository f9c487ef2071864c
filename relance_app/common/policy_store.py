"""Dunning Policy documents -> engine policies, and which policy duns which invoice (set-based).

The records side of `engine.policy`: reading and caching the documents, resolving in a few queries."""

from __future__ import annotations

from collections.abc import Iterable

import frappe

from relance_app.engine.policy import Level, Policy, resolve_policy_name


def engine_policy(doc) -> Policy:
	"""The engine's view of a Dunning Policy document (raises engine errors for a bad configuration)."""
	levels = tuple(
		Level(
			title=row.title or "",
			offset_days=int(row.offset_days or 0),
			channel=row.channel,
			template=(row.sms_text if row.channel == "SMS" else row.email_template) or None,
			formal_notice=bool(row.formal_notice),
			attach_invoice=bool(row.attach_invoice),
			payment_link=bool(row.payment_link),
			include_penalties=bool(row.include_penalties),
			payment_deadline_days=int(row.payment_deadline_days or 0),
			assignee=row.assignee or None,
		)
		for row in sorted(doc.levels, key=lambda r: r.idx or 0)
	)
	return Policy(
		name=doc.name or doc.policy_name,
		levels=levels,
		scope=doc.scope or "Both",
		min_outstanding=str(doc.min_outstanding or 0),
		min_gap_days=int(doc.min_gap_days or 0),
		business_days_only=bool(doc.business_days_only),
		one_message_per_customer=bool(doc.one_message_per_customer),
		high_risk_advance_days=int(doc.high_risk_advance_days or 0),
	)


def load_policies(names: Iterable[str]) -> dict[str, Policy]:
	"""Engine policies by name, read once per request."""
	cache = frappe.local.cache.setdefault("relance_policies", {})
	for name in set(names) - set(cache):
		cache[name] = engine_policy(frappe.get_cached_doc("Dunning Policy", name))
	return {name: cache[name] for name in names}


def resolve_policies(invoices: list[dict]) -> dict[str, str | None]:
	"""Policy name per invoice, in three queries whatever the number of invoices.

	Each invoice dict needs name, company, customer and dunning_policy (the invoice's override).
	"""
	if not invoices:
		return {}
	companies = {inv["company"] for inv in invoices}
	policies = frappe.get_all(
		"Dunning Policy",
		filters={"enabled": 1, "company": ("in", list(companies))},
		fields=["name", "company", "is_default"],
		order_by="creation asc",
	)
	usable_by_company: dict[str, set[str]] = {company: set() for company in companies}
	default_by_company: dict[str, str] = {}
	for policy in policies:
		usable_by_company[policy.company].add(policy.name)
		if policy.is_default:
			default_by_company.setdefault(policy.company, policy.name)

	customers = {
		row.name: row
		for row in frappe.get_all(
			"Customer",
			filters={"name": ("in", list({inv["customer"] for inv in invoices}))},
			fields=["name", "dunning_policy", "customer_group"],
		)
	}
	group_tree = {
		row.name: (row.parent_customer_group, row.dunning_policy)
		for row in frappe.get_all(
			"Customer Group", fields=["name", "parent_customer_group", "dunning_policy"]
		)
	}
	return {
		inv["name"]: resolve_policy_name(
			invoice_policy=inv.get("dunning_policy"),
			customer_policy=customers[inv["customer"]].dunning_policy
			if inv["customer"] in customers
			else None,
			# The customer's current group, not the one copied onto the invoice when it was made.
			customer_group=customers[inv["customer"]].customer_group
			if inv["customer"] in customers
			else None,
			group_tree=group_tree,
			company_default=default_by_company.get(inv["company"]),
			usable=usable_by_company[inv["company"]],
		)
		for inv in invoices
	}


def resolve_policy_for_invoice(invoice: str) -> str | None:
	"""The policy that duns one Sales Invoice (the same rules as the daily run)."""
	row = frappe.db.get_value(
		"Sales Invoice",
		invoice,
		["name", "company", "customer", "dunning_policy"],
		as_dict=True,
	)
	if not row:
		return None
	return resolve_policies([row])[invoice]
