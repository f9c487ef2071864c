// Copyright (c) 2026, relance_app developers and contributors
// For license information, please see license.txt

{% include "relance_app/public/js/report_filters.js" %}

frappe.query_reports["Dunning Aged Receivables"] = {
	filters: [
		relance.report_filters.company(),
		relance.report_filters.date("report_date", __("As on Date")),
		relance.report_filters.customer_group(),
		relance.report_filters.customer(),
		relance.report_filters.factoring(),
	],
};
