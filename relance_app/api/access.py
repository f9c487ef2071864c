"""Who may do what through the dunning screens: the one place every whitelisted method checks permission.

Documents are checked one by one with `frappe.has_permission(doctype, ptype, doc=...)`, which applies the
user's roles, User Permissions (a user restricted to some customers or companies) and sharing. Lists and
totals go through `frappe.get_list`, or are narrowed to `permitted_customers()`, which is built from it.

What a step creates is written by the dunning run without permission checks (the run is a system job), so a
person taking a step by hand is checked up front for everything the step may create: the contact-log entry,
the Dunning of a formal notice, the ToDo and the letter's File, and the email. Frappe writes a Communication
when someone emails a document if they have the "email" permission on that document (and needs no create
permission on Communication, which only system managers have): the same rule applies here.
"""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe import _

from relance_app.dunning.evidence import log_entry
from relance_app.engine.policy import Channel, Level

LOG = "Dunning Contact Log"


def checked_invoice(invoice: str, ptype: str = "read"):
	"""The submitted invoice, once the user may read it (and, for "write", add to its contact log)."""
	doc = frappe.get_doc("Sales Invoice", invoice)
	doc.check_permission("read")
	if ptype == "write":
		require(LOG, "create")
	if doc.docstatus != 1:
		frappe.throw(_("Only submitted invoices are dunned."))
	return doc


def check_invoices(invoices: Iterable[str], ptype: str = "read") -> None:
	"""Every invoice an action covers, one by one: a User Permission may allow some and not others."""
	for name in sorted(set(invoices)):
		frappe.has_permission("Sales Invoice", ptype, doc=name, throw=True)


def check_customer(customer: str, ptype: str = "read") -> None:
	frappe.has_permission("Customer", ptype, doc=customer, throw=True)


def require(doctype: str, *ptypes: str) -> None:
	"""Role permissions on a doctype, for documents that do not exist yet (a Dunning, a ToDo...)."""
	for ptype in ptypes:
		frappe.has_permission(doctype, ptype, throw=True)


def check_step(level: Level, invoices: Iterable[str]) -> None:
	"""Everything taking this step by hand may create, checked before anything is written.

	An email falls back to a letter (ToDo and File) when the customer has no address; a formal notice is a
	submitted Dunning, its letter, a task to post it, and an emailed copy.
	"""
	invoices = sorted(set(invoices))
	check_invoices(invoices)
	require(LOG, "create")
	channel = level.channel
	if level.formal_notice:
		require("Dunning", "create", "submit")
	if level.formal_notice or channel is not Channel.SMS:
		require("ToDo", "create")
	if level.formal_notice or channel not in (Channel.SMS, Channel.CALL):
		require("File", "create")
	if level.formal_notice or channel is Channel.EMAIL:
		check_invoices(invoices, "email")


def permitted_customers(company: str | None = None) -> list[str] | None:
	"""The customers whose Sales Invoices (of `company`) the user may read; None when nothing restricts
	them (no User Permission on a document the invoices link to, no permission query), so that totals skip
	the filter. Raises PermissionError for a user who may not read Sales Invoices at all."""
	require("Sales Invoice", "read")
	if not _restricted("Sales Invoice"):
		return None
	filters = {"docstatus": 1}
	if company:
		filters["company"] = company
	return sorted(
		set(
			frappe.get_list(
				"Sales Invoice",
				filters=filters,
				fields=["customer"],
				distinct=True,
				pluck="customer",
				order_by="customer",
				limit_page_length=0,
			)
		)
	)


def _restricted(doctype: str) -> bool:
	"""Whether `frappe.get_list(doctype)` may hide rows from the user: conservative (True when unsure)."""
	user = frappe.session.user
	if user == "Administrator":
		return False
	hooks = frappe.get_hooks("permission_query_conditions") or {}
	if hooks.get(doctype) or hooks.get("*"):
		return True
	scripts = {"script_type": "Permission Query", "reference_doctype": doctype, "disabled": 0}
	if frappe.db.exists("Server Script", scripts):
		return True
	meta = frappe.get_meta(doctype)
	role_permissions = frappe.permissions.get_role_permissions(meta, user=user)
	# Read through sharing only, or only one's own documents: the list is narrower than the table.
	if not role_permissions.get("read") or role_permissions.get("has_if_owner_enabled"):
		return True
	user_permissions = frappe.permissions.get_user_permissions(user)
	if not user_permissions:
		return False
	linked = {df.options for df in meta.get_link_fields() if not df.get("ignore_user_permissions")}
	return bool((linked | {doctype}) & set(user_permissions))


def add_log_entry(doc, entry_type: str, **fields) -> str:
	"""A contact-log entry on the invoice, inserted as the user (so the log's own permissions apply)."""
	return log_entry(doc, entry_type, **fields)
