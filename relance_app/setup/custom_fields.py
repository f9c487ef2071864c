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
	N_("Litigation"),
	N_("Needs Attention"),
	N_("Closed"),
)
RISK_CLASSES = (N_("Low"), N_("Normal"), N_("High"))
# Who the customer is for French law (engine debtor B2B, B2C, public): see common.parties.DEBTOR_KINDS.
DEBTOR_KINDS = (N_("Professional"), N_("Consumer"), N_("Public Body"))
# Collective proceedings (Code de commerce, livre VI): safeguard, reorganisation, liquidation.
PROCEEDINGS_KINDS = (N_("Safeguard"), N_("Judicial Reorganisation"), N_("Judicial Liquidation"))


# On the penalty invoice of a formal notice: which Dunning it invoices (one invoice per Dunning).
PENALTY_INVOICE_LINK = {
	"fieldname": "dunning_formal_notice",
	"fieldtype": "Link",
	"label": N_("Formal Notice Invoiced"),
	"options": "Dunning",
	"insert_after": "dunning_policy",
	"read_only": 1,
	"no_copy": 1,
	"print_hide": 1,
	"depends_on": "dunning_formal_notice",
	"search_index": 1,
}


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
				"fieldname": "dunning_predicted_payment_date",
				"fieldtype": "Date",
				"label": N_("Predicted Payment Date"),
				"insert_after": "dunning_last_contact",
				"description": N_("Learned from the customer's payment history (dunning.risk), every night."),
				**mirror,
			},
			{
				"fieldname": "dunning_column_break",
				"fieldtype": "Column Break",
				"insert_after": "dunning_predicted_payment_date",
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
			PENALTY_INVOICE_LINK,
			{
				# The day the daily run reads this invoice again (empty: at the next run). Indexed: the run
				# reads the invoices whose day has come, not the whole open ledger (dunning.selection).
				"fieldname": "dunning_check_on",
				"fieldtype": "Date",
				"label": N_("Next Dunning Check"),
				"insert_after": "dunning_formal_notice",
				"hidden": 1,
				**mirror,
				"search_index": 1,
			},
			{
				# Affacturage: set by the contract's rule on submit, by hand, or from the list (common.factoring).
				"fieldname": "dunning_factoring_contract",
				"fieldtype": "Link",
				"label": N_("Factoring Contract"),
				"options": "Factoring Contract",
				"insert_after": "dunning_check_on",
				"allow_on_submit": 1,
				"no_copy": 1,
				"print_hide": 1,
				"in_standard_filter": 1,
				"description": N_(
					"The factor this invoice is sold to: reminders, letters and the debtor page give the factor's "
					"account and the subrogation mention, or send nothing when the factor collects."
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
				"read_only_depends_on": "eval:!doc.dunning_risk_class_pinned",
				"description": N_("Computed every night from the payment history, unless set by hand."),
			},
			*_risk_fields(),
			{
				"fieldname": "dunning_debtor_kind",
				"fieldtype": "Select",
				"label": N_("Debtor Kind (French law)"),
				"options": "\n" + "\n".join(DEBTOR_KINDS),
				"insert_after": "dunning_risk_reasons",
				"description": N_(
					"Professional: statutory penalties and the €40 indemnity. Consumer: legal interest from the "
					"formal notice, no indemnity. Public Body: ECB rate + 8 points and the €40. Empty: from the "
					"Customer Type (Company: Professional, Individual: Consumer)."
				),
			},
			*_proceedings_fields(),
			{
				"fieldname": "dunning_language",
				"fieldtype": "Link",
				"label": N_("Dunning Language"),
				"options": "Language",
				"insert_after": "dunning_contact",
				"description": N_(
					"The language of this customer's reminders and formal notices. Empty: the company's dunning "
					"language."
				),
			},
			{
				# Part of every customer-page link (common.portal_links): raising it revokes the links sent.
				"fieldname": "dunning_portal_revision",
				"fieldtype": "Int",
				"label": N_("Customer Page Link Revision"),
				"insert_after": "dunning_securities",
				"hidden": 1,
				"read_only": 1,
				"no_copy": 1,
				"print_hide": 1,
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
		"Company": [
			{
				"fieldname": "dunning_legal_section",
				"fieldtype": "Section Break",
				"label": N_("Legal Mentions (France)"),
				"insert_after": "registration_details",
				"collapsible": 1,
			},
			{
				"fieldname": "dunning_siren",
				"fieldtype": "Data",
				"label": N_("SIREN"),
				"insert_after": "dunning_legal_section",
				"length": 20,
				"description": N_("9 digits. Empty: taken from a French VAT number."),
			},
			{
				"fieldname": "dunning_rcs_city",
				"fieldtype": "Data",
				"label": N_("RCS City (Greffe)"),
				"insert_after": "dunning_siren",
				"description": N_("The city of the registry where the company is registered: RCS Lyon."),
			},
			{
				"fieldname": "dunning_legal_column",
				"fieldtype": "Column Break",
				"insert_after": "dunning_rcs_city",
			},
			{
				"fieldname": "dunning_legal_form",
				"fieldtype": "Data",
				"label": N_("Legal Form"),
				"insert_after": "dunning_legal_column",
				"description": N_("SAS, SARL, SA, EURL..."),
			},
			{
				"fieldname": "dunning_share_capital",
				"fieldtype": "Currency",
				"label": N_("Share Capital"),
				"options": "default_currency",
				"insert_after": "dunning_legal_form",
				"description": N_("Printed on every letter with the legal form (Code de commerce R123-237)."),
			},
			{
				"fieldname": "dunning_language",
				"fieldtype": "Link",
				"label": N_("Dunning Language"),
				"options": "Language",
				"insert_after": "dunning_share_capital",
				"description": N_(
					"The language of reminders and formal notices, unless the customer has its own. French for a "
					"French company."
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


def _risk_fields() -> list[dict]:
	"""The payment risk learned from history (dunning.risk): written by the nightly recompute, read-only."""
	computed = {"read_only": 1, "no_copy": 1}
	return [
		{
			"fieldname": "dunning_risk_class_pinned",
			"fieldtype": "Check",
			"label": N_("Set by hand"),
			"insert_after": "dunning_risk_class",
			"description": N_("Keep the payment risk class typed here instead of the computed one."),
		},
		{
			"fieldname": "dunning_risk_score",
			"fieldtype": "Int",
			"label": N_("Payment Risk Score"),
			"insert_after": "dunning_risk_class_pinned",
			"description": N_("0 to 100, learned from the payment history: Low below 20, High from 45."),
			**computed,
		},
		{
			"fieldname": "dunning_risk_updated_on",
			"fieldtype": "Date",
			"label": N_("Payment Risk Updated On"),
			"insert_after": "dunning_risk_score",
			**computed,
		},
		{
			"fieldname": "dunning_risk_reasons",
			"fieldtype": "Small Text",
			"label": N_("Payment Risk Reasons"),
			"insert_after": "dunning_risk_updated_on",
			**computed,
		},
	]


def _proceedings_fields() -> list[dict]:
	"""Collective proceedings of a customer: they stop the reminders and call for a declaration of claim."""
	in_proceedings = "eval:doc.dunning_proceedings_kind"
	return [
		{
			"fieldname": "dunning_proceedings_section",
			"fieldtype": "Section Break",
			"label": N_("Collective Proceedings"),
			"insert_after": "dunning_debtor_kind",
			"collapsible": 1,
		},
		{
			"fieldname": "dunning_proceedings_kind",
			"fieldtype": "Select",
			"label": N_("In Collective Proceedings"),
			"options": "\n" + "\n".join(PROCEEDINGS_KINDS),
			"insert_after": "dunning_proceedings_section",
			"description": N_(
				"Stops every reminder and formal notice for this customer (Code de commerce L622-21): declare "
				"the claims to the mandataire judiciaire instead (print format Déclaration de créance)."
			),
		},
		{
			"fieldname": "dunning_judgment_date",
			"fieldtype": "Date",
			"label": N_("Opening Judgment Date"),
			"insert_after": "dunning_proceedings_kind",
			"depends_on": in_proceedings,
			"mandatory_depends_on": in_proceedings,
		},
		{
			"fieldname": "dunning_court",
			"fieldtype": "Data",
			"label": N_("Court"),
			"insert_after": "dunning_judgment_date",
			"depends_on": in_proceedings,
			"description": N_("Tribunal de commerce de Lyon, tribunal judiciaire de..."),
		},
		{
			"fieldname": "dunning_bodacc_date",
			"fieldtype": "Date",
			"label": N_("BODACC Publication Date"),
			"insert_after": "dunning_court",
			"depends_on": in_proceedings,
			"description": N_(
				"Claims are declared within two months of this date (Code de commerce R622-24)."
			),
		},
		{
			"fieldname": "dunning_proceedings_column",
			"fieldtype": "Column Break",
			"insert_after": "dunning_bodacc_date",
		},
		{
			"fieldname": "dunning_mandataire_name",
			"fieldtype": "Data",
			"label": N_("Mandataire Judiciaire (or Liquidator)"),
			"insert_after": "dunning_proceedings_column",
			"depends_on": in_proceedings,
		},
		{
			"fieldname": "dunning_mandataire_address",
			"fieldtype": "Small Text",
			"label": N_("Mandataire Address"),
			"insert_after": "dunning_mandataire_name",
			"depends_on": in_proceedings,
		},
		{
			"fieldname": "dunning_securities",
			"fieldtype": "Small Text",
			"label": N_("Securities and Retention of Title"),
			"insert_after": "dunning_mandataire_address",
			"depends_on": in_proceedings,
			"description": N_(
				"Sureties, guarantees, retention-of-title clause: printed on the declaration of claim."
			),
		},
	]
