"""Status changes of contact-log rows in bulk, with the trail the document API would leave.

The run changes thousands of rows a day (Planned -> Sent, Open -> Done, Failed -> Needs Attention); loading
and saving each document would cost more than the run itself. One UPDATE per call, and one Version row per
changed row (the desk shows it on the form's timeline: who changed which field from what to what, and when),
written with one multi-row INSERT, as `Document.save_version` would for a tracked doctype.
"""

from __future__ import annotations

from collections.abc import Iterable

import frappe
from frappe.query_builder import DocType
from frappe.utils import now_datetime

from relance_app.dunning.register import schedule_sealing

DOCTYPE = "Dunning Contact Log"
VERSION_FIELDS = ("name", "creation", "modified", "owner", "modified_by", "ref_doctype", "docname", "data")


def update_log_rows(names: Iterable[str], values: dict, *, seal: bool = False) -> list[str]:
	"""Set `values` on these contact-log rows and record what changed; returns the rows that changed.

	`seal`: the rows become final outside the run (which seals after each batch): seal them into the
	evidence register once this transaction commits.
	"""
	names = sorted(set(filter(None, names)))
	if not names or not values:
		return []
	log = DocType(DOCTYPE)
	fields = list(values)
	before = (
		frappe.qb.from_(log)
		.select(log.name, log.company, *(log[field] for field in fields if field != "company"))
		.where(log.name.isin(names))
		.for_update()
		.run(as_dict=True)
	)
	stamp, user = now_datetime(), frappe.session.user
	query = frappe.qb.update(log)
	for field, value in values.items():
		query = query.set(log[field], value)
	query.set(log.modified, stamp).set(log.modified_by, user).where(log.name.isin(names)).run()
	versions = []
	for row in before:
		changed = [
			[field, row[field], values[field]] for field in fields if _differs(row[field], values[field])
		]
		if changed:
			versions.append((frappe.generate_hash(length=10), stamp, stamp, user, user, DOCTYPE, row.name,
				_version_data(changed)))  # fmt: skip
	if versions:
		frappe.db.bulk_insert("Version", VERSION_FIELDS, versions)
	if seal:
		for company in {row.company for row in before}:
			schedule_sealing(company)
	return [version[6] for version in versions]


def _differs(old, new) -> bool:
	if old in (None, "") and new in (None, ""):
		return False
	return old != new


def _version_data(changed: list) -> str:
	# The shape of frappe's Version.data (core/doctype/version/version.py: get_diff).
	diff = {
		"changed": changed,
		"added": [],
		"removed": [],
		"row_changed": [],
		"data_import": None,
		"updater_reference": None,
	}
	return frappe.as_json(diff, indent=None, separators=(",", ":"))
