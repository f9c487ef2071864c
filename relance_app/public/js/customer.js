// Relance: the customer's dunning summary, at the top of the Customer form (the headline above the tabs) and
// in detail in the Dashboard tab. Amounts in the invoices' own currency, one total per currency.
frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new() || !frappe.model.can_read("Dunning Contact Log")) return;
		frappe
			.call({ method: "relance_app.api.customer.get_customer_summary", args: { customer: frm.doc.name } })
			.then(({ message: s }) => {
				if (!s) return;
				// Invoice figures are null for a user who may not read Sales Invoices.
				const readable = s.highest_level !== null && s.highest_level !== undefined;
				const overdue = !readable
					? "—"
					: s.overdue_by_currency && s.overdue_by_currency.length
					? s.overdue_by_currency.map((r) => format_currency(r.amount, r.currency)).join(" + ")
					: format_currency(0, s.currency);
				const day = (v) => (v ? frappe.datetime.str_to_user(v, false, true) : "—");
				const oldest = s.oldest_overdue
					? __("{0} ({1} days)", [day(s.oldest_overdue), s.days_overdue])
					: "—";
				const items = [
					[__("Overdue"), overdue],
					[__("Oldest overdue"), oldest],
					[__("Highest dunning level"), s.highest_level || "—"],
					[__("Open promises"), s.open_promises],
					[__("Open disputes"), s.open_disputes],
					[__("Risk class"), s.risk_class ? __(s.risk_class) : "—"],
					[__("Risk score"), frm.doc.dunning_risk_updated_on ? frm.doc.dunning_risk_score : "—"],
					[__("Last contact"), day(s.last_contact)],
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
				const has_overdue = (s.overdue_by_currency || []).some((r) => r.amount > 0);
				if (!has_overdue && !s.open_promises && !s.open_disputes) return;
				const parts = [`<b>${__("Relances")}</b>`];
				if (has_overdue) parts.push(__("{0} overdue since {1}", [overdue, oldest]));
				if (s.highest_level) parts.push(__("level {0}", [s.highest_level]));
				if (s.open_promises) parts.push(__("{0} open promise(s)", [s.open_promises]));
				if (s.open_disputes) parts.push(__("{0} open dispute(s)", [s.open_disputes]));
				if (s.last_contact) parts.push(__("last contact {0}", [day(s.last_contact)]));
				frm.dashboard.set_headline(parts.join(" · "), s.highest_level ? "red" : "orange");
			});
	},
});

// Relance: the handover of the injonction de payer dossier, from the customer (litigation.js starts it).
frappe.provide("relance.litigation");
relance.litigation.hand_over = (frm) => {
	frappe.prompt(
		[
			{ fieldname: "company", fieldtype: "Link", options: "Company", label: __("Company"), reqd: 1,
				default: frappe.defaults.get_user_default("Company") },
			{ fieldname: "recipient", fieldtype: "Data", label: __("Commissaire de justice or lawyer"), reqd: 1 },
		],
		(v) =>
			frappe
				.call({
					method: "relance_app.api.litigation.hand_over",
					args: { customer: frm.doc.name, company: v.company, recipient: v.recipient },
					freeze: true,
				})
				.then(({ message: r }) => {
					if (!r) return;
					frappe.show_alert({ message: __("Dossier exported and handover recorded."), indicator: "green" });
					window.open(r.zip);
					frm.reload_doc();
				}),
		__("Hand over to a commissaire de justice")
	);
};
frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new() || !frappe.model.can_create("Dunning Contact Log")) return;
		frm.add_custom_button(
			__("Injonction de payer"),
			() =>
				frappe.prompt(
					[{ fieldname: "company", fieldtype: "Link", options: "Company", label: __("Company"), reqd: 1,
						default: frappe.defaults.get_user_default("Company") }],
					(v) => relance.litigation.start(frm.doc.name, v.company, frm),
					__("Injonction de payer")
				),
			__("Relance")
		);
		frm.add_custom_button(
			__("Hand over to a commissaire de justice"),
			() => relance.litigation.hand_over(frm),
			__("Relance")
		);
	},
});
// The customer page (relance_app.portal): share a fresh personal link, or revoke every link already sent.
frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new()) return;
		frm.add_custom_button(
			__("Customer page link"),
			() =>
				frappe.prompt(
					[{ fieldname: "company", fieldtype: "Link", options: "Company", label: __("Company"), reqd: 1,
						default: frappe.defaults.get_user_default("Company") }],
					(v) =>
						frappe
							.xcall("relance_app.portal.desk.link_for", { customer: frm.doc.name, company: v.company })
							.then((url) => frappe.utils.copy_to_clipboard(url)),
					__("Customer page link")
				),
			__("Relance")
		);
		if (!frm.perm[0] || !frm.perm[0].write) return;
		frm.add_custom_button(
			__("Revoke portal links"),
			() =>
				frappe.confirm(__("Links already sent to this customer will no longer open its page. Continue?"), () =>
					frappe.xcall("relance_app.portal.desk.revoke_links", { customer: frm.doc.name }).then(() => {
						frappe.show_alert({ message: __("Customer page links revoked."), indicator: "green" });
						frm.reload_doc();
					})
				),
			__("Relance")
		);
	},
});
// Relance: the customer's insured credit limit (assurance-crédit), per company whose policy covers it; red
// when the receivable is over it (the part above is not insured).
frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new() || !frappe.model.can_read("Sales Invoice")) return;
		frappe
			.xcall("relance_app.api.insurance.get_customer_credit", { customer: frm.doc.name })
			.then((positions) =>
				(positions || []).forEach((p) =>
					frm.dashboard.add_indicator(
						__("Credit insurance {0}: {1} of {2}{3}", [
							frappe.utils.escape_html(p.insurer),
							format_currency(p.outstanding, p.currency),
							format_currency(p.credit_limit, p.currency),
							p.over_limit ? " · " + __("over the limit") : "",
						]),
						p.over_limit ? "red" : "green"
					)
				)
			);
	},
});
