"""The daily summary of a run, emailed to the accounts managers."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import escape_html

from relance_app.dunning.report import RunReport


def send_digest(report: RunReport) -> None:
	"""A short daily summary to the accounts managers, when something happened."""
	if report.dry_run or not (report.sent or report.failed or report.uncertain or report.batches):
		return
	if not frappe.db.get_single_value("Dunning Settings", "send_digest"):
		return
	recipients = _accounts_managers()
	if not recipients:
		return
	lines = [
		_("Dunning run of {0}").format(frappe.format_value(report.day, {"fieldtype": "Date"})),
		_("Steps sent: {0}").format(report.sent),
		_("Failed (retried tomorrow): {0}").format(report.failed),
		_("Not deliverable (see the contact log): {0}").format(report.not_deliverable),
		_("To check by hand (outcome unknown): {0}").format(report.uncertain),
	]
	lines += [f"{channel}: {count}" for channel, count in sorted(report.by_channel.items())]
	if report.batches:
		lines.append(_("Split into {0} background jobs.").format(len(report.batches)))
	frappe.sendmail(
		recipients=recipients,
		subject=_("Relances: daily summary"),
		message="<br>".join(escape_html(line) for line in lines),
		delayed=True,
	)


def _accounts_managers() -> list[str]:
	has_role = DocType("Has Role")
	user = DocType("User")
	rows = (
		frappe.qb.from_(has_role)
		.join(user)
		.on(user.name == has_role.parent)
		.select(user.email)
		.distinct()
		.where(has_role.role == "Accounts Manager")
		.where(has_role.parenttype == "User")
		.where(user.enabled == 1)
		.where(user.name.notin(("Administrator", "Guest")))
		.run(pluck=True)
	)
	return [email for email in rows if email]
