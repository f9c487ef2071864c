"""`bench --site <site> relance run|preview|verify-log`: the daily escalation and the evidence register from the
command line."""

import json

import click
from frappe.commands import get_site, pass_context


@click.group("relance")
def relance():
	"""Invoice dunning (relances)."""


@relance.command("run")
@click.option("--date", "day", help="Run as of this date (YYYY-MM-DD); default today")
@click.option("--dry-run", is_flag=True, default=None, help="Plan and log as Planned; send nothing")
@click.option("--company", help="Only this company's invoices")
@click.option("--inline", is_flag=True, help="Do not split a large run into background jobs")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of sentences")
@pass_context
def run(context, day=None, dry_run=None, company=None, inline=False, as_json=False):
	"""Run the escalation now (what the scheduler does every day)."""
	import frappe

	from relance_app.common.readiness import assert_ready_to_run
	from relance_app.desk.run_summary import describe_run, idle_reason
	from relance_app.dunning.run import run as run_escalation

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		try:
			if not (dry_run or frappe.db.get_single_value("Dunning Settings", "dry_run")):
				assert_ready_to_run(company)
			report = run_escalation(day, company=company, dry_run=dry_run, fan_out=not inline)
		except frappe.ValidationError as exc:
			# The run refused to start (common.readiness): say what to fix, in words.
			raise click.ClickException(
				frappe.utils.strip_html_tags(str(exc).replace("<br>", "\n")).strip()
			) from None
		frappe.db.commit()
		if as_json:
			data = report.as_dict()
			if not report.actions and not report.locked_out:
				data["reason"] = idle_reason(report.day, company)
			click.echo(json.dumps(data, indent=2, default=str))
		else:
			click.echo("\n".join(describe_run(report, company)))
		if report.locked_out:
			raise click.ClickException("another dunning run is in progress on this site")
	finally:
		frappe.destroy()


@relance.command("preview")
@click.option("--days", default=7, show_default=True, help="How many days ahead")
@click.option("--date", "day", help="First day (YYYY-MM-DD); default today")
@click.option("--company", help="Only this company's invoices")
@pass_context
def preview(context, days=7, day=None, company=None):
	"""Print what the escalation would do today and in the coming days, without acting."""
	import frappe

	from relance_app.dunning.preview import preview as preview_rows

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		rows = preview_rows(day, days, company=company)
		if not rows:
			click.echo("Nothing due.")
		for row in rows:
			click.echo(
				"{date}  {customer:<30.30}  L{level} {level_title:<40.40}  {channel:<17}  {outstanding:>12,.2f} {currency}  {invoices}".format(
					**row
				)
			)
	finally:
		frappe.destroy()


@relance.command("verify-log")
@click.option("--company", help="Only this company's register (default: every company)")
@pass_context
def verify_log(context, company=None):
	"""Recompute the contact log's hash chain; name the first entry that does not match (exit code 1)."""
	import frappe

	from relance_app.dunning.register import chain_companies, verify_chain

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		companies = [company] if company else chain_companies()
		results = [verify_chain(name) for name in companies]
	finally:
		frappe.destroy()
	for result in results:
		label = result.company or "(no company)"
		pending = f", {result.pending} not sealed yet" if result.pending else ""
		# Entries a System Manager corrected with a reason (each has a sealed Correction entry): not tampering.
		corrected = (
			f", corrected with a logged reason: {', '.join(result.corrected)}"
			if result.get("corrected")
			else ""
		)
		if result.ok:
			click.echo(
				f"OK    {label}: {result.checked} entries, head {result.head_hash or '-'}{pending}{corrected}"
			)
		else:
			click.echo(
				f"FAIL  {label}: entry {result.first_bad or '(end of chain)'}: {result.reason} "
				f"({result.checked} entries verified before it){pending}"
			)
	if not all(result.ok for result in results):
		raise SystemExit(1)


@relance.command("score")
@click.option("--date", "day", help="Score as of this date (YYYY-MM-DD); default today")
@click.option("--customer", "customers", multiple=True, help="Only this customer (repeatable)")
@pass_context
def score(context, day=None, customers=()):
	"""Recompute the payment risk of the customers (what the daily run does first) and list it."""
	import frappe

	from relance_app.dunning.risk import recompute_risk

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		found = recompute_risk(day, customers=list(customers) or None)
		frappe.db.commit()
	finally:
		frappe.destroy()
	for customer, assessment in sorted(found.items(), key=lambda item: (-item[1].score, item[0])):
		pinned = " (set by hand)" if assessment.pinned else ""
		click.echo(f"{assessment.score:>3}  {assessment.risk_class:<6}{pinned}  {customer}")
	click.echo(f"{len(found)} customers scored")


commands = [relance]
