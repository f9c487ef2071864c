"""The setup checklist an accounts manager sees on Dunning Settings and at the top of the Relances workspace:
what the first run needs, each item with where it is fixed.

The checks themselves live in `common.readiness` (the daily run refuses to start on the blocking ones); this
module only adds the links and serves the screens.
"""

from __future__ import annotations

import frappe
from frappe import _

from relance_app.common.compat import desk_path
from relance_app.common.readiness import policy_companies, readiness
from relance_app.desk.workspace import ensure_html_block


def _fix_route(key: str, company: str | None) -> str:
	base = key.split(":", 1)[0]
	if ":" in key:
		company = key.split(":", 1)[1]
	routes = {
		"sender": desk_path("Email Account") if not _sender_set() else desk_path("Dunning Settings"),
		"company_address": desk_path("Address") + "/new" if not company else desk_path("Company", company),
		"legal_mentions": desk_path("Company", company) if company else desk_path("Company"),
		"iban": desk_path("Bank Account"),
		"sms_gateway": desk_path("SMS Settings"),
		"rates": desk_path("Late Payment Rate"),
	}
	return routes.get(base, desk_path("Dunning Settings"))


def _sender_set() -> bool:
	return bool(frappe.db.get_single_value("Dunning Settings", "sender"))


def setup_checklist(company: str | None = None) -> list[dict]:
	"""[{key, label, ok, detail, fix_route, needed_to_run}] for `company` (every policy's company when None)."""
	if not company:
		companies = policy_companies()
		company = companies[0] if len(companies) == 1 else None
	return [
		{**item.as_dict(), "fix_route": _fix_route(item.key, company)} for item in readiness(company=company)
	]


@frappe.whitelist()
def get_setup_checklist(company: str | None = None) -> dict:
	"""The checklist for the Dunning Settings form and the workspace block (read-only)."""
	frappe.has_permission("Dunning Settings", "read", throw=True)
	items = setup_checklist(company or None)
	return {
		"items": items,
		"done": all(item["ok"] for item in items),
		"title": _("Before the first run"),
		"fix": _("Fix"),
		"settings_route": desk_path("Dunning Settings"),
		"settings": _("Open Dunning Settings"),
	}


# The block at the top of the Relances workspace: a Custom HTML Block (v15 and v16 both have them; they are
# not module files, hence made by install and a patch). Its script asks for the checklist and hides the whole
# block once everything is done. Texts come translated from the server.
SETUP_BLOCK = "Relance Setup"
SETUP_BLOCK_HTML = '<div class="relance-setup"></div>'
SETUP_BLOCK_SCRIPT = """
const block = root_element.host.closest(".ce-block") || root_element.host;
// The checklist is for those who may open Dunning Settings: an accountant would get "Not permitted" instead.
if (!frappe.model.can_read("Dunning Settings")) {
	block.style.display = "none";
} else frappe.call("relance_app.setup.checklist.get_setup_checklist").then(({ message }) => {
	const box = root_element.querySelector(".relance-setup");
	if (!message || message.done) {
		block.style.display = "none";
		return;
	}
	const esc = frappe.utils.escape_html;
	const rows = message.items
		.filter((item) => !item.ok)
		.map((item) => `<li><b class="${item.needed_to_run ? "text-danger" : "text-warning"}">${esc(item.label)}</b>: `
			+ `${esc(item.detail)} <a href="${esc(item.fix_route)}">${esc(message.fix)}</a></li>`)
		.join("");
	box.innerHTML = `<div class="widget" style="padding: var(--padding-md)">`
		+ `<div class="h6">${esc(message.title)}</div><ul>${rows}</ul>`
		+ `<a class="btn btn-xs btn-default" href="${esc(message.settings_route)}">${esc(message.settings)}</a></div>`;
});
"""


def ensure_setup_block() -> None:
	"""Create or update the workspace's setup block (idempotent: install and patch both call it)."""
	ensure_html_block(SETUP_BLOCK, SETUP_BLOCK_HTML, SETUP_BLOCK_SCRIPT)
