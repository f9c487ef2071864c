"""Instalments as the Payment Ledger sees them: each Payment Schedule row of a Sales Invoice with the dated
payments that paid it (a payment names an invoice, not an instalment, so it pays the one due first:
`engine.allocation`, Code civil 1342-10). Two queries whatever the number of invoices."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import flt, getdate

from relance_app.common.invoices import invoice_schedule_query, to_money
from relance_app.engine.allocation import allocate_payments, net_reductions


@dataclass(frozen=True)
class InstalmentTerms:
	"""One instalment (a Payment Schedule row) of a Sales Invoice, with the dated payments that paid it."""

	invoice: str
	instalment: str
	schedule_row: str | None
	posting_date: date
	due_date: date
	amount: Decimal
	payments: tuple[tuple[date, Decimal], ...]
	currency: str
	invoice_total: Decimal
	instalments: int = 1
	payment_term: str | None = None
	description: str | None = None
	invoice_portion: float = 0.0
	mode_of_payment: str | None = None

	@property
	def paid(self) -> Decimal:
		return sum((amount for _, amount in self.payments), Decimal(0))

	@property
	def outstanding(self) -> Decimal:
		return max(Decimal(0), self.amount - self.paid)

	@property
	def key(self) -> str:
		return f"{self.invoice}#{self.instalment}" if self.instalment else self.invoice


def instalment_terms(invoices: Iterable[str], *, until: date) -> dict[tuple[str, str], InstalmentTerms]:
	"""Every instalment of `invoices`, keyed ``(invoice, instalment)`` like `Instalment` (instalment is the
	Payment Schedule idx as a string, "" when the invoice has one due date), with the payments up to `until`.

	Two queries whatever the number of invoices: the schedules, and the Payment Ledger.
	"""
	names = sorted(set(invoices))
	if not names:
		return {}
	until = getdate(until)
	schedules = _schedules(names)
	booked, movements = _ledger(names)
	terms: dict[tuple[str, str], InstalmentTerms] = {}
	for name, rows in schedules.items():
		head = rows[0]
		total = booked.get(name) or to_money(head.rounded_total or head.grand_total)
		rows = [row for row in rows if row.ps_idx is not None] or [head]
		rows.sort(key=lambda row: (getdate(row.ps_due_date or head.due_date), row.ps_idx or 0))
		amounts = [to_money(row.payment_amount) if row.ps_idx is not None else total for row in rows]
		# Rounding and write-offs can leave the schedule a few cents off the booked debt: the last one carries it.
		amounts[-1] += total - sum(amounts, Decimal(0))
		reductions = net_reductions((day, amount) for day, amount in movements.get(name, ()) if day <= until)
		several = len(rows) > 1
		for row, amount, paid in zip(rows, amounts, allocate_payments(amounts, reductions), strict=True):
			instalment = str(row.ps_idx) if several else ""
			terms[(name, instalment)] = InstalmentTerms(
				invoice=name,
				instalment=instalment,
				schedule_row=row.ps_name,
				posting_date=getdate(head.posting_date),
				due_date=getdate(row.ps_due_date or head.due_date),
				amount=amount,
				payments=tuple(paid),
				currency=head.currency,
				invoice_total=total,
				instalments=len(rows),
				payment_term=row.payment_term,
				description=row.ps_description,
				invoice_portion=flt(row.invoice_portion),
				mode_of_payment=row.mode_of_payment,
			)
	return terms


def _schedules(names: list[str]) -> dict[str, list]:
	si, ps, query = invoice_schedule_query()
	rows = (
		query.select(
			si.rounded_total,
			ps.name.as_("ps_name"),
			ps.payment_term,
			ps.description.as_("ps_description"),
			ps.invoice_portion,
			ps.mode_of_payment,
		)
		.where(si.name.isin(names))
		.run(as_dict=True)
	)
	by_invoice: dict[str, list] = defaultdict(list)
	for row in rows:
		by_invoice[row.name].append(row)
	return by_invoice


def _ledger(names: list[str]) -> tuple[dict[str, Decimal], dict[str, list[tuple[date, Decimal]]]]:
	"""Per invoice: the debt it booked, and every other dated movement against it (payments, credit notes,
	journal entries, write-offs; negative when the debt goes down), from the Payment Ledger."""
	ple = DocType("Payment Ledger Entry")
	rows = (
		frappe.qb.from_(ple)
		.select(ple.against_voucher_no, ple.voucher_no, ple.posting_date, ple.amount_in_account_currency)
		.where(ple.against_voucher_type == "Sales Invoice")
		.where(ple.against_voucher_no.isin(names))
		.where(ple.delinked == 0)
		.orderby(ple.posting_date)
		.orderby(ple.creation)
		.run(as_dict=True)
	)
	booked: dict[str, Decimal] = defaultdict(Decimal)
	movements: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
	for row in rows:
		amount = to_money(row.amount_in_account_currency)
		if row.voucher_no == row.against_voucher_no and amount > 0:
			booked[row.against_voucher_no] += amount
		else:
			movements[row.against_voucher_no].append((getdate(row.posting_date), amount))
	return booked, movements


def terms_by_row(doc, *, until: date) -> dict:
	"""The instalment each Overdue Payment row names (by its Payment Schedule row), keyed by row name or idx."""
	terms = instalment_terms((row.sales_invoice for row in doc.overdue_payments), until=until)
	by_schedule_row = {found.schedule_row: found for found in terms.values() if found.schedule_row}
	out = {}
	for row in doc.overdue_payments:
		found = by_schedule_row.get(row.payment_schedule) or terms.get((row.sales_invoice, ""))
		if found is None:
			frappe.throw(
				_("Row {0}: the payment schedule {1} of Sales Invoice {2} was not found.").format(
					row.idx, row.payment_schedule, row.sales_invoice
				)
			)
		out[row.name or row.idx] = found
	return out
