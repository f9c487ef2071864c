"""The README's screenshot of a factored invoice: the dunning banner names the factor (affacturage).

Runs only with RELANCE_E2E_SCREENSHOTS (`e2e/run.sh --screenshots`); it adds a Factoring Contract and an
invoice assigned to it, so use a throw-away site.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from desk import COMPANY, ensure_customer, open_form, wait_idle

FOLDER = os.environ.get("RELANCE_E2E_SCREENSHOTS")
pytestmark = pytest.mark.skipif(not FOLDER, reason="RELANCE_E2E_SCREENSHOTS is not set (README screenshots)")
FACTOR = "Eurofactor Démo"
CUSTOMER = "Menuiserie Petit"


@pytest.fixture(scope="module")
def factored_invoice(e2e_site, admin_api) -> str:
	contracts = admin_api.get_list("Factoring Contract", filters=[["factor_name", "=", FACTOR]])
	contract = contracts[0]["name"] if contracts else None
	if not contract:
		contract = admin_api.insert(
			{
				"doctype": "Factoring Contract",
				"company": COMPANY,
				"factor_name": FACTOR,
				"factor_iban": "FR1420041010050500013M02606",
				"factor_bic": "PSSTFRPP",
				"collected_by": "Company",
				"assignment": "By Hand Only",
			}
		)["name"]
	ensure_customer(admin_api, CUSTOMER, email="compta@menuiserie-petit.example")
	invoice = e2e_site.bench_execute(
		"relance_app.tests.factories.make_overdue_invoice_for_e2e",
		days_overdue=9,
		amount=4180.0,
		customer=CUSTOMER,
	)["name"]
	admin_api.call("relance_app.api.factoring.assign", invoices=json.dumps([invoice]), contract=contract)
	return invoice


def test_factored_invoice_banner_screenshot(e2e_site, page, factored_invoice):
	from playwright.sync_api import expect

	open_form(page, e2e_site.url, "sales-invoice", factored_invoice)
	expect(page.locator(".form-message")).to_contain_text(FACTOR)
	wait_idle(page)
	folder = Path(FOLDER)
	folder.mkdir(parents=True, exist_ok=True)
	page.mouse.move(0, 0)
	page.screenshot(path=str(folder / "factored-invoice.png"))
