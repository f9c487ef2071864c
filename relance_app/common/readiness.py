"""Is the site ready to dun? The checks a first run needs, as data, and the refusal the run gives when one it
cannot do without is missing.

Each check returns a `Readiness` item (key, label, ok, detail, needed_to_run). `setup.checklist` shows them in
Dunning Settings and on the workspace, with where each is fixed; `assert_ready_to_run` refuses, in words, to
start a run that would fail for every customer (the first run of issue 18 failed on "Please setup default
Email Account" and printed only Error Log ids). Only what makes every step of a channel fail is blocking: a
missing IBAN or SIREN makes letters poorer, not impossible, and each letter already warns about it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import frappe
from frappe import _
from frappe.utils import formatdate, getdate

from relance_app.common.parties import company_details
from relance_app.common.rate_store import KIND_LABELS
from relance_app.engine.rates import LEGAL_RATE_CONSUMER_CREDITOR, LEGAL_RATE_OTHER, half_year_start

EMAIL_CHANNELS = ("Email",)


class NotReadyToRunError(frappe.ValidationError):
	"""The daily run cannot start: something every step needs is missing."""


@dataclass(frozen=True)
class Readiness:
	key: str
	label: str
	ok: bool
	detail: str
	needed_to_run: bool = False

	def as_dict(self) -> dict:
		return asdict(self)


def enabled_channels(company: str | None = None) -> set[str]:
	"""The channels of the levels of the enabled policies (of `company`)."""
	filters = {"enabled": 1}
	if company:
		filters["company"] = company
	policies = frappe.get_all("Dunning Policy", filters=filters, pluck="name")
	if not policies:
		return set()
	return set(
		frappe.get_all(
			"Dunning Level",
			filters={"parenttype": "Dunning Policy", "parent": ("in", policies)},
			pluck="channel",
			distinct=True,
		)
	)


def check_sender() -> Readiness:
	"""The From account: Dunning Settings' sender if set (enabled for sending), else Frappe's default outgoing
	account. Without either, Frappe refuses every email with "Please setup default Email Account"."""
	label = _("Sender email account")
	account = frappe.db.get_single_value("Dunning Settings", "sender")
	if account:
		row = frappe.db.get_value("Email Account", account, ["email_id", "enable_outgoing"], as_dict=True)
		if row and row.enable_outgoing:
			return Readiness("sender", label, True, _("Reminders are sent from {0}.").format(row.email_id))
		return Readiness(
			"sender",
			label,
			False,
			_("The sender {0} in Dunning Settings is not an email account enabled for sending.").format(
				account
			),
			needed_to_run=True,
		)
	default = frappe.db.get_value("Email Account", {"default_outgoing": 1, "enable_outgoing": 1}, "email_id")
	if default:
		return Readiness(
			"sender",
			label,
			True,
			_("Reminders are sent from the default outgoing account {0}.").format(default),
		)
	return Readiness(
		"sender",
		label,
		False,
		_(
			"No email account can send the reminders: choose a sender in Dunning Settings, or mark an Email "
			"Account as Default Outgoing (and enable outgoing)."
		),
		needed_to_run=True,
	)


def check_company(company: str) -> list[Readiness]:
	"""Address with a city, legal mentions (SIREN, RCS city...) and an IBAN, as a letter needs them."""
	# Read afresh: the checklist is looked at right after the Company was fixed, in the same request in tests.
	frappe.local.cache.get("relance_company_details", {}).pop(company, None)
	details = company_details(company)
	items = []
	has_city = bool(details.get("city"))
	items.append(
		Readiness(
			"company_address",
			_("Company address"),
			has_city,
			details.get("address", "").replace("\n", ", ")
			if has_city
			else _(
				"Company {0} has no default address with a city: letters would have no sender address."
			).format(company),
		)
	)
	mentions = details["legal_warnings"]
	items.append(
		Readiness(
			"legal_mentions",
			_("SIREN, RCS and legal mentions"),
			not mentions,
			details["rcs"] if not mentions else " ".join(mentions),
		)
	)
	items.append(
		Readiness(
			"iban",
			_("Bank account with IBAN"),
			bool(details["iban"]),
			_("Payments to {0}.").format(details["iban"])
			if details["iban"]
			else _(
				"Company {0} has no company Bank Account with an IBAN: reminders cannot say where to pay."
			).format(company),
		)
	)
	return items


def check_sms(channels: set[str]) -> Readiness | None:
	"""An SMS gateway, when an enabled policy has an SMS level."""
	if "SMS" not in channels:
		return None
	url = frappe.db.get_single_value("SMS Settings", "sms_gateway_url")
	return Readiness(
		"sms_gateway",
		_("SMS gateway"),
		bool(url),
		_("SMS are sent through {0}.").format(url)
		if url
		else _("A policy has an SMS level but SMS Settings has no gateway URL: every SMS step would fail."),
	)


def check_rates(on: date) -> Readiness:
	"""Both legal rates of the current half-year (published by the Banque de France each semester)."""
	start = half_year_start(on)
	kinds = (LEGAL_RATE_OTHER, LEGAL_RATE_CONSUMER_CREDITOR)
	present = set(
		frappe.get_all(
			"Late Payment Rate",
			filters={"valid_from": start, "rate_type": ("in", [KIND_LABELS[k] for k in kinds])},
			pluck="rate_type",
		)
	)
	missing = [_(KIND_LABELS[k]) for k in kinds if KIND_LABELS[k] not in present]
	return Readiness(
		"rates",
		_("Late payment rates of the half-year"),
		not missing,
		_("The rates from {0} are entered.").format(formatdate(start))
		if not missing
		else _("Missing in Late Payment Rate from {0}: {1}. Penalties would use the previous rate.").format(
			formatdate(start), ", ".join(missing)
		),
	)


def readiness(company: str | None = None, on: date | str | None = None) -> list[Readiness]:
	"""Every check, for `company` (or each company with an enabled policy when None)."""
	on = getdate(on)
	channels = enabled_channels(company)
	items = [check_sender()]
	companies = [company] if company else policy_companies()
	for name in companies:
		for item in check_company(name):
			if len(companies) > 1:
				item = Readiness(
					f"{item.key}:{name}", f"{item.label} ({name})", item.ok, item.detail, item.needed_to_run
				)
			items.append(item)
	sms = check_sms(channels)
	if sms:
		items.append(sms)
	items.append(check_rates(on))
	return items


def policy_companies() -> list[str]:
	return sorted(set(frappe.get_all("Dunning Policy", filters={"enabled": 1}, pluck="company")))


def blocking_items(company: str | None = None) -> list[Readiness]:
	"""What makes the run fail for every customer: no account to send from when an enabled policy emails.

	A missing SMS gateway is listed by the checklist but does not stop the run: the emails and letters of that
	day still go out, and each SMS step is recorded as failed with its reason."""
	channels = enabled_channels(company)
	items = [check_sender()] if channels & set(EMAIL_CHANNELS) else []
	return [item for item in items if not item.ok and item.needed_to_run]


def assert_ready_to_run(company: str | None = None) -> None:
	"""Raise `NotReadyToRunError` (translated, one line per missing item) when the run could not send."""
	missing = blocking_items(company)
	if not missing:
		return
	lines = "<br>".join("- " + frappe.utils.escape_html(item.detail) for item in missing)
	frappe.throw(
		_("The dunning run cannot start, fix this first:") + "<br>" + lines,
		NotReadyToRunError,
		title=_("Dunning not ready"),
	)
