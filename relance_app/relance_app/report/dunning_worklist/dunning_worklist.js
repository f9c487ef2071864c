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
		],

		onload(report) {
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
