"""Emails received about our reminders: a customer's reply, or the mail server's delivery-failure notice.

A Communication received by an ERPNext incoming Email Account is matched to a customer and invoices by, in
order: the reminder it answers (Frappe sets `in_reply_to` to our outgoing Communication from the mail's
In-Reply-To header), its reference (a Sales Invoice), or its sender's address on one of the customer's
contacts. A reply is logged as an Inbound "Email Received" row on each invoice, holds their reminders for the
policy's `reply_pause_days` (5 by default) while someone reads it, and gives the account owner a ToDo. A
delivery-failure notice marks the reminder it names as bounced (dunning.bounces): the next step goes by letter.

Receiving email must never fail because of us: the Communication hook only queues the work after the
receiving transaction commits, and the job logs its errors instead of raising them.
"""

from __future__ import annotations

import re
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import getdate, nowdate

from relance_app.common.compat import in_test
from relance_app.common.policy_store import resolve_policies
from relance_app.dunning.bounces import record_bounce
from relance_app.dunning.mirrors import update_mirrors
from relance_app.engine.text import plain_text
from relance_app.portal.telling import follow_up_task

LOG = "Dunning Contact Log"
DEFAULT_REPLY_PAUSE_DAYS = 5
MAX_NOTE = 1000
# Delivery-failure notices: who sends them and how they are titled (English and French servers).
_DSN_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon)@", re.I)
_DSN_SUBJECT = re.compile(
	r"undeliver|delivery (status notification|failure|has failed)|mail delivery failed|returned mail|"
	r"failure notice|non remis|non distribu|remise .* (a )?échoué|échec de (la )?remise",
	re.I,
)
_MESSAGE_ID = re.compile(r"<([^<>\s@]+@[^<>\s]+)>")


def on_communication_insert(doc, method=None) -> None:
	"""doc_events hook: a received email is looked at after its transaction commits, in the background."""
	try:
		if doc.get("sent_or_received") != "Received" or doc.get("communication_medium") != "Email":
			return
		frappe.enqueue(
			"relance_app.portal.inbound.process_received",
			queue="short",
			communication=doc.name,
			enqueue_after_commit=True,
			now=in_test(),
		)
	except Exception:
		frappe.log_error(title=_("Relance: could not queue the reading of a received email"))


def process_received(communication: str) -> dict | None:
	"""Read one received email; log and pause for a reply, record a bounce for a delivery failure."""
	try:
		result = handle(frappe.get_doc("Communication", communication))
		if not in_test():
			frappe.db.commit()
		return result
	except Exception:
		if not in_test():
			frappe.db.rollback()
		frappe.log_error(title=_("Relance: could not read the received email {0}").format(communication))
		return None


def handle(comm) -> dict | None:
	"""What the received Communication `comm` means for the dunning: None when it is about no customer."""
	if is_delivery_failure(comm):
		bounced = bounced_reminder(comm)
		if not bounced:
			return None
		frappe.db.set_value("Communication", bounced, "delivery_status", "Bounced", update_modified=False)
		return {"bounce": record_bounce(bounced, plain_text(comm.content or "")[:500])}
	customer, invoices = match(comm)
	if not customer or not invoices:
		# About no customer, or nothing left to pay (a thank-you after paying): no hold, no task.
		return None
	return {"reply": record_reply(comm, customer, invoices)}


def is_delivery_failure(comm) -> bool:
	return bool(_DSN_SENDER.match(comm.sender or "") or _DSN_SUBJECT.search(comm.subject or ""))


def bounced_reminder(comm) -> str | None:
	"""The reminder Communication a delivery-failure notice is about: the one it answers, else the one whose
	Message-ID it quotes (the notice carries the returned message's headers)."""
	parent = comm.in_reply_to
	if parent and _is_reminder(parent):
		return parent
	for message_id in _MESSAGE_ID.findall(comm.content or ""):
		sent = frappe.db.get_value(
			"Email Queue", {"message_id": ("in", [message_id, f"<{message_id}>"])}, "communication"
		)
		if sent and _is_reminder(sent):
			return sent
	return None


def match(comm) -> tuple[str | None, list[str]]:
	"""(customer, open invoices) the received email is about; (None, []) when it is about no customer."""
	if comm.in_reply_to:
		rows = frappe.get_all(
			LOG,
			filters={"communication": comm.in_reply_to, "direction": "Outbound"},
			fields=["customer", "sales_invoice"],
			order_by="creation asc",
		)
		if rows:
			invoices = _open([r.sales_invoice for r in rows if r.sales_invoice])
			return rows[0].customer, invoices
	if comm.reference_doctype == "Sales Invoice" and comm.reference_name:
		customer = frappe.db.get_value(
			"Sales Invoice", {"name": comm.reference_name, "docstatus": 1}, "customer"
		)
		if customer:
			return customer, _open([comm.reference_name])
	customer = customer_of_address(comm.sender)
	if customer:
		return customer, _reminded_invoices(customer)
	return None, []


def customer_of_address(address: str | None) -> str | None:
	"""The one customer having `address` on a contact (or as its own email); None when none or several."""
	address = (address or "").strip().lower()
	if not address:
		return None
	email = frappe.qb.DocType("Contact Email")
	link = frappe.qb.DocType("Dynamic Link")
	rows = (
		frappe.qb.from_(email)
		.join(link)
		.on((link.parent == email.parent) & (link.parenttype == "Contact"))
		.select(link.link_name)
		.distinct()
		.where(email.email_id == address)
		.where(link.link_doctype == "Customer")
		.run(pluck=True)
	)
	customers = set(rows) | set(frappe.get_all("Customer", filters={"email_id": address}, pluck="name"))
	# An address shared by several customers says nothing about which one wrote.
	return customers.pop() if len(customers) == 1 else None


def record_reply(comm, customer: str, invoices: list[str]) -> dict:
	"""The reply's log rows, the hold of its invoices and the follow-up task (once per Communication)."""
	today = getdate(nowdate())
	text = plain_text(comm.content or "").strip()
	note = _("Email reply: {0}").format(comm.subject or "-") + "\n" + text[:MAX_NOTE]
	rows = _invoice_rows(invoices)
	if frappe.db.exists(LOG, {"idempotency_key": _key(comm.name, rows[0].name)}):
		return {"entries": [], "todo": None}
	try:
		_link(comm, customer, [r.name for r in rows])
	except Exception:
		# The timeline links are a convenience: the log rows, the hold and the task matter more.
		frappe.log_error(title=_("Relance: could not link the received email {0}").format(comm.name))
	title = _("The customer replied to a reminder about {0}").format(", ".join(r.name for r in rows))
	todo = follow_up_task(rows[0], title, note)
	until = None
	pauses = _pause_days(rows, customer)
	entries = []
	for row in rows:
		entries.append(
			frappe.get_doc(
				{
					"doctype": LOG,
					"customer": customer,
					"company": row.company,
					"sales_invoice": row.name,
					"entry_type": "Email Received",
					"direction": "Inbound",
					"status": "Done",
					"contact_date": comm.communication_date or frappe.utils.now_datetime(),
					"communication": comm.name,
					"todo": todo,
					"notes": note,
					"idempotency_key": _key(comm.name, row.name),
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
		until = today + timedelta(days=pauses.get(row.name, DEFAULT_REPLY_PAUSE_DAYS))
		if not row.dunning_paused_until or getdate(row.dunning_paused_until) < until:
			frappe.db.set_value(
				"Sales Invoice", row.name, "dunning_paused_until", until, update_modified=False
			)
	update_mirrors(today, invoices=[r.name for r in rows])
	return {"entries": entries, "todo": todo, "paused_until": until}


def _pause_days(rows, customer: str) -> dict[str, int]:
	"""Per invoice, the `reply_pause_days` of the policy that duns it (5 when unset)."""
	probes = [
		{"name": r.name, "company": r.company, "customer": customer, "dunning_policy": r.dunning_policy}
		for r in rows
	]
	policies = resolve_policies(probes)
	days = {}
	for name, policy in policies.items():
		value = frappe.db.get_value("Dunning Policy", policy, "reply_pause_days") if policy else None
		days[name] = int(value) if value is not None else DEFAULT_REPLY_PAUSE_DAYS
	return days


def _invoice_rows(invoices: list[str]) -> list:
	return frappe.get_all(
		"Sales Invoice",
		filters={"name": ("in", invoices)},
		fields=["name", "customer", "company", "dunning_policy", "dunning_paused_until"],
		order_by="due_date asc, name asc",
	)


def _open(invoices: list[str]) -> list[str]:
	if not invoices:
		return []
	return frappe.get_all(
		"Sales Invoice",
		filters={
			"name": ("in", list(dict.fromkeys(invoices))),
			"docstatus": 1,
			"outstanding_amount": (">", 0),
		},
		pluck="name",
	)


def _reminded_invoices(customer: str) -> list[str]:
	"""The customer's open invoices that got a reminder: what a reply from its address is about."""
	reminded = frappe.get_all(
		LOG,
		filters={"customer": customer, "direction": "Outbound", "is_automatic": 1},
		pluck="sales_invoice",
		distinct=True,
	)
	return _open([name for name in reminded if name])


def _is_reminder(communication: str) -> bool:
	return bool(frappe.db.exists(LOG, {"communication": communication, "direction": "Outbound"}))


def _link(comm, customer: str, invoices: list[str]) -> None:
	# The reply shows on the customer's and the invoices' timelines, like the reminder it answers.
	doc = frappe.get_doc("Communication", comm.name)
	changed = False
	for doctype, name in [("Customer", customer)] + [("Sales Invoice", i) for i in invoices]:
		if not any(t.link_doctype == doctype and t.link_name == name for t in doc.timeline_links):
			doc.add_link(doctype, name)
			changed = True
	if not doc.reference_doctype and invoices:
		doc.reference_doctype, doc.reference_name = "Sales Invoice", invoices[0]
		changed = True
	if changed:
		doc.flags.ignore_permissions = True
		doc.save(ignore_permissions=True)


def _key(communication: str, target: str) -> str:
	return f"reply:{communication}:{target}"
