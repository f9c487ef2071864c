"""How much of each instalment of an invoice is still unpaid."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal


def split_outstanding(rows: Sequence[tuple[Decimal, Decimal]], invoice_outstanding: Decimal) -> list[Decimal]:
	"""Outstanding of each Payment Schedule row, given ``(payment_amount, row_outstanding)`` in due-date order.

	ERPNext keeps a row's own outstanding up to date only when payments are allocated by payment term.
	When the rows' outstandings add up to the invoice's, they are trusted; otherwise what was paid on the
	invoice is applied to the earliest instalments first, which is how customers and courts read a payment
	that names no instalment (Code civil 1342-10: the debt due first is paid first).
	"""
	if not rows:
		return []
	invoice_outstanding = max(Decimal(0), invoice_outstanding)
	if sum((outstanding for _, outstanding in rows), Decimal(0)) == invoice_outstanding:
		return [outstanding for _, outstanding in rows]
	total = sum((amount for amount, _ in rows), Decimal(0))
	paid = max(Decimal(0), total - invoice_outstanding)
	result = []
	for amount, _ in rows:
		applied = min(amount, paid)
		paid -= applied
		result.append(amount - applied)
	# Rounding adjustments can leave the invoice owing more than its schedule: the last instalment carries it.
	result[-1] += invoice_outstanding - sum(result, Decimal(0))
	return result
