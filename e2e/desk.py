"""Helpers for the browser tests: data set-up on the site, a headless Chromium, the Frappe desk.

Set-up goes through the site, never through app code written for the tests:
- `bench_execute` runs a factory of `relance_app.tests.factories` with the bench's own Python
  (as `bench --site SITE execute`, which commits);
- `admin_api` is Frappe's REST API as Administrator (users, customers, defaults).
Everything a user does is then done in the browser.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

# Test-only credentials of a throw-away user on a test site.
USER = "relance.e2e@example.com"
PASSWORD = "Relance-E2E-2026!"
COMPANY = "Relance Test SAS"  # relance_app.tests.factories.COMPANY

CHROMIUM_ARGS = [
	"--headless=new",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--disable-dev-shm-usage",
]
TIMEOUT_MS = 20_000  # any single wait in the browser


def find_chromium() -> str | None:
	"""Debian's chromium (or $RELANCE_CHROMIUM): Playwright's own browser downloads are never used."""
	candidates = [os.environ.get("RELANCE_CHROMIUM"), "/usr/bin/chromium", "/usr/lib/chromium/chromium"]
	candidates += [shutil.which(name) for name in ("chromium", "chromium-browser")]
	for candidate in candidates:
		if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
			return candidate
	return None


class Site:
	"""The bench site under test: its URL, and how to run code on it."""

	def __init__(self, url: str, bench: str | None, site: str | None, admin_password: str):
		self.url = url.rstrip("/")
		self.bench = Path(bench).expanduser() if bench else None
		self.site = site
		self.admin_password = admin_password

	def bench_execute(self, method: str, **kwargs):
		"""`bench --site SITE execute METHOD --kwargs ...`; returns what the method returned (JSON)."""
		if not (self.bench and self.site):
			raise RuntimeError("RELANCE_BENCH and RELANCE_SITE are needed to create data on the site")
		command = [
			str(self.bench / "env" / "bin" / "python"),
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			self.site,
			"execute",
			method,
			"--kwargs",
			repr(kwargs),  # bench evaluates it as a Python literal
		]
		done = subprocess.run(
			command, cwd=self.bench / "sites", capture_output=True, text=True, timeout=180, check=False
		)
		if done.returncode != 0:
			raise RuntimeError(
				f"{method} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
			)
		lines = [line for line in done.stdout.splitlines() if line.strip()]
		return json.loads(lines[-1]) if lines else None


class Api:
	"""Frappe's REST API through a Playwright request context (cookie session)."""

	def __init__(self, request_context):
		self.rq = request_context

	def _check(self, response, what: str):
		if not response.ok:
			raise RuntimeError(f"{what}: HTTP {response.status}\n{response.text()[:3000]}")
		return response.json()

	def login(self, user: str, password: str) -> None:
		self._check(self.rq.post("/api/method/login", form={"usr": user, "pwd": password}), f"login {user}")

	def get(self, doctype: str, name: str) -> dict | None:
		response = self.rq.get(f"/api/resource/{quote(doctype)}/{quote(name, safe='')}")
		if response.status == 404:
			return None
		return self._check(response, f"get {doctype} {name}")["data"]

	def get_list(self, doctype: str, **params) -> list[dict]:
		query = {
			key: json.dumps(value) if not isinstance(value, str | int) else value
			for key, value in params.items()
		}
		return self._check(self.rq.get(f"/api/resource/{quote(doctype)}", params=query), f"list {doctype}")[
			"data"
		]

	def insert(self, doc: dict) -> dict:
		doctype = doc["doctype"]
		return self._check(self.rq.post(f"/api/resource/{quote(doctype)}", data=doc), f"insert {doctype}")[
			"data"
		]

	def update(self, doctype: str, name: str, values: dict) -> dict:
		response = self.rq.put(f"/api/resource/{quote(doctype)}/{quote(name, safe='')}", data=values)
		return self._check(response, f"update {doctype} {name}")["data"]

	def call(self, method: str, **args):
		return self._check(self.rq.post(f"/api/method/{method}", data=args), method).get("message")


def ensure_user(
	api: Api, email: str, password: str, roles: list[str], first_name: str, last_name: str
) -> str:
	"""A desk user with exactly these roles, in French, with this password."""
	values = {
		"first_name": first_name,
		"last_name": last_name,
		"language": "fr",
		"user_type": "System User",
		"enabled": 1,
		"send_welcome_email": 0,
		"new_password": password,
		"roles": [{"role": role} for role in roles],
	}
	if api.get("User", email):
		api.update("User", email, values)
	else:
		api.insert({"doctype": "User", "email": email, **values})
	return email


def ensure_customer(api: Api, name: str, email: str | None = None) -> str:
	if not api.get("Customer", name):
		territories = api.get_list("Territory", filters=[["is_group", "=", 0]], limit_page_length=1)
		api.insert(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_type": "Company",
				"customer_group": "All Customer Groups",
				"territory": territories[0]["name"] if territories else "All Territories",
				"email_id": email,
			}
		)
	return name


# -- in the browser ----------------------------------------------------------------------------------------


def launch(playwright, chromium: str, user_data_dir: str):
	"""A fresh headless Chromium profile, 1280x800, that can reach nothing but the site under test."""
	context = playwright.chromium.launch_persistent_context(
		user_data_dir,
		executable_path=chromium,
		headless=True,
		args=CHROMIUM_ARGS,
		viewport={"width": 1280, "height": 800},
		locale="fr-FR",
		timezone_id="Europe/Paris",
	)
	context.set_default_timeout(TIMEOUT_MS)
	return context


def guard(page, base_url: str, console_errors: list[str]) -> None:
	"""Only the site is reached (no socket.io server in a dev bench: its polling is cut short)."""

	def route(route):
		url = route.request.url
		outside = not (url.startswith(base_url + "/") or url.startswith("data:"))
		if outside or "/socket.io/" in url:
			route.abort()
		else:
			route.continue_()

	page.route("**/*", route)
	page.on("pageerror", lambda error: console_errors.append(str(error)))


def login(page, base_url: str, user: str, password: str) -> None:
	"""Through the login page, as a person would."""
	page.goto(base_url + "/login")
	page.fill("#login_email", user)
	page.fill("#login_password", password)
	page.click(".btn-login")
	# v15 lands on /app, v16 on /desk
	page.wait_for_url(re.compile(r".*/(app|desk)(/.*)?$"))
	page.wait_for_function(
		"() => window.frappe && frappe.boot && frappe.session && frappe.session.user !== 'Guest'"
	)


def translate(page, *messages: str) -> list[str]:
	"""The messages as the desk shows them to this user (Frappe's `__`, in the user's language)."""
	return page.evaluate("(messages) => messages.map((m) => __(m))", list(messages))


def js_label(text: str) -> str:
	"""`encodeURIComponent(text)`: how Frappe writes a button label in its data-label attribute."""
	return quote(text, safe="-_.!~*'()")


def open_form(page, base_url: str, doctype_route: str, name: str) -> None:
	page.goto(f"{base_url}/app/{doctype_route}/{quote(name, safe='')}")
	page.wait_for_function(
		"(name) => window.cur_frm && cur_frm.doc && cur_frm.doc.name === name && !cur_frm.is_dirty()"
		" && document.querySelector('.page-head .title-text')",
		arg=name,
	)


def wait_idle(page) -> None:
	"""No request of the desk pending and no freeze overlay."""
	page.wait_for_function("() => !frappe.request.ajax_count && !frappe.dom.freeze_count")


def wait_charts_drawn(page, scope: str) -> None:
	"""Every Frappe chart under `scope` has drawn its bars and they have stopped growing (animation)."""
	page.wait_for_function(
		"""(scope) => {
			const bars = [...document.querySelectorAll(scope + " svg.frappe-chart rect.bar")];
			const sample = bars.map((bar) => bar.getAttribute("height")).join(",");
			const done = bars.length > 0 && sample === window.__relance_bars && bars.some((bar) => +bar.getAttribute("height") > 0);
			window.__relance_bars = sample;
			return done;
		}""",
		arg=scope,
		polling=300,
	)


def click_menu_item(page, group: str, item: str) -> None:
	"""Open a form's button group (e.g. "Relance") and click one of its items."""
	group_box = page.locator(f'.page-actions .inner-group-button[data-label="{js_label(group)}"]')
	group_box.locator("button").first.click()
	group_box.locator(f'.dropdown-item[data-label="{js_label(item)}"]').click()


def dialog(page):
	return page.locator(".modal.show .modal-dialog").last


# -- first hour: forms filled as a person does, and the one background job a test queued --------------------

# Runs with the bench's Python in its sites/ folder: fetches one queued job by its id and performs it as a
# worker would (execute_job: site, user, commit), then removes it. A `bench worker` would also take the jobs
# other sites sharing this Redis have queued.
_RUN_JOB = """
import json, sys, time
import frappe
from rq.job import Job
from frappe.utils.background_jobs import create_job_id, get_redis_conn

site, job_id = sys.argv[1], sys.argv[2]
frappe.init(site=site, sites_path=".")
key = create_job_id(job_id)
connection = get_redis_conn()
frappe.destroy()
job = Job.fetch(key, connection=connection)
if job.get_status() == "queued":
	result = job.perform()
	job.delete(remove_from_queue=True)
	print(json.dumps(result, default=str))
	sys.exit(0)
# A worker another site runs on this Redis took it first: its result, once done.
for _ in range(120):
	if job.get_status(refresh=True) in ("finished", "failed"):
		break
	time.sleep(0.5)
print(json.dumps(job.return_value(), default=str))
"""


def run_queued_job(site: Site, job_id: str):
	"""Perform the job the desk queued under `job_id` (no worker runs during the browser test)."""
	env = {key: value for key, value in os.environ.items() if key != "CI"}  # CI makes execute_job a test
	done = subprocess.run(
		[str(site.bench / "env" / "bin" / "python"), "-c", _RUN_JOB, site.site, job_id],
		cwd=site.bench / "sites",
		capture_output=True,
		text=True,
		timeout=180,
		check=False,
		env=env,
	)
	if done.returncode != 0:
		raise RuntimeError(f"job {job_id} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
	lines = [line for line in done.stdout.splitlines() if line.strip()]
	return json.loads(lines[-1]) if lines else None


def field(page, fieldname: str):
	"""A field of the form on screen (its tab shown and its section opened first, as the user would)."""
	page.evaluate(
		"""(f) => {
			const section = cur_frm.get_field(f).section;
			if (section && section.is_collapsed && section.is_collapsed()) section.head.trigger("click");
			cur_frm.scroll_to_field(f);
		}""",
		fieldname,
	)
	return page.locator(f'.frappe-control[data-fieldname="{fieldname}"]:visible').first


def fill_field(page, fieldname: str, value: str) -> None:
	box = field(page, fieldname).locator("input, textarea").first
	box.fill(value)
	box.press("Tab")
	page.wait_for_function("(f) => cur_frm.doc[f] !== undefined && cur_frm.doc[f] !== null", arg=fieldname)
	wait_idle(page)  # the field's change handlers (a server call, a form refresh) are done


def fill_fields(page, values: dict[str, str]) -> None:
	"""Fill several fields, then fill again any that a form refresh in between left different (as a person
	would look at the form before saving)."""
	for _ in range(3):
		for fieldname, value in values.items():
			fill_field(page, fieldname, value)
		wrong = page.evaluate(
			"(values) => Object.keys(values).filter((f) => String(cur_frm.doc[f]).replace(/\\.0+$/, '') !== values[f])",
			values,
		)
		if not wrong:
			return
		values = {fieldname: values[fieldname] for fieldname in wrong}
	raise AssertionError(f"fields not taken by the form: {values}")


def check_field(page, fieldname: str) -> None:
	box = field(page, fieldname).locator('input[type="checkbox"].input-with-feedback')
	if not box.is_checked():
		box.check()
	page.wait_for_function("(f) => cur_frm.doc[f] == 1", arg=fieldname)
	wait_idle(page)


def fill_link(page, fieldname: str, value: str) -> None:
	"""Type into a Link field and pick the value from its drop-down (typed again if the list changed under the
	pointer: a field shown by a check box just ticked may be drawn again)."""
	from playwright.sync_api import TimeoutError as PlaywrightTimeout

	for attempt in range(3):
		box = field(page, fieldname).locator("input").first
		box.click()
		box.fill("")
		box.press_sequentially(value, delay=10)  # typed: v16 opens the list on key events, not on fill()
		options = page.locator('.awesomplete ul [role="option"]:visible')
		try:
			options.first.wait_for(timeout=5000)
			wait_idle(page)  # the search has answered: the list no longer changes under the pointer
			# The value itself, else the first match (v16 shows an account by its title, its name below).
			named = options.filter(has_text=value)
			(named if named.count() else options).first.click()
		except PlaywrightTimeout:
			box.press("Tab")  # no list drawn: the whole name typed, leaving the field checks and takes it
		try:
			page.wait_for_function("([f, v]) => cur_frm.doc[f] === v", arg=[fieldname, value], timeout=5000)
			return
		except PlaywrightTimeout:
			if attempt == 2:
				raise


def save_form(page) -> None:
	"""Ctrl+S, then wait until the form is saved (no longer new nor dirty)."""
	page.keyboard.press("Control+s")
	page.wait_for_function(
		"() => cur_frm && !cur_frm.is_new() && !cur_frm.is_dirty() && !cur_frm.save_disabled"
	)
	wait_idle(page)


def new_form(page, base_url: str, doctype: str) -> None:
	page.goto(f"{base_url}/app/{doctype.lower().replace(' ', '-')}/new")
	page.wait_for_function("(d) => window.cur_frm && cur_frm.doctype === d && cur_frm.is_new()", arg=doctype)
