"""Sales Order and Sales Invoice events: warn (never block) when a new document takes a credit-insured customer
over its insured limit."""

from __future__ import annotations

from relance_app.dunning.credit_limit import warn_on_new_document


def validate(doc, method=None):
	warn_on_new_document(doc)
