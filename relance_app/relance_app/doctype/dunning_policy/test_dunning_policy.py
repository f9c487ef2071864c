# Copyright (c) 2026, relance_app developers and contributors
# For license information, please see license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from relance_app.common.policy_store import engine_policy, resolve_policy_for_invoice
from relance_app.common.validation import DunningConfigurationError, TemplateRenderError
from relance_app.dunning.context import build_context
from relance_app.dunning.messages import render_level_message
from relance_app.dunning.selection import select_open_instalments
from relance_app.tests.factories import (
	ROLE_USERS,
	make_company,
	make_customer,
	make_customer_group,
	make_overdue_invoice,
	make_role_users,
)

# Our tests build their own records; do not cascade into ERPNext's test fixtures.
test_ignore = ["Company", "Email Template", "User"]


def level(**fields):
	row = {
		"title": "Relance",
		"offset_days": 5,
		"channel": "Email",
		"email_template": "Relance J+5 - Facture échue",
	}
	row.update(fields)
	return row


def policy_doc(name=None, levels=None, **fields):
	doc = {
		"doctype": "Dunning Policy",
		"policy_name": name or f"Test policy {frappe.generate_hash(length=6)}",
		"company": make_company(),
		"levels": levels if levels is not None else [level()],
	}
	doc.update(fields)
	return frappe.get_doc(doc)


def make_template(name, subject, body):
	if frappe.db.exists("Email Template", name):
		frappe.delete_doc("Email Template", name, force=True)
	# Frappe's own Jinja check on Email Template would reject some broken templates before we can;
	# insert the raw row so our validation is what is tested.
	frappe.get_doc(
		{"doctype": "Email Template", "name": name, "subject": subject, "use_html": 1, "response_html": body}
	).db_insert()
	frappe.clear_document_cache("Email Template", name)
	return name


class TestDunningPolicyValidation(FrappeTestCase):
	def test_policy_without_levels_is_refused(self):
		with self.assertRaisesRegex(DunningConfigurationError, "has no levels"):
			policy_doc(levels=[]).insert()

	def test_duplicate_offsets_are_refused(self):
		# Decreasing offsets are sorted on save (tests/test_first_hour); two steps on the same day are not.
		levels = [level(title=f"L{i}", offset_days=5) for i in range(2)]
		with self.assertRaisesRegex(DunningConfigurationError, "offsets must increase"):
			policy_doc(levels=levels).insert()

	def test_formal_notice_must_be_the_last_level(self):
		levels = [
			level(title="MED", offset_days=20, channel="Registered Letter", formal_notice=1),
			level(title="Après", offset_days=30),
		]
		with self.assertRaisesRegex(DunningConfigurationError, "must be the last level"):
			policy_doc(levels=levels).insert()

	def test_email_level_needs_a_template(self):
		with self.assertRaisesRegex(DunningConfigurationError, "email level needs an Email Template"):
			policy_doc(levels=[level(email_template=None)]).insert()

	def test_sms_level_needs_its_text(self):
		with self.assertRaisesRegex(DunningConfigurationError, "SMS level needs its SMS text"):
			policy_doc(levels=[level(channel="SMS", email_template=None, sms_text="")]).insert()

	def test_template_with_syntax_error_is_refused_with_its_line(self):
		name = make_template("Relance test cassé", "Sujet", "<p>Bonjour</p>\n{% if total %}")
		with self.assertRaisesRegex(TemplateRenderError, "syntax error on line 2"):
			policy_doc(levels=[level(email_template=name)]).insert()

	def test_template_with_unknown_variable_is_refused_naming_it(self):
		name = make_template("Relance test variable", "Facture {{ facture_numero }}", "<p>ok</p>")
		with self.assertRaisesRegex(TemplateRenderError, "Unknown variable facture_numero"):
			policy_doc(levels=[level(email_template=name)]).insert()

	def test_sms_text_with_unknown_variable_is_refused(self):
		levels = [level(channel="SMS", email_template=None, sms_text="Payez {{ montant }}")]
		with self.assertRaisesRegex(TemplateRenderError, "Unknown variable montant"):
			policy_doc(levels=levels).insert()

	def test_contractual_rate_below_three_times_legal_rate_is_saved_with_a_warning(self):
		# Legal rate ("autres cas") 2.62 % in 2026-H1: the floor is 7.86 %. The engine applies the floor.
		frappe.clear_messages()
		doc = policy_doc(penalty_rate_type="Contractual", contractual_rate=7.5).insert()
		self.assertEqual(doc.contractual_rate, 7.5)
		shown = " ".join(str(message) for message in frappe.local.message_log)
		self.assertIn("below the legal floor of 7.86", shown)
		self.assertIn("computed at the floor", shown)
		frappe.clear_messages()
		policy_doc(penalty_rate_type="Contractual", contractual_rate=7.86).insert()
		self.assertNotIn("legal floor", " ".join(str(message) for message in frappe.local.message_log))
		with self.assertRaises(frappe.ValidationError):
			policy_doc(penalty_rate_type="Contractual", contractual_rate=0).insert()

	def test_error_messages_are_translated(self):
		frappe.local.lang = "fr"
		try:
			with self.assertRaisesRegex(DunningConfigurationError, "n'a aucun niveau"):
				policy_doc(levels=[]).insert()
		finally:
			frappe.local.lang = "en"

	def test_only_one_default_policy_per_company(self):
		first = policy_doc(is_default=1).insert()
		second = policy_doc(is_default=1).insert()
		self.assertEqual(frappe.db.get_value("Dunning Policy", first.name, "is_default"), 0)
		self.assertEqual(frappe.db.get_value("Dunning Policy", second.name, "is_default"), 1)


class TestPolicyResolution(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		cls.default = frappe.db.get_value("Dunning Policy", {"company": make_company(), "is_default": 1})
		cls.group_policy = policy_doc("Resolution - groupe").insert().name
		cls.customer_policy = policy_doc("Resolution - client").insert().name
		cls.invoice_policy = policy_doc("Resolution - facture").insert().name
		make_customer_group(name="Relance parent", policy=cls.group_policy)
		make_customer_group(name="Relance enfant", parent="Relance parent")

	def test_company_default_when_nothing_else_applies(self):
		invoice = make_overdue_invoice(days_overdue=3, customer=make_customer())
		self.assertEqual(resolve_policy_for_invoice(invoice.name), self.default)

	def test_customer_group_policy_is_inherited_down_the_tree(self):
		invoice = make_overdue_invoice(days_overdue=3, customer=make_customer(group="Relance enfant"))
		self.assertEqual(resolve_policy_for_invoice(invoice.name), self.group_policy)

	def test_customer_policy_beats_its_group(self):
		customer = make_customer(group="Relance enfant", policy=self.customer_policy)
		invoice = make_overdue_invoice(days_overdue=3, customer=customer)
		self.assertEqual(resolve_policy_for_invoice(invoice.name), self.customer_policy)

	def test_invoice_override_beats_everything(self):
		customer = make_customer(group="Relance enfant", policy=self.customer_policy)
		invoice = make_overdue_invoice(days_overdue=3, customer=customer)
		invoice.db_set("dunning_policy", self.invoice_policy)
		self.assertEqual(resolve_policy_for_invoice(invoice.name), self.invoice_policy)

	def test_disabled_customer_policy_falls_back_to_the_group(self):
		disabled = policy_doc(enabled=0).insert().name
		customer = make_customer(group="Relance enfant", policy=disabled)
		invoice = make_overdue_invoice(days_overdue=3, customer=customer)
		self.assertEqual(resolve_policy_for_invoice(invoice.name), self.group_policy)


class TestDunningPolicyPermissions(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_role_users()

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_accounts_manager_configures_policies(self):
		frappe.set_user(ROLE_USERS["Accounts Manager"])
		doc = policy_doc().insert()
		doc.min_gap_days = 5
		doc.save()
		self.assertEqual(frappe.db.get_value("Dunning Policy", doc.name, "min_gap_days"), 5)

	def test_accounts_user_reads_but_cannot_create(self):
		frappe.set_user(ROLE_USERS["Accounts User"])
		self.assertTrue(frappe.has_permission("Dunning Policy", "read"))
		with self.assertRaises(frappe.PermissionError):
			policy_doc().insert()

	def test_sales_user_and_others_see_no_policy(self):
		for role in ("Sales User", ""):
			frappe.set_user(ROLE_USERS[role])
			self.assertFalse(frappe.has_permission("Dunning Policy", "read"), role)
			with self.assertRaises(frappe.PermissionError):
				frappe.get_list("Dunning Policy")


class TestDefaultPolicyTemplates(FrappeTestCase):
	def test_default_policy_renders_every_level_against_a_real_invoice(self):
		company = make_company()
		policy = engine_policy(frappe.get_doc("Dunning Policy", {"company": company, "is_default": 1}))
		customer = make_customer(name="Boulangerie Martin (test rendu)")
		invoice = make_overdue_invoice(days_overdue=31, amount=2400, customer=customer)
		[inst] = select_open_instalments(customers=[customer]).instalments
		today = frappe.utils.getdate()
		for level in policy.levels:
			context = build_context(
				customer=customer, company=company, instalments=[inst], level=level, today=today
			)
			message = render_level_message(level, context)
			text = message.subject + message.body
			self.assertIn(invoice.name, text, level.title)
			self.assertIn("2\u202f400,00", text, level.title)
			if level.channel.value != "sms":
				self.assertIn(
					frappe.utils.getdate(invoice.due_date).strftime("%d/%m/%Y"), message.body, level.title
				)
			if level.formal_notice:
				self.assertIn("mise en demeure", message.body)
				# 31 days late at ECB + 10 points, plus the €40 indemnity (B2B): more than 40 € claimed.
				self.assertGreater(context["penalties"]["total"], 40)
