// Relance: assign selected Sales Invoices to a factor, or take them back (api/factoring.py checks each one).
(function () {
	const settings = (frappe.listview_settings["Sales Invoice"] = frappe.listview_settings["Sales Invoice"] || {});
	settings.add_fields = [...(settings.add_fields || []), "dunning_factoring_contract"];
	const assign = (listview, contract) => {
		const invoices = listview.get_checked_items(true);
		if (!invoices.length) {
			frappe.msgprint(__("Select the invoices first."));
			return;
		}
		frappe
			.xcall("relance_app.api.factoring.assign", { invoices, contract: contract || null })
			.then((r) => {
				frappe.show_alert({ message: __("{0} invoices changed.", [r.changed]), indicator: "green" });
				listview.refresh();
			});
	};
	const onload = settings.onload;
	settings.onload = function (listview) {
		onload && onload.apply(this, arguments);
		if (!frappe.model.can_read("Factoring Contract")) return;
		listview.page.add_actions_menu_item(__("Assign to factor"), () => {
			frappe.prompt(
				[
					{
						fieldname: "contract",
						fieldtype: "Link",
						label: __("Factoring Contract"),
						options: "Factoring Contract",
						reqd: 1,
						get_query: () => ({ filters: { enabled: 1 } }),
					},
				],
				(values) => assign(listview, values.contract),
				__("Assign to factor"),
				__("Assign")
			);
		});
		listview.page.add_actions_menu_item(__("Remove from factor"), () => {
			frappe.confirm(__("Take the selected invoices back from their factor?"), () => assign(listview, null));
		});
		listview.page.add_inner_button(
			__("Assigned to factor"),
			() => listview.filter_area.add([["Sales Invoice", "dunning_factoring_contract", "is", "set"]]),
			__("Relance")
		);
	};
})();
