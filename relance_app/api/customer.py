"""The dunning summary on the Customer form."""

from __future__ import annotations

import frappe
from frappe.utils import flt, getdate, nowdate

from relance_app.api.access import check_customer, require
from relance_app.common.compat import aggregate
from relance_app.common.constants import DONE_STATUSES


@frappe.whitelist()
def get_customer_summary(customer: str) -> dict:
	"""Total and oldest overdue, highest level, open promises and disputes, risk class, last contact.

	Figures come from the invoices and contact-log entries the user may read (`frappe.get_list`: roles and
	User Permissions, e.g. a user restricted to one company sees that company's invoices only). Without read
	access to Sales Invoices the invoice figures are None (shown as a dash), not zero.
	"""
	check_customer(customer)
	require("Dunning Contact Log", "read")
	today = getdate(nowdate())
	row = frappe._dict()
	by_currency: list[dict] = []
	if frappe.has_permission("Sales Invoice", "read"):
		overdue = [
			["customer", "=", customer],
			["docstatus", "=", 1],
			["outstanding_amount", ">", 0],
			["due_date", "<", today],
		]
		row = frappe.get_list(
			"Sales Invoice",
			filters=overdue,
			fields=[aggregate("min", "due_date", "oldest"), aggregate("max", "dunning_level", "level")],
			order_by=None,
		)[0]
		# One total per currency: outstanding amounts of EUR and USD invoices do not add up (issue 18).
		by_currency = [
			{"currency": currency, "amount": flt(amount, 2)}
			for currency, amount in frappe.get_list(
				"Sales Invoice",
				filters=overdue,
				fields=["currency", aggregate("sum", "outstanding_amount", "overdue")],
				group_by="currency",
				order_by="currency asc",
				as_list=True,
			)
		]
	holds = dict(
		frappe.get_list(
			"Dunning Contact Log",
			filters={"customer": customer, "status": "Open"},
			fields=["entry_type", aggregate("count", "name", "count")],
			group_by="entry_type",
			order_by=None,
			as_list=True,
		)
	)
	last = frappe.get_list(
		"Dunning Contact Log",
		filters={"customer": customer, "status": ("in", DONE_STATUSES)},
		fields=[aggregate("max", "contact_date", "last")],
		order_by=None,
	)[0].last
	invoices_readable = bool(row)
	user_company = frappe.defaults.get_user_default("Company")
	default_currency = (
		frappe.db.get_value("Customer", customer, "default_currency")
		or (user_company and frappe.db.get_value("Company", user_company, "default_currency"))
		or frappe.db.get_default("currency")
	)
	single = by_currency[0] if len(by_currency) == 1 else None
	return {
		# The total when all overdue invoices share one currency (0 when none is overdue), else None: the
		# screen then shows `overdue_by_currency`, one amount per currency.
		"total_overdue": (single["amount"] if single else (0 if not by_currency else None))
		if invoices_readable
		else None,
		"overdue_by_currency": by_currency,
		"oldest_overdue": row.oldest,
		"days_overdue": (today - getdate(row.oldest)).days if row.oldest else 0,
		"highest_level": (row.level or 0) if invoices_readable else None,
		"open_promises": holds.get("Promise to Pay", 0),
		"open_disputes": holds.get("Dispute", 0),
		"risk_class": frappe.db.get_value("Customer", customer, "dunning_risk_class") or "",
		"last_contact": last,
		"currency": single["currency"] if single else default_currency,
	}
