"""The first hour of a French accounts manager (issue 18), in headless Chromium: on a company ERPNext has just
made, the setup checklist says what is missing; the manager fixes it from the checklist's links; the checklist
turns green; "Run now" sends the first reminder; the workspace shows euros; the mise en demeure and its PDF are
entirely in French.

Through the desk, as a person: the checklist and its links, the Email Account, the sender in Dunning Settings,
the company's SIREN and legal mentions, the Bank Account with its IBAN, "Run now" and its confirmation, the
workspace, the invoice's Relance menu and "Issue and record". Through the API (tedious, not what is tested):
the company's address, the SMS gateway URL and the half-year's two legal rates. The data (a company made by
ERPNext with its shipped policy, a customer, an overdue invoice) comes from `bench execute`; the queued run is
performed as a worker would (no worker runs during the test).

Skipped unless RELANCE_E2E_URL points at a served site (see e2e/run.sh and e2e/conftest.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from desk import (
	check_field,
	click_menu_item,
	dialog,
	ensure_user,
	fill_field,
	fill_fields,
	fill_link,
	guard,
	login,
	new_form,
	open_form,
	run_queued_job,
	save_form,
	translate,
	wait_charts_drawn,
	wait_idle,
)

MANAGER = "relance.manager.e2e@example.com"
MANAGER_PASSWORD = "Relance-E2E-Manager-2026!"
SENDER = "relances@premiere-heure.example"  # relance_app.tests.test_first_hour.E2E_SENDER
SENDER_ACCOUNT = "Relances Première Heure"
IBAN = "FR7630006000011234567890189"
# English a French letter must not contain (the words of issue 18's half-English letter among them).
ENGLISH = re.compile(
	r"\b(Formal notice|Invoice|Amount due|None|Dear|Sir or Madam|Outstanding|Due date|Yours|Payment|"
	r"Late payment|Penalt(y|ies)|Page \d+ of|Total due|Interest|Sincerely|Ref\.)\b"
)
SCREENSHOTS = os.environ.get("RELANCE_E2E_SCREENSHOTS")


def half_year_start(day: date) -> date:
	return date(day.year, 1 if day.month <= 6 else 7, 1)


@pytest.fixture
def first_hour(e2e_site, admin_api):
	"""A bare company with one overdue invoice; the site's other policies and senders off until the end."""
	ensure_user(
		admin_api, MANAGER, MANAGER_PASSWORD, ["Accounts Manager", "System Manager"], "Claire", "Gestion"
	)
	state = e2e_site.bench_execute("relance_app.tests.test_first_hour.first_hour_for_e2e")
	yield state
	e2e_site.bench_execute("relance_app.tests.test_first_hour.first_hour_teardown_for_e2e", state=state)


@pytest.fixture
def manager_page(browser, e2e_site, first_hour):
	errors: list[str] = []
	page = browser.pages[0] if browser.pages else browser.new_page()
	guard(page, e2e_site.url, errors)
	login(page, e2e_site.url, MANAGER, MANAGER_PASSWORD)
	page.js_errors = errors
	return page


def _open_settings(page, url: str):
	page.goto(url + "/app/dunning-settings")
	page.wait_for_function("() => window.cur_frm && cur_frm.doctype === 'Dunning Settings'")
	wait_idle(page)
	return page.locator(".form-message")


def _item(intro, label: str):
	return intro.locator("li", has_text=label)


def _run_now(page, url: str, company: str) -> None:
	run_now, yes = translate(page, "Run now", "Yes")
	page.goto(f"{url}/app/query-report/Dunning Worklist?company={quote(company)}")
	page.wait_for_function(
		"(c) => frappe.query_report && frappe.query_report.get_filter_value('company') === c", arg=company
	)
	wait_idle(page)
	page.locator(".page-actions button", has_text=run_now).first.click()
	dialog(page).locator(".btn-primary", has_text=yes).click()


def _pdf_text(admin_api, dunning: str) -> str:
	files = admin_api.get_list(
		"File",
		filters=[["attached_to_doctype", "=", "Dunning"], ["attached_to_name", "=", dunning]],
		fields=["file_url"],
	)
	assert files, f"no PDF attached to {dunning}"
	response = admin_api.rq.get(files[0]["file_url"])
	assert response.ok, response.status
	with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
		pdf.write(response.body())
		pdf.flush()
		return subprocess.run(
			["pdftotext", "-layout", pdf.name, "-"], capture_output=True, text=True, check=True
		).stdout


def test_first_hour_in_french(e2e_site, admin_api, manager_page, first_hour):
	from playwright.sync_api import expect

	page, url = manager_page, e2e_site.url
	company, invoice = first_hour["company"], first_hour["invoice"]
	assert page.evaluate("frappe.boot.lang") == "fr", "the manager's desk should be in French"
	(
		before_first_run,
		sender_label,
		address_label,
		mentions_label,
		iban_label,
		sms_label,
		rates_label,
		fix,
		complete,
		cannot_start,
	) = translate(
		page,
		"Before the first run",
		"Sender email account",
		"Company address",
		"SIREN, RCS and legal mentions",
		"Bank account with IBAN",
		"SMS gateway",
		"Late payment rates of the half-year",
		"Fix",
		"Setup complete: the daily run has everything it needs.",
		"The dunning run cannot start, fix this first:",
	)

	# 1. Dunning Settings: the checklist names everything a bare company lacks, each with a link to fix it.
	intro = _open_settings(page, url)
	expect(intro).to_contain_text(before_first_run)
	for label in (sender_label, address_label, mentions_label, iban_label):
		expect(_item(intro, label)).to_contain_text("✘")
		expect(_item(intro, label).locator("a", has_text=fix)).to_have_count(1)
	# Site-wide, and possibly set by the tests before this one: listed, fixed below if missing.
	expect(_item(intro, sms_label)).to_have_count(1)
	expect(_item(intro, rates_label)).to_have_count(1)
	assert before_first_run != "Before the first run", "the checklist should be in French"
	if SCREENSHOTS:
		page.mouse.move(0, 0)
		page.screenshot(path=str(Path(SCREENSHOTS) / "setup-checklist.png"))

	# 2. Run now refuses, in words, while no account can send.
	_run_now(page, url, company)
	expect(dialog(page)).to_contain_text(cannot_start)
	page.keyboard.press("Escape")

	# 3. The sender: the checklist's link leads to Email Account; a new account, chosen in Dunning Settings.
	intro = _open_settings(page, url)
	_item(intro, sender_label).locator("a", has_text=fix).click()
	page.wait_for_url(re.compile(r".*/email-account$"))
	new_form(page, url, "Email Account")
	fill_field(page, "email_account_name", SENDER_ACCOUNT)
	fill_field(page, "email_id", SENDER)
	check_field(page, "enable_outgoing")
	fill_field(page, "smtp_server", "smtp.premiere-heure.example")
	fill_field(page, "smtp_port", "587")
	check_field(page, "no_smtp_authentication")
	save_form(page)
	intro = _open_settings(page, url)
	fill_link(page, "sender", SENDER_ACCOUNT)
	save_form(page)
	expect(_item(intro, sender_label)).to_contain_text("✔")
	expect(_item(intro, sender_label)).to_contain_text(SENDER)

	# 4. SIREN, RCS, legal form and capital on the Company, from the checklist's link.
	_item(intro, mentions_label).locator("a", has_text=fix).click()
	page.wait_for_function(
		"(c) => window.cur_frm && cur_frm.doctype === 'Company' && cur_frm.doc.name === c", arg=company
	)
	wait_idle(page)
	fill_fields(
		page,
		{
			"dunning_siren": "732 829 320",
			"dunning_rcs_city": "Lyon",
			"dunning_legal_form": "SARL",
			"dunning_share_capital": "10000",
		},
	)
	save_form(page)

	# 5. The bank account with its IBAN, from the checklist's link.
	intro = _open_settings(page, url)
	_item(intro, iban_label).locator("a", has_text=fix).click()
	page.wait_for_url(re.compile(r".*/bank-account$"))
	new_form(page, url, "Bank Account")
	fill_field(page, "account_name", "Compte courant")
	fill_link(page, "bank", "Banque Première Heure")
	check_field(page, "is_company_account")
	fill_link(page, "company", company)
	fill_link(page, "account", first_hour["bank_ledger_account"])
	fill_field(page, "iban", IBAN)
	check_field(page, "is_default")
	save_form(page)

	# 6. Through the API (tedious forms, not what this test is about): the address, the SMS gateway, the rates.
	admin_api.insert(
		{
			"doctype": "Address",
			"address_title": f"{company} siège",
			"address_type": "Billing",
			"address_line1": "3 place Bellecour",
			"city": "Lyon",
			"pincode": "69002",
			"country": "France",
			"is_your_company_address": 1,
			"is_primary_address": 1,
			"links": [{"link_doctype": "Company", "link_name": company}],
		}
	)
	admin_api.update(
		"SMS Settings",
		"SMS Settings",
		{
			"sms_gateway_url": "https://sms.example/send",
			"message_parameter": "text",
			"receiver_parameter": "to",
		},
	)
	start = half_year_start(date.fromisoformat(page.evaluate("frappe.datetime.get_today()")))
	for kind in ("Legal Rate (Other Cases)", "Legal Rate (Consumer Creditor)"):
		if not admin_api.get_list(
			"Late Payment Rate", filters=[["rate_type", "=", kind], ["valid_from", "=", start.isoformat()]]
		):
			admin_api.insert(
				{
					"doctype": "Late Payment Rate",
					"rate_type": kind,
					"valid_from": start.isoformat(),
					"rate_percent": 6.65 if "Consumer" in kind else 2.76,
					"source": "Arrêté du ministre de l'Économie (test)",
				}
			)

	# 7. The checklist is green.
	intro = _open_settings(page, url)
	expect(intro).to_contain_text(complete)

	# 8. Run now: queued, then performed; the customer's reminder is in the Email Queue, from the chosen sender.
	_run_now(page, url, company)
	expect(page.locator("#alert-container")).to_contain_text("relance-run-now")
	report = run_queued_job(e2e_site, f"relance-run-now:{company}:*")
	assert report and report["sent"] >= 1 and not report["failed"], report
	queued = admin_api.get_list(
		"Email Queue",
		filters=[
			["reference_doctype", "=", "Customer"],
			["reference_name", "=", first_hour["customer"]],
			["creation", ">=", first_hour["started"]],
		],
		fields=["name", "sender", "status"],
	)
	assert queued, f"no email queued for {first_hour['customer']}"
	assert SENDER in queued[0]["sender"], queued

	# 9. The workspace, the company chosen in its picker: the overdue amount in euros, the chart drawn, the setup
	# block gone.
	cards_ready = (
		"() => { const n = [...document.querySelectorAll('.widget.number-widget-box .number')];"
		" return n.length && n.every((e) => e.textContent.trim() && !e.textContent.includes('...')); }"
	)
	page.goto(url + "/app/relances")
	page.wait_for_function(cards_ready)
	picker = page.locator(".relance-company select")
	with page.expect_navigation():
		picker.select_option(company)
	page.wait_for_function(cards_ready)
	expect(page.locator(".relance-company select")).to_have_value(company)
	overdue_card = page.locator(".widget.number-widget-box").first
	expect(overdue_card.locator(".number")).to_contain_text("€")
	expect(overdue_card.locator(".number")).not_to_contain_text("$")
	wait_charts_drawn(page, ".widget.dashboard-widget-box")
	expect(page.locator(".relance-setup:visible")).to_have_count(0)

	# 10. The mise en demeure from the invoice: preview and PDF entirely in French.
	relance, formal_notice, issue = translate(page, "Relance", "Mise en demeure", "Issue and record")
	open_form(page, url, "sales-invoice", invoice)
	wait_idle(page)
	click_menu_item(page, relance, formal_notice)
	letter = page.frame_locator(".modal.show iframe").locator("body")
	expect(letter).to_contain_text("Mise en demeure")
	preview = letter.inner_text()
	assert not ENGLISH.search(preview), ENGLISH.search(preview).group(0) + "\n" + preview
	assert "€" in preview and "Lyon" in preview and "732 829 320" in preview, preview
	dialog(page).locator(".standard-actions .btn-primary", has_text=issue).click()
	page.wait_for_function("() => window.cur_frm && cur_frm.doctype === 'Dunning' && !cur_frm.is_new()")
	dunning = page.evaluate("cur_frm.doc.name")
	pdf = _pdf_text(admin_api, dunning)
	assert "Mise en demeure" in pdf or "MISE EN DEMEURE" in pdf, pdf
	assert not ENGLISH.search(pdf), ENGLISH.search(pdf).group(0) + "\n" + pdf
	assert IBAN[:4] in pdf.replace(" ", ""), pdf
	assert not page.js_errors, page.js_errors
