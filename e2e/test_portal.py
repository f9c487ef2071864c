"""End to end, in headless Chromium: the customer opens the link of a queued reminder email, as a Guest, on a
desktop and on a phone; sees the invoices, downloads one as PDF, promises to pay one and disputes the other;
then the accountant sees both invoices' dunning change in the desk.

Skipped unless RELANCE_E2E_URL points at a served site (see e2e/run.sh and e2e/conftest.py). With
RELANCE_E2E_SCREENSHOTS set, the page is also saved as docs/screenshots/portal-desktop.png and portal-phone.png.
"""

from __future__ import annotations

import email
import os
import re
import time
import uuid
from datetime import date, timedelta
from email import policy as email_policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from desk import guard, login, open_form

CUSTOMER = "Épicerie Fine Lambert (test E2E)"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# A valid one-page PDF (v16 opens every uploaded PDF to look for scripts).
PDF = (
	b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
	b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\nxref\n0 4\n0000000000 65535 f \n"
	b"0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\n"
	b"startxref\n164\n%%EOF\n"
)


@pytest.fixture
def reminded(e2e_site, admin_api):
	"""Two overdue invoices of one customer, reminded today by the daily run: a reminder email is queued."""
	began = time.monotonic()
	data = e2e_site.bench_execute(
		"relance_app.tests.portal_fixtures.queued_reminder",
		customer=CUSTOMER,
		email=f"compta-{uuid.uuid4().hex[:6]}@epicerie-lambert.example",
	)
	assert data["email_queue"], "the run queued no reminder email"
	yield {**data, "began": began}
	for invoice in data["invoices"]:
		admin_api.call("frappe.client.cancel", doctype="Sales Invoice", name=invoice)


def link_in(message: str) -> str:
	"""The customer-page link of a queued email (its MIME message, as Frappe stores it)."""
	parsed = email.message_from_string(message, policy=email_policy.default)
	html = parsed.get_body(preferencelist=("html",)).get_content()
	found = re.search(r'href="(https?://[^"]+/relance\?t=[^"]+)"', html)
	assert found, "no customer-page link in the reminder email"
	return found.group(1).replace("&amp;", "&")


def shoot(page, name: str) -> None:
	folder = os.environ.get("RELANCE_E2E_SCREENSHOTS")
	if folder:
		Path(folder).mkdir(parents=True, exist_ok=True)
		page.screenshot(path=str(Path(folder) / name), full_page=True)


def tell(page, invoice: str, summary: str, fill) -> str:
	"""Open one of the invoice's answers, fill it, send it; the page's answer."""
	from playwright.sync_api import expect

	section = page.locator(f'section.invoice[data-invoice="{invoice}"]')
	details = section.locator("details", has=page.locator("summary", has_text=summary))
	details.locator("summary").click()
	form = details.locator("form")
	fill(form)
	form.locator("button[type=submit]").click()
	expect(form.locator("button[type=submit]")).to_be_disabled()
	return form.locator(".answer").inner_text()


def test_the_customer_answers_from_the_reminder_link_and_the_desk_shows_it(
	e2e_site, browser, admin_api, accounts_user, reminded
):
	from playwright.sync_api import expect

	started, begin = time.monotonic(), reminded["began"]
	promised, disputed = reminded["invoices"]
	queued = admin_api.get("Email Queue", reminded["email_queue"])
	link = link_in(queued["message"])
	# The link names the site's configured host; the test server listens on 127.0.0.1.
	parts = urlsplit(link)
	url = f"{e2e_site.url}{parts.path}?{parts.query}"

	errors: list[str] = []
	page = browser.pages[0] if browser.pages else browser.new_page()
	guard(page, e2e_site.url, errors)

	# On a phone: readable without scrolling sideways.
	page.set_viewport_size(PHONE)
	page.goto(url)
	for invoice in (promised, disputed):
		expect(page.locator(f'section.invoice[data-invoice="{invoice}"]')).to_be_visible()
	# 1 450 + 320, whatever the site's number format.
	assert re.sub(r"\D", "", page.locator("#relance-total").inner_text()).startswith("177000")
	assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
	shoot(page, "portal-phone.png")

	page.set_viewport_size(DESKTOP)
	expect(page.locator("h1")).to_be_visible()
	shoot(page, "portal-desktop.png")

	# The invoice PDF, as the link on the page serves it to the Guest.
	href = page.locator(f'section.invoice[data-invoice="{promised}"] a[href*="invoice_pdf"]').get_attribute(
		"href"
	)
	response = page.request.get(e2e_site.url + href)
	assert response.ok and response.body().startswith(b"%PDF"), response.status

	on = (date.today() + timedelta(days=10)).isoformat()
	answer = tell(
		page, promised, "Je paierai", lambda form: form.locator('input[name="promised_date"]').fill(on)
	)
	assert answer and "erreur" not in answer.lower(), answer

	def dispute(form):
		form.locator('select[name="reason"]').select_option(index=2)
		form.locator('textarea[name="details"]').fill("Quantité livrée : 3 au lieu de 5.")
		form.locator('input[name="attachment"]').set_input_files(
			{"name": "bon-de-livraison.pdf", "mimeType": "application/pdf", "buffer": PDF}
		)

	answer = tell(page, disputed, "Je conteste", dispute)
	assert answer, "no answer to the dispute"
	assert not errors, errors

	# The accountant's desk: the dispute holds its invoice (and the promise the other one).
	login(page, e2e_site.url, *accounts_user)
	open_form(page, e2e_site.url, "sales-invoice", disputed)
	indicator = page.locator(".form-message .relance-indicator")
	expect(indicator).to_have_attribute("data-relance-status", "Disputed")
	assert admin_api.get("Sales Invoice", promised)["dunning_status"] == "Promise"
	rows = admin_api.get_list(
		"Dunning Contact Log",
		filters=[["sales_invoice", "=", disputed], ["entry_type", "=", "Dispute"]],
		fields=["attachment"],
	)
	assert rows and rows[0]["attachment"].startswith("/private/files/"), rows
	print(f"portal e2e: set-up {started - begin:.0f} s, browser {time.monotonic() - started:.0f} s")
