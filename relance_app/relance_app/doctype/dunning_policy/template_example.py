"""The context of a real message, for the policy form's Template Variables panel: the variables a template may
use, each with the value it would have for the latest overdue invoice the user may read."""

from __future__ import annotations

import frappe
from frappe.utils import getdate, nowdate

from relance_app.dunning.context import build_context
from relance_app.dunning.selection import select_open_instalments
from relance_app.engine.errors import EngineError
from relance_app.engine.policy import default_policy
from relance_app.engine.render import sample_context


def real_context(company: str | None = None) -> tuple[dict, str | None]:
	"""(context, invoice): built for the latest overdue invoice, else the documented sample and None."""
	today = getdate(nowdate())
	filters = [["docstatus", "=", 1], ["outstanding_amount", ">", 0], ["due_date", "<", today]]
	if company:
		filters.append(["company", "=", company])
	if not frappe.has_permission("Sales Invoice", "read"):
		return sample_context(today), None
	names = frappe.get_list(
		"Sales Invoice",
		filters=filters,
		pluck="name",
		order_by="due_date desc, name desc",
		limit_page_length=1,
	)
	if not names:
		return sample_context(today), None
	selection = select_open_instalments(today, invoices=names)
	instalments = [inst for inst in selection.instalments if inst.outstanding > 0]
	if not instalments:
		return sample_context(today), None
	row = selection.invoices[names[0]]
	# The second step of the shipped ladder: a reminder after the due date, with its usual options.
	level = default_policy().levels[1]
	try:
		context = build_context(
			customer=instalments[0].customer,
			company=row["company"],
			instalments=instalments,
			level=level,
			today=today,
			invoice_rows=selection.invoices,
		)
	except (EngineError, frappe.ValidationError):
		# An example only: an invoice whose penalties cannot be computed yet still shows the sample.
		frappe.clear_messages()
		return sample_context(today), None
	return context, names[0]
