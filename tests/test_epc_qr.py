"""The SEPA transfer QR code follows EPC069-12 line by line, and what the QR holds is exactly that payload."""

from __future__ import annotations

from decimal import Decimal

import pytest

from relance_app.engine.epc_qr import EPCError, epc_payload, qr_code, qr_svg
from relance_app.engine.identifiers import format_iban

# The EPC guideline's own example beneficiary (Belgian Red Cross), and a French test IBAN.
IBAN = "FR76 3000 6000 0112 3456 7890 189"
NAME = "Relance Test SAS"


def test_payload_matches_epc069_12_line_by_line():
	payload = epc_payload(
		name=NAME, iban=IBAN, bic="AGRIFRPP", amount=Decimal("1234.5"), text="ACC-SINV-2026-00042"
	)
	assert payload.split("\n") == [
		"BCD",
		"002",
		"1",
		"SCT",
		"AGRIFRPP",
		"Relance Test SAS",
		"FR7630006000011234567890189",
		"EUR1234.50",
		"",
		"",
		"ACC-SINV-2026-00042",
	]


def test_the_guideline_example_with_a_structured_reference():
	payload = epc_payload(
		name="Red Cross of Belgium",
		iban="BE72000000001616",
		bic="BPOTBEB1",
		amount=Decimal("1"),
		purpose="CHAR",
		reference="RF18539007547034",
	)
	assert (
		payload
		== "BCD\n002\n1\nSCT\nBPOTBEB1\nRed Cross of Belgium\nBE72000000001616\nEUR1.00\nCHAR\nRF18539007547034"
	)


def test_bic_is_optional_in_version_002():
	assert epc_payload(name=NAME, iban=IBAN, amount=Decimal("10"), text="X").split("\n")[4] == ""


def test_newlines_typed_in_a_field_cannot_shift_the_next_fields():
	payload = epc_payload(name="Relance\nTest", iban=IBAN, amount=Decimal("10"), text="A\nB")
	assert payload.split("\n")[5] == "Relance Test"
	assert len(payload.split("\n")) == 11


@pytest.mark.parametrize(
	"changes",
	[
		{"iban": "FR76 3000 6000 0112 3456 7890 188"},  # wrong check digits
		{"amount": Decimal("0")},
		{"amount": Decimal("1000000000")},
		{"name": ""},
		{"name": "N" * 71},
		{"text": "T" * 141},
		{"bic": "NOTABIC"},
		{"reference": "RF00NOTVALID", "text": ""},
		{"reference": "RF18539007547034"},  # both a reference and a text
	],
)
def test_what_a_bank_would_reject_is_refused(changes):
	fields = {"name": NAME, "iban": IBAN, "amount": Decimal("10"), "text": "ACC-SINV-2026-00042", **changes}
	with pytest.raises(EPCError):
		epc_payload(**fields)


def test_the_qr_code_holds_the_payload_at_level_m_in_utf8():
	payload = epc_payload(name="Société Générale Test", iban=IBAN, amount=Decimal("99.99"), text="Facture 1")
	qr = qr_code(payload)
	assert qr.error == "M"
	assert not qr.is_micro
	assert qr.mode == "byte"
	assert qr.version <= 13  # EPC069-12: version 13 at most
	svg = qr_svg(payload)
	assert svg.startswith("<svg") and "<script" not in svg


def test_a_qr_reader_gets_back_exactly_the_payload():
	# An independent decoder (ZXing), fed the module matrix as a grey image: what a banking app would read.
	zxingcpp = pytest.importorskip("zxingcpp")
	payload = epc_payload(
		name="Société Générale Test",
		iban=IBAN,
		bic="AGRIFRPP",
		amount=Decimal("1234.56"),
		text="ACC-SINV-2026-00042",
	)
	rows = [[0 if dark else 255 for dark in row] for row in qr_code(payload).matrix_iter(scale=4, border=4)]
	image = memoryview(bytes(value for row in rows for value in row)).cast(
		"B", shape=[len(rows), len(rows[0])]
	)
	decoded = zxingcpp.read_barcode(image)
	assert decoded is not None
	assert decoded.format == zxingcpp.BarcodeFormat.QRCode
	assert decoded.text == payload


@pytest.mark.parametrize(
	("raw", "printed"),
	[
		("FR7630006000011234567890189", "FR76 3000 6000 0112 3456 7890 189"),
		("fr76 3000 6000 0112 3456 7890 189", "FR76 3000 6000 0112 3456 7890 189"),
		("BE72000000001616", "BE72 0000 0000 1616"),
		# Invalid (wrong check digits): still grouped by four, never refused on the letter.
		("FR7630006000011234567890188", "FR76 3000 6000 0112 3456 7890 188"),
		("", ""),
		(None, ""),
	],
)
def test_format_iban_prints_groups_of_four(raw, printed):
	assert format_iban(raw) == printed
