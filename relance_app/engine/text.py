"""HTML to text, for the text part of emails and the address blocks of letters (no frappe needed)."""

from __future__ import annotations

import re
from html import unescape

_BREAK = re.compile(r"(?i)<br\s*/?>")
_TAG = re.compile(r"<[^>]+>")


def plain_text(html: str) -> str:
	"""A readable text alternative of a reminder (Frappe's html2text is slow and not needed for these)."""
	text = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|li|h\d)>", "\n", html)
	text = re.sub(r"(?i)</t[dh]>", "\t", text)
	text = unescape(_TAG.sub("", text))
	lines = (" ".join(line.split()) for line in text.splitlines())
	return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_lines(html: str | None) -> list[str]:
	"""The non-empty lines of an address or contact block as ERPNext renders it (lines split by <br>)."""
	text = unescape(_TAG.sub("", _BREAK.sub("\n", html or "")))
	return [line.strip() for line in text.split("\n") if line.strip()]


def first_line(html: str | None) -> str:
	lines = html_lines(html)
	return lines[0] if lines else ""
