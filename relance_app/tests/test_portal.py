"""The debtor's page on a real site: the personal link opens it, anything else gets a 403; the customer's
answers (paid, promise, dispute) are logged, hold the reminders and give someone a task."""

from __future__ import annotations

import re
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, formatdate, getdate, set_request
from frappe.website.serve import get_response

from relance_app.api.invoice import get_invoice_dunning
from relance_app.common.policy_store import engine_policy
from relance_app.common.portal_links import PortalDenied, make_token, portal_url
from relance_app.desk.timeline import get_timeline
from relance_app.dunning.context import build_context
from relance_app.dunning.run import run
from relance_app.dunning.selection import select_open_instalments
from relance_app.formal_notice.dunning import create_formal_notice
from relance_app.formal_notice.letter import letter_html
from relance_app.portal import telling
from relance_app.portal.desk import link_for, revoke_links
from relance_app.relance_app.report.dunning_worklist import dunning_worklist as worklist
from relance_app.tests.factories import (
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
	make_role_users,
)
from relance_app.tests.test_formal_notice import LEVEL, bank_ledger_account, make_company_identity

TODAY = getdate("2026-11-02")  # a Monday
IBAN = "FR7630006000011234567890189"


def ensure_bank_account(company: str) -> None:
	if not frappe.db.exists("Bank", "Banque Test"):
		frappe.get_doc({"doctype": "Bank", "bank_name": "Banque Test", "swift_number": "AGRIFRPP"}).insert(
			ignore_permissions=True
		)
	if not frappe.db.exists("Bank Account", {"iban": IBAN}):
		frappe.get_doc(
			{
				"doctype": "Bank Account",
				"account_name": "Compte courant",
				"bank": "Banque Test",
				"company": company,
				"is_company_account": 1,
				"is_default": 1,
				"iban": IBAN,
				"account": bank_ledger_account(company),
			}
		).insert(ignore_permissions=True)


class TestPortal(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		ensure_bank_account(cls.company)
		make_email_account()
		cls.policy = make_policy()
		frappe.db.set_single_value(
			"Dunning Settings", {"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0}
		)

	def setUp(self):
		frappe.local.cache.pop("relance_company_details", None)
		self.customer = make_dunning_customer(policy=self.policy)
		self.invoice = make_overdue_invoice(days_overdue=5, amount=1200, customer=self.customer, today=TODAY)
		with self.freeze_time(TODAY):
			self.token = make_token(self.customer, self.company)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None

	def page(self, token, day=TODAY):
		"""The page as a Guest browser gets it: (HTTP status, HTML)."""
		frappe.set_user("Guest")
		# The page speaks the customer's language for its own request; a browser's next request starts anew.
		lang = frappe.local.lang
		try:
			with self.freeze_time(day):
				set_request(method="GET", path="/relance", query_string={"t": token})
				frappe.local.form_dict = frappe._dict(t=token)
				response = get_response()
		finally:
			frappe.set_user("Administrator")
			frappe.local.request = None
			frappe.local.lang = lang
		return response.status_code, frappe.safe_decode(response.get_data())

	def tell(self, method, day=TODAY, **kwargs):
		"""A Guest POST to a telling endpoint (called directly: no request, so no rate limit here)."""
		frappe.local.request = None
		frappe.set_user("Guest")
		try:
			with self.freeze_time(day):
				return getattr(telling, method)(t=self.token, invoice=self.invoice.name, **kwargs)
		finally:
			frappe.set_user("Administrator")

	def contact_logs(self, **filters):
		return frappe.get_all(
			"Dunning Contact Log",
			filters={"sales_invoice": self.invoice.name, **filters},
			fields=["entry_type", "direction", "status", "promised_date", "notes", "todo", "is_automatic"],
		)

	def test_the_link_in_reminders_carries_only_the_token(self):
		with self.freeze_time(TODAY):
			url = portal_url(self.customer, self.company)
			invoice_row = frappe.db.get_value(
				"Sales Invoice", self.invoice.name, ["posting_date", "grand_total"], as_dict=True
			)
			instalments = select_open_instalments(TODAY, customers=[self.customer]).instalments
			context = build_context(
				customer=self.customer,
				company=self.company,
				instalments=instalments,
				level=engine_policy(frappe.get_doc("Dunning Policy", self.policy)).levels[1],
				today=TODAY,
				invoice_rows={self.invoice.name: invoice_row},
				policy=self.policy,
			)
		self.assertTrue(url.endswith("/relance?t=" + self.token))
		self.assertNotIn(self.customer.split()[-1], url)
		# The reminders' rendering context carries the same link.
		self.assertEqual(context["portal_link"], url)

	def test_the_token_opens_the_page_with_the_open_invoices_and_the_transfer_details(self):
		status, html = self.page(self.token)
		self.assertEqual(status, 200)
		self.assertIn(self.invoice.name, html)
		self.assertIn(self.company, html)
		self.assertIn("FR76 3000 6000 0112 3456 7890 189", html)
		self.assertIn("AGRIFRPP", html)
		self.assertIn("<svg", html)  # the EPC QR codes, inline
		self.assertIn("1,200.00", html.replace("\u202f", ",").replace(" ", ","))

	def test_values_on_the_page_are_escaped(self):
		frappe.db.set_value(
			"Customer", self.customer, "customer_name", 'Dupont <img src=x onerror="alert(1)">'
		)
		status, html = self.page(self.token)
		self.assertEqual(status, 200)
		self.assertIn("Dupont &lt;img src=x onerror=&#34;alert(1)&#34;&gt;", html)
		self.assertNotIn("<img src=x", html)

	def test_an_altered_token_gets_403_and_nothing_about_the_customer(self):
		flipped = self.token[:10] + ("A" if self.token[10] != "A" else "B") + self.token[11:]
		for token in (flipped, "", "not-a-token"):
			status, html = self.page(token)
			self.assertEqual(status, 403, token)
			self.assertNotIn(self.invoice.name, html)
			self.assertIn('id="relance-denied"', html)

	def test_the_link_expires_after_the_policy_days(self):
		self.assertEqual(self.page(self.token, day=add_days(TODAY, 60))[0], 200)
		self.assertEqual(self.page(self.token, day=add_days(TODAY, 61))[0], 403)
		frappe.db.set_value("Dunning Policy", self.policy, "portal_link_days", 10)
		with self.freeze_time(TODAY):
			short = make_token(self.customer, self.company)
		self.assertEqual(self.page(short, day=add_days(TODAY, 10))[0], 200)
		self.assertEqual(self.page(short, day=add_days(TODAY, 11))[0], 403)
		frappe.db.set_value("Dunning Policy", self.policy, "portal_link_days", 60)

	def test_revoking_closes_the_links_already_sent(self):
		revoke_links(self.customer)
		self.assertEqual(self.page(self.token)[0], 403)
		with self.freeze_time(TODAY):
			fresh = make_token(self.customer, self.company)
		self.assertEqual(self.page(fresh)[0], 200)

	def test_the_invoice_pdf_is_served_to_its_customer_only(self):
		# A real GET: the print view renders through the website machinery, which reads the request.
		set_request(method="GET", path="/api/method/relance_app.portal.telling.invoice_pdf")
		frappe.local.request_ip = "127.0.0.1"
		frappe.local.form_dict = frappe._dict(cmd="relance_app.portal.telling.invoice_pdf")
		frappe.set_user("Guest")
		with self.freeze_time(TODAY):
			telling.invoice_pdf(t=self.token, invoice=self.invoice.name)
		self.assertTrue(frappe.local.response.filecontent.startswith(b"%PDF"))
		frappe.set_user("Administrator")
		other = make_overdue_invoice(days_overdue=5, customer=make_dunning_customer(), today=TODAY)
		frappe.set_user("Guest")
		with self.freeze_time(TODAY), self.assertRaises(PortalDenied):
			telling.invoice_pdf(t=self.token, invoice=other.name)

	def test_i_have_paid_logs_a_note_pauses_five_days_and_creates_a_task(self):
		answer = self.tell("declare_payment", paid_on="2026-10-30", amount="1200", reference="VIR <b>42</b>")
		[row] = self.contact_logs()
		self.assertEqual((row.entry_type, row.direction, row.status), ("Note", "Inbound", "Done"))
		self.assertIn("via the customer page", row.notes)
		self.assertEqual(
			getdate(frappe.db.get_value("Sales Invoice", self.invoice.name, "dunning_paused_until")),
			add_days(TODAY, 5),
		)
		description = frappe.db.get_value("ToDo", answer["todo"], "description")
		self.assertIn("VIR &lt;b&gt;42&lt;/b&gt;", description)
		self.assertNotIn("<b>42", description)
		self.assertEqual(row.todo, answer["todo"])
		self.assert_no_reminder_on(TODAY)

	def test_i_will_pay_on_logs_a_promise_that_holds_the_reminders(self):
		answer = self.tell("promise_payment", promised_date="2026-11-20")
		[row] = self.contact_logs()
		self.assertEqual((row.entry_type, row.status), ("Promise to Pay", "Open"))
		self.assertEqual(getdate(row.promised_date), getdate("2026-11-20"))
		self.assertTrue(frappe.db.exists("ToDo", answer["todo"]))
		self.assert_no_reminder_on(TODAY)

	def test_the_task_goes_to_the_account_manager_else_an_accounts_manager(self):
		users = make_role_users()
		frappe.db.set_value("Customer", self.customer, "account_manager", users["Sales User"])
		answer = self.tell("promise_payment", promised_date="2026-11-20")
		self.assertEqual(frappe.db.get_value("ToDo", answer["todo"], "allocated_to"), users["Sales User"])
		frappe.db.set_value("Customer", self.customer, "account_manager", None)
		owner = telling.task_owner(self.customer)
		self.assertIn("Accounts Manager", frappe.get_roles(owner))

	def test_a_promise_beyond_sixty_days_or_in_the_past_is_refused(self):
		for day in ("2027-01-05", "2026-11-01", "not a date"):
			with self.assertRaises(frappe.ValidationError, msg=day):
				self.tell("promise_payment", promised_date=day)
		self.assertEqual(self.contact_logs(), [])

	def test_a_dispute_is_logged_open_with_the_reason_and_holds_the_reminders(self):
		answer = self.tell(
			"dispute_invoice",
			reason="Wrong price or quantity",
			details="<script>alert(1)</script> 3 au lieu de 2",
		)
		[row] = self.contact_logs()
		self.assertEqual((row.entry_type, row.direction, row.status), ("Dispute", "Inbound", "Open"))
		self.assertIn("Wrong price or quantity", row.notes)
		description = frappe.db.get_value("ToDo", answer["todo"], "description")
		self.assertNotIn("<script>", description)
		self.assertIn("&lt;script&gt;", description)
		timeline = " ".join(item["content"] for item in get_timeline("Customer", self.customer))
		# The customer's words stay, never as markup (v15 keeps the tag as escaped text, v16 strips it on save).
		self.assertIn("3 au lieu de 2", timeline)
		self.assertNotIn("<script", timeline)
		self.assert_no_reminder_on(TODAY)

	def test_a_dispute_reason_outside_the_list_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			self.tell("dispute_invoice", reason="Because", details="x")

	def test_telling_with_a_bad_token_or_about_another_customers_invoice_is_refused(self):
		other = make_overdue_invoice(days_overdue=5, customer=make_dunning_customer(), today=TODAY)
		frappe.set_user("Guest")
		with self.freeze_time(TODAY):
			with self.assertRaises(PortalDenied):
				telling.promise_payment(t=self.token, invoice=other.name, promised_date="2026-11-20")
			with self.assertRaises(PortalDenied):
				telling.promise_payment(
					t=self.token + "x", invoice=self.invoice.name, promised_date="2026-11-20"
				)
		frappe.set_user("Administrator")
		self.assertEqual(self.contact_logs(), [])

	def test_the_page_speaks_the_customers_language(self):
		# ERPNext's Customer.language (print language, filled with the system language) does not decide it.
		frappe.db.set_value("Customer", self.customer, {"language": "fr", "dunning_language": "en"})
		self.assertIn(f"<h3>Invoice {self.invoice.name}</h3>", self.page(self.token)[1])
		frappe.db.set_value("Customer", self.customer, {"language": "en", "dunning_language": "fr"})
		# Frappe's and ERPNext's own catalogues are compiled on every bench: "Invoice" is "Facture" in French.
		self.assertIn(f"<h3>Facture {self.invoice.name}</h3>", self.page(self.token)[1])

	def test_guest_posts_are_rate_limited_per_ip(self):
		method = "relance_app.portal.telling.promise_payment"
		set_request(method="POST", path="/api/method/" + method)
		frappe.local.request_ip = "192.0.2.14"
		frappe.local.form_dict = frappe._dict(cmd=method)
		frappe.set_user("Guest")
		try:
			with self.freeze_time(TODAY):
				for _attempt in range(10):
					with self.assertRaises(frappe.ValidationError):
						telling.promise_payment(
							t=self.token, invoice=self.invoice.name, promised_date="2027-06-01"
						)
				with self.assertRaises(frappe.RateLimitExceededError):
					telling.promise_payment(
						t=self.token, invoice=self.invoice.name, promised_date="2026-11-20"
					)
		finally:
			frappe.cache.delete_value(f"rl:{method}:192.0.2.14")
		self.assertEqual(self.contact_logs(), [])

	def test_a_user_who_may_see_the_customer_gets_a_link_the_page_accepts(self):
		with self.freeze_time(TODAY):
			url = link_for(self.customer, self.company)
		self.assertEqual(self.page(url.split("?t=")[1])[0], 200)
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			link_for(self.customer, self.company)

	def test_the_formal_notice_sent_is_on_the_page_and_served_to_its_customer_only(self):
		make_company_identity(self.company)
		instalments = select_open_instalments(TODAY, customers=[self.customer]).instalments
		notice = create_formal_notice(
			customer=self.customer, company=self.company, instalments=instalments, level=LEVEL, today=TODAY
		)
		status, html = self.page(self.token)
		self.assertEqual(status, 200)  # the company's address (now set) is shown to a Guest too
		self.assertIn(f"dunning={notice['dunning']}", html)
		set_request(method="GET", path="/api/method/relance_app.portal.telling.notice_pdf")
		frappe.local.request_ip = "127.0.0.1"
		frappe.local.form_dict = frappe._dict(cmd="relance_app.portal.telling.notice_pdf")
		frappe.set_user("Guest")
		with self.freeze_time(TODAY):
			telling.notice_pdf(t=self.token, dunning=notice["dunning"])
			self.assertTrue(frappe.local.response.filecontent.startswith(b"%PDF"))
			frappe.set_user("Administrator")
			stranger = make_token(make_dunning_customer(), self.company)
			frappe.set_user("Guest")
			with self.assertRaises(PortalDenied):
				telling.notice_pdf(t=stranger, dunning=notice["dunning"])

	def test_the_mise_en_demeure_prints_the_customer_page_link_and_its_qr_code(self):
		make_company_identity(self.company)
		instalments = select_open_instalments(TODAY, customers=[self.customer]).instalments
		with self.freeze_time(TODAY):
			notice = create_formal_notice(
				customer=self.customer,
				company=self.company,
				instalments=instalments,
				level=LEVEL,
				today=TODAY,
			)
			html = letter_html(frappe.get_doc("Dunning", notice["dunning"]), "Mise en demeure")
		[link] = re.findall(r"https?://[^<\s]+/relance\?t=[\w-]+", html)
		self.assertIn("votre page personnelle", html)
		self.assertIn('class="segno"', html)  # the QR code, inline SVG
		# The printed link opens this customer's page.
		self.assertEqual(self.page(link.split("?t=")[1])[0], 200)

	def test_online_payment_is_offered_only_with_a_gateway_for_the_currency(self):
		_status, html = self.page(self.token)
		self.assertNotIn('data-method="pay_online"', html)
		frappe.set_user("Guest")
		with self.freeze_time(TODAY), self.assertRaises(frappe.ValidationError):
			telling.pay_online(t=self.token, invoice=self.invoice.name)
		frappe.set_user("Administrator")
		# The gateway itself (Stripe, GoCardless...) comes with the payments app; its account is enough here.
		gateway = frappe.get_doc(
			{
				"doctype": "Payment Gateway Account",
				"payment_gateway": "Relance Test Gateway",
				"payment_account": bank_ledger_account(self.company),
				"currency": "EUR",  # named from it before validate() reads it from the account
			}
		)
		gateway.flags.ignore_links = True
		gateway.insert(ignore_permissions=True)
		# Later tests' runs commit: the gateway must be gone before, or every later page offers online payment.
		self.addCleanup(
			frappe.delete_doc, "Payment Gateway Account", gateway.name, force=True, ignore_permissions=True
		)
		_status, html = self.page(self.token)
		self.assertIn('data-method="pay_online"', html)

		class Request:
			def get_payment_url(self):
				return "https://pay.example.com/checkout/42"

		frappe.set_user("Guest")
		with (
			self.freeze_time(TODAY),
			patch(
				"erpnext.accounts.doctype.payment_request.payment_request.make_payment_request",
				return_value=Request(),
			) as make,
		):
			answer = telling.pay_online(t=self.token, invoice=self.invoice.name)
		self.assertEqual(answer, {"url": "https://pay.example.com/checkout/42"})
		kwargs = make.call_args.kwargs
		self.assertEqual((kwargs["dt"], kwargs["dn"]), ("Sales Invoice", self.invoice.name))
		self.assertEqual(kwargs["payment_gateway_account"], gateway.name)

	def test_the_invoice_screen_and_the_worklist_show_what_the_customer_did_on_its_page(self):
		frappe.set_user("Guest")
		with self.freeze_time(TODAY):
			self.assertTrue(telling.page_viewed(t=self.token)["recorded"])
			self.assertFalse(telling.page_viewed(t=self.token)["recorded"])  # one view a day is enough
		frappe.set_user("Administrator")
		self.tell("promise_payment", promised_date="2026-11-20")
		with self.freeze_time(TODAY):
			banner = get_invoice_dunning(self.invoice.name)["portal"]
			filters = {"company": self.company, "customer": self.customer, "from_date": TODAY, "days": 0}
			rows = worklist.execute({**filters, "show_waiting": 1})[1]
		shown = formatdate(TODAY)
		self.assertEqual(banner, f"customer page: viewed on {shown}, promised on {shown}")
		[row] = [row for row in rows if self.invoice.name in str(row.get("invoices"))]
		self.assertEqual(row["portal"], banner)

	def test_without_an_answer_the_run_sends_the_reminder(self):
		# The control of the three holds above: the same invoice, no answer, gets its J+5 reminder.
		with self.freeze_time(TODAY):
			run(TODAY, customers=[self.customer])
		self.assertEqual(len(self.contact_logs(is_automatic=1)), 1)

	def assert_no_reminder_on(self, day):
		with self.freeze_time(day):
			run(day, customers=[self.customer])
		self.assertEqual(self.contact_logs(is_automatic=1), [])
