"""The late-payment mentions a French invoice to a professional must carry (Code de commerce L441-9 I): the
penalty rate, the €40 recovery indemnity and the terms of discount for early payment (here: none).

Two ways to print them, both computed from the rate table for the half-year of the invoice date:
- the Jinja method `relance_late_payment_mentions` (a snippet for any Sales Invoice print format:
  ``{{ relance_late_payment_mentions(doc) }}``);
- the shipped Terms and Conditions template "Conditions de paiement (L441-9)", which calls it (ERPNext renders
  terms with the invoice's fields as context).
"""

from __future__ import annotations

from datetime import date

import frappe
from frappe.utils import getdate

from relance_app.common.parties import customer_details
from relance_app.common.policy_store import resolve_policies
from relance_app.common.rate_store import get_rate_table
from relance_app.engine.law import B2C, PUBLIC, PUBLIC_MARGIN_POINTS, STATUTORY_MARGIN_POINTS
from relance_app.engine.rates import ECB_MAIN_REFINANCING, half_year_start

TERMS_TEMPLATE = "Conditions de paiement (L441-9)"
TERMS_TEXT = (
	"<p>{{ relance_late_payment_mentions(company=company, customer=customer, posting_date=posting_date, "
	"dunning_policy=dunning_policy) }}</p>"
)


def _pct(value) -> str:
	return f"{value:.2f}".replace(".", ",") + " %"


def relance_late_payment_mentions(
	doc=None,
	*,
	company: str | None = None,
	customer: str | None = None,
	posting_date: date | str | None = None,
	dunning_policy: str | None = None,
) -> str:
	"""The L441-9 mentions for an invoice (a document or its fields), in French. No database text goes into
	them (only rates and fixed wording), so they need no escaping."""
	if doc is not None:
		company, customer = doc.get("company"), doc.get("customer")
		posting_date, dunning_policy = doc.get("posting_date"), doc.get("dunning_policy")
	day = getdate(posting_date)
	debtor = customer_details(customer)["debtor"] if customer else "B2B"
	rate_text = _rate_text(day, debtor, company, customer, dunning_policy)
	if debtor == B2C:
		text = (
			"Pas d'escompte pour paiement anticipé. En cas de retard de paiement, les sommes dues produisent "
			f"intérêts {rate_text} à compter de la mise en demeure (articles 1231-6 et 1344-1 du Code civil)."
		)
	elif debtor == PUBLIC:
		text = (
			"Pas d'escompte pour paiement anticipé. En cas de retard de paiement, intérêts moratoires "
			f"{rate_text} et indemnité forfaitaire pour frais de recouvrement de 40 € (articles L2192-13, "
			"R2192-31 et D2192-35 du Code de la commande publique)."
		)
	else:
		text = (
			"Pas d'escompte pour paiement anticipé. En cas de retard de paiement, des pénalités "
			f"{rate_text} sont exigibles de plein droit dès le lendemain de la date d'échéance, ainsi qu'une "
			"indemnité forfaitaire pour frais de recouvrement de 40 € par facture (articles L441-10 et D441-5 "
			"du Code de commerce)."
		)
	return text


def _rate_text(day: date, debtor: str, company, customer, dunning_policy) -> str:
	contractual = _contractual_rate(company, customer, dunning_policy)
	if debtor == PUBLIC:
		ecb = get_rate_table().rate_in_force(ECB_MAIN_REFINANCING, half_year_start(day)).rate_percent
		return f"au taux de {_pct(ecb + PUBLIC_MARGIN_POINTS)} l'an (taux BCE + 8 points)"
	if contractual:
		return f"au taux de {_pct(contractual)} l'an"
	if debtor == B2C:
		return "au taux légal"
	ecb = get_rate_table().rate_in_force(ECB_MAIN_REFINANCING, half_year_start(day)).rate_percent
	return (
		f"au taux de {_pct(ecb + STATUTORY_MARGIN_POINTS)} l'an (taux de la BCE de {_pct(ecb)} en vigueur au "
		f"{half_year_start(day).strftime('%d/%m/%Y')}, majoré de 10 points)"
	)


def _contractual_rate(company, customer, dunning_policy) -> float | None:
	if not company:
		return None
	row = {"name": "_", "company": company, "customer": customer, "dunning_policy": dunning_policy}
	policy = resolve_policies([frappe._dict(row)]).get("_")
	if not policy:
		return None
	kind, rate = frappe.db.get_value("Dunning Policy", policy, ["penalty_rate_type", "contractual_rate"])
	return rate if kind == "Contractual" and rate else None


def ensure_terms_template() -> str:
	"""The shipped Terms and Conditions template (kept as the user edits it once it exists)."""
	if not frappe.db.exists("Terms and Conditions", TERMS_TEMPLATE):
		frappe.get_doc(
			{
				"doctype": "Terms and Conditions",
				"title": TERMS_TEMPLATE,
				"selling": 1,
				"buying": 0,
				"terms": TERMS_TEXT,
			}
		).insert(ignore_permissions=True)
	return TERMS_TEMPLATE
