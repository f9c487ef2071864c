"""Helpers shared by the dunning reports (Script Reports in the module folder), including the narrowing of
their figures to the customers the user may see."""

from __future__ import annotations

import frappe
from erpnext.accounts.utils import get_currency_precision
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import cint

from relance_app.api.access import permitted_customers
from relance_app.common.constants import CHANNEL_LABELS


def channel_label(channel: str) -> str:
	"""The desk's name for an engine channel code (the Dunning Level's channel options), translated."""
	return _(CHANNEL_LABELS[channel]) if channel in CHANNEL_LABELS else channel


def customer_group_subtree(group: str):
	"""A subquery selecting `group` and all its sub-groups (nested set), to filter customers in SQL."""
	bounds = frappe.db.get_value("Customer Group", group, ["lft", "rgt"])
	if not bounds:
		frappe.throw(_("Customer Group {0} does not exist.").format(group))
	lft, rgt = bounds
	cg = DocType("Customer Group")
	return frappe.qb.from_(cg).select(cg.name).where(cg.lft >= lft).where(cg.rgt <= rgt)


def currency_precision() -> int:
	return cint(get_currency_precision()) or 2


def company_currency(company: str) -> str | None:
	return frappe.get_cached_value("Company", company, "default_currency")


def permitted_rows(rows: list[dict], *, company: str | None = None) -> list[dict]:
	"""The rows (each with a "customer") about customers whose invoices the user may read (User Permissions)."""
	customers = permitted_customers(company)
	if customers is None:
		return rows
	allowed = set(customers)
	return [row for row in rows if row["customer"] in allowed]


def restrict_to_customers(query, field, company: str | None = None):
	"""`query` narrowed to the customers whose invoices the user may read; None when they may read none."""
	customers = permitted_customers(company)
	if customers is None:
		return query
	if not customers:
		return None
	return query.where(field.isin(customers))
