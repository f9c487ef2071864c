"""Doc events on ERPNext's Customer."""

from __future__ import annotations

from relance_app.formal_notice.proceedings import record_proceedings


def on_update(doc, method=None):
	"""Collective proceedings recorded on the customer stop its ladder: log it once, and plan the declaration."""
	record_proceedings(doc)
