// Copyright (c) 2026, relance_app developers and contributors
// For license information, please see license.txt

{% include "relance_app/public/js/report_filters.js" %}

// Helpers stay in this closure: report scripts are evaluated in the global scope.
(() => {
	const bold = (text) => `<b>${frappe.utils.escape_html(text)}</b>`;

	const show_run_report = (run) => {
		if (run.locked_out) {
			frappe.msgprint(__("Another dunning run is in progress: try again in a few minutes."));
			return;
		}
		const lines = [
			__("Steps sent: {0}", [run.sent]),
			__("Already done: {0}", [run.already_done]),
			__("Failed (retried on the next run): {0}", [run.failed - (run.needs_attention || 0)]),
			__("Needing attention (no longer retried): {0}", [run.needs_attention || 0]),
			__("Not deliverable (see the contact log): {0}", [run.not_deliverable]),
		];
		if (run.dry_run) {
			lines.unshift(__("Dry run: nothing was sent."));
		}
		if (run.batches && run.batches.length) {
			lines.push(__("Split into {0} background jobs.", [run.batches.length]));
		}
		frappe.msgprint({ title: __("Dunning run"), message: lines.join("<br>"), indicator: "green" });
	};

	// The run is a background job: say it is queued (with its id), then show its report when it is done.
	const show_queued = (job) => {
		const message = job.already_queued
			? __("This run is already queued (job {0}): it was not queued twice.", [bold(job.job_id)])
			: __("Dunning run queued (job {0}). Its report will show here when it is done.", [
					bold(job.job_id),
			  ]);
		frappe.show_alert({ message, indicator: "blue" }, 10);
	};

	// Per-row actions (issue 18): the invoice screen's whitelisted methods, which check permission and are POST.
	const api = (method, args, done_message, report) =>
		frappe
			.call({ method: "relance_app.api." + method, args, type: "POST", freeze: true })
			.then(() => {
				frappe.show_alert({ message: done_message, indicator: "green" });
				report.refresh();
			});

	// A row may list several invoices (one message per customer and level): ask which one.
	const pick_invoice = (invoices, then) => {
		if (invoices.length === 1) return then(invoices[0]);
		frappe.prompt(
			[{ fieldname: "invoice", fieldtype: "Select", label: __("Invoice"), options: invoices, reqd: 1 }],
			(values) => then(values.invoice),
			__("Which invoice?")
		);
	};

	const ROW_ACTIONS = {
		open(invoice) {
			frappe.set_route("Form", "Sales Invoice", invoice);
		},
		log_call(invoice, report, call_step) {
			frappe.model.with_doctype("Dunning Contact Log", () => {
				const outcomes = frappe.meta
					.get_docfield("Dunning Contact Log", "call_outcome")
					.options.split("\n")
					.filter(Boolean);
				frappe.prompt(
					[
						{
							fieldname: "outcome",
							fieldtype: "Select",
							label: __("Outcome"),
							reqd: 1,
							options: outcomes.map((value) => ({ value, label: __(value) })),
						},
						{ fieldname: "notes", fieldtype: "Small Text", label: __("Notes") },
						{ fieldname: "promised_date", fieldtype: "Date", label: __("Promised Payment Date") },
						{ fieldname: "promised_amount", fieldtype: "Currency", label: __("Promised Amount") },
						// The row's step is the policy's call: this call may be it (the ladder moves on), as on
						// the invoice; never counted without asking.
						{
							fieldname: "as_step",
							fieldtype: "Check",
							label: call_step ? __("This call is the step {0}", [call_step]) : "",
							default: call_step ? 1 : 0,
							hidden: call_step ? 0 : 1,
						},
					],
					(values) =>
						api(
							"contacts.log_call",
							{ invoice, ...values, as_step: call_step && values.as_step ? 1 : 0 },
							__("Call logged"),
							report
						),
					__("Log a call: {0}", [invoice]),
					__("Save")
				);
			});
		},
		send(invoice, report) {
			frappe.confirm(__("Send the next dunning step for {0} now?", [bold(invoice)]), () =>
				api("invoice.send_next_step", { invoice }, __("Step sent and logged"), report)
			);
		},
		pause(invoice, report) {
			frappe.prompt(
				[
					{ fieldname: "until", fieldtype: "Date", label: __("Pause until (empty: resume)") },
					{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason") },
				],
				(values) => api("contacts.pause_until", { invoice, ...values }, __("Saved"), report),
				__("Pause reminders: {0}", [invoice]),
				__("Save")
			);
		},
	};

	const ACTION_LABELS = () => ({
		open: __("Open invoice"),
		log_call: __("Log a call"),
		send: __("Send now"),
		pause: __("Pause"),
	});

	// Which actions a row offers: "Send now" not while paused or disputed, changes only to those who may.
	const row_actions = (data) => {
		const may_change = frappe.model.can_write("Sales Invoice") && frappe.model.can_create("Dunning Contact Log");
		const actions = ["open"];
		if (may_change) {
			actions.push("log_call");
			if (!["paused", "disputed", "excluded", "ladder_completed"].includes(data.hold)) actions.push("send");
			actions.push("pause");
		}
		return actions;
	};

	frappe.query_reports["Dunning Worklist"] = {
		filters: [
			relance.report_filters.company(),
			relance.report_filters.customer(),
			{
				fieldname: "from_date",
				label: __("From Date"),
				fieldtype: "Date",
				reqd: 1,
				default: frappe.datetime.get_today(),
			},
			{
				fieldname: "days",
				label: __("Days Ahead"),
				fieldtype: "Int",
				default: 7,
				description: __("The report shows the From Date and this many days after it."),
			},
			{
				fieldname: "show_waiting",
				label: __("Show invoices with nothing due"),
				fieldtype: "Check",
				default: 1,
			},
			{
				fieldname: "show_factored",
				label: __("Show invoices assigned to a factor"),
				fieldtype: "Check",
				default: 1,
			},
		],

		onload(report) {
			report.page.wrapper.off("click.relance").on("click.relance", ".relance-row-action", (event) => {
				const button = $(event.currentTarget);
				const invoices = String(button.attr("data-invoices") || "").split(", ").filter(Boolean);
				const action = ROW_ACTIONS[button.attr("data-action")];
				const call_step = button.attr("data-call-step") || null;
				if (action && invoices.length) pick_invoice(invoices, (invoice) => action(invoice, report, call_step));
			});
			if (!frappe.model.can_write("Dunning Policy")) {
				return;
			}
			frappe.realtime.off("relance_run_now_done");
			frappe.realtime.on("relance_run_now_done", (run) => {
				show_run_report(run);
				report.refresh();
			});
			report.page.add_inner_button(__("Run now"), () => {
				const company = report.get_filter_value("company");
				const customer = report.get_filter_value("customer");
				if (!company) {
					frappe.msgprint(__("Select a company first."));
					return;
				}
				const message = customer
					? __("Send today's due dunning steps to {0} now?", [bold(customer)])
					: __("Send today's due dunning steps for all customers of {0} now?", [bold(company)]);
				frappe.confirm(message, () => {
					frappe.call({
						method: "relance_app.relance_app.report.dunning_worklist.dunning_worklist.run_now",
						type: "POST",
						args: { company, customer: customer || null },
						callback(r) {
							if (r.message) {
								show_queued(r.message);
							}
						},
					});
				});
			});
		},

		formatter(value, row, column, data, default_formatter) {
			if (column.fieldname === "actions" && data && data.invoices) {
				const labels = ACTION_LABELS();
				const invoices = frappe.utils.escape_html(data.invoices);
				const call_step = data.call_step ? frappe.utils.escape_html(data.call_step) : "";
				return row_actions(data)
					.map(
						(action) =>
							`<button class="btn btn-xs btn-default relance-row-action" data-action="${action}" data-invoices="${invoices}" data-call-step="${call_step}">${labels[action]}</button>`
					)
					.join(" ");
			}
			if (column.fieldname === "reason" && data && data.reason) {
				const tone = data.hold ? "text-muted" : "text-success";
				return `<span class="${tone}">${frappe.utils.escape_html(data.reason)}</span>`;
			}
			// Credit insurance: a declaration to make to the insurer (menace de sinistre) before its deadline.
			if (column.fieldname === "insurance" && data && data.insurance) {
				return `<span class="text-danger">${frappe.utils.escape_html(data.insurance)}</span>`;
			}
			if (column.fieldname === "attention" && data && data.attention) {
				return `<span class="text-danger">${frappe.utils.escape_html(data.attention)}</span>`;
			}
			if (column.fieldname === "invoices" && data && data.invoices) {
				return data.invoices
					.split(", ")
					.map((name) =>
						frappe.utils.get_form_link("Sales Invoice", name, true, frappe.utils.escape_html(name))
					)
					.join(", ");
			}
			return default_formatter(value, row, column, data);
		},
	};
})();
