"""The mise en demeure from an invoice (issue 18, item 6): a checklist of the customer's overdue invoices of the
same company (the one on screen ticked, the others proposed with their days late); the preview and the Dunning
take exactly the ticked ones, each checked for permission; the Dunning's level and rate are the app's.

Fixed dates; the shipped default policy ("Relance standard": the formal notice is its level 5).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase

from relance_app.api import formal_notice as api
from relance_app.common.rate_store import get_rate_table
from relance_app.engine.law import STATUTORY_MARGIN_POINTS, STATUTORY_REFERENCE_KIND
from relance_app.tests.factories import make_company, make_customer, make_email_account, make_overdue_invoice
from relance_app.tests.test_formal_notice import make_address, make_company_identity
from relance_app.tests.test_permissions import make_user

test_ignore = ["Company", "Email Template", "User"]

TODAY = date(2026, 11, 29)
# The shipped policy's formal notice is its fifth and last level.
SHIPPED_FORMAL_NOTICE_LEVEL = 5


class TestFormalNoticeSelection(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		make_company_identity(cls.company)
		make_email_account()

	def setUp(self):
		frappe.set_user("Administrator")
		self.customer = make_customer(name=f"Client sélection {frappe.generate_hash(length=6)}")
		make_address(customer=self.customer, line="3 rue Mercière", city="Lyon")
		# The invoice on screen is 45 days late, an older one 60, a recent one 6 (it must not slip in unticked).
		self.current, self.older, self.recent = (
			make_overdue_invoice(days_overdue=days, amount=amount, customer=self.customer, today=TODAY)
			for days, amount in ((45, 1000), (60, 2000), (6, 300))
		)

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_checklist_proposes_the_overdue_invoices_with_the_current_one_ticked(self):
		with self.freeze_time(TODAY):
			rows = api.formal_notice_candidates(self.current.name)
		self.assertEqual(
			[(row["invoice"], row["checked"], row["days_late"], Decimal(row["outstanding"])) for row in rows],
			[
				(self.current.name, True, 45, Decimal("1000")),
				(self.older.name, False, 60, Decimal("2000")),
				(self.recent.name, False, 6, Decimal("300")),
			],
		)

	def test_preview_and_dunning_take_exactly_the_ticked_invoices(self):
		ticked = [self.current.name, self.older.name]
		with self.freeze_time(TODAY):
			preview = api.preview_formal_notice(self.current.name, json.dumps(ticked))
			self.assertEqual(sorted(preview["invoices"]), sorted(ticked))
			for name in ticked:
				self.assertIn(name, preview["html"])
			self.assertNotIn(self.recent.name, preview["html"])
			self.assertFalse(frappe.db.exists("Dunning", {"customer": self.customer}))
			sent = api.send_formal_notice(self.current.name, json.dumps(ticked))
		dunning = frappe.get_doc("Dunning", sent["dunning"])
		self.assertEqual(dunning.docstatus, 1)
		self.assertEqual(sorted(row.sales_invoice for row in dunning.overdue_payments), sorted(ticked))
		# The invoice left out is still open for a later notice: it can be ticked on its own.
		with self.freeze_time(TODAY):
			rows = api.formal_notice_candidates(self.recent.name)
		self.assertEqual([row["invoice"] for row in rows], [self.recent.name])

	def test_dunning_level_and_rate_are_the_apps(self):
		with self.freeze_time(TODAY):
			sent = api.send_formal_notice(self.current.name, json.dumps([self.current.name]))
		dunning = frappe.get_doc("Dunning", sent["dunning"])
		# Not ERPNext's count of earlier Dunnings (1): the policy's formal-notice level, as on the invoice.
		self.assertEqual(
			[row.dunning_level for row in dunning.overdue_payments], [SHIPPED_FORMAL_NOTICE_LEVEL]
		)
		# Statutory rate (L441-10): the ECB rate of the half-year the invoice fell due in, plus 10 points.
		ecb = get_rate_table().rate_in_force(STATUTORY_REFERENCE_KIND, date(2026, 7, 1)).rate_percent
		self.assertEqual(Decimal(str(dunning.rate_of_interest)), ecb + STATUTORY_MARGIN_POINTS)
		self.assertGreater(dunning.total_interest, 0)
		# Saved again as a draft copy in the desk, the level and rate stay the app's.
		copy = frappe.copy_doc(dunning)
		copy.docstatus = 0
		copy.insert()
		self.assertEqual(copy.overdue_payments[0].dunning_level, SHIPPED_FORMAL_NOTICE_LEVEL)
		self.assertEqual(Decimal(str(copy.rate_of_interest)), ecb + STATUTORY_MARGIN_POINTS)

	def test_an_invoice_the_user_may_not_read_is_refused_and_not_proposed(self):
		user = make_user(
			"relance.fn-selection@example.com", "Accounts Manager", invoice_name=self.current.name
		)
		frappe.set_user(user)
		with self.freeze_time(TODAY):
			rows = api.formal_notice_candidates(self.current.name)
			self.assertEqual([row["invoice"] for row in rows], [self.current.name])
			ticked = json.dumps([self.current.name, self.older.name])
			with self.assertRaises(frappe.PermissionError):
				api.preview_formal_notice(self.current.name, ticked)
			with self.assertRaises(frappe.PermissionError):
				api.send_formal_notice(self.current.name, ticked)
			# Its own invoice alone is fine.
			preview = api.preview_formal_notice(self.current.name, json.dumps([self.current.name]))
		self.assertEqual(preview["invoices"], [self.current.name])
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("Dunning", {"customer": self.customer}))

	def test_an_invoice_that_cannot_be_on_the_notice_is_refused(self):
		other = make_overdue_invoice(days_overdue=50, amount=500, customer=make_customer(), today=TODAY)
		with self.freeze_time(TODAY):
			for ticked in ([self.current.name, other.name], []):
				with self.subTest(ticked=ticked), self.assertRaises(frappe.ValidationError):
					api.preview_formal_notice(self.current.name, json.dumps(ticked))
