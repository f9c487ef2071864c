"""The company picker at the top of the "Relances" workspace (a Custom HTML Block, made by install and a patch
like the setup checklist block: blocks are not module files).

The number cards and the chart read the chosen company through their dynamic filter
(`localStorage.getItem("relance_workspace_company")`, evaluated by Frappe in the browser); empty means every
company the user may see. The choice is the user's, in this browser: it follows them from one visit to the next.
"""

from __future__ import annotations

import frappe
from frappe import _

COMPANY_BLOCK = "Relance Company"
STORAGE_KEY = "relance_workspace_company"
COMPANY_BLOCK_HTML = '<div class="relance-company"></div>'
# Frappe runs the script with `root_element` (the block's shadow root). Texts come translated from the server.
COMPANY_BLOCK_SCRIPT = """
frappe.call("relance_app.desk.workspace.company_choices").then(({ message }) => {
	const box = root_element.querySelector(".relance-company");
	if (!message) return;
	const esc = frappe.utils.escape_html;
	const chosen = localStorage.getItem("__KEY__") || "";
	const options = [`<option value="">${esc(message.all)}</option>`]
		.concat(message.companies.map((name) =>
			`<option value="${esc(name)}" ${name === chosen ? "selected" : ""}>${esc(name)}</option>`))
		.join("");
	box.innerHTML = `<label style="display: flex; gap: var(--padding-sm); align-items: center; margin: 0">`
		+ `<span class="text-muted">${esc(message.label)}</span>`
		+ `<select class="form-control input-xs" style="max-width: 320px">${options}</select></label>`;
	box.querySelector("select").addEventListener("change", (event) => {
		localStorage.setItem("__KEY__", event.target.value);
		// The cards and the chart read the company when they load: load them again.
		window.location.reload();
	});
});
""".replace("__KEY__", STORAGE_KEY)


@frappe.whitelist()
def company_choices() -> dict:
	"""The companies the user may read, for the workspace's company picker."""
	return {
		"companies": frappe.get_list("Company", pluck="name", order_by="name", limit_page_length=0),
		"all": _("All companies"),
		"label": _("Company"),
	}


def ensure_company_block() -> None:
	"""Create or update the workspace's company block (idempotent: install and patch both call it)."""
	ensure_html_block(COMPANY_BLOCK, COMPANY_BLOCK_HTML, COMPANY_BLOCK_SCRIPT)


def ensure_html_block(name: str, html: str, script: str) -> None:
	"""Create or update one of the workspace's Custom HTML Blocks, public, with this markup and script."""
	values = {"html": html, "script": script, "style": "", "private": 0}
	if frappe.db.exists("Custom HTML Block", name):
		frappe.db.set_value("Custom HTML Block", name, values)
		return
	frappe.get_doc({"doctype": "Custom HTML Block", **values}).insert(ignore_permissions=True, set_name=name)
