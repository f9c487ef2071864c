"""The formal notice as an ERPNext Dunning: its rows, French-law interest and fee, creation and submission.

How the Dunning carries French-law interest
-------------------------------------------
ERPNext's `Dunning.validate` recomputes each Overdue Payment row's interest as ``outstanding × rate_of_interest /
365 × (posting date - due date)`` every time a draft is validated: one flat rate, counted from the due date,
blind to partial payments and half-years. Setting a row's interest by hand does not survive that. So:

- A formal notice is a Dunning of the company's formal-notice Dunning Type (created at install and with each
  company, marked by the `dunning_formal_notice` custom field, with a
  rate of interest of 0 and no flat fee, carrying the income account and cost center the Payment Entry uses
  for the penalties). That type is what marks a Dunning as French-law.
- `apply_french_law` sets the rows' interest to the engine's (as of the Dunning's posting date), the fee to the
  €40 indemnities (one per late invoice, or per late instalment when the policy says so; professional and
  public debtors only, never consumers), rate_of_interest to 0, then the totals. It is the one place that
  computes a French-law Dunning.
- A customer in collective proceedings gets no formal notice (Code de commerce L622-21): `build_formal_notice`
  refuses, and the ladder (dunning.selection) never reaches one.
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

from datetime import date
from decimal import Decimal

import frappe
from erpnext.accounts.doctype.dunning.dunning import Dunning
from erpnext.setup.utils import get_exchange_rate
from frappe import _
from frappe.utils import cstr, flt, getdate

from relance_app.common.constants import FORMAL_NOTICE_DUNNING_TYPE
from relance_app.common.parties import customer_details
from relance_app.common.policy_store import load_policies, resolve_policies
from relance_app.engine.law import PenaltyResult
from relance_app.formal_notice.letter import (
	DEFAULT_DEADLINE_DAYS,
	attach_letter,
	formal_notice_context,
	letter_language,
)
from relance_app.penalties.compute import first_notice_dates, invoice_penalties
from relance_app.penalties.ledger import instalment_terms, terms_by_row


class ProceedingsError(frappe.ValidationError):
	"""A formal notice asked for a customer in collective proceedings."""


def is_formal_notice(doc) -> bool:
	"""True for a Dunning of a company's formal-notice Dunning Type: its interest and fee follow French law."""
	if not doc.get("dunning_type"):
		return False
	return bool(frappe.get_cached_value("Dunning Type", doc.dunning_type, "dunning_formal_notice"))


def apply_french_law(doc, *, policy: str | None = None) -> dict[str, PenaltyResult]:
	"""Set the rows (outstanding, days, interest), the fee and the totals of Dunning `doc` under French law.

	Computed as of the Dunning's posting date, with the payments the ledger has up to then. Consumer interest
	runs from the first formal notice on the invoice, this one if it is the first. Returns the engine's
	results by Payment Schedule row (also kept in ``doc.flags.relance_penalties``).
	"""
	today = getdate(doc.posting_date)
	debtor = customer_details(doc.customer)["debtor"]
	invoices = {row.sales_invoice for row in doc.overdue_payments}
	terms = terms_by_row(doc, until=today)
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
	claims = invoice_penalties(items, today=today, debtor=debtor, policy=policy or doc.flags.relance_policy)
	results = {key: result for claim in claims.values() for key, result in claim.by_key().items()}
	for row in doc.overdue_payments:
		found = terms[row.name or row.idx]
		result = results[found.key]
		row.due_date = found.due_date
		row.outstanding = flt(found.outstanding)
		row.overdue_days = cstr((today - found.due_date).days)
		row.interest = flt(result.interest)
	# ERPNext shows one rate and one level per Dunning: the rate in force at the notice (the latest segment's;
	# the working per period is in the letter) and the policy's formal-notice level, not ERPNext's count of
	# earlier Dunnings. Never used to compute: validate_overdue_payments is French law's here.
	doc.rate_of_interest = flt(current_rate(results.values()))
	level = doc.flags.relance_level or app_level(sorted(invoices), policy or doc.flags.relance_policy)
	for row in doc.overdue_payments:
		row.dunning_level = level or row.get("dunning_level") or 1
	doc.flags.relance_level = level
	doc.dunning_fee = flt(sum((result.indemnity for result in results.values()), Decimal(0)))
	doc.flags.relance_penalties = results
	doc.flags.relance_claims = claims
	return results


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


def current_rate(results) -> Decimal:
	"""The annual rate of the latest interest period among `results` (the highest if several end that day)."""
	segments = [segment for result in results for segment in result.segments]
	if not segments:
		return Decimal(0)
	return max(segments, key=lambda segment: (segment.end, segment.rate)).rate


def app_level(invoices: list[str], policy_name: str | None = None) -> int | None:
	"""The dunning level of a formal notice as the app counts it: the formal-notice level of the policy (given,
	else the one that duns the first of `invoices`)."""
	if not policy_name and invoices:
		rows = frappe.get_all(
			"Sales Invoice",
			filters={"name": ("in", invoices)},
			fields=["name", "company", "customer", "dunning_policy"],
		)
		policy_name = next((name for name in resolve_policies(rows).values() if name), None)
	if not policy_name:
		return None
	return load_policies([policy_name])[policy_name].formal_notice_level


class FrenchLawDunning(Dunning):
	"""ERPNext's Dunning whose interest and fee are French law's instead of one flat rate (module docstring)."""

	def validate_overdue_payments(self):
		apply_french_law(self)

	def set_dunning_level(self):
		# ERPNext counts the earlier Dunnings of each row; the level is the app's (apply_french_law).
		pass

	def validate_totals(self):
		super().validate_totals()
		round_totals(self)


def formal_notice_dunning_type(company: str) -> str | None:
	"""The name of the company's formal-notice Dunning Type, if it has one."""
	return frappe.db.get_value("Dunning Type", {"company": company, "dunning_formal_notice": 1}, "name")


def ensure_dunning_type(company: str) -> str:
	"""The company's formal-notice Dunning Type ("Mise en demeure (<abbr>)", which ERPNext names
	"Mise en demeure (<abbr>) - <abbr>"): no flat rate nor fee; its income
	account and cost center receive the penalties collected with the Payment Entry.

	ERPNext's `Dunning Type.dunning_type` is unique across the site, so each company gets its own value. Created
	at install and when a company is created (never while previewing or during a run); accountants may change
	the account afterwards.
	"""
	defaults = frappe.db.get_value(
		"Company", company, ["abbr", "default_income_account", "cost_center"], as_dict=True
	)
	name = formal_notice_dunning_type(company)
	if name:
		# Made before the company had its default accounts (an older release, or an import): complete it.
		current = frappe.db.get_value("Dunning Type", name, ["income_account", "cost_center"], as_dict=True)
		missing = {
			field: defaults[default]
			for field, default in (
				("income_account", "default_income_account"),
				("cost_center", "cost_center"),
			)
			if not current[field] and defaults[default]
		}
		if missing:
			frappe.db.set_value("Dunning Type", name, missing)
		return name
	doc = frappe.get_doc(
		{
			"doctype": "Dunning Type",
			"dunning_type": f"{FORMAL_NOTICE_DUNNING_TYPE} ({defaults.abbr})",
			"dunning_formal_notice": 1,
			"company": company,
			"rate_of_interest": 0,
			"dunning_fee": 0,
			"income_account": defaults.default_income_account,
			"cost_center": defaults.cost_center,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name


def _required_dunning_type(company: str) -> str:
	name = formal_notice_dunning_type(company)
	if not name:
		frappe.throw(
			_(
				"Company {0} has no formal-notice Dunning Type. Run `bench --site <site> migrate`, or save the "
				"company again, to create it."
			).format(company)
		)
	return name


def build_formal_notice(
	*, customer: str, company: str, instalments: list, level, today: date, policy_name: str | None = None
):
	"""The formal notice's Dunning, not saved: rows, French-law interest and fee, opening and closing texts.

	Returns ``(doc, chosen instalment terms, language, letter context)``; `create_formal_notice` saves it,
	previews render it.
	"""
	today = getdate(today)
	_validate_instalments(customer, company, instalments)
	proceedings = customer_details(customer)["proceedings"]
	if proceedings:
		frappe.throw(
			_(
				"{0} is in collective proceedings ({1}, judgment of {2}): individual claims are stayed (Code de "
				"commerce L622-21), so no formal notice can be sent. Declare the claims to the mandataire "
				"judiciaire with the print format Déclaration de créance."
			).format(
				customer,
				_(proceedings["kind"]),
				frappe.format(proceedings["judgment_date"], {"fieldtype": "Date"}),
			),
			ProceedingsError,
		)
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
	language = letter_language(customer, company)
	doc = FrenchLawDunning(
		{
			"doctype": "Dunning",
			"customer": customer,
			"company": company,
			"currency": currency,
			"conversion_rate": _conversion_rate(currency, company, today),
			"posting_date": today,
			"dunning_type": _required_dunning_type(company),
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
	doc.flags.relance_deadline_days = deadline_days(level)
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
	return flt(get_exchange_rate(currency, company_currency, day)) or 1.0


def deadline_days(level) -> int:
	days = getattr(level, "payment_deadline_days", None)
	return DEFAULT_DEADLINE_DAYS if days is None else int(days)
