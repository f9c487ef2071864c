"""The litigation stage, started by hand once the mise en demeure went unanswered: the invoices' dunning status
becomes "Litigation", each gets a contact-log entry, the accounts manager a task, and the dossier is prepared.
The handover to a commissaire de justice or a lawyer is recorded the same way. No message goes to the
customer: the court's order is served on it by a commissaire de justice (CPC 1411)."""

from __future__ import annotations

from datetime import date, datetime, time

import frappe
from frappe import _
from frappe.utils import getdate

from relance_app.common.parties import first_accounts_manager
from relance_app.litigation.dossier import handover_export, prepare_dossier

LITIGATION = "Litigation"
HANDOVER = "Handover"


def start_litigation(customer: str, company: str, today: date) -> dict:
	"""Move the customer's invoices whose notice deadline has passed to litigation and prepare the dossier.

	The dossier is built first: a refusal (see `claim.litigation_claim`) changes nothing."""
	today = getdate(today)
	dossier = prepare_dossier(customer, company, today)
	claim = dossier["claim"]
	invoices = [row["invoice"] for row in claim["rows"]]
	already = set(litigation_invoices(customer, company))
	note = _(
		"Injonction de payer: dossier prepared for the {0} ({1}), amount claimed {2} {3} (Cerfa {4})."
	).format(claim["court"], claim["court_city"], claim["total"], claim["currency"], claim["cerfa"])
	todo = _task(customer, claim, dossier["pdf_url"], today)
	for invoice in invoices:
		if invoice in already:
			# A dossier prepared again (a payment came in, a new notice expired): the stage began once.
			continue
		_log(
			customer,
			company,
			invoice,
			LITIGATION,
			today,
			note,
			key=f"litigation:{invoice}",
			todo=todo,
			attachment=dossier["pdf_url"],
		)
	frappe.db.set_value(
		"Sales Invoice", {"name": ("in", invoices)}, "dunning_status", LITIGATION, update_modified=False
	)
	return {
		"invoices": invoices,
		"todo": todo,
		"pdf": dossier["pdf_url"],
		"zip": dossier["zip_url"],
		"total": claim["total"],
		"court": claim["court"],
		"cerfa": claim["cerfa"],
	}


def record_handover(customer: str, company: str, recipient: str, today: date) -> dict:
	"""Export the dossier for `recipient` (a commissaire de justice or a lawyer) and log the handover."""
	today = getdate(today)
	invoices = litigation_invoices(customer, company)
	if not invoices:
		frappe.throw(
			_("{0} has no invoice in litigation: start the injonction de payer stage first.").format(customer)
		)
	export = handover_export(customer, company, today)
	note = _("Dossier handed over to {0} for the injonction de payer.").format(recipient)
	for row in export["claim"]["rows"]:
		_log(customer, company, row["invoice"], HANDOVER, today, note, attachment=export["zip_url"])
	return {"zip": export["zip_url"], "summary": export["summary"]}


def litigation_invoices(customer: str, company: str) -> list[str]:
	return frappe.get_all(
		"Dunning Contact Log",
		filters={"customer": customer, "company": company, "entry_type": LITIGATION, "status": "Done"},
		pluck="sales_invoice",
		distinct=True,
	)


def _task(customer: str, claim: dict, pdf_url: str, today: date) -> str:
	owner = frappe.db.get_value("Customer", customer, "account_manager") or _accounts_manager()
	description = _(
		"File the injonction de payer against {0} with the {1} of its registered office ({2}), Cerfa {3}: "
		"print, date and sign the request attached to the customer ({4}) and send it with its pieces."
	).format(
		frappe.bold(claim["customer"]["customer_name"]),
		claim["court"],
		claim["court_city"],
		claim["cerfa"],
		pdf_url,
	)
	todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"status": "Open",
			"priority": "High",
			"date": today,
			"allocated_to": owner,
			"description": description,
			"reference_type": "Customer",
			"reference_name": customer,
			"assigned_by": frappe.session.user,
		}
	)
	todo.insert(ignore_permissions=True)
	return todo.name


def _accounts_manager() -> str:
	"""The first enabled Accounts Manager (filing at court is theirs to decide), else the user."""
	return first_accounts_manager() or frappe.session.user


def _log(customer, company, invoice, entry_type, today, note, *, key=None, todo=None, attachment=None) -> str:
	entry = frappe.get_doc(
		{
			"doctype": "Dunning Contact Log",
			"customer": customer,
			"company": company,
			"sales_invoice": invoice,
			"entry_type": entry_type,
			"direction": "Outbound",
			"status": "Done",
			"contact_date": datetime.combine(today, time(12, 0)),
			"idempotency_key": key,
			"todo": todo,
			"attachment": attachment,
			"notes": note,
		}
	)
	entry.insert(ignore_permissions=True)
	return entry.name
