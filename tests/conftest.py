from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from relance_app.engine.plan import Instalment
from relance_app.engine.policy import Level, Policy


def ladder(**overrides) -> Policy:
	"""The French ladder without the calendar rules, so each test switches on only what it checks."""
	levels = (
		Level("Rappel amical", -5, "email", template="J-5"),
		Level("Relance", 5, "email", template="J+5"),
		Level("Appel", 10, "call"),
		Level("SMS", 15, "sms", template="SMS"),
		Level("Mise en demeure", 30, "registered_letter", formal_notice=True, include_penalties=True),
	)
	fields = {"name": "Test ladder", "levels": levels}
	fields.update(overrides)
	return Policy(**fields)


def inst(
	invoice: str = "SINV-1", customer: str = "C1", due: date = date(2026, 11, 2), **fields
) -> Instalment:
	fields.setdefault("outstanding", Decimal("1000.00"))
	return Instalment(invoice=invoice, customer=customer, due_date=due, **fields)


@pytest.fixture
def policy() -> Policy:
	return ladder()
