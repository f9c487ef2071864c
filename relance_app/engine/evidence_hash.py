"""The evidence register's hash chain: the canonical form of a contact-log row, its SHA-256, and verification.

Each sealed row of a company carries `chain_seq` (1, 2, 3, ... within the company), `previous_hash` (the hash
of the row sealed before it, or the company's genesis hash for the first) and `evidence_hash`, the SHA-256 of
its canonical form, which includes both. Changing a sealed row's content breaks its own hash; deleting,
inserting or reordering rows breaks the link of the row after. Removing the last rows leaves a valid shorter
chain: only a head recorded elsewhere (the daily digest prints it) shows that.

Corrections: a System Manager may correct a sealed row, giving a reason. The row keeps its seal (its
`evidence_hash`, which the next row links to) and a new row is written and sealed after it: a "Correction" entry
whose idempotency key `correction:<row name>:<hash>` names the corrected row and the hash its corrected content
has at its place in the chain. The verifier accepts a row whose content no longer matches its seal only when
the latest sealed correction of that row gives the hash of its content as it is now; it reports the row as
corrected, not changed. Any other change (or a change after the correction) still fails verification.

Canonical form (format "relance-evidence/1"): a JSON array, compact and ASCII-only, of
[format, company, chain_seq, previous_hash, [field, value], ...] with the fields of EVIDENCE_FIELDS in that
order; every value is null or a string: text as is, integers in decimal, amounts as the shortest decimal
of the value rounded to 9 places (the database's scale; a float and a Decimal of the same amount agree),
dates YYYY-MM-DD, datetimes YYYY-MM-DDTHH:MM:SS.ffffff. Empty text and null are the same (null).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from relance_app.engine.errors import N_

FORMAT = "relance-evidence/1"
# What a court would ask about a contact: who, which invoice and instalment, what kind, which way, its
# outcome, when, at which level and through which channel, for how much, with which documents, and the key
# that makes the automatic step unique. Left out on purpose: the customer's name (fetched, follows renames),
# the tracking number of a registered letter (recorded after it is posted), timestamps of the row itself.
EVIDENCE_FIELDS = (
	"name",
	"customer",
	"sales_invoice",
	"payment_schedule",
	"entry_type",
	"direction",
	"status",
	"contact_date",
	"is_automatic",
	"dunning_policy",
	"level",
	"level_title",
	"due_date",
	"outstanding_amount",
	"promised_date",
	"promised_amount",
	"currency",
	"call_outcome",
	"communication",
	"todo",
	"dunning",
	"attachment",
	"notes",
	"idempotency_key",
)
AMOUNT_FIELDS = frozenset({"outstanding_amount", "promised_amount"})
_SCALE = Decimal("1e-9")

# Why a row fails verification (translated by the Frappe layer).
CONTENT_CHANGED = N_("its content was changed after it was sealed")
LINK_BROKEN = N_(
	"it does not follow the row sealed before it: a row was deleted, inserted or moved before it"
)
SEQUENCE_GAP = N_("sealed rows are missing before it (expected number {expected}, found {found})")
HEAD_MISMATCH = N_("the chain ends before the recorded head: sealed rows were removed at the end")
CORRECTION_PREFIX = "correction:"


def correction_key(name: str, digest: str) -> str:
	"""The idempotency key of the Correction entry for row `name` whose corrected content hashes to `digest`."""
	return f"{CORRECTION_PREFIX}{name}:{digest}"


def parse_correction_key(key: str | None) -> tuple[str, str] | None:
	"""(corrected row name, digest) from a Correction entry's key; None for any other key."""
	if not key or not key.startswith(CORRECTION_PREFIX):
		return None
	name, _sep, digest = key[len(CORRECTION_PREFIX) :].rpartition(":")
	if not name or len(digest) != 64:
		return None
	return name, digest


def canonical_value(value: object, *, amount: bool = False) -> str | None:
	"""One field's value as text, the same whatever type the database driver returned it as."""
	if value is None or value == "":
		return None
	if amount:
		number = Decimal(str(value)).quantize(_SCALE).normalize()
		return "0" if number == 0 else format(number, "f")
	if isinstance(value, bool):
		return "1" if value else "0"
	if isinstance(value, datetime):
		return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
	if isinstance(value, date):
		return value.isoformat()
	if isinstance(value, int):
		return str(value)
	if isinstance(value, (float, Decimal)):
		# Integers the driver returned as numbers (a level read as 2.0).
		number = Decimal(str(value))
		if number != number.to_integral_value():
			raise ValueError(f"not a whole number: {value!r}")
		return str(int(number))
	return str(value)


def genesis_hash(company: str | None) -> str:
	"""The `previous_hash` of a company's first sealed row: distinct per company, so no two chains share one."""
	return hashlib.sha256(f"{FORMAT}|genesis|{company or ''}".encode()).hexdigest()


def canonical_form(row: Mapping, *, company: str | None, seq: int, previous_hash: str) -> bytes:
	"""The bytes that are hashed for `row` at position `seq` of `company`'s chain."""
	items: list = [FORMAT, company or None, str(seq), previous_hash]
	for field in EVIDENCE_FIELDS:
		items.append([field, canonical_value(row.get(field), amount=field in AMOUNT_FIELDS)])
	return json.dumps(items, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def row_hash(row: Mapping, *, company: str | None, seq: int, previous_hash: str) -> str:
	return hashlib.sha256(
		canonical_form(row, company=company, seq=seq, previous_hash=previous_hash)
	).hexdigest()


@dataclass(frozen=True)
class Seal:
	name: str
	chain_seq: int
	previous_hash: str
	evidence_hash: str


def seal_rows(
	rows: Iterable[Mapping], *, company: str | None, last_seq: int = 0, last_hash: str | None = None
) -> list[Seal]:
	"""Seals for `rows` (in the order given) appended after the chain's head (`last_seq`, `last_hash`)."""
	previous = last_hash or genesis_hash(company)
	seals = []
	for seq, row in enumerate(rows, start=last_seq + 1):
		digest = row_hash(row, company=company, seq=seq, previous_hash=previous)
		seals.append(Seal(row["name"], seq, previous, digest))
		previous = digest
	return seals


@dataclass(frozen=True)
class Verification:
	"""The outcome of checking one company's chain: `first_bad` names the first row that does not match."""

	company: str | None
	checked: int
	head_seq: int = 0
	head_hash: str | None = None
	first_bad: str | None = None
	reason: str | None = None
	params: tuple[tuple[str, object], ...] = ()
	corrected: tuple[str, ...] = ()

	@property
	def ok(self) -> bool:
		return self.first_bad is None and self.reason is None


class ChainVerifier:
	"""Walks a company's sealed rows in `chain_seq` order, fed in chunks (a register can be large)."""

	def __init__(self, company: str | None, corrections: Mapping[str, str] | None = None):
		"""`corrections`: per row name, the digest recorded by its latest sealed Correction entry."""
		self.company = company
		self.expected_seq = 1
		self.previous = genesis_hash(company)
		self.checked = 0
		self.failure: tuple[str, str, dict] | None = None
		self.corrections = dict(corrections or {})
		self.corrected: list[str] = []

	def feed(self, rows: Sequence[Mapping]) -> bool:
		"""Check these rows; False once a row fails (the rest are not looked at)."""
		for row in rows:
			if self.failure:
				return False
			self._check(row)
		return self.failure is None

	def _check(self, row: Mapping) -> None:
		seq = int(row["chain_seq"])
		if seq != self.expected_seq:
			self.failure = (row["name"], SEQUENCE_GAP, {"expected": self.expected_seq, "found": seq})
			return
		if row.get("previous_hash") != self.previous:
			self.failure = (row["name"], LINK_BROKEN, {})
			return
		actual = row_hash(row, company=self.company, seq=seq, previous_hash=self.previous)
		if actual != row.get("evidence_hash"):
			if self.corrections.get(row["name"]) != actual:
				self.failure = (row["name"], CONTENT_CHANGED, {})
				return
			# Corrected with a recorded reason: its seal still links the chain, its content is the corrected one.
			self.corrected.append(row["name"])
		self.checked += 1
		self.expected_seq = seq + 1
		self.previous = row["evidence_hash"]

	def result(self, *, expected_head: tuple[int, str] | None = None) -> Verification:
		head_seq = self.expected_seq - 1
		head_hash = self.previous if head_seq else None
		corrected = tuple(self.corrected)
		if self.failure:
			name, reason, params = self.failure
			return Verification(
				self.company,
				self.checked,
				head_seq,
				head_hash,
				name,
				reason,
				tuple(params.items()),
				corrected,
			)
		if expected_head and (
			expected_head[0] > head_seq or (expected_head[0] == head_seq and expected_head[1] != head_hash)
		):
			return Verification(
				self.company, self.checked, head_seq, head_hash, None, HEAD_MISMATCH, corrected=corrected
			)
		return Verification(self.company, self.checked, head_seq, head_hash, corrected=corrected)


def corrections_of(rows: Iterable[Mapping]) -> dict[str, str]:
	"""Per corrected row name, the digest of its latest correction, from sealed rows in `chain_seq` order."""
	found: dict[str, str] = {}
	for row in rows:
		parsed = parse_correction_key(row.get("idempotency_key"))
		if parsed:
			found[parsed[0]] = parsed[1]
	return found


def verify_rows(
	rows: Iterable[Mapping], *, company: str | None, expected_head: tuple[int, str] | None = None
) -> Verification:
	"""Verify a whole chain given in `chain_seq` order (each row: EVIDENCE_FIELDS + the three chain fields)."""
	rows = list(rows)
	verifier = ChainVerifier(company, corrections_of(rows))
	verifier.feed(rows)
	return verifier.result(expected_head=expected_head)
