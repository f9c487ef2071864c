// The filters the dunning reports share, defined once: each report's script includes this file
// (Frappe expands an include directive of a query report script when the report loads; never write the
// directive itself in this file: Frappe would try to expand it again and refuse the report script).
frappe.provide("relance.report_filters");

relance.report_filters.company = () => ({
	fieldname: "company",
	label: __("Company"),
	fieldtype: "Link",
	options: "Company",
	reqd: 1,
	default: frappe.defaults.get_user_default("Company"),
});

relance.report_filters.date = (fieldname, label, default_value) => ({
	fieldname,
	label,
	fieldtype: "Date",
	reqd: 1,
	default: default_value || frappe.datetime.get_today(),
});

relance.report_filters.customer = () => ({
	fieldname: "customer",
	label: __("Customer"),
	fieldtype: "Link",
	options: "Customer",
});

relance.report_filters.customer_group = () => ({
	fieldname: "customer_group",
	label: __("Customer Group"),
	fieldtype: "Link",
	options: "Customer Group",
	description: __("Includes its sub-groups."),
});

// Factored invoices are the factor's claims (subrogation): apart from the company's own by default.
relance.report_filters.factoring = () => ({
	fieldname: "factoring",
	label: __("Factored Invoices"),
	fieldtype: "Select",
	options: ["Own Receivables", "Factored Only", "All"].map((value) => ({ value, label: __(value) })),
	default: "Own Receivables",
});
