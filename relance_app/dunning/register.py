"""The evidence register: contact-log rows sealed into one SHA-256 chain per company, and its verification.

A row is sealed once it is final evidence (Sent, Done or Cancelled): it gets its position in its company's
chain, the hash of the row before it and its own hash (engine.evidence_hash has the canonical form).

Sealing is a separate, sequential step, never part of the transaction that sends: one company's rows are
sealed by one connection at a time, under MariaDB's GET_LOCK on a per-company name, and committed before the
lock is released; the sealing transaction begins after the lock is granted (it commits first), so it reads
the latest committed head, and it locks the rows it seals by name only: no range of the log is locked, so a
worker still writing its batch's rows never waits for a sealer, nor a sealer for another company's. So two
workers cannot fork a chain; and should the lock
ever be bypassed, `previous_hash` is unique in the table, so a second row claiming the same predecessor is
refused by the database. The daily run seals after each batch; rows written through the document API (a
call logged, a payment received, a dispute resolved) are sealed by a short job after their commit. A row
left unsealed (lock timeout, crash) is sealed by the next of these.

A System Manager's correction of a sealed row (with a reason, see the Dunning Contact Log controller) keeps
the row's seal and adds a sealed Correction entry naming the row and the hash of its corrected content
(engine.evidence_hash): verification then reports the row as corrected, not as changed.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator

import frappe
from frappe import _
from frappe.query_builder import DocType, Order
from frappe.query_builder.functions import Count

from relance_app.common.compat import in_test
from relance_app.engine.evidence_hash import (
	CORRECTION_PREFIX,
	EVIDENCE_FIELDS,
	ChainVerifier,
	corrections_of,
	row_hash,
	seal_rows,
)

DOCTYPE = "Dunning Contact Log"
# Final statuses: what the row says can no longer change (the controller refuses it once sealed).
SEALED_STATUSES = ("Sent", "Done", "Cancelled")
CHAIN_FIELDS = ("chain_seq", "previous_hash", "evidence_hash")
# Fields a sealed row must keep: the hashed ones, its company (which chain) and its place in the chain.
IMMUTABLE_FIELDS = (*EVIDENCE_FIELDS, "company", *CHAIN_FIELDS)
LOCK_TIMEOUT_SECONDS = 30
VERIFY_CHUNK = 5000
UPDATE_CHUNK = 500


def seal_pending(companies: Iterable[str | None] | None = None) -> int:
	"""Seal the final rows not sealed yet, of these companies (default: every company with some)."""
	if companies is None:
		companies = pending_companies()
	return sum(seal_company(company) for company in sorted(set(companies), key=lambda c: c or ""))


def seal_company(company: str | None) -> int:
	"""Append the company's unsealed final rows to its chain (oldest first); returns how many were sealed.

	Commits what the caller did so far: call it between units of work, never inside one.
	"""
	company = company or None
	frappe.db.commit()
	lock = _lock_name(company)
	if frappe.db.sql("select get_lock(%s, %s)", (lock, LOCK_TIMEOUT_SECONDS))[0][0] != 1:
		# Another worker is sealing this company and will pick these rows up, or the next one will.
		return 0
	try:
		with _read_committed():
			return _seal(company)
	except Exception as exc:
		frappe.db.rollback()
		if isinstance(exc, frappe.QueryDeadlockError) or frappe.db.is_deadlocked(exc):
			# Chosen as the victim against a worker writing its batch: the rows stay pending, sealed by the
			# next seal (after the next batch, or the next run); the worker's batch is what must go on.
			return 0
		raise
	finally:
		frappe.db.sql("select release_lock(%s)", (lock,))


def _seal(company: str | None) -> int:
	# GET_LOCK serialises the sealers of a company and this transaction begins after it was granted, so the
	# head read plainly is current; the final rows found are then locked one by one, by name.
	last_seq, last_hash = chain_head(company)
	rows = _pending_rows(company)
	seals = seal_rows(rows, company=company, last_seq=last_seq, last_hash=last_hash)
	if seals:
		frappe.db.bulk_update(
			DOCTYPE,
			{
				seal.name: {
					"chain_seq": seal.chain_seq,
					"previous_hash": seal.previous_hash,
					"evidence_hash": seal.evidence_hash,
				}
				for seal in seals
			},
			update_modified=False,
			chunk_size=UPDATE_CHUNK,
		)
	frappe.db.commit()
	return len(seals)


@contextlib.contextmanager
def _read_committed() -> Iterator[None]:
	"""The block's transaction at READ COMMITTED, the session back at its own level after it.

	Sealing moves rows out of the `chain_seq` = 0 range of its index, where every worker inserts the rows
	of its batch. At REPEATABLE READ, InnoDB keeps gap locks where the moved entries were, and a worker's
	insert into those gaps deadlocked with the sealer (measured with two workers). READ COMMITTED takes no
	gap lock: the sealer locks only the rows it seals, which no worker is writing."""
	previous = _session_isolation()
	frappe.db.sql("set session transaction isolation level read committed")
	frappe.db.commit()  # the next transaction, the sealing one, begins at that level
	try:
		yield
	finally:
		frappe.db.sql(f"set session transaction isolation level {previous}")
		frappe.db.commit()  # and the caller's next one at the session's own level again


ISOLATION_LEVELS = ("READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE")


def _session_isolation() -> str:
	"""The session's isolation level as SQL words ("REPEATABLE READ" unless the server is set otherwise)."""
	for variable in ("@@session.tx_isolation", "@@session.transaction_isolation"):
		try:
			value = str(frappe.db.sql(f"select {variable}")[0][0]).replace("-", " ").upper()
		except Exception:
			continue  # tx_isolation is deprecated since MariaDB 11.1 (transaction_isolation before it)
		if value in ISOLATION_LEVELS:
			return value
	return "REPEATABLE READ"


def seal_job(company: str | None = None) -> None:
	"""Background job after a commit that finalised rows through the document API."""
	seal_company(company)


def schedule_sealing(company: str | None) -> None:
	"""Seal this company's chain once the current transaction has committed (one job per company)."""
	pending = frappe.flags.get("relance_sealing")
	if pending is None:
		pending = frappe.flags.relance_sealing = set()
		frappe.db.after_commit.add(_enqueue_sealing)
		frappe.db.after_rollback.add(_forget_sealing)
	pending.add(company or "")


def _forget_sealing() -> None:
	frappe.flags.pop("relance_sealing", None)


def _enqueue_sealing() -> None:
	for company in sorted(frappe.flags.pop("relance_sealing", None) or ()):
		# Tests have no worker: seal right after the commit, in the same process.
		frappe.enqueue("relance_app.dunning.register.seal_job", queue="short", now=in_test(), company=company)


def pending_companies() -> list[str | None]:
	log = DocType(DOCTYPE)
	return (
		frappe.qb.from_(log)
		.select(log.company)
		.distinct()
		.where(log.chain_seq == 0)
		.where(log.status.isin(SEALED_STATUSES))
		.run(pluck=True)
	)


def chain_companies() -> list[str | None]:
	"""Every company with a sealed row or a row waiting for its seal (None: rows without a company)."""
	log = DocType(DOCTYPE)
	sealed = frappe.qb.from_(log).select(log.company).distinct().where(log.chain_seq > 0).run(pluck=True)
	return sorted({c or None for c in [*sealed, *pending_companies()]}, key=lambda c: c or "")


def verify_chain(company: str | None) -> frappe._dict:
	"""Recompute the company's chain from its rows. `ok` is False when a row does not match: `first_bad` names
	it and `reason` says why, in words. `head_seq`/`head_hash` identify the chain's last row: recorded
	elsewhere (the daily digest prints them), they show later that no row was removed from the end."""
	company = company or None
	log = DocType(DOCTYPE)
	fields = [log[f] for f in dict.fromkeys(("name", *EVIDENCE_FIELDS, *CHAIN_FIELDS))]
	verifier = ChainVerifier(company, _corrections(company))
	after = 0
	while True:
		chunk = (
			_company_filter(frappe.qb.from_(log).select(*fields), log, company)
			.where(log.chain_seq > after)
			.orderby(log.chain_seq)
			.limit(VERIFY_CHUNK)
			.run(as_dict=True)
		)
		if not chunk or not verifier.feed(chunk):
			break
		after = chunk[-1].chain_seq
	result = verifier.result()
	return frappe._dict(
		company=company,
		ok=result.ok,
		checked=result.checked,
		head_seq=result.head_seq,
		head_hash=result.head_hash,
		first_bad=result.first_bad,
		reason=_(result.reason).format(**dict(result.params)) if result.reason else None,
		pending=_count_pending(company),
		corrected=list(result.corrected),
	)


def _corrections(company: str | None) -> dict[str, str]:
	"""The company's sealed Correction entries: per corrected row, the digest of its latest correction."""
	log = DocType(DOCTYPE)
	rows = (
		_company_filter(frappe.qb.from_(log).select(log.idempotency_key), log, company)
		.where(log.chain_seq > 0)
		.where(log.idempotency_key.like(f"{CORRECTION_PREFIX}%"))
		.orderby(log.chain_seq)
		.run(as_dict=True)
	)
	return corrections_of(rows)


def content_digest(name: str) -> str | None:
	"""The hash the sealed row `name` has with its content as stored now, at its place in the chain (None when
	it is not sealed): what a Correction entry records."""
	fields = list(dict.fromkeys(("name", "company", *EVIDENCE_FIELDS, *CHAIN_FIELDS)))
	row = frappe.db.get_value(DOCTYPE, name, fields, as_dict=True)
	if not row or not row.chain_seq:
		return None
	return row_hash(row, company=row.company or None, seq=row.chain_seq, previous_hash=row.previous_hash)


def chain_head(company: str | None) -> tuple[int, str | None]:
	"""The position and hash of the company's last sealed row ((0, None) before the first)."""
	log = DocType(DOCTYPE)
	rows = (
		_company_filter(frappe.qb.from_(log).select(log.chain_seq, log.evidence_hash), log, company)
		.where(log.chain_seq > 0)
		.orderby(log.chain_seq, order=Order.desc)
		.limit(1)
		.run()
	)
	return (int(rows[0][0]), rows[0][1]) if rows else (0, None)


def _pending_rows(company: str | None) -> list[dict]:
	"""The company's final rows not sealed yet, oldest first, each locked by its primary key."""
	log = DocType(DOCTYPE)
	names = (
		_company_filter(frappe.qb.from_(log).select(log.name), log, company)
		.where(log.chain_seq == 0)
		.where(log.status.isin(SEALED_STATUSES))
		.run(pluck=True)
	)
	fields = [log[f] for f in dict.fromkeys(("name", *EVIDENCE_FIELDS))]
	rows: list[dict] = []
	for start in range(0, len(names), UPDATE_CHUNK):
		rows += (
			frappe.qb.from_(log)
			.select(log.creation, *fields)
			.where(log.name.isin(names[start : start + UPDATE_CHUNK]))
			# Still final and unsealed now that it is locked (a correction may have changed it meanwhile).
			.where(log.chain_seq == 0)
			.where(log.status.isin(SEALED_STATUSES))
			.for_update()
			.run(as_dict=True)
		)
	rows.sort(key=lambda row: (row.creation, row.name))
	for row in rows:
		del row["creation"]
	return rows


def _count_pending(company: str | None) -> int:
	log = DocType(DOCTYPE)
	query = (
		_company_filter(frappe.qb.from_(log).select(Count("*")), log, company)
		.where(log.chain_seq == 0)
		.where(log.status.isin(SEALED_STATUSES))
	)
	return int(query.run()[0][0])


def _company_filter(query, log, company: str | None):
	if company:
		return query.where(log.company == company)
	return query.where(log.company.isnull() | (log.company == ""))


def _lock_name(company: str | None) -> str:
	# GET_LOCK names are server-wide and at most 64 characters: hash the site and the company into one.
	key = hashlib.sha1(f"{frappe.local.site}|{company or ''}".encode()).hexdigest()
	return f"relance_seal_{key}"
