"""Contact-log entries in the Sales Invoice and Customer timelines (Frappe's additional_timeline_content).

Each line says what happened (issue 18): a pause or a resolution reads as its own words, not "Note"; a
dispute reads "Dispute opened", and "(since resolved)" once it is; a promise says whether it was kept.
"""

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


# Entry types whose label already says where they stand: their raw status is not repeated.
LABELLED = ("Note", "Dispute", "Promise to Pay")


def label(row) -> tuple[str, str | None]:
	"""What the line says happened, and the notes left to show under it."""
	notes = (row.notes or "").strip() or None
	if row.entry_type == "Note" and notes:
		# The note written by a pause, a resume or a resolution is what happened: its first line is the label.
		first, _sep, rest = notes.partition("\n")
		return first.strip(), rest.strip() or None
	if row.entry_type == "Dispute":
		return (_("Dispute opened") if row.status == "Open" else _("Dispute opened (since resolved)")), notes
	if row.entry_type == "Promise to Pay":
		kept = {
			"Open": _("Promise to Pay"),
			"Done": _("Promise to pay (kept)"),
			"Failed": _("Promise to pay (not kept)"),
		}
		return kept.get(row.status, _("Promise to Pay")), notes
	return _(row.entry_type), notes


def _content(row, *, show_invoice: bool) -> str:
	title, notes = label(row)
	parts = [f"<a href='{escape_html(desk_path('Dunning Contact Log', row.name))}'>{escape_html(title)}</a>"]
	if row.entry_type not in LABELLED:
		parts.append(escape_html(_(row.status)))
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
	if notes:
		text += f"<div class='text-muted small'>{escape_html(notes)}</div>"
	return f"<span class='text-muted'>{escape_html(_('Relance'))}</span> {text}"
