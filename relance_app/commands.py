"""`bench --site <site> relance run|preview`: the daily escalation from the command line."""

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
@pass_context
def run(context, day=None, dry_run=None, company=None, inline=False):
	"""Run the escalation now (what the scheduler does every day)."""
	import frappe

	from relance_app.dunning.run import run as run_escalation

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		report = run_escalation(day, company=company, dry_run=dry_run, fan_out=not inline)
		frappe.db.commit()
		click.echo(json.dumps(report.as_dict(), indent=2, default=str))
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


commands = [relance]
