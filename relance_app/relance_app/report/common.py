"""Helpers shared by the dunning reports."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import cint

# Contact-log statuses of a step that was actually carried out.
DONE_STATUSES = ("Sent", "Done")


def channel_label(channel: str) -> str:
	"""The desk's name for an engine channel code (the Dunning Level's channel options), translated."""
	labels = {
		"email": _("Email"),
		"sms": _("SMS"),
		"call": _("Phone Call"),
		"letter": _("Letter"),
		"registered_letter": _("Registered Letter"),
	}
	return labels.get(channel, channel)


def customer_group_subtree(group: str):
	"""A subquery selecting `group` and all its sub-groups (nested set), to filter customers in SQL."""
	bounds = frappe.db.get_value("Customer Group", group, ["lft", "rgt"])
	if not bounds:
		frappe.throw(_("Customer Group {0} does not exist.").format(group))
	lft, rgt = bounds
	cg = DocType("Customer Group")
	return frappe.qb.from_(cg).select(cg.name).where(cg.lft >= lft).where(cg.rgt <= rgt)


def currency_precision() -> int:
	from erpnext.accounts.utils import get_currency_precision

	return cint(get_currency_precision()) or 2


def company_currency(company: str) -> str | None:
	return frappe.get_cached_value("Company", company, "default_currency")
