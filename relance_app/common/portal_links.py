"""The customer's personal link to the debtor page (relance_app.portal): issuing it (`portal_url`), checking it.

The token logic is pure (engine.portal_token); this module supplies the site secret, the clock, the link's
lifetime (the customer's policy, `portal_link_days`, 60 days by default) and the Customer's revocation
counter `dunning_portal_revision`. It sits below the dunning layer because reminders carry the link. The
secret is `relance_portal_secret` from the site config when set (so links can be rotated alone), else the
site's encryption key; a domain tag inside the MAC keeps these tokens from ever matching another signature
made with the same key.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import get_url, getdate, nowdate

from relance_app.common.parties import batch_memo, batched_customer
from relance_app.common.policy_store import resolve_policies
from relance_app.engine.portal_token import Claim, InvalidToken, read, sign

DEFAULT_LINK_DAYS = 60
PAGE_ROUTE = "relance"


class PortalDenied(frappe.PermissionError):
	"""The token does not open the page (guessed, altered, expired, revoked, or the customer is gone)."""

	http_status_code = 403


def portal_secret() -> bytes:
	from frappe.utils.password import get_encryption_key

	return (frappe.conf.get("relance_portal_secret") or get_encryption_key()).encode("utf-8")


def link_days(customer: str, company: str, policy: str | None = None) -> int:
	"""How long a new link lives: `portal_link_days` of `policy` (else of the policy that duns this customer),
	60 when unset."""
	if not policy:
		probe = {"name": "portal", "company": company, "customer": customer, "dunning_policy": None}
		policy = resolve_policies([probe]).get("portal")
	days = (
		batch_memo(
			("portal_link_days", policy),
			lambda: frappe.db.get_value("Dunning Policy", policy, "portal_link_days"),
		)
		if policy
		else None
	)
	return int(days) if days and int(days) > 0 else DEFAULT_LINK_DAYS


def make_token(customer: str, company: str, policy: str | None = None) -> str:
	batched = batched_customer(customer)
	revision = (
		batched.dunning_portal_revision
		if batched
		else frappe.db.get_value("Customer", customer, "dunning_portal_revision")
	) or 0
	expires = getdate(nowdate()) + timedelta(days=link_days(customer, company, policy))
	return sign(Claim(customer, company, expires, int(revision)), portal_secret())


def portal_url(customer: str, company: str, policy: str | None = None) -> str:
	"""The absolute URL of `customer`'s page for the invoices `company` issued (only the token in it).

	`policy`: the policy of the message carrying the link (its `portal_link_days`), when the caller knows it.
	"""
	return get_url(f"/{PAGE_ROUTE}?t={make_token(customer, company, policy)}")


def check_token(token: str | None) -> Claim:
	"""The claim of a valid token whose customer and company still exist; PortalDenied otherwise."""
	try:
		claim = read(
			token or "",
			portal_secret(),
			today=getdate(nowdate()),
			revision_of=lambda customer: frappe.db.get_value("Customer", customer, "dunning_portal_revision"),
		)
	except InvalidToken as exc:
		raise PortalDenied(_("This link is not valid or has expired.")) from exc
	if not frappe.db.exists("Customer", claim.customer) or not frappe.db.exists("Company", claim.company):
		raise PortalDenied(_("This link is not valid or has expired."))
	return claim
