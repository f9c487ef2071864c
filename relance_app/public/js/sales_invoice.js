// Relance: dunning status, history and actions on the Sales Invoice form.
frappe.provide("relance");

const RELANCE_COLORS = relance.STATUS_COLORS;

// The message area above the tabs only has these backgrounds (blue for the others).
const RELANCE_HEADLINE_COLORS = {
	Active: "orange",
	Disputed: "red",
	"Formal Notice": "red",
	Closed: "green",
};

relance.call = function (method, args, frm, success_message) {
	return frappe
		.call({ method: "relance_app.api." + method, args, freeze: true, type: "POST" })
		.then((r) => {
			if (success_message) frappe.show_alert({ message: success_message, indicator: "green" });
			frm && frm.reload_doc();
			return r.message;
		});
};

relance.show_indicator = function (frm) {
	// Drawn once the debtor kind is known (it says what the letters may claim); without it if the call fails
	// or the user may not read the contact history that comes with it.
	const name = frm.doc.name;
	frm.__relance_insurance = null;
	frm.__relance_info = null;
	const factor = relance.load_factor(frm);
	if (!frappe.model.can_read("Dunning Contact Log")) return factor.then(() => relance.draw_indicator(frm, null));
	factor
		.then(() => frappe.xcall("relance_app.api.invoice.get_invoice_dunning", { invoice: name }))
		.then(
			(info) => {
				// Credit insurance (credit_insurance.js): the declaration deadline on the banner, its button.
				frm.__relance_insurance = (info && info.insurance) || null;
				relance.insurance_buttons(frm);
				// The live view (issue 18): status, pause, promise, last contact, next step, by the run's code.
				frm.__relance_info = info || null;
				return info && info.debtor_kind;
			},
			() => null
		)
		.then((kind) => frm.doc.name === name && relance.draw_indicator(frm, kind));
};

relance.draw_indicator = function (frm, debtor_kind) {
	const info = frm.__relance_info && frm.__relance_info.live_status ? frm.__relance_info : null;
	const status = (info && info.live_status) || frm.doc.dunning_status || "Not Started";
	let label = __("Relance: {0}", [__(status)]);
	if (frm.doc.dunning_level) label += " · " + __("level {0}", [frm.doc.dunning_level]);
	if (info) {
		label += relance.live_banner(info, status, frm.doc.currency);
	} else if (frm.doc.dunning_next_action && status !== "Closed") {
		label +=
			" · " +
			__("next: {0} on {1}", [
				frm.doc.dunning_next_action,
				frappe.datetime.str_to_user(frm.doc.dunning_next_action_date),
			]);
	}
	if (debtor_kind) label += " · " + __("debtor: {0}", [__(debtor_kind)]);
	if (frm.__relance_factor) label += " · " + relance.factor_label(frm.__relance_factor);
	if (frm.__relance_insurance) label += " · " + relance.insurance_label(frm.__relance_insurance);
	if (frm.doc.dunning_predicted_payment_date && status !== "Closed") {
		label +=
			" · " +
			__("payment expected on {0}", [
				frappe.datetime.str_to_user(frm.doc.dunning_predicted_payment_date),
			]);
	}
	const color = RELANCE_COLORS[status] || "gray";
	const text = frappe.utils.escape_html(label);
	frm.dashboard.add_indicator(text, color);
	// Frappe v15 draws the dashboard inside the "Connections" tab: repeat the indicator in the form's
	// message area, above the tabs, so that it is seen on every tab.
	frm.dashboard.set_headline_alert(
		`<span class="relance-indicator indicator ${color}" data-relance-status="${status}">${text}</span>`,
		relance.insurance_urgent(frm.__relance_insurance) ? "red" : RELANCE_HEADLINE_COLORS[status] || "blue"
	);
};

relance.live_banner = function (info, status, currency) {
	const day = (value) => frappe.datetime.str_to_user(value);
	const parts = [];
	if (info.paused_until) parts.push(__("paused until {0}", [day(info.paused_until)]));
	if (info.promise) {
		parts.push(
			info.promise.amount
				? __("promise: {0} on {1}", [format_currency(info.promise.amount, currency), day(info.promise.date)])
				: __("promise: payment on {0}", [day(info.promise.date)])
		);
	}
	if (info.last_contact_entry) {
		const when = day(String(info.last_contact_entry.date).slice(0, 10));
		parts.push(__("last contact: {0} on {1}", [info.last_contact_entry.type, when]));
	}
	// The customer page (viewed, promised, disputed, said paid), as one line from the server, translated there.
	if (info.portal) parts.push(info.portal);
	if (status !== "Closed" && info.next_step && info.next_step.on) {
		parts.push(__("next: {0} on {1}", [info.next_step.label, day(info.next_step.on)]));
	} else if (status !== "Closed" && info.reason) {
		parts.push(info.reason);
	}
	return parts.map((part) => " · " + part).join("");
};

relance.is_paused = function (frm) {
	const until = frm.doc.dunning_paused_until;
	return Boolean(until) && until >= frappe.datetime.get_today();
};

relance.log_call = function (frm) {
	// The outcome codes come from the Dunning Contact Log doctype: one list for the server and the form.
	frappe.model.with_doctype("Dunning Contact Log", () => {
		const options = frappe.meta
			.get_docfield("Dunning Contact Log", "call_outcome")
			.options.split("\n")
			.filter(Boolean);
		// When the next step is the policy's call level, this call can be that step (the ladder moves on).
		const info = frm.__relance_info;
		const call_step = info && info.next_step && info.next_step.channel === "call" ? info.next_step : null;
		const dialog = new frappe.ui.Dialog({
			title: __("Log a call"),
			fields: [
				{
					fieldname: "outcome",
					fieldtype: "Select",
					label: __("Outcome"),
					reqd: 1,
					options: options.map((value) => ({ value, label: __(value) })),
				},
				{ fieldname: "notes", fieldtype: "Small Text", label: __("Notes") },
				{ fieldname: "promise_section", fieldtype: "Section Break", label: __("Promise to pay") },
				{ fieldname: "promised_date", fieldtype: "Date", label: __("Promised Payment Date") },
				{ fieldname: "promised_amount", fieldtype: "Currency", label: __("Promised Amount") },
				{ fieldname: "send_recap", fieldtype: "Check", label: __("Email a recap to the customer") },
				{
					fieldname: "as_step",
					fieldtype: "Check",
					label: call_step ? __("This call is the step {0}", [call_step.label]) : "",
					default: call_step ? 1 : 0,
					hidden: call_step ? 0 : 1,
				},
			],
			primary_action_label: __("Save"),
			primary_action(values) {
				dialog.hide();
				const args = { invoice: frm.doc.name, ...values, as_step: call_step && values.as_step ? 1 : 0 };
				relance.call("contacts.log_call", args, frm, __("Call logged"));
			},
		});
		dialog.show();
	});
};

relance.record_promise = function (frm) {
	frappe.prompt(
		[
			{ fieldname: "promised_date", fieldtype: "Date", label: __("Promised Payment Date"), reqd: 1 },
			{ fieldname: "promised_amount", fieldtype: "Currency", label: __("Promised Amount") },
			{ fieldname: "notes", fieldtype: "Small Text", label: __("Notes") },
		],
		(values) =>
			relance.call("contacts.record_promise", { invoice: frm.doc.name, ...values }, frm, __("Promise recorded")),
		__("Record a promise to pay"),
		__("Save")
	);
};

relance.toggle_dispute = function (frm, disputed) {
	frappe.prompt(
		[{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: disputed ? 1 : 0 }],
		(values) =>
			relance.call(
				"contacts.set_dispute",
				{ invoice: frm.doc.name, disputed: disputed ? 1 : 0, reason: values.reason },
				frm,
				disputed ? __("Marked disputed: reminders paused") : __("Dispute resolved: reminders resume")
			),
		disputed ? __("Mark disputed") : __("Resolve the dispute"),
		__("Save")
	);
};

relance.pause = function (frm) {
	frappe.prompt(
		[
			{ fieldname: "until", fieldtype: "Date", label: __("Pause until (empty: resume)") },
			{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason") },
		],
		(values) => relance.call("contacts.pause_until", { invoice: frm.doc.name, ...values }, frm, __("Saved")),
		__("Pause reminders"),
		__("Save")
	);
};

relance.preview = function (frm) {
	frappe
		.call({ method: "relance_app.api.invoice.preview_next_step", args: { invoice: frm.doc.name } })
		.then(({ message: step }) => {
			const channel = frappe.utils.escape_html(step.channel_label || __(step.channel));
			const held = step.held ? `<p class="text-warning">${frappe.utils.escape_html(step.reason)}</p>` : "";
			const head = `<p><b>${frappe.utils.escape_html(step.label + " " + step.level_title)}</b> · ${channel} · ${__(
				"due on {0}",
				[frappe.datetime.str_to_user(step.due_on)]
			)}${step.recipient ? " · " + frappe.utils.escape_html(step.recipient) : ""}</p>${held}`;
			const subject = step.subject
				? `<p><b>${__("Subject")}:</b> ${frappe.utils.escape_html(step.subject)}</p>`
				: "";
			const body = step.channel === "sms" ? `<pre>${frappe.utils.escape_html(step.body)}</pre>` : step.body;
			const dialog = new frappe.ui.Dialog({
				title: __("Next step"),
				size: "large",
				fields: [{ fieldtype: "HTML", fieldname: "preview" }],
			});
			// Nothing goes out while the invoice is paused or disputed: no "Send now" then (issue 18).
			if (!step.held) {
				dialog.set_primary_action(__("Send now"), () => {
					dialog.hide();
					relance.send_now(frm);
				});
			}
			dialog.fields_dict.preview.$wrapper.html(head + subject + `<div class="relance-preview">${body}</div>`);
			dialog.show();
		});
};

relance.send_now = function (frm) {
	frappe.confirm(__("Send the next dunning step for {0} now?", [frm.doc.name]), () =>
		relance.call("invoice.send_next_step", { invoice: frm.doc.name }, frm, __("Step sent and logged"))
	);
};

frappe.ui.form.on("Sales Invoice", {
	refresh(frm) {
		if (frm.doc.docstatus !== 1 || frm.doc.is_return) return;
		relance.show_indicator(frm);
		if (!frappe.model.can_create("Dunning Contact Log")) return;
		const group = __("Relance");
		const open = flt(frm.doc.outstanding_amount) > 0;
		frm.add_custom_button(__("Log a call"), () => relance.log_call(frm), group);
		if (!open) return;
		frm.add_custom_button(__("Record a promise to pay"), () => relance.record_promise(frm), group);
		if (frm.doc.dunning_status === "Disputed") {
			frm.add_custom_button(__("Resolve the dispute"), () => relance.toggle_dispute(frm, false), group);
		} else {
			frm.add_custom_button(__("Mark disputed"), () => relance.toggle_dispute(frm, true), group);
		}
		frm.add_custom_button(__("Pause until…"), () => relance.pause(frm), group);
		frm.add_custom_button(__("Preview next step"), () => relance.preview(frm), group);
		if (!relance.is_paused(frm) && frm.doc.dunning_status !== "Disputed") {
			frm.add_custom_button(__("Send next step now"), () => relance.send_now(frm), group);
		}
		// Issuing a mise en demeure creates and submits a Dunning: offered to those who may do both.
		if (frappe.model.can_create("Dunning") && frappe.model.can_submit("Dunning")) {
			frm.add_custom_button(__("Mise en demeure"), () => relance.formal_notice(frm), group);
		}
		// The injonction de payer covers the customer's invoices whose formal notice has expired.
		if (!["Formal Notice", "Litigation"].includes(frm.doc.dunning_status)) return;
		frm.add_custom_button(
			__("Injonction de payer"),
			() => relance.litigation.start(frm.doc.customer, frm.doc.company, frm, frm.doc.currency),
			group
		);
	},
});

relance.formal_notice = function (frm) {
	// A checklist of the customer's overdue invoices (this one ticked, the others proposed with their days
	// late); the preview and the Dunning take exactly the ticked ones.
	frappe
		.xcall("relance_app.api.formal_notice.formal_notice_candidates", { invoice: frm.doc.name })
		.then((candidates) => {
			const dialog = new frappe.ui.Dialog({
				title: __("Mise en demeure"),
				size: "extra-large",
				fields: [
					{ fieldtype: "HTML", fieldname: "choices" },
					{ fieldtype: "HTML", fieldname: "warnings" },
					{ fieldtype: "HTML", fieldname: "letter" },
				],
				primary_action_label: __("Issue and record"),
				primary_action() {
					const invoices = ticked();
					if (!invoices.length) return frappe.msgprint(__("Tick at least one invoice for the formal notice."));
					dialog.hide();
					// No reload of the invoice on the way to its Dunning: ERPNext's invoice script reads the global
					// cur_frm when the reload refreshes the form, by then the Dunning ("reading 'some'" in the
					// console). Dropped from memory instead, the invoice is read afresh when opened again.
					relance
						.call(
							"formal_notice.send_formal_notice",
							{ invoice: frm.doc.name, invoices: JSON.stringify(invoices) },
							null,
							__("Formal notice issued")
						)
						.then((r) => {
							if (!(r && r.dunning)) return frm.reload_doc();
							frappe.model.remove_from_locals(frm.doctype, frm.docname);
							frappe.set_route("Form", "Dunning", r.dunning);
						});
				},
			});
			const rows = candidates
				.map(
					(row) => `<label style="display: block; font-weight: normal;">
						<input type="checkbox" class="relance-fn-invoice" value="${frappe.utils.escape_html(row.invoice)}"
							${row.checked ? "checked" : ""}>
						<strong>${frappe.utils.escape_html(row.invoice)}</strong> ·
						${__("due {0}", [frappe.datetime.str_to_user(row.due_date)])} ·
						${__("{0} days late", [row.days_late])} ·
						${format_currency(row.outstanding, row.currency)}
					</label>`
				)
				.join("");
			dialog.fields_dict.choices.$wrapper.html(
				`<p class="text-muted">${__("Invoices to include in this formal notice:")}</p>${rows}`
			);
			const ticked = () =>
				dialog.fields_dict.choices.$wrapper
					.find(".relance-fn-invoice:checked")
					.map((_i, el) => el.value)
					.get();
			const iframe = $('<iframe style="width: 100%; height: 70vh; border: 1px solid var(--border-color);"></iframe>');
			dialog.fields_dict.letter.$wrapper.append(iframe);
			const preview = () => {
				const invoices = ticked();
				dialog.get_primary_btn().prop("disabled", !invoices.length);
				if (!invoices.length) {
					dialog.fields_dict.warnings.$wrapper.empty();
					iframe.attr("srcdoc", "");
					return;
				}
				frappe
					.xcall("relance_app.api.formal_notice.preview_formal_notice", {
						invoice: frm.doc.name,
						invoices: JSON.stringify(invoices),
					})
					.then((r) => {
						const warnings = (r.warnings || []).map(frappe.utils.escape_html).join("<br>");
						dialog.fields_dict.warnings.$wrapper.html(
							warnings ? `<div class="alert alert-warning">${warnings}</div>` : ""
						);
						iframe.attr("srcdoc", r.html);
					});
			};
			dialog.fields_dict.choices.$wrapper.on("change", ".relance-fn-invoice", preview);
			preview();
			dialog.show();
		});
};
