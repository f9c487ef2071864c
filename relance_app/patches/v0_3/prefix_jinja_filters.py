"""Rewrite stored templates to the prefixed Jinja filters (relance_money, relance_date, relance_date_long).

Until 0.3 the app registered site-wide filters called money, date_fr and date_long, names other apps use too.
hooks.py now registers only the prefixed names, so a template saved with the old ones would no longer compile
in Frappe (and Email Template would refuse to save it). Rewritten here:
- every Email Template the app shipped or a Dunning Policy uses;
- any other Email Template using the old names, unless another installed app provides a filter of that name
  (the template may mean that app's filter: it is left alone);
- the SMS texts of the policies' levels (the engine still knows the old names, but the shipped ones are
  prefixed now and the texts should read the same).
Only the filter names change (``| money(currency)`` -> ``| relance_money(currency)``); customised wording is
kept. Written with db.set_value: the old text would not pass Email Template's own Jinja check.
"""

import re
from inspect import getmembers, isfunction
from types import ModuleType

import frappe

from relance_app.engine.default_templates import DEFAULT_TEMPLATES
from relance_app.engine.render import prefix_filters

OLD_NAMES = ("money", "date_fr", "date_long")
TEXT_FIELDS = ("subject", "response", "response_html")


def execute():
	ours = dunning_templates()
	taken = other_apps_filters() & set(OLD_NAMES)
	for row in frappe.get_all("Email Template", fields=["name", *TEXT_FIELDS]):
		if row.name not in ours and any(
			_uses(row.get(field), name) for field in TEXT_FIELDS for name in taken
		):
			continue
		changes = {field: prefix_filters(row.get(field)) for field in TEXT_FIELDS if row.get(field)}
		changes = {field: text for field, text in changes.items() if text != row.get(field)}
		if changes:
			frappe.db.set_value("Email Template", row.name, changes, update_modified=False)
			frappe.clear_document_cache("Email Template", row.name)
	for row in frappe.get_all(
		"Dunning Level", filters={"sms_text": ("is", "set")}, fields=["name", "sms_text"]
	):
		text = prefix_filters(row.sms_text)
		if text != row.sms_text:
			frappe.db.set_value("Dunning Level", row.name, "sms_text", text, update_modified=False)


def dunning_templates() -> set[str]:
	"""The shipped templates and those a Dunning Policy uses."""
	used = set(
		frappe.get_all("Dunning Level", filters={"email_template": ("is", "set")}, pluck="email_template")
	)
	used |= set(
		frappe.get_all(
			"Dunning Policy", filters={"thank_you_template": ("is", "set")}, pluck="thank_you_template"
		)
	)
	return used | {template.name for template in DEFAULT_TEMPLATES}


def other_apps_filters() -> set[str]:
	"""The names of the Jinja filters that the other installed apps register (as Frappe names them)."""
	names = set()
	for app in frappe.get_installed_apps():
		if app == "relance_app":
			continue
		for path in (frappe.get_hooks("jinja", app_name=app) or {}).get("filters", []):
			try:
				obj = frappe.get_attr(path)
			except Exception:
				try:
					obj = frappe.get_module(path)
				except Exception:
					continue
			if isinstance(obj, ModuleType):
				names.update(name for name, _function in getmembers(obj, isfunction))
			else:
				names.add(getattr(obj, "__name__", path.rsplit(".", 1)[-1]))
	return names


def _uses(text: str | None, name: str) -> bool:
	return bool(text and re.search(r"\|\s*" + name + r"\b", text))
