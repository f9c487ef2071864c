"""The payment risk of each customer, learned from history, written on the Customer and the open invoices.

Owns the Frappe side of issue 15: it reads the history in a fixed number of set-based queries (whatever the
number of customers), hands it to the pure engine (`engine.risk.score_customers`) and writes the results
with `frappe.db.bulk_update`, without touching `modified` (a nightly recompute is not an edit).

History, per customer and company, over the last `HISTORY_MONTHS` months:
- every instalment of the customer's invoices due in the window or still open, with its dated payments from
  the Payment Ledger (`penalties.ledger.instalment_terms`: a payment pays the instalment due first). An
  instalment is paid on the posting date of the movement that brought its outstanding to zero;
- broken promises: "Promise to Pay" entries of the contact log that the run closed as Failed
  (`evidence.mark_broken_promises`; the note it writes is translated, so the status is what is matched);
- disputes: "Dispute" entries of the contact log, unless cancelled.

Each company is scored on its own (its own population prior: one company's customers may pay later than
another's); the Customer gets the worst of its companies, and each invoice the date its company predicts.
An invoice with several instalments is expected paid when its last open instalment is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from frappe.utils import add_months, fmt_money, getdate, nowdate

from relance_app.dunning.selection import mark_for_recheck
from relance_app.engine.risk import (
	RISK_CLASSES,
	CustomerHistory,
	OpenInvoice,
	PaidInvoice,
	RiskAssessment,
	score_customers,
)
from relance_app.penalties.ledger import instalment_terms

HISTORY_MONTHS = 24


def recompute_risk(
	today: date | str | None = None, *, customers: Iterable[str] | None = None, months: int = HISTORY_MONTHS
) -> dict[str, RiskAssessment]:
	"""Score the customers with an invoice in the window (or only `customers`) and write the results.

	Returns {customer: the assessment written on the Customer}. Customers without any invoice in the
	window are left as they are: there is nothing to learn about them."""
	today = getdate(today or nowdate())
	since = getdate(add_months(today, -months))
	wanted = None if customers is None else sorted(set(customers))
	invoices = _invoices(since, wanted)
	if not invoices:
		return {}
	names = {row.customer for row in invoices}
	histories = _histories(invoices, since, today)
	counts = _log_counts(names, since)
	current = _current_classes(names)
	pinned = {customer: risk_class for customer, (risk_class, is_pinned) in current.items() if is_pinned}
	assessments: dict[tuple[str, str], RiskAssessment] = {}
	for company, by_customer in sorted(histories.items()):
		built = [
			CustomerHistory(
				customer=customer,
				paid=paid,
				open=open_,
				broken_promises=counts.get((company, customer, "Promise to Pay"), 0),
				disputes=counts.get((company, customer, "Dispute"), 0),
				pinned_class=pinned.get(customer),
			)
			for customer, (paid, open_) in sorted(by_customer.items())
		]
		for customer, assessment in score_customers(built, today).items():
			assessments[(company, customer)] = assessment
	worst = _worst_per_customer(assessments)
	_write_customers(worst, today)
	changed = [
		customer
		for customer, (_company, assessment) in worst.items()
		if assessment.risk_class != current.get(customer, (None, False))[0]
	]
	# bulk_update skips the Customer's doc events: tell the run's selection itself that the cadence of
	# these customers' invoices may have changed.
	mark_for_recheck(customers=changed)
	_write_predictions(invoices, assessments)
	return {customer: assessment for customer, (_company, assessment) in worst.items()}


def _invoices(since: date, customers: list[str] | None) -> list:
	"""Submitted invoices (no credit notes) due since `since` or still open, with their current prediction."""
	si = DocType("Sales Invoice")
	query = (
		frappe.qb.from_(si)
		.select(si.name, si.company, si.customer, si.dunning_predicted_payment_date)
		.where(si.docstatus == 1)
		.where(si.is_return == 0)
		.where((si.due_date >= since) | (si.outstanding_amount > 0))
	)
	if customers is not None:
		if not customers:
			return []
		query = query.where(si.customer.isin(customers))
	return query.run(as_dict=True)


def paid_on(amount, payments) -> date | None:
	"""The date the instalment's outstanding reached zero: the last of the payments needed to cover it."""
	covered = 0
	for day, paid in payments:
		covered += paid
		if covered >= amount:
			return day
	return None


def _histories(invoices: list, since: date, today: date) -> dict[str, dict[str, tuple[list, list]]]:
	"""{company: {customer: (paid instalments, open instalments)}} from the Payment Ledger (two queries)."""
	owner = {row.name: (row.company, row.customer) for row in invoices}
	histories: dict[str, dict[str, tuple[list, list]]] = defaultdict(dict)
	for (invoice, _instalment), term in sorted(instalment_terms(owner, until=today).items()):
		company, customer = owner[invoice]
		paid, open_ = histories[company].setdefault(customer, ([], []))
		if term.amount <= 0:
			continue
		if term.outstanding > 0:
			open_.append(
				OpenInvoice(term.key, term.due_date, term.outstanding, posting_date=term.posting_date)
			)
			continue
		day = paid_on(term.amount, term.payments)
		if day is not None and day >= since:
			paid.append(PaidInvoice(term.due_date, day, term.amount))
	return histories


def _log_counts(customers: set[str], since: date) -> dict[tuple[str, str, str], int]:
	"""{(company, customer, entry type): count} of broken promises and disputes since `since`."""
	log = DocType("Dunning Contact Log")
	broken = (log.entry_type == "Promise to Pay") & (log.status == "Failed")
	disputed = (log.entry_type == "Dispute") & (log.status != "Cancelled")
	rows = (
		frappe.qb.from_(log)
		.select(log.company, log.customer, log.entry_type, Count("*").as_("n"))
		.where(log.customer.isin(sorted(customers)))
		.where(broken | disputed)
		.where(log.contact_date >= since)
		.groupby(log.company, log.customer, log.entry_type)
		.run(as_dict=True)
	)
	return {(row.company, row.customer, row.entry_type): int(row.n) for row in rows}


def _current_classes(customers: set[str]) -> dict[str, tuple[str | None, bool]]:
	"""{customer: (class now, set by hand)}; a class set by hand counts only if it is a known class."""
	rows = frappe.get_all(
		"Customer",
		filters={"name": ("in", sorted(customers))},
		fields=["name", "dunning_risk_class", "dunning_risk_class_pinned"],
	)
	return {
		row.name: (
			row.dunning_risk_class or None,
			bool(row.dunning_risk_class_pinned) and row.dunning_risk_class in RISK_CLASSES,
		)
		for row in rows
	}


def _worst_per_customer(
	assessments: dict[tuple[str, str], RiskAssessment],
) -> dict[str, tuple[str, RiskAssessment]]:
	"""{customer: (company, assessment)}: the highest score among the customer's companies."""
	worst: dict[str, tuple[str, RiskAssessment]] = {}
	for (company, customer), assessment in sorted(assessments.items()):
		if customer not in worst or assessment.score > worst[customer][1].score:
			worst[customer] = (company, assessment)
	return worst


def reason_lines(assessment: RiskAssessment, *, currency: str | None, lang: str) -> str:
	"""The reasons, translated into `lang`, one per line (amounts in the company's currency)."""
	lines = []
	for reason in assessment.reasons:
		params = dict(reason.params)
		if params.get("amount") is not None:
			params["amount"] = fmt_money(params["amount"], currency=currency)
		if "risk_class" in params:
			params["risk_class"] = _(params["risk_class"], lang=lang)
			params["computed_class"] = _(params["computed_class"], lang=lang)
		lines.append(_(reason.template, lang=lang).format(**params))
	return "\n".join(lines)


def _write_customers(worst: dict[str, tuple[str, RiskAssessment]], today: date) -> None:
	lang = frappe.db.get_single_value("System Settings", "language") or "en"
	updates = {}
	for customer, (company, assessment) in worst.items():
		currency = frappe.get_cached_value("Company", company, "default_currency")
		values = {
			"dunning_risk_score": assessment.score,
			"dunning_risk_reasons": reason_lines(assessment, currency=currency, lang=lang),
			"dunning_risk_updated_on": today,
		}
		if not assessment.pinned:
			values["dunning_risk_class"] = assessment.computed_class
		updates[customer] = values
	frappe.db.bulk_update("Customer", updates, update_modified=False)


def _write_predictions(invoices: list, assessments: dict[tuple[str, str], RiskAssessment]) -> None:
	"""Each open invoice gets the date of its last open instalment; the others lose a stale prediction."""
	predicted: dict[str, date] = {}
	for assessment in assessments.values():
		for key, day in assessment.predicted.items():
			invoice = key.split("#")[0]
			predicted[invoice] = max(day, predicted.get(invoice, day))
	updates = {
		row.name: {"dunning_predicted_payment_date": predicted.get(row.name)}
		for row in invoices
		if predicted.get(row.name)
		!= (getdate(row.dunning_predicted_payment_date) if row.dunning_predicted_payment_date else None)
	}
	frappe.db.bulk_update("Sales Invoice", updates, chunk_size=500, update_modified=False)


def recompute_nightly() -> None:
	"""The daily run's first step: a failure here is logged and must not stop the dunning run itself."""
	frappe.db.savepoint("relance_risk")
	try:
		recompute_risk()
	except Exception:
		frappe.db.rollback(save_point="relance_risk")
		frappe.log_error(title=_("Payment risk recompute failed"))
	else:
		frappe.db.release_savepoint("relance_risk")
