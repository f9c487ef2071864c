// Relance: a formal notice (a Dunning of the company's "Mise en demeure" type) prints with the app's letter.
// Set on the form's meta, which the print view reads when it opens (v15 and v16), for these Dunnings only: a
// Property Setter would make the letter the default of every Dunning of the site, ERPNext's own included.
frappe.provide("relance");

relance.dunning_print_format = function (frm) {
	const meta = frm.meta;
	if (meta.__relance_default_print_format === undefined) {
		meta.__relance_default_print_format = meta.default_print_format || "";
	}
	const restore = () => (meta.default_print_format = meta.__relance_default_print_format);
	if (!frm.doc.dunning_type) return restore();
	frappe.db.get_value("Dunning Type", frm.doc.dunning_type, "dunning_formal_notice").then(({ message }) => {
		if (!message || !message.dunning_formal_notice) return restore();
		// The print dialog's language defaults to the Dunning's: the letter's format in that language.
		const english = (frm.doc.language || "fr").slice(0, 2) !== "fr";
		meta.default_print_format = english ? "Formal Notice" : "Mise en demeure";
		// The print view keeps the format last chosen for Dunnings: this button always opens the letter.
		if (frm.is_new()) return;
		frm.add_custom_button(__("Formal notice letter"), () => {
			const args = new URLSearchParams({
				doctype: frm.doctype,
				name: frm.doc.name,
				format: meta.default_print_format,
				_lang: english ? "en" : "fr",
			});
			window.open(frappe.urllib.get_full_url("/printview?" + args.toString()));
		});
	});
};

frappe.ui.form.on("Dunning", {
	refresh: relance.dunning_print_format,
	dunning_type: relance.dunning_print_format,
});
