"""Install and uninstall: custom fields, shipped rates, default templates and policies."""

from __future__ import annotations

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from relance_app.common.constants import CHANNEL_LABELS
from relance_app.common.parties import default_dunning_language
from relance_app.common.rate_store import seed_rates
from relance_app.desk.workspace import COMPANY_BLOCK, ensure_company_block
from relance_app.engine.default_templates import DEFAULT_TEMPLATES
from relance_app.engine.policy import default_policy
from relance_app.formal_notice.dunning import ensure_dunning_type
from relance_app.formal_notice.terms import TERMS_TEMPLATE, ensure_terms_template
from relance_app.setup.checklist import SETUP_BLOCK, ensure_setup_block
from relance_app.setup.custom_fields import get_custom_fields


def after_install() -> None:
	make_custom_fields()
	seed_rates()
	create_default_templates()
	ensure_terms_template()
	ensure_setup_block()
	ensure_company_block()
	for company in frappe.get_all("Company", pluck="name"):
		setup_company(company)


def before_uninstall() -> None:
	delete_custom_fields()
	frappe.db.delete("Email Template", {"name": ("in", [t.name for t in DEFAULT_TEMPLATES])})
	# The shipped Terms and Conditions go too, unless documents already quote them (then they are the user's).
	try:
		frappe.delete_doc("Terms and Conditions", TERMS_TEMPLATE, ignore_missing=True, force=False)
	except frappe.LinkExistsError:
		frappe.clear_messages()
	frappe.delete_doc("Custom HTML Block", SETUP_BLOCK, ignore_missing=True, force=True)
	frappe.delete_doc("Custom HTML Block", COMPANY_BLOCK, ignore_missing=True, force=True)
	# Frappe drops the app's DocTypes but not the values of its Single ones (Dunning Settings).
	singles = frappe.get_all("DocType", filters={"module": "Relance App", "issingle": 1}, pluck="name")
	if singles:
		frappe.db.delete("Singles", {"doctype": ("in", singles)})


def setup_company(company: str) -> None:
	"""What every company needs to be dunned: the default ladder, its formal-notice Dunning Type and its
	dunning language."""
	create_default_policy(company)
	ensure_dunning_type(company)
	set_dunning_language(company)


def set_dunning_language(company: str) -> None:
	"""French for a French company, else the system language; a language already chosen is kept."""
	row = frappe.db.get_value("Company", company, ["dunning_language", "country"], as_dict=True)
	if row and not row.dunning_language:
		language = default_dunning_language(row.country)
		if frappe.db.exists("Language", language):
			frappe.db.set_value("Company", company, "dunning_language", language, update_modified=False)


def make_custom_fields() -> None:
	create_custom_fields(get_custom_fields(), ignore_validate=True)


def delete_custom_fields() -> None:
	"""Remove the Custom Field records and their columns: an uninstalled app leaves nothing behind."""
	for doctype, fields in get_custom_fields().items():
		fieldnames = [field["fieldname"] for field in fields]
		frappe.db.delete("Custom Field", {"dt": doctype, "fieldname": ("in", fieldnames)})
		frappe.db.delete("Property Setter", {"doc_type": doctype, "field_name": ("in", fieldnames)})
		for fieldname in fieldnames:
			if frappe.db.has_column(doctype, fieldname):
				# Identifiers cannot be bound parameters; both come from get_custom_fields(), not from input.
				frappe.db.sql_ddl(f"alter table `tab{doctype}` drop column `{fieldname}`")
		frappe.clear_cache(doctype=doctype)


def create_default_templates() -> None:
	"""The French and English reminder templates, unless an Email Template of that name exists already."""
	for template in DEFAULT_TEMPLATES:
		if frappe.db.exists("Email Template", template.name):
			continue
		frappe.get_doc(
			{
				"doctype": "Email Template",
				"name": template.name,
				"subject": template.subject,
				"use_html": 1,
				"response_html": template.body(),
			}
		).insert(ignore_permissions=True)


def create_default_policy(company: str) -> str | None:
	"""Create "Relance standard" for `company` (named after the company when several exist)."""
	if frappe.db.exists("Dunning Policy", {"company": company}):
		return None
	create_default_templates()
	policy = default_policy()
	name = (
		policy.name if not frappe.db.exists("Dunning Policy", policy.name) else f"{policy.name} - {company}"
	)
	doc = frappe.get_doc(
		{
			"doctype": "Dunning Policy",
			"policy_name": name,
			"company": company,
			"enabled": 1,
			"is_default": 1,
			"scope": "Both",
			"min_outstanding": float(policy.min_outstanding),
			"min_gap_days": policy.min_gap_days,
			"business_days_only": int(policy.business_days_only),
			"one_message_per_customer": int(policy.one_message_per_customer),
			"high_risk_advance_days": policy.high_risk_advance_days,
			"penalty_rate_type": "Statutory",
			"charge_recovery_indemnity": 1,
			"thank_you_template": "Relance - Remerciement",
			"levels": [
				{
					"title": level.title,
					"offset_days": level.offset_days,
					"channel": CHANNEL_LABELS[level.channel.value],
					"email_template": level.template if level.channel.value != "sms" else None,
					"sms_text": level.template if level.channel.value == "sms" else None,
					"formal_notice": int(level.formal_notice),
					"attach_invoice": int(level.attach_invoice),
					"payment_link": int(level.payment_link),
					"include_penalties": int(level.include_penalties),
					"payment_deadline_days": level.payment_deadline_days,
				}
				for level in policy.levels
			],
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name
