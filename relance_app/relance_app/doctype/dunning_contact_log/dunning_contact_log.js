// Copyright (c) 2026, relance_app developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Dunning Contact Log", {
	refresh(frm) {
		if (frm.doc.status === "Needs Attention" && frm.perm[0] && frm.perm[0].write) {
			frm.dashboard.set_headline_alert(
				`<div class="text-danger">${frappe.utils.escape_html(frm.doc.failure_reason || "")}</div>`
			);
			frm.add_custom_button(__("Retry"), () => {
				frappe.confirm(
					__("Has the cause been fixed? The next dunning run will try this step once more."),
					() =>
						frappe.call({
							method: "relance_app.relance_app.doctype.dunning_contact_log.dunning_contact_log.retry_step",
							type: "POST",
							args: { name: frm.doc.name },
							callback: () => frm.reload_doc(),
						})
				);
			});
		}
	},
});
