# Copyright (c) 2026, relance_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model import no_value_fields
from frappe.model.document import Document
from frappe.utils import getdate, now_datetime, today

from relance_app.common.validation import DuplicateStepError, EvidenceLockedError
from relance_app.dunning.evidence import NEEDS_ATTENTION
from relance_app.dunning.register import (
	CHAIN_FIELDS,
	IMMUTABLE_FIELDS,
	SEALED_STATUSES,
	content_digest,
	schedule_sealing,
)
from relance_app.engine.evidence_hash import AMOUNT_FIELDS, canonical_value, correction_key

# Once an entry reaches one of these statuses it is evidence: corrections are new entries.
LOCKED_STATUSES = ("Sent", "Done", "Cancelled")
# Entry types that stay "Open" while they hold dunning back.
HOLDING_TYPES = ("Promise to Pay", "Dispute")
# Recorded after the fact on a final entry (the registered letter's number): no correction needed.
FREE_FIELDS = ("tracking_number",)
# Never corrected, not even with a reason: which chain the row is in, its place in it and its step key.
NEVER_CORRECTED = ("name", "company", "idempotency_key", *CHAIN_FIELDS)
CORRECTION = "Correction"


class DunningContactLog(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		attachment: DF.Attach | None
		attempts: DF.Int
		call_outcome: DF.Literal[
			"",
			"Reached",
			"Voicemail",
			"Unreachable",
			"Invoice Not Received",
			"Awaiting Approval",
			"Dispute",
			"Payment Scheduled",
			"Payment Sent",
		]
		chain_seq: DF.Int
		communication: DF.Link | None
		company: DF.Link | None
		contact_date: DF.Datetime
		currency: DF.Link | None
		customer: DF.Link
		customer_name: DF.Data | None
		direction: DF.Literal["Outbound", "Inbound"]
		due_date: DF.Date | None
		dunning: DF.Link | None
		dunning_policy: DF.Link | None
		evidence_hash: DF.Data | None
		failure_cause: DF.Data | None
		failure_reason: DF.SmallText | None
		entry_type: DF.Literal[
			"Reminder Email",
			"SMS",
			"Call",
			"Letter",
			"Registered Letter",
			"Promise to Pay",
			"Dispute",
			"Note",
			"Payment Received",
			"Bounce",
			"Litigation",
			"Handover",
			"Insurer Declaration",
			"Email Received",
			"Assigned to Factor",
			"Correction",
		]
		idempotency_key: DF.Data | None
		is_automatic: DF.Check
		level: DF.Int
		level_title: DF.Data | None
		notes: DF.SmallText | None
		outstanding_amount: DF.Currency
		payment_schedule: DF.Data | None
		previous_hash: DF.Data | None
		promised_amount: DF.Currency
		promised_date: DF.Date | None
		sales_invoice: DF.Link | None
		status: DF.Literal["Planned", "Open", "Sent", "Failed", "Needs Attention", "Done", "Cancelled"]
		todo: DF.Link | None
		tracking_number: DF.Data | None
	# end: auto-generated types

	def before_insert(self):
		self.validate_unique_step()
		# Only the register seals a row (dunning.register), after it is final.
		self.chain_seq, self.previous_hash, self.evidence_hash = 0, None, None

	def validate(self):
		self.validate_evidence_lock()
		self.set_invoice_details()
		self.set_company()
		self.validate_invoice_customer()
		self.validate_promise()
		self.set_holding_status()
		# Last: whatever changed a sealed row (the user or a step above), it is refused.
		self.validate_seal()

	def on_update(self):
		if self.flags.corrected_fields:
			self.log_correction()
		if self.status in SEALED_STATUSES and not self.chain_seq:
			schedule_sealing(self.company)

	def on_trash(self):
		if self.status in LOCKED_STATUSES and not _is_system_manager():
			frappe.throw(
				_(
					"Contact log {0} is evidence of a contact made: only a System Manager can delete it."
				).format(self.name),
				EvidenceLockedError,
			)

	def validate_unique_step(self):
		"""A clear message before the database's unique index says the same, less kindly."""
		if self.idempotency_key and frappe.db.exists(
			"Dunning Contact Log", {"idempotency_key": self.idempotency_key}
		):
			frappe.throw(
				_("This dunning step ({0}) is already recorded.").format(self.idempotency_key),
				DuplicateStepError,
			)

	def validate_seal(self):
		"""A sealed row is in the evidence register: changing what its hash covers would break the chain, for
		everyone (a System Manager included). Corrections are new entries; the tracking number stays editable."""
		before = None if self.is_new() else self.get_doc_before_save()
		if not before or not before.chain_seq:
			return
		changed = [
			field
			for field in IMMUTABLE_FIELDS
			if canonical_value(self.get(field), amount=field in AMOUNT_FIELDS)
			!= canonical_value(before.get(field), amount=field in AMOUNT_FIELDS)
		]
		if self.flags.correction_reason and _is_system_manager():
			# A correction with its reason is logged (log_correction) and verifies as such (dunning.register).
			changed = [field for field in changed if field in NEVER_CORRECTED]
		if changed:
			frappe.throw(
				_("Contact log {0} is sealed in the evidence register: {1} cannot be changed.").format(
					self.name, ", ".join(_(self.meta.get_label(field)) for field in changed)
				),
				EvidenceLockedError,
			)

	def validate_evidence_lock(self):
		if self.is_new():
			return
		before = self.get_doc_before_save()
		if not before or before.status not in LOCKED_STATUSES:
			return
		if not _is_system_manager():
			frappe.throw(
				_(
					"Contact log {0} is {1}: it is evidence and cannot be changed. Record a new entry to correct it."
				).format(self.name, _(before.status)),
				EvidenceLockedError,
			)
		changed = self.changed_fields(before)
		if changed and not (self.flags.correction_reason or "").strip():
			frappe.throw(
				_(
					"Contact log {0} is {1}: it is evidence. A System Manager may correct it only with the reason "
					"for the correction, which is logged."
				).format(self.name, _(before.status)),
				EvidenceLockedError,
			)
		self.flags.corrected_fields = changed

	def changed_fields(self, before) -> list[str]:
		"""The fields of this final entry that the save changes, besides those recorded after the fact."""
		return [
			df.fieldname
			for df in self.meta.fields
			if df.fieldtype not in no_value_fields
			and df.fieldname not in FREE_FIELDS
			and canonical_value(self.get(df.fieldname), amount=df.fieldtype in ("Currency", "Float"))
			!= canonical_value(before.get(df.fieldname), amount=df.fieldtype in ("Currency", "Float"))
		]

	def log_correction(self):
		"""The correction is itself evidence: a Correction entry with the reason, the fields changed (old and
		new values), and for a sealed entry the hash of its corrected content (engine.evidence_hash)."""
		before = self.get_doc_before_save()
		changes = "\n".join(
			"{}: {} -> {}".format(
				_(self.meta.get_label(field)), before.get(field) or "", self.get(field) or ""
			)
			for field in self.flags.corrected_fields
		)
		digest = content_digest(self.name)
		frappe.get_doc(
			{
				"doctype": "Dunning Contact Log",
				"customer": self.customer,
				"company": self.company,
				"sales_invoice": self.sales_invoice,
				"entry_type": CORRECTION,
				"direction": "Outbound",
				"status": "Done",
				"contact_date": now_datetime(),
				"idempotency_key": correction_key(self.name, digest) if digest else None,
				"notes": _("Correction of {0} by {1}. Reason: {2}").format(
					self.name, frappe.session.user, self.flags.correction_reason.strip()
				)
				+ "\n"
				+ changes,
			}
		).insert(ignore_permissions=True)
		self.add_comment(
			"Info",
			_("Corrected by {0}. Reason: {1}").format(frappe.session.user, self.flags.correction_reason),
		)
		self.flags.corrected_fields = None

	def set_invoice_details(self):
		if not self.sales_invoice or self.chain_seq:
			return
		invoice = frappe.db.get_value(
			"Sales Invoice",
			self.sales_invoice,
			["customer", "company", "currency", "due_date", "outstanding_amount"],
			as_dict=True,
		)
		if not invoice:
			return
		self.customer = self.customer or invoice.customer
		# The invoice's company, not the user's default one that the form fills in: the entry belongs to
		# the invoice's company and to its evidence register.
		self.company = invoice.company
		self.currency = self.currency or invoice.currency
		if self.is_new() and not self.is_automatic:
			self.due_date = self.due_date or invoice.due_date
			self.outstanding_amount = self.outstanding_amount or invoice.outstanding_amount

	def set_company(self):
		"""Every entry carries its company (issue 18): the log is filtered, and sealed, per company. A sealed
		row keeps the chain it is in, company or not."""
		if self.chain_seq or self.sales_invoice or not self.customer:
			return
		# New: Frappe filled in the user's default company, which need not be the customer's.
		if self.is_new() or not self.company:
			self.company = customer_company(self.customer, fallback=self.company)

	def validate_invoice_customer(self):
		if self.sales_invoice and self.customer:
			customer = frappe.db.get_value("Sales Invoice", self.sales_invoice, "customer")
			if customer and customer != self.customer:
				frappe.throw(
					_("Sales Invoice {0} belongs to customer {1}, not {2}.").format(
						self.sales_invoice, customer, self.customer
					)
				)

	def validate_promise(self):
		if self.entry_type != "Promise to Pay" or not self.has_value_changed("promised_date"):
			return
		if not self.promised_date:
			frappe.throw(_("A promise to pay needs the promised payment date."))
		if getdate(self.promised_date) < getdate(today()):
			frappe.throw(_("The promised payment date {0} is in the past.").format(self.promised_date))
		if self.promised_amount and self.promised_amount < 0:
			frappe.throw(_("The promised amount cannot be negative."))

	def set_holding_status(self):
		"""Promises and disputes hold dunning back while Open; a new one starts Open."""
		if self.is_new() and self.entry_type in HOLDING_TYPES and self.status == "Planned":
			self.status = "Open"


def customer_company(customer: str, fallback: str | None = None) -> str | None:
	"""The company of an entry without invoice: the one of the customer's submitted invoices when they are all
	of one company, else `fallback`, else the default company."""
	companies = frappe.get_all(
		"Sales Invoice",
		filters={"customer": customer, "docstatus": 1},
		fields=["company"],
		distinct=True,
		pluck="company",
		limit=2,
	)
	if len(companies) == 1:
		return companies[0]
	return (
		fallback
		or frappe.defaults.get_user_default("Company")
		or frappe.defaults.get_global_default("company")
	)


def _is_system_manager() -> bool:
	return "System Manager" in frappe.get_roles()


@frappe.whitelist(methods=["POST"])
def correct_entry(name: str, values: str | dict, reason: str) -> str:
	"""A System Manager corrects a final entry, with the reason: saved, and logged as a Correction entry."""
	frappe.only_for("System Manager")
	doc = frappe.get_doc("Dunning Contact Log", name)
	doc.check_permission("write")
	values = frappe.parse_json(values) or {}
	refused = sorted(set(values) & {"doctype", *NEVER_CORRECTED})
	if refused:
		frappe.throw(
			_("These fields cannot be corrected: {0}").format(", ".join(refused)), EvidenceLockedError
		)
	if not (reason or "").strip():
		frappe.throw(
			_("Give the reason for the correction: it is kept with the evidence."), EvidenceLockedError
		)
	doc.update(values)
	doc.flags.correction_reason = reason.strip()
	doc.save()
	return doc.name


@frappe.whitelist(methods=["POST"])
def retry_step(name: str) -> str:
	"""Put a step that needs attention back in the run: the next run tries it once more."""
	doc = frappe.get_doc("Dunning Contact Log", name)
	doc.check_permission("write")
	if doc.status != NEEDS_ATTENTION:
		frappe.throw(_("Only a step that needs attention can be retried."))
	doc.status = "Failed"
	doc.save()
	return doc.status
