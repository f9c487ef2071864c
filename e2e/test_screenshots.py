"""The README's screenshots, taken in headless Chromium from a served site, in French.

Runs only when RELANCE_E2E_SCREENSHOTS names the folder to write to (`e2e/run.sh --screenshots` writes
docs/screenshots/). It adds a small, realistic data set to the site (a few customers with invoices in every
age bucket, a call and two promises), so use a throw-away site.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from desk import (
	COMPANY,
	USER,
	Api,
	ensure_customer,
	js_label,
	open_form,
	translate,
	wait_charts_drawn,
	wait_idle,
)

FOLDER = os.environ.get("RELANCE_E2E_SCREENSHOTS")
pytestmark = pytest.mark.skipif(not FOLDER, reason="RELANCE_E2E_SCREENSHOTS is not set (README screenshots)")

# customer, accounts email, days overdue (negative: not yet due), amount
PORTFOLIO = [
	("Boulangerie Martin", "compta@boulangerie-martin.example", -4, 1730.50),
	("Hôtel des Alpes", "factures@hotel-des-alpes.example", 8, 3000.00),
	("Garage Dupont SARL", "compta@garage-dupont.example", 12, 860.00),
	("Cabinet Leroy", "secretariat@cabinet-leroy.example", 21, 3150.00),
	("Transports Moreau", "comptabilite@transports-moreau.example", 45, 5400.00),
	("Imprimerie Laurent", "contact@imprimerie-laurent.example", 118, 2240.00),
]
PROMISE_NOTE = "Virement annoncé par le gérant pour la semaine prochaine."
HOTEL_NOTE = "Paiement par chèque cette semaine."
REPORTS = ["Dunning Aged Receivables", "Dunning Worklist", "Dunning Effectiveness"]


def _open_invoice(admin_api, customer: str) -> dict | None:
	rows = admin_api.get_list(
		"Sales Invoice",
		filters=[
			["customer", "=", customer],
			["company", "=", COMPANY],
			["docstatus", "=", 1],
			["outstanding_amount", ">", 0],
		],
		fields=["name", "dunning_status"],
		order_by="creation desc",
		limit_page_length=1,
	)
	return rows[0] if rows else None


def _logged(api, invoice: str, notes: str) -> bool:
	return bool(
		api.get_list(
			"Dunning Contact Log",
			filters=[["sales_invoice", "=", invoice], ["notes", "=", notes]],
			limit_page_length=1,
		)
	)


@pytest.fixture(scope="module")
def portfolio(e2e_site, admin_api, accounts_user, playwright_session) -> dict[str, str]:
	"""One open invoice per customer; the garage has promised to pay in ten days, the hotel this week."""
	# A French desk: dates as 23-11-2026, amounts as 1 730,50 € (symbol after the amount), weeks from Monday.
	admin_api.update(
		"System Settings",
		"System Settings",
		{
			"date_format": "dd-mm-yyyy",
			"number_format": "# ###,##",
			"first_day_of_the_week": "Monday",
			"time_zone": "Europe/Paris",
		},
	)
	admin_api.update("Currency", "EUR", {"symbol_on_right": 1, "number_format": "# ###,##"})
	admin_api.update("User", USER, {"time_zone": "Europe/Paris"})
	invoices = {}
	for customer, email, days, amount in PORTFOLIO:
		ensure_customer(admin_api, customer, email=email)
		row = _open_invoice(admin_api, customer)
		if not row:
			e2e_site.bench_execute(
				"relance_app.tests.factories.make_overdue_invoice_for_e2e",
				days_overdue=days,
				amount=amount,
				customer=customer,
			)
			row = _open_invoice(admin_api, customer)
		invoices[customer] = row
	# The desk shows the test company's figures, in euros (the cards and the chart filter by company).
	admin_api.update(
		"Global Defaults",
		"Global Defaults",
		{"default_company": COMPANY, "default_currency": "EUR", "country": "France"},
	)

	context = playwright_session.request.new_context(base_url=e2e_site.url)
	accountant = Api(context)
	accountant.login(*accounts_user)
	today = datetime.now(ZoneInfo("Europe/Paris")).date()  # the site's day (time zone set above)
	garage = invoices["Garage Dupont SARL"]
	if not _logged(accountant, garage["name"], PROMISE_NOTE):
		accountant.call(
			"relance_app.api.contacts.log_call",
			invoice=garage["name"],
			outcome="Reached",
			notes="Le gérant confirme avoir reçu la facture ; règlement par virement.",
		)
		accountant.call(
			"relance_app.api.contacts.record_promise",
			invoice=garage["name"],
			promised_date=(today + timedelta(days=10)).isoformat(),
			promised_amount=860,
			notes=PROMISE_NOTE,
		)
	hotel = invoices["Hôtel des Alpes"]
	if not _logged(accountant, hotel["name"], HOTEL_NOTE):
		end_of_week = today + timedelta(days=6 - today.weekday())
		accountant.call(
			"relance_app.api.contacts.record_promise",
			invoice=hotel["name"],
			promised_date=min(today + timedelta(days=2), end_of_week).isoformat(),
			notes=HOTEL_NOTE,
		)
	context.dispose()
	return {customer: row["name"] for customer, row in invoices.items()}


def _save(page, name: str, clip: dict | None = None) -> Path:
	folder = Path(FOLDER)
	folder.mkdir(parents=True, exist_ok=True)
	path = folder / name
	page.mouse.move(0, 0)  # no hover effects
	page.screenshot(path=str(path), clip=clip)
	return path


def test_invoice_form_screenshots(e2e_site, page, portfolio):
	from playwright.sync_api import expect

	open_form(page, e2e_site.url, "sales-invoice", portfolio["Garage Dupont SARL"])
	expect(page.locator(".form-message .relance-indicator")).to_have_attribute(
		"data-relance-status", "Promise"
	)
	wait_idle(page)

	# The timeline, with the call and the promise.
	timeline = page.locator(".new-timeline")
	expect(timeline.locator(".timeline-item", has_text=PROMISE_NOTE)).to_have_count(1)
	# The timeline's heading and the app's entries (Frappe's own version lines follow them), cut out of the page.
	entries = timeline.locator(".timeline-item", has_text="Relance")
	page.evaluate("document.querySelector('.new-timeline').scrollIntoView({block: 'center'})")
	top = max(0, page.locator(".new-timeline").bounding_box()["y"] + 16)
	last = entries.last.bounding_box()
	box = {"x": 200, "y": top, "width": 1080, "height": last["y"] + last["height"] + 16 - top}
	_save(page, "invoice-timeline.png", clip=box)

	# The header: indicator and the Relance menu open.
	page.evaluate("window.scrollTo(0, 0)")
	relance, log_a_call = translate(page, "Relance", "Log a call")
	page.locator(f'.page-actions .inner-group-button[data-label="{js_label(relance)}"] > button').click()
	expect(page.locator(".page-actions .inner-group-button .dropdown-menu.show")).to_contain_text(log_a_call)
	_save(page, "invoice-form.png")


def test_workspace_screenshot(e2e_site, page, portfolio):
	from playwright.sync_api import expect

	page.goto(e2e_site.url + "/app/relances")
	cards = page.locator(".widget.number-widget-box")
	expect(cards).to_have_count(4)
	# every card shows a figure, the chart has drawn its bars
	page.wait_for_function(
		"() => [...document.querySelectorAll('.widget.number-widget-box .number')]"
		".every((n) => n.textContent.trim() && !n.textContent.includes('...'))"
	)
	wait_charts_drawn(page, ".widget.dashboard-widget-box")
	wait_idle(page)
	_save(page, "workspace.png")


def test_report_screenshot(e2e_site, page, admin_api, portfolio):
	from playwright.sync_api import expect

	report = next((name for name in REPORTS if admin_api.get("Report", name)), None)
	if not report:
		pytest.skip("none of the reports is installed on the site")
	page.goto(f"{e2e_site.url}/app/query-report/{report}")
	rows = page.locator(".report-wrapper .dt-scrollable .dt-row")
	expect(rows.first).to_be_visible()
	if page.locator(".layout-main-section svg.frappe-chart").count():
		wait_charts_drawn(page, ".layout-main-section")
	wait_idle(page)
	_save(page, "report.png")
