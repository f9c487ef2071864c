// Relance: dunning status column and quick filters on the Sales Invoice list (extends ERPNext's settings).
(function () {
	const settings = (frappe.listview_settings["Sales Invoice"] = frappe.listview_settings["Sales Invoice"] || {});
	settings.add_fields = [...(settings.add_fields || []), "dunning_status", "dunning_level"];
	const colors = relance.STATUS_COLORS;
	settings.formatters = Object.assign({}, settings.formatters, {
		dunning_status(value, df, doc) {
			if (!value || value === "Not Started") return "";
			const level = doc.dunning_level ? " " + __("L{0}", [doc.dunning_level]) : "";
			return `<span class="indicator-pill ${colors[value] || "gray"}">${__(value)}${level}</span>`;
		},
	});
	const onload = settings.onload;
	settings.onload = function (listview) {
		onload && onload.apply(this, arguments);
		listview.page.add_inner_button(
			__("In formal notice"),
			() => listview.filter_area.add([["Sales Invoice", "dunning_status", "=", "Formal Notice"]]),
			__("Relance")
		);
		listview.page.add_inner_button(
			__("Disputed"),
			() => listview.filter_area.add([["Sales Invoice", "dunning_status", "=", "Disputed"]]),
			__("Relance")
		);
	};
})();
