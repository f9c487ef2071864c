"""The one query shape the app repeats: a doctype joined to the document one of its link fields names."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType


def linked(source: str, link_field: str, target: str, *, outer: bool = False):
	"""``source`` joined to ``target`` on ``target.name == source.<link_field>`` (a LEFT JOIN when `outer`):
	the query to go on with (select, where...) and both tables, in that order.

	>>> query, log, si = linked("Dunning Contact Log", "sales_invoice", "Sales Invoice")
	"""
	left, right = DocType(source), DocType(target)
	query = frappe.qb.from_(left)
	query = query.left_join(right) if outer else query.join(right)
	return query.on(right.name == left[link_field]), left, right
