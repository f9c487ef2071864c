"""Which payment paid which instalment, and when: dated ledger movements -> dated payments per instalment.

The penalty engine (`law.late_payment_penalty`) takes, for one invoice or instalment, the list of dated
partial payments that lowered its base. ERPNext's Payment Ledger gives dated movements against the invoice
as a whole; these helpers turn them into that list.

- `net_reductions`: movements (negative: the debt went down, positive: it went up again, e.g. a refund or
  a reversed payment) -> dated reductions. An increase undoes the most recent reductions first: the money
  that came back is the money that was paid last.
- `allocate_payments`: dated reductions -> per instalment, in due-date order, the part of each reduction
  that paid it. A payment that names no instalment pays the debt due first (Code civil 1342-10), so the
  earliest instalment is filled before the next one; what exceeds every instalment is left unallocated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)


def net_reductions(movements: Iterable[tuple[date, Decimal]]) -> list[tuple[date, Decimal]]:
	"""Dated reductions of a debt (positive amounts, in date order) from signed ledger movements.

	Movements of the same day are netted. A net increase cancels the latest reductions before it, most
	recent first; an increase with nothing left to cancel is ignored (it is not a payment).
	"""
	by_day: dict[date, Decimal] = {}
	for day, amount in movements:
		by_day[day] = by_day.get(day, ZERO) + amount
	reductions: list[list] = []
	for day in sorted(by_day):
		amount = by_day[day]
		if amount < 0:
			reductions.append([day, -amount])
			continue
		while amount > 0 and reductions:
			undone = min(amount, reductions[-1][1])
			reductions[-1][1] -= undone
			amount -= undone
			if not reductions[-1][1]:
				reductions.pop()
	return [(day, amount) for day, amount in reductions]


def allocate_payments(
	amounts: Sequence[Decimal], payments: Iterable[tuple[date, Decimal]]
) -> list[list[tuple[date, Decimal]]]:
	"""For each instalment amount (in due-date order), the dated parts of `payments` that paid it.

	Payments are applied in date order to the earliest instalment not yet fully paid. Zero parts are left
	out, so an instalment nothing was paid on gets an empty list.
	"""
	allocated: list[list[tuple[date, Decimal]]] = [[] for _ in amounts]
	remaining = [max(ZERO, amount) for amount in amounts]
	index = 0
	for day, amount in sorted(payments):
		left = amount
		while left > 0 and index < len(remaining):
			part = min(left, remaining[index])
			if part > 0:
				allocated[index].append((day, part))
				remaining[index] -= part
				left -= part
			if not remaining[index]:
				index += 1
	return allocated


__all__ = ["allocate_payments", "net_reductions"]
