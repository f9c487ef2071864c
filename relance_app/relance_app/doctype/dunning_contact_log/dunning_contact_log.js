// Copyright (c) 2026, relance_app developers and contributors
// For license information, please see license.txt

// Final entries are evidence (issue 18): read-only in the form; a System Manager may correct one, giving the
// reason in a confirmation, through correct_entry (the correction is itself logged and sealed).
const RELANCE_LOCKED = ["Sent", "Done", "Cancelled"];
const RELANCE_FREE_FIELDS = ["tracking_number"];

const relance_log_is_locked = (frm) => !frm.is_new() && RELANCE_LOCKED.includes(frm.__relance_saved_status);

const relance_changed_values = (frm) => {
	const original = frm.__relance_original || {};
	const values = {};
	frm.meta.fields.forEach((df) => {
		if (frappe.model.no_value_type.includes(df.fieldtype)) return;
		const before = original[df.fieldname] == null ? "" : String(original[df.fieldname]);
		const now = frm.doc[df.fieldname] == null ? "" : String(frm.doc[df.fieldname]);
		if (before !== now) values[df.fieldname] = frm.doc[df.fieldname];
	});
	return values;
};

const relance_correct = (frm, values) => {
	frappe.prompt(
		[
			{
				fieldtype: "HTML",
				fieldname: "warning",
				options: `<p class="text-danger">${__(
					"This entry is evidence of a contact. The correction and its reason are logged as a new entry, and the evidence register shows this entry as corrected."
				)}</p>`,
			},
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason for the correction"), reqd: 1 },
		],
		({ reason }) =>
			frappe
				.call({
					method: "relance_app.relance_app.doctype.dunning_contact_log.dunning_contact_log.correct_entry",
					type: "POST",
					args: { name: frm.doc.name, values, reason },
					freeze: true,
				})
				.then(() => {
					frappe.show_alert({ message: __("Correction saved and logged"), indicator: "orange" });
					frm.reload_doc();
				}),
		__("Correct evidence"),
		__("Save the correction")
	);
};

frappe.ui.form.on("Dunning Contact Log", {
	validate(frm) {
		if (!relance_log_is_locked(frm) || !frappe.user.has_role("System Manager")) return;
		const values = relance_changed_values(frm);
		const corrected = Object.keys(values).filter((field) => !RELANCE_FREE_FIELDS.includes(field));
		if (!corrected.length) return;
		// Not through the ordinary save: the server refuses a correction without its reason.
		frappe.validated = false;
		relance_correct(frm, values);
	},

	refresh(frm) {
		frm.__relance_saved_status = frm.doc.status;
		frm.__relance_original = JSON.parse(JSON.stringify(frm.doc));
		if (relance_log_is_locked(frm)) {
			if (frappe.user.has_role("System Manager")) {
				frm.set_intro(
					__("This entry is evidence: saving a change asks for the reason, and the correction is logged."),
					"orange"
				);
			} else {
				frm.set_intro(__("This entry is evidence: it cannot be changed. Record a new entry to correct it."));
				frm.fields.forEach((field) => field.df && frm.set_df_property(field.df.fieldname, "read_only", 1));
				frm.disable_save();
			}
		}
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
