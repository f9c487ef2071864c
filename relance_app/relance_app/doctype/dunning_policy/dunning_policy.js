// Relance: the policy editor. A level's title follows its channel while it is still a default title, and the
// Template Variables button lists what a template may use, with the values of a real overdue invoice.
frappe.ui.form.on("Dunning Policy", {
	refresh(frm) {
		remember_channels(frm);
		frm.add_custom_button(__("Template Variables"), () => show_template_variables(frm));
	},
});

frappe.ui.form.on("Dunning Level", {
	levels_add(frm) {
		remember_channels(frm);
	},
	async channel(frm, cdt, cdn) {
		const row = locals[cdt][cdn];
		const previous = row.__relance_channel;
		row.__relance_channel = row.channel;
		if (!previous || previous === row.channel) return;
		const defaults = await level_title_defaults();
		const known = defaults.known[previous] || [];
		// Only a title nobody wrote: empty, or the shipped/generic title of the channel it had.
		if (!row.title || known.includes(row.title)) {
			frappe.model.set_value(cdt, cdn, "title", defaults.generic[row.channel] || row.title);
			frappe.show_alert({
				message: __("Title changed to {0} to match the channel.", [defaults.generic[row.channel]]),
				indicator: "blue",
			});
		}
	},
});

function remember_channels(frm) {
	(frm.doc.levels || []).forEach((row) => {
		row.__relance_channel = row.channel;
	});
}

let title_defaults = null;
async function level_title_defaults() {
	if (!title_defaults) {
		const { message } = await frappe.call({
			method: "relance_app.relance_app.doctype.dunning_policy.dunning_policy.level_title_defaults",
		});
		title_defaults = message;
	}
	return title_defaults;
}

function show_template_variables(frm) {
	frappe
		.call({
			method: "relance_app.relance_app.doctype.dunning_policy.dunning_policy.template_variables",
			args: { company: frm.doc.company || null },
		})
		.then(({ message }) => {
			const esc = frappe.utils.escape_html;
			const source = message.invoice
				? __("Example values from invoice {0}.", [esc(message.invoice)])
				: __("Example values from a sample invoice (no overdue invoice yet).");
			const rows = message.variables
				.map(
					(v) =>
						`<tr><td><code>{{ ${esc(v.name)} }}</code></td><td>${esc(v.example)}</td></tr>`
				)
				.join("");
			const dialog = new frappe.ui.Dialog({
				title: __("Template Variables"),
				size: "large",
				fields: [{ fieldtype: "HTML", fieldname: "list" }],
			});
			dialog.fields_dict.list.$wrapper.html(
				`<p class="text-muted">${source} ${__(
					"A list item such as invoices[0] is used in a loop: {0}.",
					["<code>{% for inv in invoices %}{{ inv.name }}{% endfor %}</code>"]
				)}</p>
				<table class="table table-bordered table-condensed"><thead><tr><th>${__("Variable")}</th><th>${__(
					"Example"
				)}</th></tr></thead><tbody>${rows}</tbody></table>`
			);
			dialog.show();
		});
}
