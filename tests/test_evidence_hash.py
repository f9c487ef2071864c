"""The evidence register's canonical form and chain verification (engine.evidence_hash), without frappe."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

import pytest

from relance_app.engine.evidence_hash import (
	CONTENT_CHANGED,
	EVIDENCE_FIELDS,
	HEAD_MISMATCH,
	LINK_BROKEN,
	SEQUENCE_GAP,
	canonical_form,
	canonical_value,
	genesis_hash,
	row_hash,
	seal_rows,
	verify_rows,
)

COMPANY = "Relance Test SAS"


def contact(n: int, **fields) -> dict:
	row = {
		"name": f"DCL-2026-{n:06d}",
		"customer": "Client A",
		"sales_invoice": f"ACC-SINV-2026-{n:05d}",
		"payment_schedule": None,
		"entry_type": "Reminder Email",
		"direction": "Outbound",
		"status": "Sent",
		"contact_date": datetime(2026, 11, 2, 9, 0),
		"is_automatic": 1,
		"dunning_policy": "Relance standard",
		"level": 2,
		"level_title": "Relance",
		"due_date": date(2026, 10, 28),
		"outstanding_amount": 1200.0,
		"promised_date": None,
		"promised_amount": 0.0,
		"currency": "EUR",
		"call_outcome": None,
		"communication": f"COMM-{n}",
		"todo": None,
		"dunning": None,
		"attachment": None,
		"notes": "Relance envoyée à compta@client.example",
		"idempotency_key": f"ACC-SINV-2026-{n:05d}|L2",
	}
	row.update(fields)
	return row


def sealed_chain(count: int = 5, company: str = COMPANY) -> list[dict]:
	rows = [contact(n) for n in range(1, count + 1)]
	for row, seal in zip(rows, seal_rows(rows, company=company), strict=True):
		row.update(
			chain_seq=seal.chain_seq, previous_hash=seal.previous_hash, evidence_hash=seal.evidence_hash
		)
	return rows


# -- canonical form ------------------------------------------------------------------------------------------


def test_a_float_and_a_decimal_of_the_same_amount_serialise_alike():
	assert canonical_value(1200.5, amount=True) == canonical_value(Decimal("1200.500000000"), amount=True)
	assert canonical_value(Decimal("1200.500000000"), amount=True) == "1200.5"
	assert canonical_value(0.0, amount=True) == canonical_value(Decimal("0E-9"), amount=True) == "0"
	assert canonical_value(0.1 + 0.2, amount=True) == "0.3"


def test_dates_datetimes_and_empty_values_have_one_form_each():
	assert canonical_value(date(2026, 11, 2)) == "2026-11-02"
	assert canonical_value(datetime(2026, 11, 2, 9, 0)) == "2026-11-02T09:00:00.000000"
	assert canonical_value("") is None and canonical_value(None) is None
	assert canonical_value(2) == canonical_value(2.0) == "2"
	assert canonical_value("Relance envoyée") == "Relance envoyée"


def test_the_form_lists_every_evidential_field_in_a_fixed_order_whatever_the_dict_order():
	row = contact(1)
	shuffled = dict(reversed(list(row.items())))
	form = canonical_form(row, company=COMPANY, seq=1, previous_hash=genesis_hash(COMPANY))
	assert form == canonical_form(shuffled, company=COMPANY, seq=1, previous_hash=genesis_hash(COMPANY))
	assert form.isascii()
	positions = [form.index(f'["{field}",'.encode()) for field in EVIDENCE_FIELDS]
	assert positions == sorted(positions)


def test_the_format_is_pinned_by_a_known_vector():
	row = {field: None for field in EVIDENCE_FIELDS} | {"name": "DCL-1", "status": "Sent", "level": 1}
	expected_form = (
		'["relance-evidence/1","ACME","1","g",["name","DCL-1"],["customer",null],["sales_invoice",null],'
		'["payment_schedule",null],["entry_type",null],["direction",null],["status","Sent"],'
		'["contact_date",null],["is_automatic",null],["dunning_policy",null],["level","1"],'
		'["level_title",null],["due_date",null],["outstanding_amount",null],["promised_date",null],'
		'["promised_amount",null],["currency",null],["call_outcome",null],["communication",null],'
		'["todo",null],["dunning",null],["attachment",null],["notes",null],["idempotency_key",null]]'
	)
	assert canonical_form(row, company="ACME", seq=1, previous_hash="g").decode() == expected_form
	assert (
		row_hash(row, company="ACME", seq=1, previous_hash="g")
		== hashlib.sha256(expected_form.encode()).hexdigest()
	)


@pytest.mark.parametrize(
	"field, value",
	[
		("customer", "Client B"),
		("status", "Done"),
		("contact_date", datetime(2026, 11, 2, 9, 0, 1)),
		("outstanding_amount", 1200.01),
		("communication", "COMM-other"),
		("attachment", "/private/files/other.pdf"),
		("notes", "Relance envoyée à compta@client.example "),
		("level", 3),
		("idempotency_key", "other"),
	],
)
def test_changing_any_evidential_field_changes_the_hash(field, value):
	row = contact(1)
	before = row_hash(row, company=COMPANY, seq=1, previous_hash="p")
	assert row_hash(row | {field: value}, company=COMPANY, seq=1, previous_hash="p") != before


def test_the_hash_binds_the_company_the_position_and_the_previous_hash():
	row = contact(1)
	base = row_hash(row, company=COMPANY, seq=1, previous_hash="p")
	assert row_hash(row, company="Other SAS", seq=1, previous_hash="p") != base
	assert row_hash(row, company=COMPANY, seq=2, previous_hash="p") != base
	assert row_hash(row, company=COMPANY, seq=1, previous_hash="q") != base


def test_fields_outside_the_evidence_do_not_count():
	row = contact(1)
	base = row_hash(row, company=COMPANY, seq=1, previous_hash="p")
	extra = row | {"tracking_number": "1A00000000001", "customer_name": "Renamed", "modified": "now"}
	assert row_hash(extra, company=COMPANY, seq=1, previous_hash="p") == base


def test_each_company_has_its_own_genesis():
	assert genesis_hash("A") != genesis_hash("B") != genesis_hash(None)
	assert genesis_hash(None) == genesis_hash("")


# -- the chain -------------------------------------------------------------------------------------------------


def test_sealing_links_each_row_to_the_one_before():
	rows = sealed_chain(3)
	assert [r["chain_seq"] for r in rows] == [1, 2, 3]
	assert rows[0]["previous_hash"] == genesis_hash(COMPANY)
	assert rows[1]["previous_hash"] == rows[0]["evidence_hash"]
	assert rows[2]["previous_hash"] == rows[1]["evidence_hash"]


def test_sealing_continues_after_the_head():
	rows = sealed_chain(4)
	first, rest = rows[:2], [contact(n) for n in (3, 4)]
	seals = seal_rows(rest, company=COMPANY, last_seq=2, last_hash=first[-1]["evidence_hash"])
	assert [(s.chain_seq, s.evidence_hash) for s in seals] == [
		(r["chain_seq"], r["evidence_hash"]) for r in rows[2:]
	]


def test_an_untouched_chain_verifies_and_reports_its_head():
	rows = sealed_chain(5)
	result = verify_rows(rows, company=COMPANY)
	assert result.ok
	assert (result.checked, result.head_seq, result.head_hash) == (5, 5, rows[-1]["evidence_hash"])


def test_an_empty_chain_verifies():
	result = verify_rows([], company=COMPANY)
	assert result.ok and result.checked == 0 and result.head_hash is None


def test_a_tampered_field_is_named():
	rows = sealed_chain(5)
	rows[2]["outstanding_amount"] = 120.0
	result = verify_rows(rows, company=COMPANY)
	assert not result.ok
	assert (result.first_bad, result.reason, result.checked) == (rows[2]["name"], CONTENT_CHANGED, 2)


def test_a_tampered_row_whose_hash_was_recomputed_breaks_the_next_link():
	rows = sealed_chain(5)
	rows[2]["notes"] = "Jamais envoyé"
	rows[2]["evidence_hash"] = row_hash(
		rows[2], company=COMPANY, seq=3, previous_hash=rows[2]["previous_hash"]
	)
	result = verify_rows(rows, company=COMPANY)
	assert (result.first_bad, result.reason) == (rows[3]["name"], LINK_BROKEN)


def test_a_deleted_row_is_detected_at_the_row_after_it():
	rows = sealed_chain(5)
	del rows[1]
	result = verify_rows(rows, company=COMPANY)
	assert (result.first_bad, result.reason) == (rows[1]["name"], SEQUENCE_GAP)
	assert dict(result.params) == {"expected": 2, "found": 3}


def test_a_deleted_row_with_the_numbers_closed_up_is_detected_by_the_link():
	rows = sealed_chain(5)
	del rows[1]
	for seq, row in enumerate(rows, start=1):
		row["chain_seq"] = seq
	result = verify_rows(rows, company=COMPANY)
	assert (result.first_bad, result.reason) == (rows[1]["name"], LINK_BROKEN)


def test_deleting_the_first_row_is_detected():
	rows = sealed_chain(3)[1:]
	rows[0]["chain_seq"], rows[1]["chain_seq"] = 1, 2
	assert verify_rows(rows, company=COMPANY).first_bad == rows[0]["name"]


def test_reordered_rows_are_detected():
	rows = sealed_chain(5)
	rows[1]["chain_seq"], rows[2]["chain_seq"] = 3, 2
	rows.sort(key=lambda r: r["chain_seq"])
	result = verify_rows(rows, company=COMPANY)
	assert (result.first_bad, result.reason) == (rows[1]["name"], LINK_BROKEN)
	assert rows[1]["name"] == "DCL-2026-000003"


def test_a_row_moved_to_another_company_does_not_verify_there():
	rows = sealed_chain(2)
	assert verify_rows(rows, company="Other SAS").first_bad == rows[0]["name"]


def test_removing_the_last_rows_shows_only_against_a_recorded_head():
	rows = sealed_chain(5)
	head = (5, rows[-1]["evidence_hash"])
	assert verify_rows(rows, company=COMPANY, expected_head=head).ok
	truncated = verify_rows(rows[:3], company=COMPANY, expected_head=head)
	assert truncated.reason == HEAD_MISMATCH and truncated.first_bad is None
	assert verify_rows(rows[:3], company=COMPANY).ok
