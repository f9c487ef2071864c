"""What differs between Frappe/ERPNext v15 and v16, in one place: callers never check versions themselves."""

from __future__ import annotations

from urllib.parse import quote

import frappe

FRAPPE_MAJOR = int(frappe.__version__.split(".")[0])


def in_test() -> bool:
	"""True inside `bench run-tests` (v16 moved the flag to `frappe.in_test`; v15 has `frappe.flags.in_test`)."""
	return bool(getattr(frappe, "in_test", False) or frappe.flags.in_test)


def desk_path(doctype: str, name: str | None = None) -> str:
	"""The desk route of a document or a list: /app/... on v15, /desk/... on v16 (which redirects /app)."""
	base = "/desk" if FRAPPE_MAJOR >= 16 else "/app"
	path = f"{base}/{frappe.scrub(doctype).replace('_', '-')}"
	return f"{path}/{quote(name, safe='')}" if name else path


def aggregate(function: str, field: str, alias: str) -> str | dict:
	"""An aggregate column for `frappe.get_list(fields=[...])`: v15 reads "sum(field) as alias"; v16 refuses SQL
	functions in strings and takes {"SUM": "field", "as": "alias"}."""
	if FRAPPE_MAJOR >= 16:
		return {function.upper(): field, "as": alias}
	return f"{function.lower()}({field}) as {alias}"
