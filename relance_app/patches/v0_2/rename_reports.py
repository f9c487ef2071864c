"""Give the three dunning reports their English names, keeping what sites attached to the old French ones.

Runs before the model sync, so the renamed Report records receive the new JSON (roles, filters) instead of
the sync creating new reports next to orphaned old ones. `frappe.rename_doc` carries the links that point at a
report: workspace links and shortcuts, Custom Role, Prepared Report, Number Card. The users' saved report
settings (column widths, filters) are keyed by report name in __UserSettings: they move too. French users keep
seeing the French titles through fr.po.
"""

import frappe

RENAMED_REPORTS = {
	"Relances à faire": "Dunning Worklist",
	"Efficacité des relances": "Dunning Effectiveness",
	"Balance âgée relances": "Dunning Aged Receivables",
}


def execute():
	for old, new in RENAMED_REPORTS.items():
		rename_report(old, new)


def rename_report(old: str, new: str) -> None:
	if not frappe.db.exists("Report", old):
		return
	if frappe.db.exists("Report", new):
		# Both exist (the new one came with a partial upgrade): merge the old into the new.
		frappe.rename_doc("Report", old, new, force=True, merge=True)
	else:
		frappe.rename_doc("Report", old, new, force=True)
	frappe.db.sql(
		"update `__UserSettings` set doctype = %s where doctype = %s and not exists "
		"(select 1 from (select user from `__UserSettings` where doctype = %s) as taken "
		"where taken.user = `__UserSettings`.user)",
		(new, old, new),
	)
