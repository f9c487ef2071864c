// Relance: credit insurance (assurance-crédit) on the Sales Invoice form: the declaration deadline on the
// dunning banner (sales_invoice.js draws it) and the button that records the declaration to the insurer.
frappe.provide("relance");

relance.insurance_urgent = function (insurance) {
	return !!insurance && ["warn", "overdue"].includes(insurance.state);
};

relance.insurance_label = function (insurance) {
	const day = (value) => frappe.datetime.str_to_user(value);
	if (insurance.state === "declared") {
		// Once declared, the next deadline is the claim's.
		const declared = insurance.reference
			? __("declared to {0} on {1} (ref. {2})", [insurance.insurer, day(insurance.declared_on), insurance.reference])
			: __("declared to {0} on {1}", [insurance.insurer, day(insurance.declared_on)]);
		return declared + " · " + __("claim by {0}", [day(insurance.claim_deadline)]);
	}
	if (insurance.state === "overdue") {
		return __("insurer declaration to {0} overdue since {1}", [insurance.insurer, day(insurance.declaration_deadline)]);
	}
	if (insurance.state === "settled") return __("insured by {0}", [insurance.insurer]);
	return __("declare to {0} by {1}", [insurance.insurer, day(insurance.declaration_deadline)]);
};

relance.insurance_buttons = function (frm) {
	const insurance = frm.__relance_insurance;
	if (!insurance || insurance.state === "declared" || insurance.state === "settled") return;
	if (!frappe.model.can_create("Dunning Contact Log")) return;
	frm.add_custom_button(__("Record insurer declaration"), () => relance.record_insurer_declaration(frm), __("Relance"));
};

relance.record_insurer_declaration = function (frm) {
	const insurance = frm.__relance_insurance;
	frappe.prompt(
		[
			{
				fieldname: "declared_on",
				fieldtype: "Date",
				label: __("Declaration Date"),
				reqd: 1,
				default: frappe.datetime.get_today(),
			},
			{ fieldname: "reference", fieldtype: "Data", label: __("Insurer Reference") },
		],
		(values) =>
			relance.call(
				"insurance.record_insurer_declaration",
				{ invoice: frm.doc.name, ...values },
				frm,
				__("Declaration recorded")
			),
		__("Declaration to {0} (policy {1})", [insurance.insurer, insurance.policy_number]),
		__("Save")
	);
};
