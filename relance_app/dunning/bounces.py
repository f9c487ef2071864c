"""Reminder emails that did not reach the customer: the Bounce rows of the contact log, and the channel rule
"the last email to this address bounced: the next step goes by letter".

A reminder email bounced when its Communication's `delivery_status` is "Bounced" (set on receiving the
delivery-failure notice, see portal.inbound) or "Error" (Frappe's Email Queue gave up sending it), or when a
Bounce row names it. The rule reads the customer's last emailed step only, and only for the address it was
sent to: once someone corrects the customer's email address, reminders go by email again.
"""

from __future__ import annotations

import re

import frappe
from frappe import _
from frappe.utils import now_datetime

LOG = "Dunning Contact Log"
BOUNCED_STATUSES = ("Bounced", "Error")
# How far back the hourly sweep looks for bounced reminders not yet logged.
SWEEP_DAYS = 30
_ADDRESS = re.compile(r"[^\s,;<>\"']+@[^\s,;<>\"']+")


def last_email_bounced(customer: str, email: str | None) -> str | None:
	"""The Communication of the customer's last emailed step when it bounced at `email`; None otherwise."""
	if not email:
		return None
	last = frappe.get_all(
		LOG,
		filters={"customer": customer, "direction": "Outbound", "communication": ("is", "set")},
		fields=["communication"],
		order_by="contact_date desc, creation desc",
		limit=1,
	)
	if not last:
		return None
	name = last[0].communication
	sent = (
		frappe.db.get_value("Communication", name, ["recipients", "delivery_status"], as_dict=True)
		or frappe._dict()
	)
	if email.strip().lower() not in {a.lower() for a in _ADDRESS.findall(sent.recipients or "")}:
		return None
	if sent.delivery_status in BOUNCED_STATUSES or _bounce_logged(name):
		return name
	return None


def record_bounce(communication: str, reason: str | None = None) -> list[str]:
	"""One Bounce row (Inbound, Done) per invoice the reminder `communication` was about, once; their names."""
	sent = frappe.get_all(
		LOG,
		filters={"communication": communication, "direction": "Outbound"},
		fields=["customer", "company", "sales_invoice"],
		order_by="creation asc",
	)
	recipients = frappe.db.get_value("Communication", communication, "recipients") or ""
	note = _("The email {0} to {1} was not delivered.").format(communication, recipients)
	if reason:
		note += "\n" + reason[:500]
	names = []
	for row in {(r.customer, r.company, r.sales_invoice): r for r in sent}.values():
		key = f"bounce:{communication}:{row.sales_invoice or row.customer}"
		if frappe.db.exists(LOG, {"idempotency_key": key}):
			continue
		entry = frappe.get_doc(
			{
				"doctype": LOG,
				"customer": row.customer,
				"company": row.company,
				"sales_invoice": row.sales_invoice,
				"entry_type": "Bounce",
				"direction": "Inbound",
				"status": "Done",
				"contact_date": now_datetime(),
				"communication": communication,
				"notes": note,
				"idempotency_key": key,
			}
		).insert(ignore_permissions=True)
		names.append(entry.name)
	return names


def sweep_bounces() -> int:
	"""Hourly: log the bounced reminder emails of the last days that have no Bounce row yet."""
	log = frappe.qb.DocType(LOG)
	comm = frappe.qb.DocType("Communication")
	since = frappe.utils.add_days(now_datetime(), -SWEEP_DAYS)
	rows = (
		frappe.qb.from_(log)
		.join(comm)
		.on(comm.name == log.communication)
		.select(comm.name, comm.delivery_status)
		.distinct()
		.where(log.direction == "Outbound")
		.where(log.contact_date >= since)
		.where(comm.delivery_status.isin(BOUNCED_STATUSES))
		.run(as_dict=True)
	)
	count = 0
	for row in rows:
		if _bounce_logged(row.name):
			continue
		try:
			count += len(record_bounce(row.name, _("Delivery status: {0}").format(_(row.delivery_status))))
			frappe.db.commit()
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=_("Could not log the bounce of {0}").format(row.name))
	return count


def _bounce_logged(communication: str) -> bool:
	return bool(frappe.db.exists(LOG, {"communication": communication, "entry_type": "Bounce"}))
