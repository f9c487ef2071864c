"""The invoice's dunning status once taken to the injonction de payer: "Litigation", whatever the ladder says,
unless a failed step waits for a person."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance_app.engine.mirror import mirror_values
from relance_app.engine.plan import Instalment
from relance_app.engine.policy import default_policy

TODAY = date(2026, 11, 20)


def noticed() -> Instalment:
	# Level 5 of the shipped ladder is the formal notice: the invoice shows "Formal Notice" until litigation.
	return Instalment(
		invoice="SINV-1",
		customer="C1",
		due_date=date(2026, 9, 30),
		outstanding=Decimal("1200.00"),
		last_level=5,
		last_sent_on=date(2026, 11, 3),
	)


def status(**flags) -> str:
	policy = default_policy()
	inst = noticed()
	return mirror_values([inst], {policy.name: policy}, {inst.key: policy.name}, TODAY, None, **flags)[
		"dunning_status"
	]


def test_noticed_invoice_shows_formal_notice_then_litigation():
	assert status() == "Formal Notice"
	assert status(litigation=True) == "Litigation"


def test_a_step_waiting_for_a_person_comes_first():
	assert status(needs_attention=True, litigation=True) == "Needs Attention"
