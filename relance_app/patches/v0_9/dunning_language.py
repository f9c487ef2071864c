"""The dunning language of existing companies: French for a French company, else the system language.

Customers keep an empty dunning language (they follow their company's): ERPNext's Customer.language, which
the letters followed before, is filled with the system language on every customer, so it says nothing about
what the customer reads.
"""

from __future__ import annotations

import frappe

from relance_app.setup.install import make_custom_fields, set_dunning_language


def execute():
	make_custom_fields()
	for company in frappe.get_all("Company", pluck="name"):
		set_dunning_language(company)
