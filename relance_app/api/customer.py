"""The dunning summary on the Customer form."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count, Max, Min, Sum
from frappe.utils import flt, getdate, nowdate

from relance_app.common.constants import DONE_STATUSES


@frappe.whitelist()
def get_customer_summary(customer: str) -> dict:
	"""Total and oldest overdue, highest level, open promises and disputes, risk class, last contact."""
	frappe.get_doc("Customer", customer).check_permission("read")
	si = DocType("Sales Invoice")
	today = getdate(nowdate())
	row = (
		frappe.qb.from_(si)
		.select(
			Sum(si.outstanding_amount).as_("overdue"),
			Min(si.due_date).as_("oldest"),
			Max(si.dunning_level).as_("level"),
		)
		.where(si.customer == customer)
		.where(si.docstatus == 1)
		.where(si.outstanding_amount > 0)
		.where(si.due_date < today)
		.run(as_dict=True)[0]
	)
	log = DocType("Dunning Contact Log")
	holds = dict(
		frappe.qb.from_(log)
		.select(log.entry_type, Count("*"))
		.where(log.customer == customer)
		.where(log.status == "Open")
		.groupby(log.entry_type)
		.run()
	)
	last = (
		frappe.qb.from_(log)
		.select(Max(log.contact_date))
		.where(log.customer == customer)
		.where(log.status.isin(DONE_STATUSES))
		.run()[0][0]
	)
	return {
		"total_overdue": flt(row.overdue, 2),
		"oldest_overdue": row.oldest,
		"days_overdue": (today - getdate(row.oldest)).days if row.oldest else 0,
		"highest_level": row.level or 0,
		"open_promises": holds.get("Promise to Pay", 0),
		"open_disputes": holds.get("Dispute", 0),
		"risk_class": frappe.db.get_value("Customer", customer, "dunning_risk_class") or "",
		"last_contact": last,
		"currency": frappe.db.get_value("Customer", customer, "default_currency")
		or frappe.db.get_default("currency"),
	}
