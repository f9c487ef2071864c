"""Fixtures of the browser tests (headless Chromium against a bench's web server).

Environment:
  RELANCE_E2E_URL         the site's base URL, e.g. http://127.0.0.1:8010 (unset: every test is skipped)
  RELANCE_BENCH           the bench directory (to create invoices with the app's factories)
  RELANCE_SITE            the site served at RELANCE_E2E_URL
  RELANCE_ADMIN_PASSWORD  Administrator's password on that site (default: admin)
  RELANCE_CHROMIUM        the Chromium binary (default: Debian's /usr/bin/chromium)
  RELANCE_E2E_ARTIFACTS   where a failing test leaves a screenshot (default: a temporary folder)
`e2e/run.sh` sets all of them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from desk import PASSWORD, USER, Api, Site, ensure_user, find_chromium, guard, launch, login

# The README screenshots are taken only on request (e2e/run.sh --screenshots).
collect_ignore = [] if os.environ.get("RELANCE_E2E_SCREENSHOTS") else ["test_screenshots.py"]


def _skip_reason() -> str | None:
	if not os.environ.get("RELANCE_E2E_URL"):
		return "RELANCE_E2E_URL is not set: no bench web server to test against (run e2e/run.sh)"
	if not find_chromium():
		return "no Chromium found (apt-get install chromium, or set RELANCE_CHROMIUM)"
	try:
		import playwright.sync_api  # noqa: F401
	except ImportError:
		return "the Python package playwright is not installed (pip install playwright; its browsers are not needed)"
	return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
	outcome = yield
	report = outcome.get_result()
	setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def e2e_site() -> Site:
	reason = _skip_reason()
	if reason:
		pytest.skip(reason)
	site = Site(
		url=os.environ["RELANCE_E2E_URL"],
		bench=os.environ.get("RELANCE_BENCH"),
		site=os.environ.get("RELANCE_SITE"),
		admin_password=os.environ.get("RELANCE_ADMIN_PASSWORD", "admin"),
	)
	if not (site.bench and site.site):
		pytest.skip("RELANCE_BENCH and RELANCE_SITE are needed to create the test invoices (run e2e/run.sh)")
	return site


@pytest.fixture(scope="session")
def playwright_session(e2e_site):
	from playwright.sync_api import sync_playwright

	with sync_playwright() as playwright:
		yield playwright


@pytest.fixture(scope="session")
def admin_api(e2e_site, playwright_session) -> Api:
	context = playwright_session.request.new_context(base_url=e2e_site.url, timeout=60_000)
	api = Api(context)
	api.login("Administrator", e2e_site.admin_password)
	yield api
	context.dispose()


@pytest.fixture(scope="session")
def accounts_user(admin_api) -> tuple[str, str]:
	"""An accountant (role Accounts User only) whose desk is in French."""
	ensure_user(admin_api, USER, PASSWORD, ["Accounts User"], "Camille", "Comptable")
	return USER, PASSWORD


@pytest.fixture
def browser(request, e2e_site, playwright_session):
	"""A fresh Chromium profile for each test, removed afterwards."""
	profile = tempfile.mkdtemp(prefix="relance-e2e-chromium-")
	context = launch(playwright_session, find_chromium(), profile)
	try:
		yield context
	finally:
		report = getattr(request.node, "rep_call", None)
		if report is not None and report.failed:
			folder = Path(os.environ.get("RELANCE_E2E_ARTIFACTS") or tempfile.gettempdir())
			folder.mkdir(parents=True, exist_ok=True)
			for number, page in enumerate(context.pages):
				path = folder / f"{request.node.name}-{number}.png"
				try:
					page.screenshot(path=str(path))
					print(f"screenshot of the failing page: {path}")
				except Exception as error:  # the page may be gone
					print(f"no screenshot: {error}")
		context.close()
		shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser, e2e_site, accounts_user):
	"""The accountant, logged in through the login page."""
	errors: list[str] = []
	page = browser.pages[0] if browser.pages else browser.new_page()
	guard(page, e2e_site.url, errors)
	login(page, e2e_site.url, *accounts_user)
	page.js_errors = errors
	return page
