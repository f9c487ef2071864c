"""The customer page's personal link: only the genuine, unexpired, unrevoked token of one customer opens it."""

from __future__ import annotations

import base64
from datetime import date

import pytest

from relance_app.engine.portal_token import Claim, InvalidToken, read, sign

SECRET = b"site-secret-for-tests"
TODAY = date(2026, 11, 2)
CLAIM = Claim("CUST-0001", "Relance Test SAS", date(2026, 12, 31), 0)


def revisions(**counters):
	return lambda customer: counters.get(customer, 0)


def test_a_signed_token_reads_back_its_claim():
	token = sign(CLAIM, SECRET)
	assert read(token, SECRET, today=TODAY, revision_of=revisions()) == CLAIM


def test_the_token_is_one_url_safe_string_without_padding():
	token = sign(Claim("Dupont & Fils / Ste-Marie?", "Société Test", date(2026, 12, 31), 3), SECRET)
	assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_the_last_day_is_still_valid_and_the_next_one_is_not():
	token = sign(CLAIM, SECRET)
	assert read(token, SECRET, today=date(2026, 12, 31), revision_of=revisions()) == CLAIM
	with pytest.raises(InvalidToken, match="expired"):
		read(token, SECRET, today=date(2027, 1, 1), revision_of=revisions())


def test_raising_the_customer_counter_revokes_older_links():
	token = sign(CLAIM, SECRET)
	with pytest.raises(InvalidToken, match="revoked"):
		read(token, SECRET, today=TODAY, revision_of=revisions(**{"CUST-0001": 1}))
	fresh = sign(Claim("CUST-0001", "Relance Test SAS", date(2026, 12, 31), 1), SECRET)
	assert read(fresh, SECRET, today=TODAY, revision_of=revisions(**{"CUST-0001": 1})).revision == 1


def test_another_secret_rejects_the_token():
	with pytest.raises(InvalidToken, match="signature"):
		read(sign(CLAIM, SECRET), b"another-site", today=TODAY, revision_of=revisions())


@pytest.mark.parametrize("position", [0, 5, 20, -1, -10])
def test_any_altered_character_is_rejected(position):
	token = sign(CLAIM, SECRET)
	flipped = "A" if token[position] != "A" else "B"
	altered = token[:position] + flipped + token[position + 1 :] if position >= 0 else None
	if position < 0:
		index = len(token) + position
		altered = token[:index] + flipped + token[index + 1 :]
	with pytest.raises(InvalidToken):
		read(altered, SECRET, today=TODAY, revision_of=revisions())


def test_a_claim_rewritten_for_another_customer_fails_the_signature():
	raw = base64.urlsafe_b64decode(sign(CLAIM, SECRET) + "==")
	forged = raw.replace(b"CUST-0001", b"CUST-0002")
	token = base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
	with pytest.raises(InvalidToken, match="signature"):
		read(token, SECRET, today=TODAY, revision_of=revisions())


def test_two_customers_get_different_tokens_and_each_reads_its_own():
	other = Claim("CUST-0002", "Relance Test SAS", date(2026, 12, 31), 0)
	first, second = sign(CLAIM, SECRET), sign(other, SECRET)
	assert first != second
	assert read(second, SECRET, today=TODAY, revision_of=revisions()).customer == "CUST-0002"


@pytest.mark.parametrize("token", ["", "x", "!!!!", "A" * 2000, "AAAA", None])
def test_guessed_or_garbage_tokens_are_rejected(token):
	with pytest.raises(InvalidToken):
		read(token, SECRET, today=TODAY, revision_of=revisions())
