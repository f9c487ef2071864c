"""A run report in words, for `bench relance run` and whoever reads its output: what was sent, what failed and
why (the reason, not an Error Log id), and why nothing happened when nothing did (a weekend or a holiday on a
business-days-only policy, no policy, nothing due)."""

from __future__ import annotations

from datetime import date

import frappe
from frappe import _

from relance_app.dunning.report import RunReport
from relance_app.dunning.selection import company_holidays
from relance_app.engine.plan import is_business_day


def idle_reason(day: date, company: str | None = None) -> str:
	"""Why a run on `day` planned nothing, in words ("" when there is no particular reason)."""
	filters = {"enabled": 1}
	if company:
		filters["company"] = company
	policies = frappe.get_all(
		"Dunning Policy", filters=filters, fields=["name", "company", "business_days_only"]
	)
	if not policies:
		return _("No enabled Dunning Policy: nothing to send.")
	if not frappe.db.get_single_value("Dunning Settings", "enabled"):
		return _("Automatic dunning is disabled in Dunning Settings: the scheduler does not run it.")
	closed = [
		policy
		for policy in policies
		if policy.business_days_only and not is_business_day(day, company_holidays(policy.company))
	]
	if closed and len(closed) == len(policies):
		return _(
			"{0} is not a business day (weekend or holiday of the company's Holiday List) and the policies send "
			"on business days only: the steps due wait for the next business day."
		).format(frappe.format(day, {"fieldtype": "Date"}))
	return _("No step is due today.")


def describe_run(report: RunReport, company: str | None = None) -> list[str]:
	"""The report as lines a person reads, translated."""
	day = frappe.format(report.day, {"fieldtype": "Date"})
	if report.locked_out:
		return [_("Another dunning run is in progress on this site: this one did nothing.")]
	lines = [
		_("Dunning run of {0} (dry run: nothing sent).").format(day)
		if report.dry_run
		else _("Dunning run of {0}.").format(day)
	]
	if not report.actions:
		lines.append(idle_reason(report.day, company))
		return lines
	lines.append(_("{0} step(s) due.").format(report.actions))
	if report.batches:
		lines.append(
			_("Split into {0} background job(s): see the digest for their results.").format(
				len(report.batches)
			)
		)
		return lines
	channels = ", ".join(f"{_(channel)}: {count}" for channel, count in sorted(report.by_channel.items()))
	verb = _("planned") if report.dry_run else _("sent")
	lines.append(_("{0} step(s) {1}{2}.").format(report.sent, verb, f" ({channels})" if channels else ""))
	for count, text in (
		(report.already_done, _("{0} already done by an earlier run.")),
		(report.paid_since_selection, _("{0} paid in the meantime, not sent.")),
		(
			report.not_deliverable,
			_("{0} could not be delivered (no email address, mobile or postal address)."),
		),
		(report.uncertain, _("{0} SMS of an interrupted run to check by hand (Planned in the contact log).")),
		(report.held_for_attention, _("{0} waiting for a person (Needs Attention in the contact log).")),
	):
		if count:
			lines.append(text.format(count))
	if report.failed:
		lines.append(_("{0} step(s) failed:").format(report.failed))
		lines += [f"  - {error}" for error in report.errors]
	if report.needs_attention:
		lines.append(
			_("{0} step(s) failed for the last time and now need a person (Dunning Worklist).").format(
				report.needs_attention
			)
		)
	return lines
