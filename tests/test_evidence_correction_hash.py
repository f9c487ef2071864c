"""Corrections in the evidence chain: a sealed row corrected with a recorded (and sealed) Correction entry is
reported as corrected, not changed; any change not so recorded still fails verification."""

from __future__ import annotations

from relance_app.engine.evidence_hash import (
	CONTENT_CHANGED,
	correction_key,
	parse_correction_key,
	row_hash,
	seal_rows,
	verify_rows,
)

from .test_evidence_hash import COMPANY, contact


def sealed(rows: list[dict], after: list[dict] | None = None) -> list[dict]:
	"""`rows` sealed after the already sealed `after` (as the register appends them)."""
	after = after or []
	last_seq = after[-1]["chain_seq"] if after else 0
	last_hash = after[-1]["evidence_hash"] if after else None
	seals = seal_rows(rows, company=COMPANY, last_seq=last_seq, last_hash=last_hash)
	return after + [
		row | {"chain_seq": s.chain_seq, "previous_hash": s.previous_hash, "evidence_hash": s.evidence_hash}
		for row, s in zip(rows, seals, strict=True)
	]


def corrected_digest(row: dict) -> str:
	return row_hash(row, company=COMPANY, seq=row["chain_seq"], previous_hash=row["previous_hash"])


def test_a_recorded_correction_is_reported_as_such_and_the_chain_verifies():
	chain = sealed([contact(1), contact(2), contact(3)])
	chain[1]["notes"] = "Montant corrigé : erreur de saisie"
	assert verify_rows(chain, company=COMPANY).first_bad == chain[1]["name"]
	fix = contact(4, entry_type="Correction", status="Done", is_automatic=0, level=None, level_title=None)
	fix["idempotency_key"] = correction_key(chain[1]["name"], corrected_digest(chain[1]))
	chain = sealed([fix], after=chain)
	result = verify_rows(chain, company=COMPANY)
	assert result.ok and result.checked == 4
	assert result.corrected == (chain[1]["name"],)


def test_a_change_after_the_correction_is_tampering_again():
	chain = sealed([contact(1), contact(2)])
	chain[0]["notes"] = "Correction 1"
	fix = contact(3, entry_type="Correction", status="Done")
	fix["idempotency_key"] = correction_key(chain[0]["name"], corrected_digest(chain[0]))
	chain = sealed([fix], after=chain)
	chain[0]["notes"] = "Modifié sans trace"
	result = verify_rows(chain, company=COMPANY)
	assert (result.first_bad, result.reason) == (chain[0]["name"], CONTENT_CHANGED)


def test_only_the_latest_correction_counts():
	chain = sealed([contact(1)])
	first = corrected_digest(chain[0] | {"notes": "v1"})
	chain[0]["notes"] = "v2"
	second = corrected_digest(chain[0])
	fixes = [contact(2, idempotency_key=correction_key(chain[0]["name"], d)) for d in (first, second)]
	fixes[1]["name"] = "DCL-2026-000003"
	chain = sealed(fixes, after=chain)
	assert verify_rows(chain, company=COMPANY).corrected == (chain[0]["name"],)
	chain[0]["notes"] = "v1"
	assert verify_rows(chain, company=COMPANY).first_bad == chain[0]["name"]


def test_correction_keys_round_trip_and_other_keys_are_not_corrections():
	digest = "a" * 64
	assert parse_correction_key(correction_key("DCL-2026-000001", digest)) == ("DCL-2026-000001", digest)
	assert parse_correction_key("ACC-SINV-2026-00001|L2") is None
	assert parse_correction_key("correction:DCL-1:short") is None
	assert parse_correction_key(None) is None
