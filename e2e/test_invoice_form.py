"""End to end, in headless Chromium against a bench's web server: an accountant opens an overdue Sales
Invoice, logs a call, records a promise to pay, and sees the dunning indicator and the timeline change.

Skipped unless RELANCE_E2E_URL points at a served site (see e2e/run.sh and e2e/conftest.py).
"""

from __future__ import annotations

import uuid

import pytest
from desk import click_menu_item, dialog, ensure_customer, open_form, translate, wait_idle

CUSTOMER = "Menuiserie Roux (test E2E)"


@pytest.fixture
def overdue_invoice(e2e_site, admin_api):
	"""A fresh submitted invoice of 860 EUR, 12 days overdue, made by the app's own test factory."""
	customer = ensure_customer(admin_api, CUSTOMER, email="compta@menuiserie-roux.example")
	invoice = e2e_site.bench_execute(
		"relance_app.tests.factories.make_overdue_invoice_for_e2e",
		days_overdue=12,
		amount=860.0,
		customer=customer,
	)
	assert invoice and invoice["docstatus"] == 1 and invoice["outstanding_amount"] == 860.0
	yield invoice["name"]
	# Leave no open invoice behind on a site that other tests use.
	admin_api.call("frappe.client.cancel", doctype="Sales Invoice", name=invoice["name"])


def test_log_a_call_then_record_a_promise(e2e_site, page, overdue_invoice):
	from playwright.sync_api import expect

	run = uuid.uuid4().hex[:8]
	call_notes = f"Appel au service comptable, facture bien reçue ({run})"
	promise_notes = f"Virement promis par le gérant ({run})"

	open_form(page, e2e_site.url, "sales-invoice", overdue_invoice)
	assert page.evaluate("frappe.boot.lang") == "fr", "the accountant's desk should be in French"
	(
		relance,
		log_a_call,
		record_a_promise,
		reached,
		call,
		promise_to_pay,
		call_logged,
		promise_recorded,
		promise_status,
		not_started_status,
	) = translate(
		page,
		"Relance",
		"Log a call",
		"Record a promise to pay",
		"Reached",
		"Call",
		"Promise to Pay",
		"Call logged",
		"Promise recorded",
		"Promise",
		"Not Started",
	)
	promised_on_shown, resumes_on_shown, status_label = page.evaluate(
		"""([promise]) => {
			const day = frappe.datetime.add_days(frappe.datetime.get_today(), 10);
			return [
				frappe.datetime.str_to_user(day),
				frappe.datetime.str_to_user(frappe.datetime.add_days(day, 1)),
				__("Relance: {0}", [promise]),
			];
		}""",
		[promise_status],
	)

	# The indicator above the tabs: a fresh overdue invoice has no dunning yet.
	indicator = page.locator(".form-message .relance-indicator")
	expect(indicator).to_be_visible()
	expect(indicator).to_have_attribute("data-relance-status", "Not Started")
	expect(indicator).to_contain_text(not_started_status)
	timeline = page.locator(".new-timeline")

	# Relance > Log a call: outcome "Reached", notes.
	click_menu_item(page, relance, log_a_call)
	box = dialog(page)
	expect(box.locator(".modal-title")).to_have_text(log_a_call)
	box.locator('select[data-fieldname="outcome"]').select_option(label=reached)
	box.locator('textarea[data-fieldname="notes"]').fill(call_notes)
	box.locator(".standard-actions .btn-primary").click()
	expect(page.locator("#alert-container")).to_contain_text(call_logged)
	call_entry = timeline.locator(".timeline-item", has_text=call_notes)
	expect(call_entry).to_have_count(1)
	expect(call_entry).to_contain_text(call)
	expect(call_entry).to_contain_text(reached)
	expect(indicator).to_have_attribute("data-relance-status", "Not Started")  # a call alone holds nothing
	wait_idle(page)

	# Relance > Record a promise to pay, in ten days, as the user types a date.
	click_menu_item(page, relance, record_a_promise)
	box = dialog(page)
	expect(box.locator(".modal-title")).to_have_text(record_a_promise)
	date_input = box.locator('input[data-fieldname="promised_date"]')
	for _attempt in range(3):
		# A date picker still drawing can clear what was typed (seen on a loaded machine): type it again.
		date_input.fill(promised_on_shown)
		box.locator('textarea[data-fieldname="notes"]').fill(promise_notes)  # also closes the date picker
		page.wait_for_timeout(200)
		if date_input.input_value() == promised_on_shown:
			break
	expect(date_input).to_have_value(promised_on_shown)
	box.locator(".standard-actions .btn-primary").click()
	expect(page.locator("#alert-container")).to_contain_text(promise_recorded)

	# The indicator now says "Promise", and the timeline shows both entries.
	expect(indicator).to_have_attribute("data-relance-status", "Promise")
	expect(indicator).to_contain_text(status_label)
	# The next step waits for the promise to expire, as the daily run does.
	expect(indicator).to_contain_text(resumes_on_shown)
	promise_entry = timeline.locator(".timeline-item", has_text=promise_notes)
	expect(promise_entry).to_have_count(1)
	expect(promise_entry).to_contain_text(promise_to_pay)
	expect(promise_entry).to_contain_text(promised_on_shown)
	expect(timeline.locator(".timeline-item", has_text=call_notes)).to_have_count(1)
	wait_idle(page)

	# The form's document, reloaded from the site, agrees with what the user saw.
	assert page.evaluate("cur_frm.doc.dunning_status") == "Promise"
	assert not page.js_errors, page.js_errors
