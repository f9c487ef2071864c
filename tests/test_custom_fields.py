from __future__ import annotations

from relance_app.setup.custom_fields import get_custom_fields


def test_every_custom_field_is_prefixed_dunning():
	for doctype, fields in get_custom_fields().items():
		for field in fields:
			assert field["fieldname"].startswith("dunning_"), (doctype, field["fieldname"])


def test_insert_after_chains_only_to_known_fields():
	anchors = {
		"Sales Invoice": "payment_schedule",
		"Customer": "credit_limits",
		"Customer Group": "payment_terms",
		"Dunning Type": "dunning_type",
		"Company": "registration_details",
	}
	for doctype, fields in get_custom_fields().items():
		known = {anchors[doctype]}
		for field in fields:
			assert field["insert_after"] in known, (doctype, field["fieldname"])
			known.add(field["fieldname"])


def test_invoice_mirrors_are_read_only_but_editable_on_submitted_invoices():
	fields = {f["fieldname"]: f for f in get_custom_fields()["Sales Invoice"]}
	for name in ("dunning_status", "dunning_level", "dunning_last_contact", "dunning_next_action"):
		assert fields[name]["read_only"] == 1 and fields[name]["allow_on_submit"] == 1
		assert fields[name]["no_copy"] == 1  # a duplicated invoice starts its own dunning
	for name in ("dunning_paused_until", "dunning_policy"):
		assert not fields[name].get("read_only") and fields[name]["allow_on_submit"] == 1
