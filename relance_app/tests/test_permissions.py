"""Every whitelisted method refuses, and writes nothing for, the users it must refuse; figures shown to a
user restricted by User Permissions are their customers' only.

Refused users: Guest; a user without any role on invoices; an Accounts User restricted (User Permission) to
another customer; a user who may not create Dunnings, for the steps that issue a formal notice. "Nothing
written" is checked on the SQL sent to the database: not one INSERT, UPDATE or DELETE.
"""

from __future__ import annotations

import contextlib
from unittest.mock import patch

import frappe
from frappe.desk.doctype.number_card.number_card import get_result
from frappe.permissions import reset_perms, update_permission_property
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from relance_app.api import contacts as contacts_api
from relance_app.api import customer as customer_api
from relance_app.api import formal_notice as formal_notice_api
from relance_app.api import invoice as invoice_api
from relance_app.desk import dashboard
from relance_app.formal_notice.penalty_invoice import make_penalty_invoice
from relance_app.relance_app.report.dunning_aged_receivables import dunning_aged_receivables as aged
from relance_app.relance_app.report.dunning_effectiveness import dunning_effectiveness as efficacy
from relance_app.relance_app.report.dunning_worklist import dunning_worklist as worklist
from relance_app.tests.factories import (
	PASSWORD,
	ROLE_USERS,
	make_company,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
	make_role_users,
)
from relance_app.tests.test_reports import invoice, log, make_group_tree

WRITES = ("insert", "update", "delete", "replace")
# A ladder whose first step after the due date is the formal notice.
FORMAL_NOTICE_ONLY = [
	{
		"title": "Mise en demeure",
		"offset_days": 30,
		"channel": "Registered Letter",
		"email_template": "Relance J+30 - Mise en demeure",
		"formal_notice": 1,
		"include_penalties": 1,
	}
]


def make_user(email: str, role: str, *, customer: str | None = None, invoice_name: str | None = None) -> str:
	"""A user with `role`, restricted by a User Permission to one customer or to one invoice when asked."""
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": email,
				"first_name": email.split("@")[0],
				"send_welcome_email": 0,
				"new_password": PASSWORD,
			}
		).insert(ignore_permissions=True)
		user.add_roles(role)
	frappe.db.delete("User Permission", {"user": email})
	for allow, value in (("Customer", customer), ("Sales Invoice", invoice_name)):
		if value:
			frappe.get_doc(
				{"doctype": "User Permission", "user": email, "allow": allow, "for_value": value}
			).insert(ignore_permissions=True)
	frappe.cache.delete_value("user_permissions")
	return email


@contextlib.contextmanager
def sql_writes():
	"""The INSERT/UPDATE/DELETE statements sent while the block runs (the list fills as they are sent)."""
	writes: list[str] = []
	real_sql = frappe.db.sql

	def spy(query, *args, **kwargs):
		text = str(query).lstrip().lower()
		if text.startswith(WRITES):
			writes.append(text[:160])
		return real_sql(query, *args, **kwargs)

	with patch.object(frappe.db, "sql", spy):
		yield writes


class TestMethodsRefuse(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_email_account()
		make_role_users()
		cls.policy = make_policy()
		cls.fn_policy = make_policy(levels=FORMAL_NOTICE_ONLY)
		cls.customer = make_dunning_customer(policy=cls.policy)
		cls.invoice = make_overdue_invoice(days_overdue=7, amount=980, customer=cls.customer).name
		cls.other = make_dunning_customer(policy=cls.policy)
		cls.other_invoice = make_overdue_invoice(days_overdue=7, amount=410, customer=cls.other).name
		# Two overdue invoices of one customer under a ladder whose next step is the formal notice.
		cls.fn_customer = make_dunning_customer(policy=cls.fn_policy)
		cls.fn_invoice = make_overdue_invoice(days_overdue=40, amount=700, customer=cls.fn_customer).name
		cls.fn_older = make_overdue_invoice(days_overdue=50, amount=300, customer=cls.fn_customer).name
		cls.restricted = make_user("relance.restricted@example.com", "Accounts User", customer=cls.other)
		cls.one_invoice = make_user(
			"relance.one-invoice@example.com", "Accounts Manager", invoice_name=cls.fn_invoice
		)
		cls.calls = {
			"get_invoice_dunning": lambda: invoice_api.get_invoice_dunning(cls.invoice),
			"get_customer_summary": lambda: customer_api.get_customer_summary(cls.customer),
			"preview_next_step": lambda: invoice_api.preview_next_step(cls.invoice),
			"preview_formal_notice": lambda: formal_notice_api.preview_formal_notice(cls.fn_invoice),
			"log_call": lambda: contacts_api.log_call(cls.invoice, "Payment Scheduled", notes="x"),
			"record_promise": lambda: contacts_api.record_promise(cls.invoice, add_days(nowdate(), 3)),
			"set_dispute": lambda: contacts_api.set_dispute(cls.invoice, True, reason="Prix"),
			"pause_until": lambda: contacts_api.pause_until(cls.invoice, add_days(nowdate(), 3)),
			"send_next_step": lambda: invoice_api.send_next_step(cls.invoice),
			"send_formal_notice": lambda: formal_notice_api.send_formal_notice(cls.fn_invoice),
			"run_now": lambda: worklist.run_now(company=make_company(), customer=cls.customer),
		}

	def tearDown(self):
		frappe.set_user("Administrator")

	def assert_refused_without_writes(self, user: str, names) -> None:
		invoices = [self.invoice, self.fn_invoice, self.fn_older]
		before = frappe.db.count("Dunning Contact Log", {"sales_invoice": ("in", invoices)})
		for name in names:
			frappe.set_user(user)
			with self.subTest(user=user, method=name), sql_writes() as writes:
				with self.assertRaises(frappe.PermissionError):
					self.calls[name]()
				self.assertEqual(writes, [])
			frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("Dunning Contact Log", {"sales_invoice": ("in", invoices)}), before)
		self.assertFalse(frappe.db.exists("Dunning", {"customer": self.fn_customer}))

	def test_guest_is_refused_everything(self):
		self.assert_refused_without_writes("Guest", self.calls)

	def test_a_user_without_accounts_roles_is_refused_everything(self):
		self.assert_refused_without_writes(ROLE_USERS[""], self.calls)

	def test_a_user_restricted_to_another_customer_is_refused_this_ones_invoices(self):
		self.assert_refused_without_writes(self.restricted, self.calls)

	def test_a_user_restricted_to_another_customer_still_works_on_their_own(self):
		frappe.set_user(self.restricted)
		contacts_api.record_promise(self.other_invoice, add_days(nowdate(), 3))
		history = invoice_api.get_invoice_dunning(self.other_invoice)["history"]
		self.assertEqual([row.entry_type for row in history], ["Promise to Pay"])
		self.assertEqual(customer_api.get_customer_summary(self.other)["total_overdue"], 410)

	def test_without_dunning_create_the_formal_notice_is_refused_before_anything_is_written(self):
		# Accounts Users may submit Dunnings but not create them, for this test only.
		self.addCleanup(reset_perms, "Dunning")
		update_permission_property("Dunning", "Accounts User", 0, "submit", 1)
		update_permission_property("Dunning", "Accounts User", 0, "create", 0)
		self.assert_refused_without_writes(ROLE_USERS["Accounts User"], ["send_formal_notice"])
		# Same through "send the next step": the next step of this ladder is the formal notice.
		frappe.db.set_value("Customer", self.customer, "dunning_policy", self.fn_policy)
		late = make_overdue_invoice(days_overdue=40, amount=90, customer=self.customer).name
		self.calls["send_next_step_late"] = lambda: invoice_api.send_next_step(late)
		self.assert_refused_without_writes(ROLE_USERS["Accounts User"], ["send_next_step_late"])
		self.assertFalse(frappe.db.exists("Dunning Contact Log", {"sales_invoice": late}))

	def test_formal_notice_is_refused_when_one_of_the_customers_invoices_is_not_readable(self):
		# This user may read the invoice on screen, not the older one the letter would also claim.
		frappe.set_user(self.one_invoice)
		self.assertTrue(frappe.has_permission("Sales Invoice", "read", doc=self.fn_invoice))
		self.assertFalse(frappe.has_permission("Sales Invoice", "read", doc=self.fn_older))
		frappe.set_user("Administrator")
		self.assert_refused_without_writes(self.one_invoice, ["preview_formal_notice", "send_formal_notice"])

	def test_penalty_invoice_is_refused_to_users_who_cannot_read_the_customer(self):
		# A customer of its own: issuing the notice commits, and the other tests expect none for theirs.
		customer = make_dunning_customer(policy=self.fn_policy)
		overdue = make_overdue_invoice(days_overdue=40, amount=700, customer=customer).name
		dunning = formal_notice_api.send_formal_notice(overdue)["dunning"]
		for user in ("Guest", ROLE_USERS[""], self.restricted):
			frappe.set_user(user)
			with self.subTest(user=user), sql_writes() as writes:
				with self.assertRaises(frappe.PermissionError):
					make_penalty_invoice(dunning)
				self.assertEqual(writes, [])
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("Sales Invoice", {"dunning_formal_notice": dunning}))

	def test_mutating_methods_are_post_only(self):
		for method in (
			contacts_api.log_call,
			contacts_api.record_promise,
			contacts_api.set_dispute,
			contacts_api.pause_until,
			invoice_api.send_next_step,
			formal_notice_api.send_formal_notice,
			worklist.run_now,
			make_penalty_invoice,
		):
			self.assertEqual(frappe.allowed_http_methods_for_whitelisted_func[method], ["POST"])


class TestPreviewWritesNothing(FrappeTestCase):
	"""The GET previews build an unsaved Dunning and render messages: not one row may be written."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_email_account()
		cls.customer = make_dunning_customer(policy=make_policy(levels=FORMAL_NOTICE_ONLY))
		cls.invoice = make_overdue_invoice(days_overdue=45, amount=1500, customer=cls.customer).name

	def counts(self) -> dict[str, int]:
		doctypes = ("Dunning", "Dunning Type", "Dunning Contact Log", "Communication", "ToDo", "File")
		counts = {doctype: frappe.db.count(doctype) for doctype in doctypes}
		counts["Series"] = frappe.db.sql("select coalesce(sum(current), 0) from tabSeries")[0][0]
		return counts

	def test_preview_formal_notice_sends_no_write_to_the_database(self):
		before = self.counts()
		with sql_writes() as writes:
			preview = formal_notice_api.preview_formal_notice(self.invoice)
		self.assertIn(self.invoice, preview["invoices"])
		self.assertEqual(writes, [])
		self.assertEqual(self.counts(), before)

	def test_the_other_reading_methods_send_no_write_either(self):
		with sql_writes() as writes:
			invoice_api.get_invoice_dunning(self.invoice)
			invoice_api.preview_next_step(self.invoice)
			customer_api.get_customer_summary(self.customer)
		self.assertEqual(writes, [])


class TestRunNowIsQueued(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		frappe.db.set_single_value("Dunning Settings", "enabled", 1)

	def test_run_now_queues_one_deduplicated_job_after_commit_and_returns_its_id(self):
		with (
			patch.object(worklist, "in_test", return_value=False),
			patch.object(worklist, "is_job_enqueued", return_value=False),
			patch("frappe.enqueue") as enqueue,
			sql_writes() as writes,
		):
			result = worklist.run_now(company=self.company)
		job_id = f"relance-run-now:{self.company}:*"
		self.assertEqual(result, {"job_id": job_id, "queued": True, "already_queued": False})
		[(args, kwargs)] = enqueue.call_args_list
		self.assertEqual(args, (worklist.RUN_NOW_JOB,))
		self.assertEqual(
			{k: kwargs[k] for k in ("queue", "job_id", "deduplicate", "enqueue_after_commit", "now")},
			{
				"queue": "long",
				"job_id": job_id,
				"deduplicate": True,
				"enqueue_after_commit": True,
				"now": False,
			},
		)
		self.assertEqual((kwargs["company"], kwargs["customer"]), (self.company, None))
		# The request itself ran nothing: no step, no log row.
		self.assertEqual(writes, [])

	def test_a_selection_already_queued_is_not_queued_twice(self):
		with (
			patch.object(worklist, "in_test", return_value=False),
			patch.object(worklist, "is_job_enqueued", return_value=True),
			patch("frappe.utils.background_jobs.get_job") as get_job,
			patch("frappe.utils.background_jobs.get_queue") as get_queue,
		):
			get_job.return_value.get_status.return_value = "queued"
			result = worklist.run_now(company=self.company)
		self.assertEqual(result["already_queued"], True)
		get_queue.assert_not_called()


class TestRestrictedUserFigures(FrappeTestCase):
	"""Customers A and B of a fresh group, one invoice each, both reminded at level 2 in June 2026; the
	restricted user may read A only."""

	FILTERS = {"from_date": "2026-06-01", "to_date": "2026-06-30"}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		cls.policy = make_policy()
		cls.group, _subgroup = make_group_tree()
		cls.a = make_dunning_customer(policy=cls.policy, group=cls.group)
		cls.b = make_dunning_customer(policy=cls.policy, group=cls.group)
		cls.a_invoice = invoice(customer=cls.a, amount=1000, due="2026-06-10", posting="2026-06-01")
		cls.b_invoice = invoice(customer=cls.b, amount=300, due="2026-06-10", posting="2026-06-01")
		for name in (cls.a_invoice, cls.b_invoice):
			log(invoice_name=name, level=2, at="2026-06-15", policy=cls.policy)
		cls.user = make_user("relance.restricted-a@example.com", "Accounts User", customer=cls.a)

	def tearDown(self):
		frappe.set_user("Administrator")

	def as_restricted(self, function, *args, **kwargs):
		frappe.set_user(self.user)
		try:
			return function(*args, **kwargs)
		finally:
			frappe.set_user("Administrator")

	def test_aged_receivables_lists_their_customers_only(self):
		filters = {"company": self.company, "report_date": "2026-07-15", "customer_group": self.group}
		self.assertEqual({row["customer"] for row in aged.get_data(filters)}, {self.a, self.b})
		[row] = self.as_restricted(aged.get_data, filters)
		self.assertEqual((row["customer"], row["total"], row["range_31_90"]), (self.a, 1000, 1000))

	def test_effectiveness_counts_their_invoices_and_their_dso_only(self):
		filters = {"company": self.company, "customer_group": self.group, **self.FILTERS}
		[everyone] = efficacy.get_data(filters)
		self.assertEqual((everyone["level"], everyone["invoices"]), (2, 2))
		[restricted] = self.as_restricted(efficacy.get_data, filters)
		self.assertEqual((restricted["level"], restricted["invoices"]), (2, 1))
		self.assertEqual(efficacy.get_dso(filters)["receivables"], 1300)
		dso = self.as_restricted(efficacy.get_dso, filters)
		self.assertEqual((dso["receivables"], dso["credit_sales"]), (1000, 1000))

	def test_overdue_by_age_counts_their_invoices_only(self):
		totals = self.as_restricted(dashboard.overdue_by_age, self.company, as_of="2026-07-15")
		self.assertEqual(totals, {"not_due": 0, "1_30": 0, "31_90": 1000, "over_90": 0})
		self.assertGreaterEqual(dashboard.overdue_by_age(self.company, as_of="2026-07-15")["31_90"], 1300)
		chart = self.as_restricted(
			dashboard.get_overdue_by_age_chart, filters=frappe.as_json({"company": self.company})
		)
		self.assertEqual(sum(chart["datasets"][0]["values"]), 1000)

	def test_total_overdue_number_card_counts_their_invoices_only(self):
		card = frappe.get_doc("Number Card", "Relance Total Overdue").as_dict()
		filters = [
			*frappe.parse_json(card.filters_json),
			["Sales Invoice", "company", "=", self.company],
			["Sales Invoice", "due_date", "<", "2026-07-15"],
		]
		self.assertEqual(self.as_restricted(get_result, card, frappe.as_json(filters)), 1000)


class TestRestrictedUserPlan(FrappeTestCase):
	"""What is planned today (Worklist, "Actions Planned Today"): the restricted user's customers only."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		cls.policy = make_policy()
		cls.a = make_dunning_customer(policy=cls.policy)
		cls.b = make_dunning_customer(policy=cls.policy)
		for customer in (cls.a, cls.b):
			make_overdue_invoice(days_overdue=5, amount=640, customer=customer)
		cls.user = make_user("relance.restricted-plan@example.com", "Accounts User", customer=cls.a)

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_worklist_and_planned_today_show_their_customers_only(self):
		filters = {"company": self.company, "from_date": nowdate(), "days": 0}
		everyone = {row["customer"] for row in worklist.get_data(filters)}
		self.assertLessEqual({self.a, self.b}, everyone)
		frappe.set_user(self.user)
		rows = worklist.get_data(filters)
		planned = dashboard.actions_planned_today(frappe.as_json({"company": self.company}))
		self.assertEqual([row["customer"] for row in rows], [self.a])
		self.assertEqual(planned["value"], 1)


class TestPenaltyInvoiceLink(FrappeTestCase):
	"""The penalty invoice names its Dunning in a field; upgraded sites get the field filled from the remarks."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()
		make_email_account()
		customer = make_dunning_customer(policy=make_policy(levels=FORMAL_NOTICE_ONLY))
		overdue = make_overdue_invoice(days_overdue=40, amount=700, customer=customer).name
		cls.dunning = formal_notice_api.send_formal_notice(overdue)["dunning"]

	def test_penalty_invoice_links_its_dunning_once_and_the_patch_refills_the_link(self):
		from relance_app.patches.v0_3 import link_penalty_invoices

		name = make_penalty_invoice(self.dunning)
		self.assertEqual(frappe.db.get_value("Sales Invoice", name, "dunning_formal_notice"), self.dunning)
		with self.assertRaisesRegex(frappe.ValidationError, "already invoiced"):
			make_penalty_invoice(self.dunning)
		# A penalty invoice made before the field existed: only its remarks name the Dunning.
		frappe.db.set_value("Sales Invoice", name, "dunning_formal_notice", None)
		self.assertIn(self.dunning, frappe.db.get_value("Sales Invoice", name, "remarks"))
		link_penalty_invoices.execute()
		self.assertEqual(frappe.db.get_value("Sales Invoice", name, "dunning_formal_notice"), self.dunning)
