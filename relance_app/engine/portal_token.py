"""The customer page's personal link: a signed, expiring token naming one customer of one company.

Pure: the secret and the clock are given by the caller. A token is one base64url string (no padding) of the
compact JSON claim followed by its 32-byte HMAC-SHA256; nothing else goes into the URL. The claim carries a
per-customer revision: raising the customer's counter revokes every link issued before.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date

MAC_SIZE = 32
# Versioned: a change of the claim's shape must not make an old token read as a new one.
VERSION = 1


class InvalidToken(Exception):
	"""The token is malformed, altered, expired or revoked (the reason is for logs, never for the page)."""


@dataclass(frozen=True)
class Claim:
	customer: str
	company: str
	expires: date
	revision: int


def sign(claim: Claim, secret: bytes) -> str:
	body = json.dumps(
		[VERSION, claim.customer, claim.company, claim.expires.isoformat(), int(claim.revision)],
		separators=(",", ":"),
		ensure_ascii=False,
	).encode("utf-8")
	return base64.urlsafe_b64encode(body + _mac(body, secret)).rstrip(b"=").decode("ascii")


def read(token: str, secret: bytes, *, today: date, revision_of) -> Claim:
	"""The claim of a genuine, unexpired, unrevoked token; `revision_of(customer)` gives the current counter.

	Raises InvalidToken otherwise. The MAC is checked before anything in the body is trusted.
	"""
	if not isinstance(token, str) or not token or len(token) > 1000:
		raise InvalidToken("empty or oversized")
	try:
		raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
	except (binascii.Error, ValueError) as exc:
		raise InvalidToken("not base64url") from exc
	body, mac = raw[:-MAC_SIZE], raw[-MAC_SIZE:]
	if len(raw) <= MAC_SIZE or not hmac.compare_digest(mac, _mac(body, secret)):
		raise InvalidToken("bad signature")
	try:
		version, customer, company, expires, revision = json.loads(body.decode("utf-8"))
		claim = Claim(str(customer), str(company), date.fromisoformat(expires), int(revision))
	except (ValueError, TypeError) as exc:
		raise InvalidToken("bad claim") from exc
	if version != VERSION:
		raise InvalidToken("unknown version")
	if today > claim.expires:
		raise InvalidToken("expired")
	if claim.revision != int(revision_of(claim.customer) or 0):
		raise InvalidToken("revoked")
	return claim


def _mac(body: bytes, secret: bytes) -> bytes:
	if not secret:
		raise ValueError("an empty secret signs nothing")
	return hmac.new(secret, b"relance-portal\x00" + body, hashlib.sha256).digest()
