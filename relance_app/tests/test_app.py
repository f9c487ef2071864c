"""The app on a real ERPNext site: installed, wired, seeded, and its selection sees real invoices."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase

from relance_app.dunning.selection import select_open_instalments
from relance_app.engine.default_templates import DEFAULT_TEMPLATES
from relance_app.engine.rates import load_default_rates
from relance_app.setup.custom_fields import get_custom_fields
from relance_app.tests.factories import make_company, make_customer, make_overdue_invoice


def hook_paths() -> list[str]:
	hooks = frappe.get_hooks(app_name="relance_app")
	paths = list(hooks.get("after_install", [])) + list(hooks.get("before_uninstall", []))
	for events in hooks.get("doc_events", {}).values():
		for handlers in events.values():
			paths.extend(handlers if isinstance(handlers, list) else [handlers])
	for entries in hooks.get("scheduler_events", {}).values():
		if isinstance(entries, dict):
			for handlers in entries.values():
				paths.extend(handlers)
		else:
			paths.extend(entries)
	return paths


class TestApp(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()

	def test_app_is_installed_after_erpnext(self):
		apps = frappe.get_installed_apps()
		self.assertIn("relance_app", apps)
		self.assertLess(apps.index("erpnext"), apps.index("relance_app"))

	def test_every_hook_resolves_to_a_real_function(self):
		paths = hook_paths()
		self.assertIn("relance_app.setup.install.after_install", paths)
		for path in paths:
			self.assertTrue(callable(frappe.get_attr(path)), path)

	def test_custom_fields_are_on_the_erpnext_doctypes(self):
		for doctype, fields in get_custom_fields().items():
			meta = frappe.get_meta(doctype)
			for field in fields:
				self.assertTrue(meta.has_field(field["fieldname"]), f"{doctype}.{field['fieldname']}")

	def test_shipped_rates_are_seeded_with_their_source(self):
		shipped = load_default_rates().rows
		self.assertGreaterEqual(frappe.db.count("Late Payment Rate"), len(shipped))
		row = frappe.get_all(
			"Late Payment Rate",
			filters={"rate_type": "Legal Rate (Other Cases)", "valid_from": "2026-01-01"},
			fields=["rate_percent", "source"],
		)[0]
		self.assertEqual(Decimal(str(row.rate_percent)), Decimal("2.62"))
		self.assertIn("15 décembre 2025", row.source)

	def test_default_templates_and_policy_exist(self):
		for template in DEFAULT_TEMPLATES:
			self.assertTrue(frappe.db.exists("Email Template", template.name), template.name)
		policy = frappe.get_all(
			"Dunning Policy", filters={"company": make_company(), "is_default": 1}, pluck="name"
		)
		self.assertEqual(len(policy), 1)
		doc = frappe.get_doc("Dunning Policy", policy[0])
		self.assertEqual([row.offset_days for row in doc.levels], [-5, 5, 10, 15, 30])
		self.assertEqual(doc.levels[-1].channel, "Registered Letter")
		self.assertTrue(doc.levels[-1].formal_notice)


class TestSelection(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()

	def test_submitted_overdue_invoice_is_selected_with_its_policy(self):
		customer = make_customer()
		invoice = make_overdue_invoice(days_overdue=12, amount=1500, customer=customer)
		selection = select_open_instalments(customers=[customer])
		[inst] = selection.instalments
		self.assertEqual(inst.invoice, invoice.name)
		self.assertEqual(inst.due_date, frappe.utils.getdate(invoice.due_date))
		self.assertEqual(inst.outstanding, Decimal("1500"))
		self.assertEqual(inst.last_level, 0)
		policy = frappe.db.get_value("Dunning Policy", {"company": invoice.company, "is_default": 1})
		self.assertEqual(list(selection.by_policy), [policy])

	def test_draft_and_return_invoices_are_not_selected(self):
		customer = make_customer()
		make_overdue_invoice(days_overdue=12, customer=customer, submit=False)
		selection = select_open_instalments(customers=[customer])
		self.assertEqual(selection.instalments, [])

	def test_paid_invoice_is_not_selected(self):
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		customer = make_customer()
		invoice = make_overdue_invoice(days_overdue=12, amount=800, customer=customer)
		payment = get_payment_entry("Sales Invoice", invoice.name)
		payment.reference_no = "VIR-1"
		payment.reference_date = frappe.utils.nowdate()
		payment.insert(ignore_permissions=True)
		payment.submit()
		self.assertEqual(select_open_instalments(customers=[customer]).instalments, [])
