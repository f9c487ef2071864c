"""Credit insurance (assurance-crédit): the deadlines a policy sets for an unpaid invoice, and the credit limit.

A credit insurer covers an invoice only if its payment default is declared ("déclaration de menace de
sinistre") within N days of the due date, and the claim filed within M days of the due date; both days
included. The company is warned `lead_days` before the declaration deadline. Pure: the Frappe layer reads the
invoice, the policy and the recorded declaration, and acts on the state computed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum

from relance_app.engine.errors import N_, EngineError


class InsuranceError(EngineError):
	"""A credit insurance policy's deadlines or credit limit that cannot be used."""


class CoverState(str, Enum):
	"""Where an insured invoice stands with its declaration."""

	NOT_DUE = "not_due"  # nothing to do yet: before the warning date
	WARN = "warn"  # from the warning date through the declaration deadline: declare now
	OVERDUE = "overdue"  # the declaration deadline has passed and nothing was declared: cover at risk
	DECLARED = "declared"  # the declaration is recorded: no more warnings
	SETTLED = "settled"  # nothing outstanding: nothing to declare


# The states that ask a person to declare (a ToDo, the digest, the banner, the worklist).
ACTION_STATES = (CoverState.WARN, CoverState.OVERDUE)


@dataclass(frozen=True)
class Deadlines:
	"""A policy's deadlines, in calendar days after the invoice's due date (the lead time: before the
	declaration deadline)."""

	declaration_days: int
	claim_days: int
	lead_days: int = 0

	def __post_init__(self) -> None:
		for name in ("declaration_days", "claim_days", "lead_days"):
			value = getattr(self, name)
			if isinstance(value, bool) or not isinstance(value, int) or value < 0:
				raise InsuranceError(
					N_(
						"Each deadline and the lead time must be a whole number of days, zero or more, not {value!r}."
					),
					value=value,
				)
		if self.claim_days < self.declaration_days:
			raise InsuranceError(
				N_(
					"The claim deadline ({claim} days) cannot come before the declaration deadline "
					"({declaration} days)."
				),
				claim=self.claim_days,
				declaration=self.declaration_days,
			)


@dataclass(frozen=True)
class Cover:
	"""An insured invoice's deadlines and state on a given day."""

	declaration_deadline: date
	claim_deadline: date
	warning_date: date
	state: CoverState
	# Days left to declare (0 on the deadline day, negative once it has passed).
	days_left: int

	@property
	def needs_declaration(self) -> bool:
		return self.state in ACTION_STATES


def cover(
	*,
	due_date: date,
	outstanding: Decimal,
	deadlines: Deadlines,
	today: date,
	declared_on: date | None = None,
) -> Cover:
	"""The declaration and claim deadlines of an invoice due on `due_date`, and its state on `today`.

	A recorded declaration wins over everything (even a late one: the insurer decides, not us); then an
	invoice with nothing outstanding needs nothing."""
	declaration_deadline = due_date + timedelta(days=deadlines.declaration_days)
	claim_deadline = due_date + timedelta(days=deadlines.claim_days)
	warning_date = declaration_deadline - timedelta(days=deadlines.lead_days)
	if declared_on is not None:
		state = CoverState.DECLARED
	elif Decimal(outstanding) <= 0:
		state = CoverState.SETTLED
	elif today < warning_date:
		state = CoverState.NOT_DUE
	elif today <= declaration_deadline:
		state = CoverState.WARN
	else:
		state = CoverState.OVERDUE
	return Cover(
		declaration_deadline=declaration_deadline,
		claim_deadline=claim_deadline,
		warning_date=warning_date,
		state=state,
		days_left=(declaration_deadline - today).days,
	)


def first_warning_due(due_date: date, deadlines: Deadlines) -> date:
	"""The first day an invoice due on `due_date` asks for its declaration (the daily run reads from it)."""
	return due_date + timedelta(days=deadlines.declaration_days - deadlines.lead_days)


def first_unpaid_due(instalments: Iterable[tuple[date, Decimal]], outstanding: Decimal) -> date | None:
	"""The due date the deadlines count from: that of the first instalment not fully paid, payments going to
	the oldest instalment first (ERPNext's invoice due date is its last instalment's, too late for the
	insurer). None without instalments, or when the instalments do not explain the outstanding."""
	rows = sorted((due, Decimal(amount)) for due, amount in instalments)
	paid = sum((amount for _due, amount in rows), Decimal(0)) - Decimal(outstanding)
	for due, amount in rows:
		if paid >= amount:
			paid -= amount
			continue
		return due
	return None


@dataclass(frozen=True)
class CoveredParty:
	"""A row of a policy: a customer, or a customer group (with its subgroups), and its credit limit."""

	customer: str | None
	customer_group: str | None
	credit_limit: Decimal


def covering_row(rows: Iterable[CoveredParty], customer: str, groups: Iterable[str]) -> CoveredParty | None:
	"""The row that covers `customer`: its own row first, else the nearest of `groups` (the customer's group
	first, then its parents up the tree) that has one."""
	rows = list(rows)
	for row in rows:
		if row.customer and row.customer == customer:
			return row
	for group in groups:
		for row in rows:
			if not row.customer and row.customer_group == group:
				return row
	return None


def over_limit(credit_limit: Decimal, outstanding: Decimal, new_amount: Decimal = Decimal(0)) -> bool:
	"""True when the customer's receivable (`outstanding`, plus the document being entered) exceeds the
	insured credit limit: the part above it is not covered."""
	if credit_limit < 0:
		raise InsuranceError(N_("A credit limit cannot be negative, not {value}."), value=credit_limit)
	return Decimal(outstanding) + Decimal(new_amount) > Decimal(credit_limit)
