"""Late Payment Rate documents <-> the engine's RateTable (`engine.rates`): read, cached, and seeded from the
shipped reference data."""

from __future__ import annotations

import frappe

from relance_app.engine.rates import (
	ECB_MAIN_REFINANCING,
	LEGAL_RATE_CONSUMER_CREDITOR,
	LEGAL_RATE_OTHER,
	RateTable,
	load_default_rates,
)

# The desk shows readable labels; the engine speaks in kind codes.
KIND_LABELS = {
	ECB_MAIN_REFINANCING: "ECB Main Refinancing Rate",
	LEGAL_RATE_CONSUMER_CREDITOR: "Legal Rate (Consumer Creditor)",
	LEGAL_RATE_OTHER: "Legal Rate (Other Cases)",
}
LABEL_KINDS = {label: kind for kind, label in KIND_LABELS.items()}


def get_rate_table() -> RateTable:
	"""The rates as accounts managers maintain them (Late Payment Rate), cached for the request."""
	if "relance_rate_table" not in frappe.local.cache:
		rows = frappe.get_all(
			"Late Payment Rate", fields=["rate_type", "valid_from", "rate_percent", "source"]
		)
		table = RateTable.from_rows(
			{
				"kind": LABEL_KINDS[row.rate_type],
				"valid_from": row.valid_from,
				"rate_percent": str(row.rate_percent),
				"source": row.source,
			}
			for row in rows
		)
		frappe.local.cache["relance_rate_table"] = table
	return frappe.local.cache["relance_rate_table"]


def seed_rates() -> int:
	"""Insert the shipped rates that the site does not have yet; returns how many were added."""
	existing = {
		(row.rate_type, str(row.valid_from))
		for row in frappe.get_all("Late Payment Rate", fields=["rate_type", "valid_from"])
	}
	added = 0
	for row in load_default_rates().rows:
		label = KIND_LABELS[row.kind]
		if (label, row.valid_from.isoformat()) in existing:
			continue
		frappe.get_doc(
			{
				"doctype": "Late Payment Rate",
				"rate_type": label,
				"valid_from": row.valid_from,
				"rate_percent": float(row.rate_percent),
				"source": row.source,
			}
		).insert(ignore_permissions=True)
		added += 1
	return added
