"""One formal-notice Dunning Type per company, marked by a field instead of recognised by its name.

The first release named every company's type "Mise en demeure", which ERPNext's unique `dunning_type` allowed
only once per site. Existing types of that name are marked; companies without one get "Mise en demeure - <abbr>".
"""

import frappe

from relance_app.common.constants import FORMAL_NOTICE_DUNNING_TYPE
from relance_app.formal_notice.dunning import ensure_dunning_type


def execute():
	frappe.db.set_value(
		"Dunning Type",
		{"dunning_type": ("like", f"{FORMAL_NOTICE_DUNNING_TYPE}%"), "dunning_formal_notice": 0},
		"dunning_formal_notice",
		1,
		update_modified=False,
	)
	for company in frappe.get_all("Company", pluck="name"):
		ensure_dunning_type(company)
