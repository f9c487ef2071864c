"""The daily summary of a run, emailed to the accounts managers: what was sent, what failed, the steps that
wait for a person (with the reason), and the head of each company's evidence register (an outside record of
it, so that rows removed from its end would show)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html

from relance_app.common.parties import accounts_managers
from relance_app.dunning.evidence import steps_needing_attention
from relance_app.dunning.insurance import declarations_due
from relance_app.dunning.register import chain_companies, chain_head
from relance_app.dunning.report import RunReport

# Beyond this many, the digest points to the worklist instead of listing every step.
MAX_LISTED = 20


def send_digest(report: RunReport) -> None:
	"""A short daily summary to the accounts managers, when something happened or something waits for them."""
	if report.dry_run:
		return
	attention = steps_needing_attention()
	insurance = _insurance_due(report.day)
	if not (report.sent or report.failed or report.uncertain or report.batches or attention or insurance):
		return
	if not frappe.db.get_single_value("Dunning Settings", "send_digest"):
		return
	recipients = _accounts_managers()
	if not recipients:
		return
	lines = [
		_("Dunning run of {0}").format(frappe.format_value(report.day, {"fieldtype": "Date"})),
		_("Steps sent: {0}").format(report.sent),
		_("Failed (retried on the next run): {0}").format(report.failed - report.needs_attention),
		_("Not deliverable (see the contact log): {0}").format(report.not_deliverable),
		_("To check by hand (outcome unknown): {0}").format(report.uncertain),
	]
	lines += [f"{channel}: {count}" for channel, count in sorted(report.by_channel.items())]
	if report.batches:
		lines.append(_("Split into {0} background jobs.").format(len(report.batches)))
	html = "<br>".join(escape_html(line) for line in lines)
	html += _attention_section(attention) + _insurance_section(insurance) + _register_section()
	frappe.sendmail(
		recipients=recipients,
		subject=_("Relances: daily summary"),
		message=html,
		delayed=True,
	)


def _attention_section(steps: list[dict]) -> str:
	if not steps:
		return ""
	heading = _(
		"Steps needing attention: {0}. They are no longer retried: fix the cause, then set the contact log "
		"back to Failed (Retry button)."
	).format(len(steps))
	return _listed(heading, steps, _attention_item)


def _attention_item(step) -> str:
	return _("{0} ({1}), {2}, level {3}: {4}").format(
		step.customer_name or step.customer,
		step.customer,
		step.sales_invoice,
		step.level,
		step.failure_reason or _("no reason recorded"),
	)


def _listed(heading: str, rows: list, line_of) -> str:
	"""`heading` over the first MAX_LISTED rows as a list (`line_of(row)`: a row's line), the rest counted."""
	items = [line_of(row) for row in rows[:MAX_LISTED]]
	if len(rows) > MAX_LISTED:
		items.append(_("... and {0} more: see the Dunning Worklist.").format(len(rows) - MAX_LISTED))
	return "<p><strong>{}</strong></p><ul>{}</ul>".format(
		escape_html(heading), "".join(f"<li>{escape_html(item)}</li>" for item in items)
	)


def _insurance_due(day) -> list:
	# The credit insurance declarations are read apart: whatever goes wrong there, the digest still goes.
	try:
		return declarations_due(day)
	except Exception:
		frappe.log_error(title=_("Credit insurance declarations not read for the digest"))
		return []


def _insurance_section(rows: list) -> str:
	if not rows:
		return ""
	return _listed(_("Credit insurance declarations due: {0}").format(len(rows)), rows, _declaration_item)


def _declaration_item(row) -> str:
	deadline = frappe.format_value(row.cover.declaration_deadline, {"fieldtype": "Date"})
	item = _("{0} ({1}), {2}: declare to {3} (policy {4}) by {5}").format(
		row.customer_name or row.customer, row.customer, row.invoice, row.insurer, row.policy_number, deadline
	)
	return item + (" " + _("(deadline passed)") if row.days_left < 0 else "")


def _register_section() -> str:
	# The heads only (one indexed query per company): verifying is `bench relance verify-log`'s job.
	lines = []
	for company in chain_companies():
		seq, digest = chain_head(company)
		if seq:
			lines.append(
				_("{0}: {1} entries, last hash {2}").format(company or _("(no company)"), seq, digest)
			)
	if not lines:
		return ""
	return "<p><strong>{}</strong><br>{}</p>".format(
		escape_html(_("Evidence register")), "<br>".join(escape_html(line) for line in lines)
	)


def _accounts_managers() -> list[str]:
	"""The digest's recipients: every enabled Accounts Manager's email, once."""
	return list(dict.fromkeys(row.email for row in accounts_managers() if row.email))
