"""Doc events on ERPNext's Dunning."""

from __future__ import annotations

from relance_app.formal_notice.dunning import (
	FrenchLawDunning,
	apply_french_law,
	is_formal_notice,
	round_totals,
)


def validate(doc, method=None):
	"""A formal notice (Dunning of the "Mise en demeure" type) keeps French-law interest and fee when a draft
	is saved in the desk: this runs after ERPNext's validate, which has just reset them to its flat rate."""
	if isinstance(doc, FrenchLawDunning) or not is_formal_notice(doc):
		# FrenchLawDunning has applied the law in its own validate.
		return
	apply_french_law(doc)
	doc.validate_totals()
	round_totals(doc)
