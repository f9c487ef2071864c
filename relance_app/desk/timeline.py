"""Contact-log entries in the Sales Invoice and Customer timelines (Frappe's additional_timeline_content)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html

from relance_app.common.compat import desk_path

ICONS = {
	"Reminder Email": "mail",
	"SMS": "message",
	"Call": "call",
	"Letter": "file",
	"Registered Letter": "file",
	"Promise to Pay": "calendar",
	"Dispute": "alert",
	"Payment Received": "check",
}


def get_timeline(doctype: str, docname: str) -> list[dict]:
	field = {"Sales Invoice": "sales_invoice", "Customer": "customer"}.get(doctype)
	if not field or not frappe.has_permission("Dunning Contact Log", "read"):
		return []
	rows = frappe.get_list(
		"Dunning Contact Log",
		filters={field: docname},
		fields=[
			"name",
			"entry_type",
			"status",
			"contact_date",
			"level",
			"level_title",
			"call_outcome",
			"promised_date",
			"notes",
			"sales_invoice",
		],  # fmt: skip
		order_by="contact_date desc",
		limit=100,
	)
	return [
		{
			"icon": ICONS.get(row.entry_type, "small-message"),
			"is_card": False,
			"creation": row.contact_date,
			"content": _content(row, show_invoice=doctype == "Customer"),
		}
		for row in rows
	]


def _content(row, *, show_invoice: bool) -> str:
	parts = [
		f"<a href='{escape_html(desk_path('Dunning Contact Log', row.name))}'>{escape_html(_(row.entry_type))}</a>",
		escape_html(_(row.status)),
	]
	if row.level:
		title = f" · {row.level_title}" if row.level_title else ""
		parts.append(escape_html(f"{_('Level')} {row.level}{title}"))
	if row.call_outcome:
		parts.append(escape_html(_(row.call_outcome)))
	if row.promised_date:
		parts.append(
			escape_html(
				_("promised for {0}").format(frappe.format_value(row.promised_date, {"fieldtype": "Date"}))
			)
		)
	if show_invoice and row.sales_invoice:
		parts.append(escape_html(row.sales_invoice))
	text = " · ".join(parts)
	if row.notes:
		text += f"<div class='text-muted small'>{escape_html(row.notes)}</div>"
	return f"<span class='text-muted'>{escape_html(_('Relance'))}</span> {text}"
