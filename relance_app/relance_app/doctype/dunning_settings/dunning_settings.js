// Relance: the setup checklist above the settings, each missing item with a link to where it is fixed.
frappe.ui.form.on("Dunning Settings", {
	refresh(frm) {
		frappe
			.call({ method: "relance_app.setup.checklist.get_setup_checklist" })
			.then(({ message }) => {
				if (!message) return;
				if (message.done) {
					frm.set_intro(__("Setup complete: the daily run has everything it needs."), "green");
					return;
				}
				const rows = message.items
					.map((item) => {
						const icon = item.ok ? "✔" : "✘";
						const colour = item.ok ? "text-success" : item.needed_to_run ? "text-danger" : "text-warning";
						const fix = item.ok
							? ""
							: ` <a href="${frappe.utils.escape_html(item.fix_route)}">${__("Fix")}</a>`;
						return `<li><span class="${colour}">${icon}</span> <b>${frappe.utils.escape_html(
							item.label
						)}</b>: ${frappe.utils.escape_html(item.detail)}${fix}</li>`;
					})
					.join("");
				frm.set_intro(
					`<div><b>${__("Before the first run")}</b></div><ul class="list-unstyled">${rows}</ul>`,
					message.items.some((i) => !i.ok && i.needed_to_run) ? "red" : "orange"
				);
			});
	},
});
