"""Contact-log rows written without a company (issue 18: automatic rows of early versions, customer-level
notes) get their invoice's company, else their customer's only company, else the default company, so that
filtering the log by company shows them.

Only rows not yet sealed are filled. A sealed row's company says which evidence chain it is in (its hash is
computed in that chain): moving it would break the "(no company)" chain and the company's. Sealed rows without
a company stay in the "(no company)" register, which `bench relance verify-log` checks as before.
"""

import frappe

from relance_app.relance_app.doctype.dunning_contact_log.dunning_contact_log import customer_company


def execute():
	frappe.db.sql(
		"""update `tabDunning Contact Log` log
		join `tabSales Invoice` si on si.name = log.sales_invoice
		set log.company = si.company
		where ifnull(log.company, '') = '' and ifnull(log.chain_seq, 0) = 0"""
	)
	rows = frappe.get_all(
		"Dunning Contact Log",
		filters={"company": ("is", "not set"), "chain_seq": 0},
		fields=["name", "customer"],
		limit_page_length=0,
	)
	companies: dict[str, str | None] = {}
	for row in rows:
		if row.customer not in companies:
			companies[row.customer] = customer_company(row.customer)
		if companies[row.customer]:
			frappe.db.set_value(
				"Dunning Contact Log", row.name, "company", companies[row.customer], update_modified=False
			)
