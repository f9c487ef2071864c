"""Sales Invoice doc events for factoring: the contract's rule assigns an invoice when it is submitted, and an
invoice can only be assigned to a contract of its own company."""

import frappe
from frappe import _

from relance_app.common.factoring import CONTRACT_FIELD, contract_by_rule, contracts


def before_submit(doc, method=None):
	"""An invoice nobody assigned by hand takes the contract whose rule covers it (customer, group, company)."""
	if doc.get("is_return") or not doc.meta.has_field(CONTRACT_FIELD):
		return
	if not doc.get(CONTRACT_FIELD):
		doc.set(CONTRACT_FIELD, contract_by_rule(doc.company, doc.customer))
	validate_contract(doc)


def before_update_after_submit(doc, method=None):
	if doc.meta.has_field(CONTRACT_FIELD) and doc.has_value_changed(CONTRACT_FIELD):
		validate_contract(doc)


def validate_contract(doc):
	name = doc.get(CONTRACT_FIELD)
	if not name:
		return
	contract = contracts().get(name)
	if not contract:
		frappe.throw(_("Factoring Contract {0} does not exist.").format(name))
	if contract.company != doc.company:
		frappe.throw(
			_("Factoring Contract {0} is for company {1}, not {2}.").format(
				name, contract.company, doc.company
			)
		)
