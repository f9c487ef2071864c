// Copyright (c) 2026, relance_app developers and contributors
// For license information, please see license.txt

{% include "relance_app/public/js/report_filters.js" %}

frappe.query_reports["Dunning Effectiveness"] = {
	filters: [
		relance.report_filters.company(),
		{
			fieldname: "from_date",
			label: __("From Date"),
			fieldtype: "Date",
			reqd: 1,
			default: frappe.datetime.add_months(frappe.datetime.get_today(), -3),
		},
		relance.report_filters.date("to_date", __("To Date")),
		relance.report_filters.customer_group(),
		{
			fieldname: "dunning_policy",
			label: __("Dunning Policy"),
			fieldtype: "Link",
			options: "Dunning Policy",
			get_query() {
				const company = frappe.query_report.get_filter_value("company");
				return { filters: company ? { company } : {} };
			},
		},
	],
};
