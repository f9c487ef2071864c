"""What comes back from a reminder, on a real site: a customer's reply holds the ladder and gives someone a
task; a bounced email turns the next step into a letter; the debtor's files are checked before they are kept;
a reminder template renders with or without the customer-page link."""

from __future__ import annotations

import io

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, set_request
from PIL import Image

from relance_app.common.policy_store import engine_policy
from relance_app.common.portal_links import make_token
from relance_app.dunning.bounces import sweep_bounces
from relance_app.dunning.context import build_context
from relance_app.dunning.messages import render_email_template
from relance_app.dunning.run import run
from relance_app.dunning.selection import select_open_instalments
from relance_app.engine.default_templates import DEFAULT_TEMPLATES, inline_includes
from relance_app.patches.v0_8 import portal_link_in_templates
from relance_app.portal import inbound, telling
from relance_app.tests.factories import (
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
)

TODAY = getdate("2026-11-02")  # a Monday
OVERDUE_TEMPLATE = "Relance J+5 - Facture échue"
BUTTON = "Voir et régler mes factures"


class RepliesTestCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_email_account()
		cls.policy = make_policy(reply_pause_days=7)
		frappe.db.set_single_value(
			"Dunning Settings", {"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0}
		)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None

	def logs(self, invoice, **filters):
		return frappe.get_all(
			"Dunning Contact Log",
			filters={"sales_invoice": invoice, **filters},
			fields=[
				"name",
				"entry_type",
				"direction",
				"status",
				"communication",
				"todo",
				"notes",
				"attachment",
			],
			order_by="creation asc",
		)

	def remind(self, invoice, day):
		"""Run the ladder on `day` for the invoice's customer; the automatic rows written that day."""
		customer = frappe.db.get_value("Sales Invoice", invoice, "customer")
		with self.freeze_time(day):
			run(day, customers=[customer])
		return [
			row
			for row in self.logs(invoice, is_automatic=1)
			if getdate(frappe.db.get_value("Dunning Contact Log", row.name, "contact_date")) == day
		]

	def receive(self, **fields):
		"""An email as an incoming Email Account files it: a received Communication (hooks included)."""
		return frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"subject": "Re: Facture impayée",
				"content": "<p>Bonjour, nous contestons le montant.</p>",
				"sender": "compta@client.example",
				**fields,
			}
		).insert(ignore_permissions=True)


class TestReplies(RepliesTestCase):
	def test_a_reply_to_a_reminder_is_logged_holds_the_policy_days_and_gives_a_task(self):
		invoice = make_overdue_invoice(
			days_overdue=5, customer=make_dunning_customer(policy=self.policy), today=TODAY
		)
		[reminder] = self.remind(invoice.name, TODAY)
		self.assertEqual(reminder.entry_type, "Reminder Email")
		with self.freeze_time(TODAY):
			reply = self.receive(
				in_reply_to=reminder.communication, content="<p>Litige : <b>3</b> au lieu de 2</p>"
			)
		[row] = self.logs(invoice.name, entry_type="Email Received")
		self.assertEqual((row.direction, row.status, row.communication), ("Inbound", "Done", reply.name))
		self.assertIn("3 au lieu de 2", row.notes)
		self.assertNotIn("<b>", row.notes)
		todo = frappe.db.get_value(
			"ToDo", row.todo, ["reference_name", "status", "allocated_to"], as_dict=True
		)
		self.assertEqual((todo.reference_name, todo.status), (invoice.name, "Open"))
		self.assertEqual(todo.allocated_to, telling.task_owner(invoice.customer))
		# The policy's 7 days, not the default 5.
		self.assertEqual(
			getdate(frappe.db.get_value("Sales Invoice", invoice.name, "dunning_paused_until")),
			add_days(TODAY, 7),
		)
		# On the customer's and the invoice's timelines.
		links = {
			(t.link_doctype, t.link_name) for t in frappe.get_doc("Communication", reply.name).timeline_links
		}
		self.assertIn(("Customer", invoice.customer), links)
		# The J+10 call is due on TODAY + 5: held by the reply until TODAY + 7, then made.
		self.assertEqual(self.remind(invoice.name, add_days(TODAY, 5)), [])
		[call] = self.remind(invoice.name, add_days(TODAY, 8))
		self.assertEqual(call.entry_type, "Call")

	def test_the_same_reply_read_twice_is_logged_once(self):
		invoice = make_overdue_invoice(
			days_overdue=5, customer=make_dunning_customer(policy=self.policy), today=TODAY
		)
		[reminder] = self.remind(invoice.name, TODAY)
		with self.freeze_time(TODAY):
			reply = self.receive(in_reply_to=reminder.communication)
			inbound.process_received(reply.name)
		self.assertEqual(len(self.logs(invoice.name, entry_type="Email Received")), 1)

	def test_a_reply_from_a_customers_address_is_matched_without_in_reply_to(self):
		address = f"ap-{frappe.generate_hash(length=8)}@client.example"
		customer = make_dunning_customer(policy=self.policy, email=address)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		self.remind(invoice.name, TODAY)
		with self.freeze_time(TODAY):
			self.receive(sender=address, subject="Question")
		[row] = self.logs(invoice.name, entry_type="Email Received")
		self.assertTrue(row.todo)
		# An address several customers share says nothing about who wrote: nothing is logged.
		other = make_overdue_invoice(
			days_overdue=5, customer=make_dunning_customer(policy=self.policy), today=TODAY
		)
		self.remind(other.name, TODAY)
		with self.freeze_time(TODAY):
			self.receive(sender="compta@client.example", subject="Question")
		self.assertEqual(self.logs(other.name, entry_type="Email Received"), [])

	def test_an_email_about_no_reminder_and_no_customer_changes_nothing(self):
		invoice = make_overdue_invoice(
			days_overdue=5, customer=make_dunning_customer(policy=self.policy), today=TODAY
		)
		with self.freeze_time(TODAY):
			comm = self.receive(sender="someone@elsewhere.example", subject="Newsletter")
		self.assertIsNone(inbound.handle(frappe.get_doc("Communication", comm.name)))
		self.assertEqual(self.logs(invoice.name, direction="Inbound"), [])


class TestBounces(RepliesTestCase):
	def test_a_delivery_failure_notice_logs_a_bounce_and_the_next_email_step_is_a_letter(self):
		invoice = make_overdue_invoice(
			days_overdue=-5, customer=make_dunning_customer(policy=self.policy), today=TODAY
		)
		control = make_overdue_invoice(
			days_overdue=-5, customer=make_dunning_customer(policy=self.policy), today=TODAY
		)
		[reminder] = self.remind(invoice.name, TODAY)  # J-5, by email
		self.remind(control.name, TODAY)
		with self.freeze_time(TODAY):
			self.receive(
				sender="MAILER-DAEMON@mx.client.example",
				subject="Undelivered Mail Returned to Sender",
				content="<p>550 5.1.1 user unknown</p>",
				in_reply_to=reminder.communication,
			)
		self.assertEqual(
			frappe.db.get_value("Communication", reminder.communication, "delivery_status"), "Bounced"
		)
		[bounce] = self.logs(invoice.name, entry_type="Bounce")
		self.assertEqual((bounce.direction, bounce.communication), ("Inbound", reminder.communication))
		self.assertIn("550 5.1.1", bounce.notes)
		# The J+5 step (an email in the policy) goes by letter; the control customer still gets an email.
		[step] = self.remind(invoice.name, add_days(TODAY, 10))
		self.assertEqual(step.entry_type, "Letter")
		self.assertIn("was not delivered", step.notes)
		self.assertTrue(step.attachment)
		[control_step] = self.remind(control.name, add_days(TODAY, 10))
		self.assertEqual(control_step.entry_type, "Reminder Email")
		self.assertEqual(len(self.logs(invoice.name, entry_type="Bounce")), 1)

	def test_an_email_frappe_could_not_send_is_a_bounce_until_the_address_changes(self):
		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=-5, customer=customer, today=TODAY)
		[reminder] = self.remind(invoice.name, TODAY)
		frappe.db.set_value("Email Queue", {"communication": reminder.communication}, "status", "Error")
		frappe.get_doc("Communication", reminder.communication).set_delivery_status()
		with self.freeze_time(TODAY):
			self.assertGreaterEqual(sweep_bounces(), 1)
		[bounce] = self.logs(invoice.name, entry_type="Bounce")
		self.assertEqual(bounce.communication, reminder.communication)
		# Someone corrects the address: the next step is an email again.
		frappe.db.set_value("Customer", customer, "email_id", "new-ap@client.example")
		frappe.db.set_value("Sales Invoice", invoice.name, "contact_email", "new-ap@client.example")
		[step] = self.remind(invoice.name, add_days(TODAY, 10))
		self.assertEqual(step.entry_type, "Reminder Email")


# A valid one-page PDF (v16 opens every uploaded PDF to look for scripts).
PDF = (
	b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
	b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\nxref\n0 4\n0000000000 65535 f \n"
	b"0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\n"
	b"startxref\n164\n%%EOF\n"
)


class TestUploads(RepliesTestCase):
	def setUp(self):
		self.invoice = make_overdue_invoice(
			days_overdue=5, customer=make_dunning_customer(policy=self.policy), today=TODAY
		)
		with self.freeze_time(TODAY):
			self.token = make_token(self.invoice.customer, self.company)

	def post(self, method, files, **form):
		"""A Guest multipart POST to a telling endpoint, as the page's form sends it."""
		cmd = f"relance_app.portal.telling.{method}"
		set_request(method="POST", path="/api/method/" + cmd, data=files)
		frappe.local.request_ip = "192.0.2.77"
		frappe.local.form_dict = frappe._dict(cmd=cmd)
		frappe.set_user("Guest")
		try:
			with self.freeze_time(TODAY):
				return getattr(telling, method)(t=self.token, invoice=self.invoice.name, **form)
		finally:
			frappe.set_user("Administrator")
			frappe.cache.delete_value(f"rl:{cmd}:192.0.2.77")

	def dispute(self, name, content):
		return self.post(
			"dispute_invoice",
			{"attachment": (io.BytesIO(content), name)},
			reason="Wrong price or quantity",
			details="Voir le bon de livraison",
		)

	def test_an_executable_or_a_six_megabyte_file_is_refused_and_nothing_is_logged(self):
		for name, content in (
			("bon.exe", b"MZ\x90\x00" + b"\x00" * 100),
			("bon.pdf", b"MZ\x90\x00" + b"\x00" * 100),  # an executable named .pdf
			("bon.pdf", PDF + b"\x00" * (6 * 1024 * 1024)),
			("bon.pdf", b"%PDF-1.4 this is not a PDF"),  # a PDF that does not open
		):
			with self.assertRaises(frappe.ValidationError, msg=name):
				self.dispute(name, content)
		self.assertEqual(self.logs(self.invoice.name), [])

	def test_a_proof_of_payment_is_kept_private_on_the_log_row(self):
		answer = self.post(
			"declare_payment",
			{"proof": (io.BytesIO(PDF), "avis de virement.pdf")},
			paid_on="2026-10-30",
			amount="1200",
		)
		[row] = self.logs(self.invoice.name)
		self.assertEqual(row.name, answer["entry"])
		file = frappe.get_doc(
			"File", {"attached_to_doctype": "Dunning Contact Log", "attached_to_name": row.name}
		)
		self.assertTrue(file.is_private)
		self.assertEqual(file.file_url, row.attachment)
		self.assertEqual(frappe.safe_encode(file.get_content()), PDF)

	def test_a_dispute_document_in_png_is_kept(self):
		buffer = io.BytesIO()
		Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
		png = buffer.getvalue()
		answer = self.dispute("photo colis.png", png)
		[row] = self.logs(self.invoice.name)
		self.assertEqual((row.name, row.entry_type), (answer["entry"], "Dispute"))
		self.assertTrue(row.attachment.startswith("/private/files/"))


class TestTemplatesWithTheLink(RepliesTestCase):
	def context(self):
		customer = make_dunning_customer(policy=self.policy)
		invoice = make_overdue_invoice(days_overdue=5, customer=customer, today=TODAY)
		with self.freeze_time(TODAY):
			instalments = select_open_instalments(TODAY, customers=[customer]).instalments
			return build_context(
				customer=customer,
				company=self.company,
				instalments=instalments,
				level=engine_policy(frappe.get_doc("Dunning Policy", self.policy)).levels[1],
				today=TODAY,
				invoice_rows={invoice.name: invoice.as_dict()},
				policy=self.policy,
			)

	def test_the_shipped_template_shows_the_button_and_renders_without_the_link(self):
		context = self.context()
		body = render_email_template(OVERDUE_TEMPLATE, context).body
		self.assertIn(BUTTON, body)
		self.assertIn(f'href="{context["portal_link"]}"', body)
		context["portal_link"] = ""
		self.assertNotIn(BUTTON, render_email_template(OVERDUE_TEMPLATE, context).body)
		del context["portal_link"]
		self.assertNotIn(BUTTON, render_email_template(OVERDUE_TEMPLATE, context).body)

	def test_the_upgrade_adds_the_button_to_unedited_templates_only(self):
		template = next(t for t in DEFAULT_TEMPLATES if t.name == OVERDUE_TEMPLATE)
		block = inline_includes('{% include "_payment.fr.html" %}')
		block = block[: block.index("{%- endif %}") + len("{%- endif %}")] + "\n"
		earlier = template.body().replace(block, "")
		self.assertNotEqual(earlier, template.body())
		edited = earlier.replace("Bonjour", "Chère cliente, cher client")
		for stored, expected in ((earlier, template.body()), (edited, edited)):
			frappe.db.set_value("Email Template", OVERDUE_TEMPLATE, "response_html", stored)
			portal_link_in_templates.execute()
			self.assertEqual(
				frappe.db.get_value("Email Template", OVERDUE_TEMPLATE, "response_html"), expected
			)
		# A template written before the customer page (no portal_link anywhere) renders as it did.
		self.assertNotIn("portal_link", edited)
		frappe.clear_document_cache("Email Template", OVERDUE_TEMPLATE)
		self.assertIn("Chère cliente", render_email_template(OVERDUE_TEMPLATE, self.context()).body)
		frappe.db.set_value("Email Template", OVERDUE_TEMPLATE, "response_html", template.body())
		frappe.clear_document_cache("Email Template", OVERDUE_TEMPLATE)

	def test_the_upgrade_puts_the_link_in_the_shipped_sms_text_only(self):
		shipped, own = (
			next(row for row in frappe.get_doc("Dunning Policy", name).levels if row.channel == "SMS")
			for name in (self.policy, make_policy())
		)
		frappe.db.set_value("Dunning Level", shipped.name, "sms_text", portal_link_in_templates.SMS_BEFORE)
		portal_link_in_templates.execute()
		self.assertEqual(
			frappe.db.get_value("Dunning Level", shipped.name, "sms_text"), portal_link_in_templates.SMS_NOW
		)
		self.assertIn("{{ portal_link or payment_link or iban }}", portal_link_in_templates.SMS_NOW)
		# A text the user wrote stays as written.
		self.assertEqual(frappe.db.get_value("Dunning Level", own.name, "sms_text"), own.sms_text)
