// Relance: the customer's dunning summary on the Customer form.
frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new() || !frappe.model.can_read("Dunning Contact Log")) return;
		frappe
			.call({ method: "relance_app.api.customer.get_customer_summary", args: { customer: frm.doc.name } })
			.then(({ message: s }) => {
				if (!s) return;
				// Invoice figures are null for a user who may not read Sales Invoices.
				const money = (v) => (v === null || v === undefined ? "—" : format_currency(v, s.currency));
				const items = [
					[__("Overdue"), money(s.total_overdue)],
					[
						__("Oldest overdue"),
						s.oldest_overdue
							? __("{0} ({1} days)", [frappe.datetime.str_to_user(s.oldest_overdue), s.days_overdue])
							: "—",
					],
					[__("Highest dunning level"), s.highest_level || "—"],
					[__("Open promises"), s.open_promises],
					[__("Open disputes"), s.open_disputes],
					[__("Risk class"), s.risk_class ? __(s.risk_class) : "—"],
					[__("Risk score"), frm.doc.dunning_risk_updated_on ? frm.doc.dunning_risk_score : "—"],
					[__("Last contact"), s.last_contact ? frappe.datetime.str_to_user(s.last_contact) : "—"],
				];
				const html = `<div class="row">${items
					.map(
						([label, value]) =>
							`<div class="col-sm-3 small"><div class="text-muted">${label}</div><div class="bold">${value}</div></div>`
					)
					.join("")}</div>`;
				// The reasons are stored translated (site language) by the nightly risk recompute.
				const reasons = (frm.doc.dunning_risk_reasons || "").split("\n").filter(Boolean);
				const reasons_html = reasons.length
					? `<ul class="small text-muted" style="margin: 8px 0 0">${reasons
							.map((line) => `<li>${frappe.utils.escape_html(line)}</li>`)
							.join("")}</ul>`
					: "";
				frm.dashboard.add_section(html + reasons_html, __("Relances"));
				if (s.total_overdue > 0) {
					frm.dashboard.add_indicator(
						__("Overdue {0}", [money(s.total_overdue)]),
						s.highest_level ? "red" : "orange"
					);
				}
			});
	},
});
