"""What the debtor does on the page, as Guest: download documents, say it paid, promise a date, dispute.

Every endpoint checks the token first, then that the invoice is one of the token's customer and company;
the POSTs are rate-limited per IP. What the customer types is kept as plain text in the contact log (its
desk views escape it) and escaped before it goes into the ToDo, whose description is HTML. A proof of payment
or a dispute document (portal.uploads: PDF, PNG or JPEG, 5 MB at most) becomes a private File on the row.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe import _
from frappe.rate_limiter import rate_limit
from frappe.utils import escape_html, flt, getdate, nowdate
from frappe.utils.pdf import get_pdf
from frappe.www.printview import get_print_style, get_rendered_template

from relance_app.common.parties import first_accounts_manager, payment_links
from relance_app.common.portal_links import PortalDenied, check_token
from relance_app.dunning.evidence import log_entry
from relance_app.dunning.mirrors import update_mirrors
from relance_app.engine.errors import N_
from relance_app.portal.activity import record_view
from relance_app.portal.page import DISPUTE_REASONS, online_payment_gateway
from relance_app.portal.uploads import attach, save_private, uploaded

LOG = "Dunning Contact Log"
PAUSE_AFTER_PAYMENT_DAYS = 5
MAX_PROMISE_DAYS = 60
MAX_TEXT = 1000
MAX_REFERENCE = 140
VIA_PAGE = N_("via the customer page")


def checked_invoice(token: str | None, invoice: str | None):
	"""The token's claim and the invoice row, when the invoice is a submitted one of that customer+company."""
	claim = check_token(token)
	row = frappe.db.get_value(
		"Sales Invoice",
		{"name": invoice or "", "customer": claim.customer, "company": claim.company, "docstatus": 1},
		[
			"name",
			"customer",
			"company",
			"grand_total",
			"outstanding_amount",
			"currency",
			"dunning_paused_until",
		],
		as_dict=True,
	)
	if not row:
		# The same answer as a bad token: nothing tells a guesser that the invoice exists.
		raise PortalDenied(_("This link is not valid or has expired."))
	return claim, row


@frappe.whitelist(allow_guest=True, methods=["GET"])
@rate_limit(limit=60, seconds=600)
def invoice_pdf(t: str | None = None, invoice: str | None = None) -> None:
	"""The invoice in its print format, as a PDF download."""
	_claim, row = checked_invoice(t, invoice)
	_send_pdf(f"{row.name}.pdf", invoice_pdf_bytes(row.name))


def invoice_pdf_bytes(invoice: str) -> bytes:
	"""The invoice in the Sales Invoice default print format (else Standard), rendered without fetching
	anything over HTTP (the print view page would make wkhtmltopdf call the site back) and without an Access
	Log. The token check stands for the print permission a Guest does not have."""
	doc = frappe.get_doc("Sales Invoice", invoice)
	name = frappe.get_meta("Sales Invoice").default_print_format
	print_format = frappe.get_cached_doc("Print Format", name) if name and name != "Standard" else None
	previous = frappe.flags.ignore_print_permissions
	frappe.flags.ignore_print_permissions = True
	try:
		body = get_rendered_template(doc, print_format=print_format, meta=doc.meta, no_letterhead=0)
	finally:
		frappe.flags.ignore_print_permissions = previous
	html = frappe.render_template(
		"relance_app/templates/formal_notice/pdf_page.html",
		{
			"lang": frappe.local.lang,
			"title": doc.name,
			"print_style": get_print_style(print_format=print_format),
			"body": body,
		},
	)
	return get_pdf(html)


@frappe.whitelist(allow_guest=True, methods=["GET"])
@rate_limit(limit=60, seconds=600)
def notice_pdf(t: str | None = None, dunning: str | None = None) -> None:
	"""The mise en demeure letter attached to one of the customer's submitted Dunnings."""
	claim = check_token(t)
	owned = frappe.db.exists(
		"Dunning",
		{"name": dunning or "", "customer": claim.customer, "company": claim.company, "docstatus": 1},
	)
	file_name = owned and frappe.db.get_value(
		"File",
		{"attached_to_doctype": "Dunning", "attached_to_name": dunning},
		"name",
		order_by="creation desc",
	)
	if not file_name:
		raise PortalDenied(_("This link is not valid or has expired."))
	_send_pdf(f"{dunning}.pdf", frappe.get_doc("File", file_name).get_content())


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=30, seconds=600)
def page_viewed(t: str | None = None) -> dict:
	"""Sent by the page once loaded (the GET that shows it writes nothing): the customer looked at its page."""
	claim = check_token(t)
	return {"recorded": record_view(claim.customer)}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=10, seconds=600)
def declare_payment(
	t: str | None = None,
	invoice: str | None = None,
	paid_on: str | None = None,
	amount: str | None = None,
	reference: str | None = None,
) -> dict:
	"""The customer says it has paid: a note in the log, reminders held a few days while the bank catches up."""
	_claim, row = checked_invoice(t, invoice)
	today = getdate(nowdate())
	day = _date(paid_on)
	if day > today or day < today - timedelta(days=365):
		frappe.throw(_("Give the date of the payment: today or earlier, within the last year."))
	paid = _amount(amount)
	reference = _text(reference, MAX_REFERENCE)
	proof = uploaded("proof")
	note = _("Payment declared {0}: paid on {1}, amount {2} {3}, reference: {4}").format(
		_(VIA_PAGE), day.isoformat(), paid, row.currency, reference or "-"
	)
	todo = follow_up_task(row, _("Check the payment the customer declared for {0}").format(row.name), note)
	entry = _log(row, "Note", status="Done", notes=note, todo=todo, upload=proof)
	until = today + timedelta(days=PAUSE_AFTER_PAYMENT_DAYS)
	if not row.dunning_paused_until or getdate(row.dunning_paused_until) < until:
		frappe.db.set_value("Sales Invoice", row.name, "dunning_paused_until", until, update_modified=False)
	update_mirrors(today, invoices=[row.name])
	return {
		"message": _(
			"Thank you. We will check our bank account; reminders for this invoice are paused until {0}."
		).format(frappe.format_value(until, {"fieldtype": "Date"})),
		"entry": entry,
		"todo": todo,
	}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=10, seconds=600)
def promise_payment(
	t: str | None = None, invoice: str | None = None, promised_date: str | None = None
) -> dict:
	"""The customer will pay on a date within 60 days: a promise to pay holds the reminders until then."""
	_claim, row = checked_invoice(t, invoice)
	today = getdate(nowdate())
	day = _date(promised_date)
	if day < today or day > today + timedelta(days=MAX_PROMISE_DAYS):
		frappe.throw(_("Choose a payment date between today and {0} days from now.").format(MAX_PROMISE_DAYS))
	note = _("Payment promised {0} for {1}.").format(_(VIA_PAGE), day.isoformat())
	todo = follow_up_task(
		row, _("The customer promised to pay {0} on {1}").format(row.name, day.isoformat()), note
	)
	entry = _log(row, "Promise to Pay", status="Open", promised_date=day, notes=note, todo=todo)
	update_mirrors(today, invoices=[row.name])
	return {
		"message": _("Thank you. No reminder will be sent for this invoice before {0}.").format(
			frappe.format_value(day, {"fieldtype": "Date"})
		),
		"entry": entry,
		"todo": todo,
	}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=10, seconds=600)
def dispute_invoice(
	t: str | None = None, invoice: str | None = None, reason: str | None = None, details: str | None = None
) -> dict:
	"""The customer disputes the invoice: an open dispute stops the reminders until someone resolves it."""
	_claim, row = checked_invoice(t, invoice)
	if reason not in DISPUTE_REASONS:
		frappe.throw(_("Choose the reason of the dispute from the list."))
	details = _text(details, MAX_TEXT)
	if not details:
		frappe.throw(_("Tell us what is wrong with this invoice."))
	document = uploaded("attachment")
	note = _("Dispute {0}: {1}").format(_(VIA_PAGE), reason) + "\n" + details
	todo = follow_up_task(row, _("The customer disputes {0}").format(row.name), note, priority="High")
	entry = _log(row, "Dispute", status="Open", notes=note, todo=todo, upload=document)
	update_mirrors(getdate(nowdate()), invoices=[row.name])
	return {
		"message": _(
			"Your dispute is recorded. We will contact you; meanwhile no reminder is sent for this invoice."
		),
		"entry": entry,
		"todo": todo,
	}


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=10, seconds=600)
def pay_online(t: str | None = None, invoice: str | None = None) -> dict:
	"""The URL to pay the invoice online: its open Payment Request's, else one made now through ERPNext
	(`make_payment_request`, submitted, no email) with the company's gateway for the invoice's currency."""
	claim, row = checked_invoice(t, invoice)
	existing = payment_links([row.name]).get(row.name)
	if existing:
		return {"url": existing}
	gateway = online_payment_gateway(claim.company, row.currency)
	if not gateway:
		frappe.throw(_("Online payment is not available for this invoice: please pay by bank transfer."))
	from erpnext.accounts.doctype.payment_request.payment_request import make_payment_request

	request = make_payment_request(
		dt="Sales Invoice",
		dn=row.name,
		party_type="Customer",
		party=row.customer,
		payment_gateway_account=gateway,
		submit_doc=1,
		mute_email=1,
		return_doc=1,
	)
	return {"url": request.get_payment_url()}


def _log(row, entry_type: str, upload: tuple[str, bytes] | None = None, **fields) -> str:
	# Guest has no right on the log: the token check above is the permission.
	file_doc = save_private(*upload) if upload else None
	if file_doc:
		fields["attachment"] = file_doc.file_url
	entry = log_entry(row, entry_type, direction="Inbound", ignore_permissions=True, **fields)
	if file_doc:
		attach(file_doc, LOG, entry)
	return entry


def task_owner(customer: str) -> str:
	"""Who follows up: the customer's account manager, else an Accounts Manager, else Administrator."""
	manager = frappe.db.get_value("Customer", customer, "account_manager")
	if manager:
		return manager
	return first_accounts_manager() or "Administrator"


def follow_up_task(row, title: str, note: str, priority: str = "Medium") -> str:
	# The ToDo description is HTML: the customer's words are escaped, line breaks kept.
	description = "<p><strong>{}</strong></p><p>{}</p>".format(
		escape_html(title), escape_html(note).replace("\n", "<br>")
	)
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"status": "Open",
			"priority": priority,
			"date": getdate(nowdate()),
			"allocated_to": task_owner(row.customer),
			"description": description,
			"reference_type": "Sales Invoice",
			"reference_name": row.name,
			"assigned_by": "Administrator",
		}
	).insert(ignore_permissions=True)
	return todo.name


def _date(value: str | None):
	try:
		return getdate(value) if value and len(value) <= 10 else _bad_date()
	except Exception:
		return _bad_date()


def _bad_date():
	frappe.throw(_("Give a valid date (YYYY-MM-DD)."))


def _amount(value: str | None) -> float:
	try:
		amount = flt(str(value).replace(",", ".").replace(" ", ""), 2) if value else 0
	except Exception:
		amount = 0
	if not 0 < amount < 1_000_000_000:
		frappe.throw(_("Give the amount paid, greater than zero."))
	return amount


def _text(value: str | None, limit: int) -> str:
	text = (value or "").strip()
	if len(text) > limit:
		frappe.throw(_("This text is too long: {0} characters at most.").format(limit))
	return text


def _send_pdf(filename: str, content: bytes) -> None:
	frappe.local.response.filename = filename
	frappe.local.response.filecontent = content
	frappe.local.response.type = "pdf"
