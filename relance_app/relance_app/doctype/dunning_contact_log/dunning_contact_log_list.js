// Relance: the contact-log list shows what each entry is, its status, date and level (issue 18: on a laptop
// screen Frappe kept only the first in-list-view fields, customer and invoice, and dropped these).
const RELANCE_LOG_COLUMNS = ["entry_type", "contact_date", "level", "sales_invoice"];
const RELANCE_LOG_COLOURS = {
	Planned: "grey",
	Open: "orange",
	Sent: "green",
	Done: "green",
	Failed: "red",
	"Needs Attention": "red",
	Cancelled: "grey",
};

frappe.listview_settings["Dunning Contact Log"] = {
	add_fields: ["status", "entry_type", "contact_date", "level", "level_title", "sales_invoice"],
	get_indicator(doc) {
		return [__(doc.status), RELANCE_LOG_COLOURS[doc.status] || "blue", `status,=,${doc.status}`];
	},
	formatters: {
		entry_type(value) {
			return __(value);
		},
		level(value, df, doc) {
			if (!value) return "";
			return doc.level_title ? `${value} · ${frappe.utils.escape_html(doc.level_title)}` : `${value}`;
		},
	},
	onload(listview) {
		// Columns a user chose in List View Settings win; otherwise these, whatever the screen width.
		if (listview.list_view_settings && listview.list_view_settings.fields) return;
		const setup_columns = listview.setup_columns.bind(listview);
		listview.setup_columns = function () {
			setup_columns();
			const head = this.columns.filter((column) => column.type !== "Field");
			const fields = RELANCE_LOG_COLUMNS.map((fieldname) =>
				frappe.meta.get_docfield(this.doctype, fieldname)
			)
				.filter(Boolean)
				.map((df) => ({ type: "Field", df }));
			this.columns = head.concat(fields);
		};
		listview.setup_columns();
		listview.render_header(true);
	},
};
