"""Sales Invoices as the app reads them: submitted invoices with their Payment Schedule, and money from the
database as `Decimal` (the one place where MariaDB's numbers, floats in some paths, become exact)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import frappe
from frappe.query_builder import DocType

CENT = Decimal("0.01")


def to_money(value) -> Decimal:
	"""A database amount (Decimal, float, int, str or None) as an exact Decimal to the cent."""
	if value is None or value == "":
		return Decimal("0.00")
	if isinstance(value, float):
		# repr gives the shortest string that round-trips: 0.1 stays 0.1, not 0.1000000000000000055...
		value = repr(value)
	return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def invoice_schedule_query():
	"""Submitted Sales Invoices left-joined to their Payment Schedule rows, in due order, with what every
	reader of instalments needs: the invoice's name, company, customer, currency, dates, grand total and
	policy, the row's "ps_idx", "ps_due_date" and payment_amount (None without a schedule). Callers select
	more and filter."""
	si = DocType("Sales Invoice")
	ps = DocType("Payment Schedule")
	query = (
		frappe.qb.from_(si)
		.left_join(ps)
		.on(
			(ps.parent == si.name)
			& (ps.parenttype == "Sales Invoice")
			& (ps.parentfield == "payment_schedule")
		)
		.select(
			si.name,
			si.company,
			si.customer,
			si.currency,
			si.posting_date,
			si.due_date,
			si.grand_total,
			si.dunning_policy,
			ps.idx.as_("ps_idx"),
			ps.due_date.as_("ps_due_date"),
			ps.payment_amount,
		)
		.where(si.docstatus == 1)
		.orderby(si.name)
		.orderby(ps.idx)
	)
	return si, ps, query
