"""Safe to let it write to customers unattended: on a real site, a dunning template may only read its data,
and customer data is escaped wherever it is shown as HTML (queued email, print preview, letter PDF)."""

from __future__ import annotations

import email

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from relance_app.common.parties import company_details
from relance_app.common.validation import TemplateRenderError
from relance_app.dunning.run import run
from relance_app.formal_notice.dunning import create_formal_notice
from relance_app.formal_notice.letter import letter_html, letter_pdf
from relance_app.patches.v0_3 import prefix_jinja_filters
from relance_app.tests.factories import (
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
)
from relance_app.tests.test_formal_notice import (
	LEVEL,
	make_company_identity,
	make_letter_customer,
	open_instalments,
	pdf_of,
	pdf_text,
)

test_ignore = ["Company", "Email Template", "User"]

TODAY = getdate("2026-11-02")  # a Monday
SHIPPED = "Relance J+5 - Facture échue"
IBAN = "FR76 3000 6000 0112 3456 7890 189"
FAKE_IBAN = "FR76 9999 9999 9999 9999 9999 999"
IBAN_MUTATION = "{% set _ = company.update({'iban': '" + FAKE_IBAN + "'}) %}"
EVIL = "<b>Evil</b><script>x()</script>"
ESCAPED = "&lt;b&gt;Evil&lt;/b&gt;&lt;script&gt;x()&lt;/script&gt;"


def make_template(name: str, body: str, subject: str = "Relance {{ invoice_names }}") -> str:
	if frappe.db.exists("Email Template", name):
		frappe.delete_doc("Email Template", name, force=True)
	frappe.get_doc(
		{"doctype": "Email Template", "name": name, "subject": subject, "use_html": 1, "response_html": body}
	).insert(ignore_permissions=True)
	return name


def queued_html(customer: str) -> list[str]:
	"""The HTML part of every email queued to `customer`, as the recipient's mail client receives it."""
	communications = frappe.get_all(
		"Communication Link", filters={"link_doctype": "Customer", "link_name": customer}, pluck="parent"
	)
	if not communications:
		# Not `in ("")`: emails sent without a Communication (the digest) have an empty one.
		return []
	rows = frappe.get_all("Email Queue", filters={"communication": ("in", communications)}, pluck="message")
	parts = []
	for mime in rows:
		for part in email.message_from_string(mime).walk():
			if part.get_content_type() == "text/html":
				parts.append(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8"))
	return parts


def step_logs(invoice: str) -> list:
	return frappe.get_all(
		"Dunning Contact Log",
		filters={"sales_invoice": invoice, "is_automatic": 1},
		fields=["status", "failure_reason", "communication", "level"],
	)


class TestTemplateSafety(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_company_identity(cls.company)
		make_email_account()
		frappe.db.set_single_value(
			"Dunning Settings", {"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0}
		)
		shipped = frappe.get_doc("Email Template", SHIPPED).response_html
		suffix = frappe.generate_hash(length=5)
		# Both start as the shipped J+5 text with a greeting by the customer's name (the shipped ones greet the
		# contact person); the second one is broken in the database by the test that needs it.
		cls.greeting = make_template(
			f"Relance test bonjour {suffix}", "<p>Bonjour {{ customer.customer_name }},</p>" + shipped
		)
		cls.edited = make_template(f"Relance test modifiée {suffix}", shipped)
		cls.policy = make_policy(
			levels=[
				{"title": "Rappel", "offset_days": -5, "channel": "Email", "email_template": cls.greeting},
				{"title": "Relance", "offset_days": 5, "channel": "Email", "email_template": cls.edited},
			]
		)
		frappe.db.commit()

	def run_on(self, day, customers):
		with self.freeze_time(day):
			return run(day, customers=customers)

	def test_saving_a_template_of_the_shipped_policy_with_the_iban_mutation_is_refused(self):
		standard = frappe.db.get_value("Dunning Policy", {"company": self.company, "is_default": 1}, "name")
		self.assertTrue(
			frappe.db.exists("Dunning Level", {"parent": standard, "email_template": SHIPPED}),
			"the shipped policy uses the template",
		)
		template = frappe.get_doc("Email Template", SHIPPED)
		original = template.response_html
		template.response_html = IBAN_MUTATION + original
		with self.assertRaisesRegex(
			TemplateRenderError, r"may only read its data, it may not change it \(update\)"
		):
			template.save(ignore_permissions=True)
		self.assertEqual(frappe.db.get_value("Email Template", SHIPPED, "response_html"), original)

		template.reload()
		template.response_html = original.replace("</p>", "{{ ''.__class__.__mro__ }}</p>", 1)
		with self.assertRaisesRegex(TemplateRenderError, "hidden attributes such as __mro__"):
			template.save(ignore_permissions=True)

	def test_saving_a_template_a_policy_uses_with_an_attribute_walk_is_refused(self):
		template = frappe.get_doc(
			"Email Template", self.greeting
		)  # not a shipped name: used by the test policy
		template.subject = "{{ company._cache }}"
		with self.assertRaisesRegex(
			TemplateRenderError, "subject cannot be used: .*hidden attributes such as _cache"
		):
			template.save(ignore_permissions=True)

	def test_an_email_template_outside_dunning_is_left_to_frappe(self):
		name = make_template(
			f"Modèle sans relance {frappe.generate_hash(length=5)}", IBAN_MUTATION + "Bonjour"
		)
		self.assertTrue(frappe.db.exists("Email Template", name))

	def test_a_policy_whose_sms_text_changes_its_data_is_refused(self):
		with self.assertRaisesRegex(TemplateRenderError, "may only read its data"):
			make_policy(
				levels=[
					{
						"title": "SMS",
						"offset_days": 15,
						"channel": "SMS",
						"sms_text": IBAN_MUTATION + "Payez sur {{ iban }}",
					}
				]
			)

	def test_a_template_edited_in_the_database_fails_its_step_without_sending_or_changing_anything(self):
		suffix = frappe.generate_hash(length=5)
		# Customers are served in name order: the broken step runs first, the clean one after it.
		broken_customer = make_dunning_customer(
			name=f"AAA Broken {suffix}", email="broken@client.example", policy=self.policy
		)
		next_customer = make_dunning_customer(
			name=f"ZZZ Next {suffix}", email="next@client.example", policy=self.policy
		)
		broken_invoice = make_overdue_invoice(days_overdue=6, customer=broken_customer, today=TODAY)
		next_invoice = make_overdue_invoice(days_overdue=-5, customer=next_customer, today=TODAY)
		original = frappe.db.get_value("Email Template", self.edited, "response_html")
		# Edited behind the form's back: no validation ran.
		frappe.db.set_value("Email Template", self.edited, "response_html", IBAN_MUTATION + original)
		frappe.clear_document_cache("Email Template", self.edited)
		frappe.db.commit()
		try:
			self.run_on(TODAY, [broken_customer, next_customer])
		finally:
			frappe.db.set_value("Email Template", self.edited, "response_html", original)
			frappe.clear_document_cache("Email Template", self.edited)
			frappe.db.commit()

		self.assertEqual(queued_html(broken_customer), [])
		self.assertFalse(frappe.db.exists("Communication Link", {"link_name": broken_customer}))
		[log] = step_logs(broken_invoice.name)
		self.assertEqual(log.status, "Failed")
		self.assertIsNone(log.communication)
		self.assertIn("may only read its data, it may not change it (update)", log.failure_reason)
		# Nothing changed: the next customer's reminder, in the same run, gives the company's own IBAN.
		[html] = queued_html(next_customer)
		self.assertIn(IBAN, html)
		self.assertNotIn(FAKE_IBAN, html)
		self.assertEqual([row.status for row in step_logs(next_invoice.name)], ["Sent"])
		self.assertEqual(company_details(self.company)["iban"], IBAN)
		self.assertFalse(frappe.db.exists("Bank Account", {"iban": FAKE_IBAN.replace(" ", "")}))

	def test_html_in_a_customer_name_is_escaped_in_the_queued_email(self):
		customer = make_dunning_customer(email="evil@client.example", policy=self.policy)
		# Written directly, as an import or an integration could: Frappe's form would strip the script.
		frappe.db.set_value("Customer", customer, "customer_name", EVIL)
		make_overdue_invoice(days_overdue=-5, customer=customer, today=TODAY)
		frappe.db.commit()
		self.run_on(TODAY, [customer])
		[html] = queued_html(customer)
		self.assertIn(f"Bonjour {ESCAPED},", html)
		self.assertNotIn("<script>x()", html)
		self.assertNotIn("<b>Evil", html)

	def test_html_in_a_customer_name_is_escaped_in_the_formal_notice_preview_and_pdf(self):
		customer = make_letter_customer(name="Client formel")
		frappe.db.set_value("Customer", customer, "customer_name", EVIL)
		make_overdue_invoice(days_overdue=40, amount=1200, customer=customer)
		notice = create_formal_notice(
			customer=customer,
			company=self.company,
			instalments=open_instalments(customer),
			level=LEVEL,
			today=getdate(),
		)
		# The letter attached when the notice was made: the name is printed as text, tags and all.
		made = pdf_text(pdf_of(notice["pdf"]))
		self.assertIn("<b>Evil</b>", made)
		# The Dunning's own copy of the name, written directly (Frappe sanitises it in the form).
		frappe.db.set_value("Dunning", notice["dunning"], "customer_name", EVIL)
		dunning = frappe.get_doc("Dunning", notice["dunning"])
		for print_format in ("Mise en demeure", "Formal Notice"):
			html = letter_html(dunning, print_format)
			self.assertIn(ESCAPED, html, print_format)
			self.assertNotIn("<script>x()", html, print_format)
			self.assertNotIn("<b>Evil", html, print_format)
		self.assertIn(EVIL, pdf_text(letter_pdf(dunning, "Mise en demeure")))


class TestPrefixFiltersPatch(FrappeTestCase):
	def test_stored_templates_and_sms_texts_get_the_prefixed_filters(self):
		make_company()
		name = f"Relance ancienne {frappe.generate_hash(length=5)}"
		old = "{{ total | money(currency) }} au {{ payment_deadline|date_fr }}, le {{ today | date_long }}"
		doc = frappe.get_doc(
			{"doctype": "Email Template", "name": name, "subject": "Dû : {{ total|money(currency) }}"}
		)
		doc.update({"use_html": 1, "response_html": "<p>" + old + "</p>"})
		doc.db_insert()  # as stored before 0.3: Frappe's own check would now refuse the old names
		policy = make_policy()  # its SMS level uses "| money(currency)", as the old default did
		prefix_jinja_filters.execute()
		row = frappe.db.get_value("Email Template", name, ["subject", "response_html"], as_dict=True)
		self.assertEqual(row.subject, "Dû : {{ total|relance_money(currency) }}")
		self.assertEqual(
			row.response_html,
			"<p>{{ total | relance_money(currency) }} au {{ payment_deadline|relance_date }}, "
			"le {{ today | relance_date_long }}</p>",
		)
		sms = frappe.db.get_value("Dunning Level", {"parent": policy, "channel": "SMS"}, "sms_text")
		self.assertIn("| relance_money(currency)", sms)
		frappe.get_doc("Email Template", name).save()  # and Frappe accepts it again
