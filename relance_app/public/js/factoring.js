// Relance: the factor a Sales Invoice is assigned to, shown in the dunning banner (sales_invoice.js).
frappe.provide("relance");

// Reads the contract (Accounts Users may) into frm.__relance_factor before the banner is drawn.
relance.load_factor = function (frm) {
	const name = frm.doc.dunning_factoring_contract;
	frm.__relance_factor = null;
	const info =
		name && frappe.model.can_read("Factoring Contract")
			? frappe.db.get_value("Factoring Contract", name, ["factor_name", "collected_by"]).then(
					(r) => r.message,
					() => ({ factor_name: name })
			  )
			: Promise.resolve(name ? { factor_name: name } : null);
	return info.then((found) => (frm.__relance_factor = found));
};

relance.factor_label = function (info) {
	if (!info) return "";
	return info.collected_by === "Factor"
		? __("assigned to factor {0}, who collects", [info.factor_name])
		: __("assigned to factor {0}: payments to the factor", [info.factor_name]);
};
