"""How a French creditor's identifiers are written on a letter: IBAN in groups of four, SIREN in groups of three."""

from __future__ import annotations

from schwifty import IBAN


def format_iban(iban: str | None) -> str:
	"""An IBAN as printed on paper ("FR76 3000 6000 ..."); spaces and case in the input do not matter.

	A valid IBAN is formatted by schwifty (ISO 13616 print format); an invalid one is still grouped by four, so
	the letter shows what the bank account holds and the setup checklist, not the letter, reports the error.
	"""
	compact = (iban or "").replace(" ", "").upper()
	try:
		return IBAN(compact).formatted
	except ValueError:
		return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def format_siren(digits: str) -> str:
	"""A 9-digit SIREN as "123 456 789"; anything else gives ""."""
	return (
		" ".join(digits[i : i + 3] for i in range(0, 9, 3)) if digits.isdigit() and len(digits) == 9 else ""
	)


def siren_from_vat(vat_id: str | None) -> str:
	"""The SIREN inside a French VAT number (FR + 2 check characters + SIREN), formatted; "" otherwise."""
	compact = (vat_id or "").replace(" ", "").upper()
	if not compact.startswith("FR") or len(compact) != 13:
		return ""
	return format_siren(compact[4:13])
