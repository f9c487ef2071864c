"""The custom fields relance_app adds to ERPNext doctypes, as data.

Installed by `setup.install.after_install`, re-applied by a patch whenever this list changes, removed (with their
columns) by `setup.install.before_uninstall`. Every fieldname starts with ``dunning_``. The Sales Invoice fields
are mirrors kept by the daily run for list views and filters; only the policy override and the pause are
meant to be edited by hand, so they allow editing on submitted invoices.
"""

from __future__ import annotations

from relance_app.engine.errors import N_

# Select options are stored in English and translated when shown: N_ marks them for extraction.
INVOICE_STATUSES = (
	N_("Not Started"),
	N_("Active"),
	N_("Paused"),
	N_("Promise"),
	N_("Disputed"),
	N_("Formal Notice"),
	N_("Closed"),
)
RISK_CLASSES = (N_("Low"), N_("Normal"), N_("High"))


def get_custom_fields() -> dict[str, list[dict]]:
	mirror = {"read_only": 1, "allow_on_submit": 1, "no_copy": 1, "print_hide": 1}
	return {
		"Sales Invoice": [
			{
				"fieldname": "dunning_section",
				"fieldtype": "Section Break",
				"label": N_("Relances"),
				"insert_after": "payment_schedule",
				"collapsible": 1,
			},
			{
				"fieldname": "dunning_status",
				"fieldtype": "Select",
				"label": N_("Dunning Status"),
				"options": "\n" + "\n".join(INVOICE_STATUSES),
				"insert_after": "dunning_section",
				"in_standard_filter": 1,
				"in_list_view": 1,
				**mirror,
			},
			{
				"fieldname": "dunning_level",
				"fieldtype": "Int",
				"label": N_("Dunning Level"),
				"insert_after": "dunning_status",
				**mirror,
			},
			{
				"fieldname": "dunning_last_contact",
				"fieldtype": "Date",
				"label": N_("Last Dunning Contact"),
				"insert_after": "dunning_level",
				**mirror,
			},
			{
				"fieldname": "dunning_column_break",
				"fieldtype": "Column Break",
				"insert_after": "dunning_last_contact",
			},
			{
				"fieldname": "dunning_next_action",
				"fieldtype": "Data",
				"label": N_("Next Dunning Action"),
				"insert_after": "dunning_column_break",
				**mirror,
			},
			{
				"fieldname": "dunning_next_action_date",
				"fieldtype": "Date",
				"label": N_("Next Dunning Action Date"),
				"insert_after": "dunning_next_action",
				**mirror,
			},
			{
				"fieldname": "dunning_paused_until",
				"fieldtype": "Date",
				"label": N_("Dunning Paused Until"),
				"insert_after": "dunning_next_action_date",
				"allow_on_submit": 1,
				"no_copy": 1,
				"print_hide": 1,
				"description": N_("No reminder is sent for this invoice up to and including this date."),
			},
			{
				"fieldname": "dunning_policy",
				"fieldtype": "Link",
				"label": N_("Dunning Policy Override"),
				"options": "Dunning Policy",
				"insert_after": "dunning_paused_until",
				"allow_on_submit": 1,
				"no_copy": 1,
				"print_hide": 1,
				"description": N_(
					"Leave empty to use the customer's, the customer group's or the company's policy."
				),
			},
		],
		"Customer": [
			{
				"fieldname": "dunning_section",
				"fieldtype": "Section Break",
				"label": N_("Relances"),
				"insert_after": "credit_limits",
			},
			{
				"fieldname": "dunning_policy",
				"fieldtype": "Link",
				"label": N_("Dunning Policy"),
				"options": "Dunning Policy",
				"insert_after": "dunning_section",
			},
			{
				"fieldname": "dunning_exclude",
				"fieldtype": "Check",
				"label": N_("Exclude from Dunning"),
				"insert_after": "dunning_policy",
			},
			{
				"fieldname": "dunning_column_break",
				"fieldtype": "Column Break",
				"insert_after": "dunning_exclude",
			},
			{
				"fieldname": "dunning_contact",
				"fieldtype": "Link",
				"label": N_("Dunning Contact"),
				"options": "Contact",
				"insert_after": "dunning_column_break",
				"description": N_(
					"Who receives reminders. Empty: the invoice's contact, else the customer's email."
				),
			},
			{
				"fieldname": "dunning_risk_class",
				"fieldtype": "Select",
				"label": N_("Payment Risk Class"),
				"options": "\n" + "\n".join(RISK_CLASSES),
				"insert_after": "dunning_contact",
			},
		],
		"Dunning Type": [
			{
				"fieldname": "dunning_formal_notice",
				"fieldtype": "Check",
				"label": N_("French-law Formal Notice"),
				"insert_after": "dunning_type",
				"read_only": 1,
				"description": N_(
					"Set by relance_app on each company's mise en demeure type: its Dunnings follow French law."
				),
			},
		],
		"Customer Group": [
			{
				"fieldname": "dunning_policy",
				"fieldtype": "Link",
				"label": N_("Dunning Policy"),
				"options": "Dunning Policy",
				"insert_after": "payment_terms",
				"description": N_(
					"Applies to the customers of this group and of its sub-groups without a policy of their own."
				),
			},
		],
	}
