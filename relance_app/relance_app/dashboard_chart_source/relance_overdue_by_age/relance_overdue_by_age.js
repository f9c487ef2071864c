frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["Relance Overdue by Age"] = {
	method: "relance_app.desk.dashboard.get_overdue_by_age_chart",
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			// Empty: every company (the workspace's company block sets it for the cards and this chart).
		},
	],
};
