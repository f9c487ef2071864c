"""The formal notice (mise en demeure): French-law penalties from the Payment Ledger, an ERPNext Dunning that
carries them, the letter, and the invoice of the penalties.

Penalties
---------
`penalties_for_instalments` feeds the engine (`engine.law.late_payment_penalty`) with, for each instalment, its
amount and the dated payments that lowered it, read from ERPNext's Payment Ledger in one query for all the
invoices. A payment names an invoice, not an instalment, so it pays the instalment due first
(`engine.allocation`, Code civil 1342-10). The policy that duns the invoice gives the contractual rate (when its
penalty rate type is Contractual) and whether the €40 indemnity is charged (professional debtors only).

How the Dunning carries French-law interest
-------------------------------------------
ERPNext's `Dunning.validate` recomputes each Overdue Payment row's interest as ``outstanding × rate_of_interest /
365 × (posting date - due date)`` every time a draft is validated: one flat rate, counted from the due date,
blind to partial payments and half-years. Setting a row's interest by hand does not survive that. So:

- A formal notice is a Dunning of the company's "Mise en demeure" Dunning Type (created on first use, with a
  rate of interest of 0 and no flat fee, carrying the income account and cost center the Payment Entry uses
  for the penalties). That type is what marks a Dunning as French-law.
- `apply_french_law` sets the rows' interest to the engine's (as of the Dunning's posting date), the fee to €40
  per late instalment for B2B debtors (0 for consumers), rate_of_interest to 0, then the totals. It is the one
  place that computes a French-law Dunning.
- `create_formal_notice` builds the Dunning as a `FrenchLawDunning`, ERPNext's controller with
  `validate_overdue_payments` replaced by `apply_french_law`: insert and submit go through ERPNext's own
  validation (currency, party details, dunning level) and the flat recomputation never runs. A submitted
  Dunning is never validated again (ERPNext's Payment Entry hook only changes its status), so its interest
  stays the engine's, and the Payment Entry made from it collects interest and fee into the income account.
- `relance_app.overrides.dunning.validate` (a `validate` doc event, which Frappe runs after the controller's
  own validate) re-applies the law when a user edits and saves a draft of that type in the desk, or creates
  one from a Sales Invoice: without it, such a save would silently reset the interest to zero.

Earlier alternatives and why not: `override_doctype_class` replaces ERPNext's controller for every Dunning of the
site and collides with any other app doing the same; putting the interest into `dunning_fee` loses the
per-invoice interest the Payment Entry and the letter show; a flat `rate_of_interest` cannot express
half-year rates, partial payments or the B2C start at the notice date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import frappe
from erpnext.accounts.doctype.dunning.dunning import Dunning
from frappe import _
from frappe.model.document import Document
from frappe.query_builder import DocType
from frappe.query_builder.functions import Min
from frappe.translate import print_language
from frappe.utils import cstr, flt, get_fullname, getdate, strip_html

from relance_app.context import company_details, customer_details, payment_links
from relance_app.engine.allocation import allocate_payments, net_reductions
from relance_app.engine.errors import EngineError
from relance_app.engine.law import (
	B2B,
	B2C,
	LEGAL_RATE_KIND,
	NO_MONEY,
	STATUTORY_MARGIN_POINTS,
	PenaltyResult,
	late_payment_penalty,
)
from relance_app.engine.plan import Instalment
from relance_app.exceptions import DunningConfigurationError
from relance_app.policies import resolve_policies
from relance_app.rates import get_rate_table
from relance_app.utils import engine_message

# The Dunning Type whose Dunnings follow French law ("Mise en demeure - <company abbr>").
FORMAL_NOTICE_DUNNING_TYPE = "Mise en demeure"
# The letter in the debtor's print language: French unless the customer's Print Language says otherwise.
PRINT_FORMATS = {"fr": "Mise en demeure", "en": "Formal Notice"}
DEFAULT_LANGUAGE = "fr"
# The payment deadline when the level gives none: eight days from receipt, the usual delay of a mise en demeure.
DEFAULT_DEADLINE_DAYS = 8
# The deadline runs from receipt, which the letter cannot know: it shows the date that follows from a
# registered letter received two working days after it is sent (La Poste's usual "J+2").
RECEIPT_DELAY_WORKING_DAYS = 2
# Contact-log rows that are earlier reminders the letter recalls.
REMINDER_ENTRY_TYPES = ("Reminder Email", "SMS", "Call", "Letter", "Registered Letter")
DONE_STATUSES = ("Sent", "Done")
# Non-stock service items of the penalty invoice (their names are what the invoice shows).
PENALTY_ITEM = "Pénalités de retard"
INDEMNITY_ITEM = "Indemnité forfaitaire pour frais de recouvrement"
CENT = Decimal("0.01")


# -- instalments as the ledger sees them ----------------------------------------------------------------------


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
		total = booked.get(name) or _money(head.rounded_total or head.grand_total)
		rows = [row for row in rows if row.ps_idx is not None] or [head]
		rows.sort(key=lambda row: (getdate(row.ps_due_date or head.due_date), row.ps_idx or 0))
		amounts = [_money(row.payment_amount) if row.ps_idx is not None else total for row in rows]
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
	from relance_app.selection import invoice_schedule_query

	si, ps, query = invoice_schedule_query()
	rows = (
		query.select(
			si.name,
			si.company,
			si.customer,
			si.currency,
			si.posting_date,
			si.due_date,
			si.grand_total,
			si.rounded_total,
			si.dunning_policy,
			ps.name.as_("ps_name"),
			ps.idx.as_("ps_idx"),
			ps.due_date.as_("ps_due_date"),
			ps.payment_amount,
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
		amount = _money(row.amount_in_account_currency)
		if row.voucher_no == row.against_voucher_no and amount > 0:
			booked[row.against_voucher_no] += amount
		else:
			movements[row.against_voucher_no].append((getdate(row.posting_date), amount))
	return booked, movements


# -- penalties --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PenaltyTerms:
	"""What the policy that duns an invoice says about penalties."""

	policy: str | None = None
	contractual_rate: float | None = None
	charge_indemnity: bool = True


def penalties_for_instalment(
	inst: Instalment,
	*,
	today: date,
	debtor: str,
	notice_date: date | None = None,
	policy: str | None = None,
) -> PenaltyResult:
	"""The penalties owed today on one instalment, with its dated partial payments (see the module docstring).

	`policy` is a Dunning Policy name (or document); by default, the policy that duns the invoice.
	"""
	return penalties_for_instalments(
		[inst], today=today, debtor=debtor, notice_date=notice_date, policy=policy
	)[inst.key]


def penalties_for_instalments(
	instalments: Sequence[Instalment],
	*,
	today: date,
	debtor: str,
	notice_date: date | Mapping[str, date] | None = None,
	policy: str | None = None,
) -> dict[str, PenaltyResult]:
	"""`penalties_for_instalment` for many instalments in a fixed number of queries, keyed by `Instalment.key`.

	`notice_date` is one date for all, or a date per invoice name (the formal notice that starts consumer
	interest).
	"""
	today = getdate(today)
	terms = instalment_terms((inst.invoice for inst in instalments), until=today)
	items = []
	for inst in instalments:
		found = terms.get((inst.invoice, inst.instalment))
		if found is None:
			frappe.throw(
				_("Instalment {0} of Sales Invoice {1} was not found.").format(
					inst.instalment or 1, inst.invoice
				)
			)
		notice = notice_date.get(inst.invoice) if isinstance(notice_date, Mapping) else notice_date
		items.append((inst.key, found, inst.due_date, notice))
	return _penalties(items, today=today, debtor=debtor, policy=policy)


def _penalties(
	items: Sequence[tuple[str, InstalmentTerms, date, date | None]],
	*,
	today: date,
	debtor: str,
	policy: str | None = None,
	policy_terms: dict[str, PenaltyTerms] | None = None,
) -> dict[str, PenaltyResult]:
	"""The engine over ``(key, terms, due date, notice date)`` items; engine errors become translated errors."""
	rates = get_rate_table()
	if policy_terms is None:
		policy_terms = _policy_terms({terms.invoice for _, terms, _, _ in items}, policy)
	results = {}
	for key, terms, due_date, notice in items:
		penalty_terms = policy_terms.get(terms.invoice, PenaltyTerms())
		try:
			result = late_payment_penalty(
				terms.amount,
				getdate(due_date),
				today,
				debtor=debtor,
				contractual_rate=penalty_terms.contractual_rate,
				payments=terms.payments,
				notice_date=getdate(notice) if notice else None,
				rates=rates,
			)
		except EngineError as exc:
			frappe.throw(
				_("Sales Invoice {0}: {1}").format(terms.invoice, engine_message(exc)),
				DunningConfigurationError,
			)
		if not penalty_terms.charge_indemnity and result.indemnity:
			result = replace(result, indemnity=NO_MONEY, total=result.interest)
		results[key] = result
	return results


def _policy_terms(invoices: set[str], policy: str | None) -> dict[str, PenaltyTerms]:
	"""Per invoice, the penalty settings of `policy`, or of the policy that duns it (three queries + one)."""
	policy = getattr(policy, "name", policy)
	if policy:
		policy_of = dict.fromkeys(invoices, policy)
	else:
		rows = frappe.get_all(
			"Sales Invoice",
			filters={"name": ("in", sorted(invoices))},
			fields=["name", "company", "customer", "dunning_policy"],
		)
		policy_of = resolve_policies(rows)
	names = sorted({name for name in policy_of.values() if name})
	settings = {
		row.name: row
		for row in frappe.get_all(
			"Dunning Policy",
			filters={"name": ("in", names)},
			fields=["name", "penalty_rate_type", "contractual_rate", "charge_recovery_indemnity"],
		)
	}
	terms = {}
	for invoice, name in policy_of.items():
		row = settings.get(name)
		if row is None:
			# No policy: the law alone, statutory rate and indemnity.
			terms[invoice] = PenaltyTerms()
			continue
		terms[invoice] = PenaltyTerms(
			policy=name,
			contractual_rate=row.contractual_rate if row.penalty_rate_type == "Contractual" else None,
			charge_indemnity=bool(row.charge_recovery_indemnity),
		)
	return terms


def first_notice_dates(invoices: Iterable[str], *, exclude: str | None = None) -> dict[str, date]:
	"""Per invoice, the date of the first submitted formal notice (a Dunning of the French-law type) naming it.

	Consumer interest runs from the first notice: a second letter does not restart it (Code civil 1344-1).
	"""
	names = sorted(set(invoices))
	if not names:
		return {}
	dunning = DocType("Dunning")
	row = DocType("Overdue Payment")
	dunning_type = DocType("Dunning Type")
	query = (
		frappe.qb.from_(row)
		.join(dunning)
		.on((row.parent == dunning.name) & (row.parenttype == "Dunning"))
		.join(dunning_type)
		.on(dunning_type.name == dunning.dunning_type)
		.select(row.sales_invoice, Min(dunning.posting_date).as_("first_notice"))
		.where(row.sales_invoice.isin(names))
		.where(dunning.docstatus == 1)
		.where(dunning_type.dunning_type == FORMAL_NOTICE_DUNNING_TYPE)
		.groupby(row.sales_invoice)
	)
	if exclude:
		query = query.where(dunning.name != exclude)
	return {r.sales_invoice: getdate(r.first_notice) for r in query.run(as_dict=True)}


# -- the Dunning ------------------------------------------------------------------------------------------------


def is_formal_notice(doc) -> bool:
	"""True for a Dunning of a "Mise en demeure" Dunning Type: its interest and fee follow French law."""
	if not doc.get("dunning_type"):
		return False
	return (
		frappe.get_cached_value("Dunning Type", doc.dunning_type, "dunning_type")
		== FORMAL_NOTICE_DUNNING_TYPE
	)


def apply_french_law(doc, *, policy: str | None = None) -> dict[str, PenaltyResult]:
	"""Set the rows (outstanding, days, interest), the fee and the totals of Dunning `doc` under French law.

	Computed as of the Dunning's posting date, with the payments the ledger has up to then. Consumer interest
	runs from the first formal notice on the invoice, this one if it is the first. Returns the engine's
	results by Payment Schedule row (also kept in ``doc.flags.relance_penalties``).
	"""
	today = getdate(doc.posting_date)
	debtor = customer_details(doc.customer)["debtor"]
	invoices = {row.sales_invoice for row in doc.overdue_payments}
	terms = _terms_by_row(doc, until=today)
	notices = first_notice_dates(invoices, exclude=None if doc.is_new() else doc.name)
	items = []
	seen: set[str] = set()
	for row in doc.overdue_payments:
		found = terms[row.name or row.idx]
		if found.key in seen:
			frappe.throw(_("Row {0}: instalment {1} is already on this Dunning.").format(row.idx, found.key))
		seen.add(found.key)
		notice = min(notices.get(row.sales_invoice, today), today)
		items.append((found.key, found, found.due_date, notice))
	results = _penalties(items, today=today, debtor=debtor, policy=policy or doc.flags.relance_policy)
	for row in doc.overdue_payments:
		found = terms[row.name or row.idx]
		result = results[found.key]
		row.due_date = found.due_date
		row.outstanding = flt(found.outstanding)
		row.overdue_days = cstr((today - found.due_date).days)
		row.interest = flt(result.interest)
	doc.rate_of_interest = 0
	doc.dunning_fee = flt(sum((result.indemnity for result in results.values()), Decimal(0)))
	doc.flags.relance_penalties = results
	return results


def _terms_by_row(doc, *, until: date) -> dict:
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


def round_totals(doc) -> None:
	"""ERPNext sums the rows as floats; the totals a court reads are rounded to the cent."""
	for fieldname in (
		"total_outstanding",
		"total_interest",
		"dunning_amount",
		"base_dunning_amount",
		"grand_total",
	):
		doc.set(fieldname, flt(doc.get(fieldname), doc.precision(fieldname)))


class FrenchLawDunning(Dunning):
	"""ERPNext's Dunning whose interest and fee are French law's instead of one flat rate (module docstring)."""

	def validate_overdue_payments(self):
		apply_french_law(self)

	def validate_totals(self):
		super().validate_totals()
		round_totals(self)


def ensure_dunning_type(company: str) -> str:
	"""The company's "Mise en demeure" Dunning Type: no flat rate nor fee, its income account and cost center
	receive the penalties collected with the Payment Entry. Created on first use; accountants may change the
	account afterwards."""
	name = frappe.db.get_value(
		"Dunning Type", {"company": company, "dunning_type": FORMAL_NOTICE_DUNNING_TYPE}, "name"
	)
	if name:
		return name
	defaults = frappe.get_cached_value(
		"Company", company, ["default_income_account", "cost_center"], as_dict=True
	)
	doc = frappe.get_doc(
		{
			"doctype": "Dunning Type",
			"dunning_type": FORMAL_NOTICE_DUNNING_TYPE,
			"company": company,
			"rate_of_interest": 0,
			"dunning_fee": 0,
			"income_account": defaults.default_income_account,
			"cost_center": defaults.cost_center,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name


def build_formal_notice(
	*, customer: str, company: str, instalments: list, level, today: date, policy_name: str | None = None
):
	"""The formal notice's Dunning, not saved: rows, French-law interest and fee, opening and closing texts.

	Returns ``(doc, chosen instalment terms, language, letter context)``; `create_formal_notice` saves it,
	previews render it.
	"""
	today = getdate(today)
	_validate_instalments(customer, company, instalments)
	terms = instalment_terms((inst.invoice for inst in instalments), until=today)
	missing = [inst.key for inst in instalments if (inst.invoice, inst.instalment) not in terms]
	if missing:
		frappe.throw(
			_("These instalments are not open on submitted invoices: {0}").format(", ".join(missing))
		)
	chosen = [terms[(inst.invoice, inst.instalment)] for inst in instalments]
	currencies = {found.currency for found in chosen}
	if len(currencies) > 1:
		frappe.throw(
			_("A formal notice covers invoices of one currency; these are in {0}.").format(
				", ".join(sorted(currencies))
			)
		)
	currency = currencies.pop()
	language = letter_language(customer)
	doc = FrenchLawDunning(
		{
			"doctype": "Dunning",
			"customer": customer,
			"company": company,
			"currency": currency,
			"conversion_rate": _conversion_rate(currency, company, today),
			"posting_date": today,
			"dunning_type": ensure_dunning_type(company),
			"language": language,
			"overdue_payments": [
				{
					"sales_invoice": found.invoice,
					"payment_schedule": found.schedule_row,
					"payment_term": found.payment_term,
					"description": found.description,
					"due_date": found.due_date,
					"invoice_portion": found.invoice_portion,
					"payment_amount": flt(found.amount),
					"outstanding": flt(found.outstanding),
					"mode_of_payment": found.mode_of_payment,
				}
				for found in chosen
			],
		}
	)
	doc.flags.relance_policy = policy_name
	doc.flags.relance_deadline_days = _deadline_days(level)
	# The letter's opening and closing become the Dunning's texts (editable on a draft) and quote its totals.
	apply_french_law(doc)
	doc.validate_totals()
	letter = formal_notice_context(doc)
	doc.body_text = frappe.render_template(
		f"relance_app/templates/formal_notice/body.{language}.html", {"letter": letter}
	)
	doc.closing_text = frappe.render_template(
		f"relance_app/templates/formal_notice/closing.{language}.html", {"letter": letter}
	)
	return doc, chosen, language, letter


def create_formal_notice(
	*,
	customer: str,
	company: str,
	instalments: list,
	level,
	today: date,
	policy_name: str | None = None,
	submit: bool = True,
) -> dict:
	"""Create (and submit) the Dunning of a formal notice for `customer`'s overdue `instalments`, and its PDF.

	One Overdue Payment row per instalment; interest and fee under French law (module docstring). `level` is the
	formal-notice `engine.policy.Level` (its payment deadline goes into the letter). Returns the Dunning's
	name, the private File URL of the letter attached to it, the interest, indemnity and total claimed
	(outstanding + interest + indemnity) as Decimals, and the letter's warnings, translated: the engine's (a stale
	rate table...) and what the letter lacks (no IBAN, no city). The letter itself never shows them.
	"""
	doc, chosen, language, letter = build_formal_notice(
		customer=customer, company=company, instalments=instalments, level=level, today=today,
		policy_name=policy_name,
	)  # fmt: skip
	# Inserted as submitted in one save (validate, before_submit, on_submit, submit permission), not insert then
	# submit: a second save of the same instance within the same second trips Frappe's modified-timestamp check.
	doc.docstatus = 1 if submit else 0
	doc.insert()
	results = doc.flags.relance_penalties
	interest = sum((result.interest for result in results.values()), Decimal(0))
	indemnity = sum((result.indemnity for result in results.values()), Decimal(0))
	outstanding = sum((found.outstanding for found in chosen), Decimal(0))
	return {
		"dunning": doc.name,
		"pdf": attach_letter(doc, language=language),
		"interest": interest,
		"indemnity": indemnity,
		"total_claimed": outstanding + interest + indemnity,
		# The letter's warnings: the engine's (stale rates...) and what the letter lacks (no IBAN, no city).
		"warnings": letter["warnings"],
	}


def _validate_instalments(customer: str, company: str, instalments: list) -> None:
	if not instalments:
		frappe.throw(_("A formal notice needs at least one overdue instalment."))
	others = sorted({inst.invoice for inst in instalments if inst.customer and inst.customer != customer})
	if others:
		frappe.throw(_("These invoices are not {0}'s: {1}").format(customer, ", ".join(others)))
	rows = frappe.get_all(
		"Sales Invoice",
		filters={"name": ("in", sorted({inst.invoice for inst in instalments}))},
		fields=["name", "company", "customer"],
	)
	wrong = sorted(row.name for row in rows if row.company != company or row.customer != customer)
	if wrong:
		frappe.throw(
			_("These invoices are not {0}'s with {1}: {2}").format(customer, company, ", ".join(wrong))
		)


def _conversion_rate(currency: str, company: str, day: date) -> float:
	company_currency = frappe.get_cached_value("Company", company, "default_currency")
	if currency == company_currency:
		return 1.0
	from erpnext.setup.utils import get_exchange_rate

	return flt(get_exchange_rate(currency, company_currency, day)) or 1.0


def _deadline_days(level) -> int:
	days = getattr(level, "payment_deadline_days", None)
	return DEFAULT_DEADLINE_DAYS if days is None else int(days)


def letter_language(customer: str) -> str:
	"""The letter's language, "fr" or "en": English when the customer's Print Language is set and not French."""
	language = (frappe.db.get_value("Customer", customer, "language") or DEFAULT_LANGUAGE).lower()
	return "fr" if language.startswith("fr") else "en"


def attach_letter(doc, *, language: str | None = None) -> str:
	"""Render the letter of Dunning `doc` to PDF, attach it as a private File, return the File URL."""
	language = language or ("en" if (doc.language or "fr")[:2].lower() == "en" else "fr")
	print_format = PRINT_FORMATS[language]
	with print_language(language):
		pdf = letter_pdf(doc, print_format)
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{frappe.scrub(print_format)}-{doc.name}.pdf",
			"attached_to_doctype": "Dunning",
			"attached_to_name": doc.name,
			"is_private": 1,
			"content": pdf,
		}
	)
	file.insert(ignore_permissions=True)
	return file.file_url


def letter_html(doc, print_format: str) -> str:
	"""The letter as a self-contained HTML page (print style included): what the PDF is made from."""
	from frappe.www.printview import get_print_style, get_rendered_template

	format_doc = frappe.get_cached_doc("Print Format", print_format)
	body = get_rendered_template(doc, print_format=format_doc, meta=doc.meta, no_letterhead=0)
	return frappe.render_template(
		"relance_app/templates/formal_notice/pdf_page.html",
		{
			"lang": frappe.local.lang,
			"title": doc.name or _("Formal notice"),
			"print_style": get_print_style(print_format=format_doc),
			"body": body,
		},
	)


def letter_pdf(doc, print_format: str) -> bytes:
	"""The PDF of `doc` in `print_format`: the print view's body and style on an A4 page, without side effects.

	`frappe.get_print` renders the whole print view page, which links Frappe's print stylesheet by URL (so
	wkhtmltopdf must reach the site over HTTP, and fails where the site's host name does not resolve) and records
	an Access Log that, outside tests, commits the transaction. The daily run makes each customer's step (log
	rows, Dunning, letter) in one transaction that a failure rolls back: here nothing is written or fetched.
	"""
	from frappe.utils.pdf import get_pdf

	return get_pdf(letter_html(doc, print_format))


def _warnings(results: Iterable[PenaltyResult]) -> list[str]:
	"""The engine's warnings, translated, each once."""
	seen: list[str] = []
	for result in results:
		for warning in result.warnings:
			text = (
				_(warning.template).format(**warning.params) if hasattr(warning, "template") else _(warning)
			)
			if text not in seen:
				seen.append(text)
	return seen


# -- the letter -------------------------------------------------------------------------------------------------


def relance_formal_notice_context(doc: Document | str) -> dict:
	"""Everything the "Mise en demeure" and "Formal Notice" print formats show for Dunning `doc` (Jinja method)."""
	if isinstance(doc, str):
		doc = frappe.get_doc("Dunning", doc)
		doc.check_permission("print")
	return formal_notice_context(doc)


def formal_notice_context(doc) -> dict:
	"""The letter's data: parties, rows with the working of their penalties, totals, deadline, payment means,
	legal basis, earlier reminders and the warnings the sender must see before sending.

	The amounts claimed are the Dunning's own (what was submitted); the working is recomputed as of its date,
	and a difference (rates edited since, a back-dated payment) becomes a warning, never a silent change.
	"""
	today = getdate(doc.posting_date)
	customer = customer_details(doc.customer)
	debtor = customer["debtor"]
	company = dict(company_details(doc.company))
	company.update(_company_place(doc.company))
	invoices = sorted({row.sales_invoice for row in doc.overdue_payments})
	terms = _terms_by_row(doc, until=today)
	notices = first_notice_dates(invoices, exclude=None if doc.is_new() else doc.name)
	notice_date = min([today, *notices.values()])
	items = []
	for row in doc.overdue_payments:
		found = terms[row.name or row.idx]
		items.append(
			(found.key, found, getdate(row.due_date), min(notices.get(row.sales_invoice, today), today))
		)
	policy_terms = _policy_terms(set(invoices), doc.flags.relance_policy)
	results = doc.flags.relance_penalties or _penalties(
		items, today=today, debtor=debtor, policy_terms=policy_terms
	)
	kinds = _rate_kinds(policy_terms, debtor)
	warnings = _warnings(results.values())

	rows = []
	for row in doc.overdue_payments:
		found = terms[row.name or row.idx]
		result = results[found.key]
		stored = _money(row.interest)
		if stored != result.interest:
			warnings.append(
				_(
					"Sales Invoice {0}: the interest on this notice ({1}) differs from the interest computed now "
					"({2}); the rates or the payments have changed since it was made."
				).format(found.invoice, stored, result.interest)
			)
		rows.append(
			{
				"invoice": found.invoice,
				"instalment": found.instalment,
				"instalments": found.instalments,
				"posting_date": found.posting_date,
				"due_date": getdate(row.due_date),
				"amount": found.amount,
				"invoice_total": found.invoice_total,
				"payments": [{"date": day, "amount": amount} for day, amount in found.payments],
				"paid": found.paid,
				"outstanding": _money(row.outstanding),
				"days_late": max(0, (today - getdate(row.due_date)).days),
				"interest": stored,
				"indemnity": result.indemnity,
				"rate_kind": kinds.get(found.invoice, "statutory"),
				"segments": [
					{
						"start": segment.start,
						"end": segment.end,
						"days": segment.days,
						"rate": segment.rate,
						"ecb_rate": segment.rate - STATUTORY_MARGIN_POINTS
						if kinds.get(found.invoice) == "statutory"
						else None,
						"base": segment.base,
						# Rounded for reading only: the interest claimed is the exact sum, rounded once.
						"interest": segment.interest.quantize(CENT, rounding=ROUND_HALF_UP),
					}
					for segment in result.segments
				],
			}
		)

	interest = _money(doc.total_interest)
	indemnity = _money(doc.dunning_fee)
	if indemnity != sum((row["indemnity"] for row in rows), Decimal(0)):
		warnings.append(
			_("The recovery indemnity on this notice ({0}) differs from 40 € per late invoice ({1}).").format(
				indemnity, sum((row["indemnity"] for row in rows), Decimal(0))
			)
		)
	outstanding = _money(doc.total_outstanding)
	deadline_days = doc.flags.relance_deadline_days
	if deadline_days is None:
		deadline_days = _policy_deadline_days(invoices)
	receipt = add_working_days(today, RECEIPT_DELAY_WORKING_DAYS)
	links = sorted(set(payment_links(invoices).values()))
	if not company["iban"] and not links:
		warnings.append(
			_(
				"The company has no bank account with an IBAN and no payment link: the letter gives no way to pay."
			)
		)
	if not company["city"]:
		warnings.append(_("The company has no address with a city: the letter cannot say where it was made."))
	legal_rate = None
	if debtor == B2C:
		lookup = get_rate_table().rate_in_force(LEGAL_RATE_KIND, notice_date)
		legal_rate = lookup.rate_percent
		if lookup.warning:
			warnings.append(_(lookup.warning.template).format(**lookup.warning.params))

	return {
		"name": doc.name,
		"date": today,
		"company": company,
		"customer": {
			**customer,
			"customer_name": doc.customer_name or customer["customer_name"],
			"contact_name": _first_line(doc.contact_display) or customer["contact_name"],
			"address_lines": _lines(doc.address_display),
		},
		"debtor": debtor,
		"is_b2b": debtor == B2B,
		"currency": doc.currency,
		"rows": rows,
		"invoice_names": ", ".join(dict.fromkeys(row["invoice"] for row in rows)),
		"late_count": sum(1 for row in rows if row["indemnity"]),
		"outstanding": outstanding,
		"interest": interest,
		"indemnity": indemnity,
		"total_claimed": outstanding + interest + indemnity,
		"notice_date": notice_date,
		"legal_rate": legal_rate,
		"deadline_days": deadline_days,
		"expected_receipt": receipt,
		"deadline": receipt + timedelta(days=deadline_days),
		"payment_links": links,
		"reminders": earlier_reminders(invoices, before=today, exclude_dunning=doc.name),
		"signatory": _signatory(doc),
		"warnings": list(dict.fromkeys(warnings)),
	}


def _rate_kinds(policy_terms: dict[str, PenaltyTerms], debtor: str) -> dict[str, str]:
	"""Per invoice, which rate its penalties use: "contractual", else "statutory" (B2B) or "legal" (B2C)."""
	default = "legal" if debtor == B2C else "statutory"
	return {invoice: "contractual" if t.contractual_rate else default for invoice, t in policy_terms.items()}


def _policy_deadline_days(invoices: list[str]) -> int:
	"""The payment deadline of the formal-notice level of the policy that duns the first invoice."""
	rows = frappe.get_all(
		"Sales Invoice",
		filters={"name": ("in", invoices)},
		fields=["name", "company", "customer", "dunning_policy"],
	)
	policy = next((name for name in resolve_policies(rows).values() if name), None)
	if not policy:
		return DEFAULT_DEADLINE_DAYS
	days = frappe.get_all(
		"Dunning Level",
		filters={"parent": policy, "parenttype": "Dunning Policy", "formal_notice": 1},
		pluck="payment_deadline_days",
		order_by="idx desc",
		limit=1,
	)
	return int(days[0]) if days and days[0] is not None else DEFAULT_DEADLINE_DAYS


def earlier_reminders(invoices: list[str], *, before: date, exclude_dunning: str | None = None) -> list[dict]:
	"""The reminders sent (contact-log rows Sent or Done) about `invoices` up to `before`, one entry per
	day and channel with the invoices it named, oldest first."""
	if not invoices:
		return []
	log = DocType("Dunning Contact Log")
	query = (
		frappe.qb.from_(log)
		.select(log.contact_date, log.entry_type, log.sales_invoice, log.level_title)
		.where(log.sales_invoice.isin(invoices))
		.where(log.status.isin(DONE_STATUSES))
		.where(log.entry_type.isin(REMINDER_ENTRY_TYPES))
		.where(log.direction == "Outbound")
		.where(log.contact_date < getdate(before) + timedelta(days=1))
		.orderby(log.contact_date)
	)
	if exclude_dunning:
		query = query.where(log.dunning.isnull() | (log.dunning != exclude_dunning))
	grouped: dict[tuple[date, str], dict] = {}
	for row in query.run(as_dict=True):
		key = (getdate(row.contact_date), row.entry_type)
		entry = grouped.setdefault(
			key,
			{"date": key[0], "entry_type": row.entry_type, "invoices": [], "level": row.level_title or ""},
		)
		if row.sales_invoice not in entry["invoices"]:
			entry["invoices"].append(row.sales_invoice)
	return list(grouped.values())


def add_working_days(day: date, count: int) -> date:
	"""`day` + `count` days from Monday to Friday (public holidays are not known here)."""
	while count > 0:
		day += timedelta(days=1)
		if day.weekday() < 5:
			count -= 1
	return day


def _company_place(company: str) -> dict:
	from erpnext.setup.doctype.company.company import get_default_company_address

	name = get_default_company_address(company)
	city = frappe.db.get_value("Address", name, "city") if name else None
	return {"city": (city or "").strip()}


def _signatory(doc) -> str:
	"""Who signs: the user who made the notice, unless it was made by the system."""
	if doc.owner in (None, "Administrator", "Guest"):
		return ""
	return get_fullname(doc.owner)


def _lines(html: str | None) -> list[str]:
	text = cstr(html).replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n")
	return [line.strip() for line in strip_html(text).split("\n") if line.strip()]


def _first_line(html: str | None) -> str:
	lines = _lines(html)
	return lines[0] if lines else ""


def _money(value) -> Decimal:
	return Decimal(str(flt(value, 2))).quantize(CENT)


# -- the penalty invoice ----------------------------------------------------------------------------------------


@frappe.whitelist(methods=["POST"])
def make_penalty_invoice(dunning: str) -> str:
	"""A draft Sales Invoice for the penalties and the indemnity of a submitted formal notice, without VAT.

	Late-payment penalties and the recovery indemnity are damages, the price of no supply: they are outside the
	scope of VAT, so the invoice has no taxes whatever the company's default template.
	"""
	frappe.has_permission("Sales Invoice", "create", throw=True)
	doc = frappe.get_doc("Dunning", dunning)
	doc.check_permission("read")
	if doc.docstatus != 1:
		frappe.throw(_("Submit the formal notice {0} before invoicing its penalties.").format(doc.name))
	if not is_formal_notice(doc):
		frappe.throw(_("Dunning {0} is not a formal notice under French law.").format(doc.name))
	existing = _penalty_invoice_of(doc.name)
	if existing:
		frappe.throw(_("The penalties of {0} are already invoiced in {1}.").format(doc.name, existing))
	letter = formal_notice_context(doc)
	if not letter["interest"] and not letter["indemnity"]:
		frappe.throw(_("Formal notice {0} claims no penalties to invoice.").format(doc.name))

	language = letter_language(doc.customer)
	with print_language(language):
		items = _penalty_items(doc, letter)
		remarks = _(
			"Late-payment penalties and fixed recovery indemnity claimed by formal notice {0}. Outside the scope "
			"of VAT: damages for late payment, not the consideration for a supply."
		).format(doc.name)
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": doc.customer,
			"company": doc.company,
			"currency": doc.currency,
			"conversion_rate": doc.conversion_rate or 1,
			"posting_date": getdate(),
			"set_posting_time": 1,
			"due_date": getdate(),
			"language": doc.language,
			"disable_rounded_total": 1,
			"taxes_and_charges": "",
			"remarks": remarks,
			"items": items,
		}
	)
	# ERPNext fills in the company's default taxes template with the other missing values: drop it afterwards.
	invoice.set_missing_values()
	_drop_taxes(invoice)
	invoice.insert()
	return invoice.name


def _penalty_items(doc, letter: dict) -> list[dict]:
	penalty_item, indemnity_item = ensure_penalty_items()
	accounts = {"income_account": doc.income_account, "cost_center": doc.cost_center}
	accounts = {key: value for key, value in accounts.items() if value}
	items = []
	for row in letter["rows"]:
		if not row["interest"]:
			continue
		label = row["invoice"] + (f" ({row['instalment']}/{row['instalments']})" if row["instalment"] else "")
		working = "; ".join(
			_("{0} to {1}: {2} days at {3} % on {4}").format(
				frappe.format(segment["start"], {"fieldtype": "Date"}),
				frappe.format(segment["end"], {"fieldtype": "Date"}),
				segment["days"],
				segment["rate"],
				frappe.format(segment["base"], {"fieldtype": "Currency", "options": "currency"}, doc),
			)
			for segment in row["segments"]
		)
		items.append(
			{
				"item_code": penalty_item,
				"qty": 1,
				"rate": flt(row["interest"]),
				"description": _(
					"Late-payment penalties on invoice {0} due {1}, {2} days late ({3}). Code de commerce L441-10."
				).format(
					label, frappe.format(row["due_date"], {"fieldtype": "Date"}), row["days_late"], working
				)
				if letter["is_b2b"]
				else _(
					"Interest at the legal rate on invoice {0} due {1} from the formal notice ({2}). Code civil 1231-6."
				).format(label, frappe.format(row["due_date"], {"fieldtype": "Date"}), working),
				**accounts,
			}
		)
	late = [row for row in letter["rows"] if row["indemnity"]]
	if late:
		items.append(
			{
				"item_code": indemnity_item,
				"qty": len(late),
				"rate": flt(late[0]["indemnity"]),
				"description": _(
					"Fixed indemnity for recovery costs, 40 € per invoice paid late (Code de commerce D441-5): {0}."
				).format(
					", ".join(
						row["invoice"]
						+ (f" ({row['instalment']}/{row['instalments']})" if row["instalment"] else "")
						for row in late
					)
				),
				**accounts,
			}
		)
	return items


def _drop_taxes(invoice) -> None:
	invoice.taxes_and_charges = ""
	invoice.set("taxes", [])
	for item in invoice.items:
		item.item_tax_template = None
		item.item_tax_rate = "{}"


def _penalty_invoice_of(dunning: str) -> str | None:
	"""A non-cancelled Sales Invoice already made for `dunning`'s penalties (its remarks name the Dunning)."""
	si = DocType("Sales Invoice")
	item = DocType("Sales Invoice Item")
	rows = (
		frappe.qb.from_(si)
		.join(item)
		.on(item.parent == si.name)
		.select(si.name)
		.where(si.docstatus < 2)
		.where(item.item_code.isin((PENALTY_ITEM, INDEMNITY_ITEM)))
		.where(si.remarks.like(f"%{dunning}%"))
		.limit(1)
		.run()
	)
	return rows[0][0] if rows else None


def ensure_penalty_items() -> tuple[str, str]:
	"""The two non-stock service items of penalty invoices, created when missing."""
	group = (
		frappe.db.get_value("Item Group", {"name": "Services", "is_group": 0}, "name")
		or frappe.db.get_value("Item Group", {"is_group": 0}, "name")
		or "All Item Groups"
	)
	uom = "Unit" if frappe.db.exists("UOM", "Unit") else "Nos"
	for code in (PENALTY_ITEM, INDEMNITY_ITEM):
		if frappe.db.exists("Item", code):
			continue
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"description": code,
				"item_group": group,
				"stock_uom": uom,
				"is_stock_item": 0,
				"is_sales_item": 1,
				"is_purchase_item": 0,
				"include_item_in_manufacturing": 0,
			}
		).insert(ignore_permissions=True)
	return PENALTY_ITEM, INDEMNITY_ITEM
