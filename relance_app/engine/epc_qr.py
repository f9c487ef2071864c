"""The European Payments Council "SEPA credit transfer" QR code (EPC069-12, version 002), pure.

A banking app scanning it pre-fills the transfer: beneficiary, IBAN, amount and what to write as reference.
Lines, in order: service tag BCD, version 002, character set 1 (UTF-8), identification SCT, BIC, beneficiary
name (<= 70), IBAN, amount EUR#.## (0.01 to 999999999.99), purpose code (4 letters, optional), structured
creditor reference (ISO 11649 "RF..", <= 35) OR unstructured remittance (<= 140) -- never both --, and an
optional note to the payer (<= 70). Trailing empty lines are left out; the whole payload fits 331 bytes.
Error correction level M, as the guideline requires.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import segno
from schwifty import BIC, IBAN
from stdnum import iso11649

from relance_app.engine.errors import N_

MAX_BYTES = 331
MAX_AMOUNT = Decimal("999999999.99")


class EPCError(ValueError):
	"""The transfer cannot be put in an EPC QR code (bad IBAN, amount out of range, text too long)."""


def epc_payload(
	*,
	name: str,
	iban: str,
	amount: Decimal,
	bic: str = "",
	purpose: str = "",
	reference: str = "",
	text: str = "",
	information: str = "",
) -> str:
	"""The EPC069-12 payload, lines joined by LF. `reference` is an RF creditor reference, `text` free text."""
	try:
		account = IBAN(iban)
	except ValueError as exc:
		raise EPCError(N_("The IBAN {0} is not valid.").format(iban)) from exc
	bic_code = ""
	if bic.strip():
		try:
			bic_code = str(BIC(bic.strip()))
		except ValueError as exc:
			raise EPCError(N_("The BIC {0} is not valid.").format(bic)) from exc
	money = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
	if not Decimal("0.01") <= money <= MAX_AMOUNT:
		raise EPCError(N_("A transfer QR code needs an amount between 0.01 and 999999999.99 EUR."))
	name, text, information = _line(name), _line(text), _line(information)
	if not name or len(name) > 70:
		raise EPCError(N_("The beneficiary name must have 1 to 70 characters."))
	if reference and text:
		raise EPCError(N_("A transfer QR code has a structured reference or a free text, not both."))
	if reference and not iso11649.is_valid(reference):
		raise EPCError(N_("The structured reference {0} is not an RF creditor reference.").format(reference))
	if (
		len(text) > 140
		or len(information) > 70
		or (purpose and not (purpose.isalpha() and len(purpose) == 4))
	):
		raise EPCError(N_("The transfer reference is too long for a QR code."))
	lines = [
		"BCD",
		"002",
		"1",
		"SCT",
		bic_code,
		name,
		account.compact,
		f"EUR{money}",
		purpose.upper(),
		iso11649.compact(reference) if reference else "",
		text,
		information,
	]
	while lines and not lines[-1]:
		lines.pop()
	payload = "\n".join(lines)
	if len(payload.encode("utf-8")) > MAX_BYTES:
		raise EPCError(N_("The transfer reference is too long for a QR code."))
	return payload


def qr_code(payload: str):
	"""The segno QR code of an EPC payload (level M, byte mode UTF-8, no micro code)."""
	return segno.make(payload, error="m", encoding="utf-8", micro=False, boost_error=False)


def qr_svg(payload: str, *, scale: int = 3) -> str:
	"""The QR code as an inline <svg> element: no external image, no data leaves the page."""
	return qr_code(payload).svg_inline(scale=scale, border=4, dark="#000", light="#fff")


def _line(value: str) -> str:
	# One field per line: a newline inside a field would shift every later field.
	return " ".join((value or "").split())
