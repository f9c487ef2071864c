"""The three dunning reports on a real site, each on a small data set whose figures are worked out by hand.

Every test restricts its report to fresh customers (a customer filter, or a customer group created for the
test) so that whatever else the site holds cannot change the figures.
"""

from __future__ import annotations

import frappe
from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
from frappe.desk.query_report import run as run_report
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, date_diff, getdate

from relance_app.relance_app.report.dunning_aged_receivables import dunning_aged_receivables as aged
from relance_app.relance_app.report.dunning_effectiveness import dunning_effectiveness as efficacy
from relance_app.relance_app.report.dunning_worklist import dunning_worklist as to_do
from relance_app.tests.factories import (
	ensure_fiscal_year,
	make_company,
	make_customer,
	make_dunning_customer,
	make_email_account,
	make_overdue_invoice,
	make_policy,
	make_role_users,
)

# make_policy's ladder: level number -> (title, offset from the due date).
TITLES = {1: "Rappel amical", 2: "Relance", 3: "Appel", 4: "SMS", 5: "Mise en demeure"}


def invoice(*, customer: str, amount: float, due: str, posting: str | None = None) -> str:
	"""A submitted invoice due on `due`, posted on `posting` (30 days before by default)."""
	due = getdate(due)
	posting = getdate(posting) if posting else add_days(due, -30)
	return make_overdue_invoice(
		days_overdue=0, amount=amount, customer=customer, today=due, credit_days=date_diff(due, posting)
	).name


def pay(invoice_name: str, amount: float, on: str) -> str:
	"""A bank transfer of `amount` against the invoice, posted on `on`."""
	ensure_fiscal_year(on)
	payment = get_payment_entry("Sales Invoice", invoice_name, party_amount=amount)
	payment.posting_date = on
	payment.reference_no, payment.reference_date = f"VIR-{invoice_name}", on
	payment.paid_amount = payment.received_amount = amount
	payment.references[0].allocated_amount = amount
	payment.insert(ignore_permissions=True)
	payment.submit()
	return payment.name


def log(
	*,
	at: str,
	invoice_name: str | None = None,
	customer: str | None = None,
	level: int = 0,
	policy: str | None = None,
	entry_type: str = "Reminder Email",
	direction: str = "Outbound",
	status: str = "Sent",
	automatic: bool = True,
) -> str:
	"""A contact-log entry as the daily run (automatic) or a person would have written it, dated `at`."""
	return (
		frappe.get_doc(
			{
				"doctype": "Dunning Contact Log",
				"customer": customer or frappe.db.get_value("Sales Invoice", invoice_name, "customer"),
				"sales_invoice": invoice_name,
				"entry_type": entry_type,
				"direction": direction,
				"status": status,
				"contact_date": f"{at} 09:00:00",
				"is_automatic": int(automatic),
				"dunning_policy": policy if level else None,
				"level": level,
				"level_title": TITLES.get(level) if level else None,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def make_group_tree() -> tuple[str, str]:
	"""A fresh customer group with one sub-group: (parent, child)."""
	suffix = frappe.generate_hash(length=6)
	parent = frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": f"Groupe relances {suffix}",
			"parent_customer_group": "All Customer Groups",
			"is_group": 1,
		}
	).insert(ignore_permissions=True)
	child = frappe.get_doc(
		{
			"doctype": "Customer Group",
			"customer_group_name": f"Sous-groupe relances {suffix}",
			"parent_customer_group": parent.name,
		}
	).insert(ignore_permissions=True)
	return parent.name, child.name


class TestRelancesAFaire(FrappeTestCase):
	"""The engine's plan for the coming days, and the "Run now" button behind it."""

	TODAY = getdate("2026-11-02")  # a Monday

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		cls.policy = make_policy()
		# Two invoices due three days ago: the pre-due level is passed over, level 2 (J+5) falls on
		# 11-04 and level 3 (J+10) on 11-09, five days later as the ladder spaces them.
		cls.late = make_dunning_customer(policy=cls.policy)
		cls.late_invoices = [
			make_overdue_invoice(days_overdue=3, amount=amount, customer=cls.late, today=cls.TODAY).name
			for amount in (300, 200)
		]
		# An invoice due in six days: its friendly reminder (J-5) falls tomorrow, level 2 after the window.
		cls.soon = make_dunning_customer(policy=cls.policy)
		cls.soon_invoice = make_overdue_invoice(
			days_overdue=-6, amount=500, customer=cls.soon, today=cls.TODAY
		).name

	def rows(self, customer, **filters):
		return to_do.get_data(
			{"company": self.company, "customer": customer, "from_date": self.TODAY, **filters}
		)

	def test_lists_each_step_of_the_next_seven_days_per_customer(self):
		rows = self.rows(self.late)
		self.assertEqual(
			[
				(row["date"], row["level"], row["level_title"], row["channel"], row["outstanding"])
				for row in rows
			],
			[
				(getdate("2026-11-04"), 2, "Relance", "Email", 500.0),
				(getdate("2026-11-09"), 3, "Appel", "Phone Call", 500.0),
			],
		)
		# One message per customer and level lists both invoices.
		for row in rows:
			self.assertEqual(sorted(row["invoices"].split(", ")), sorted(self.late_invoices))
			self.assertEqual(
				(row["customer"], row["policy"], row["currency"]), (self.late, self.policy, "EUR")
			)

		self.assertEqual(
			[(row["date"], row["level"], row["invoices"]) for row in self.rows(self.soon)],
			[(getdate("2026-11-03"), 1, self.soon_invoice)],
		)

	def test_days_ahead_bounds_the_window(self):
		# Today only: nothing is due on 11-02 for either customer.
		self.assertEqual(self.rows(self.late, days=0), [])
		# 11-02 to 11-08: the call on 11-09 is one day too far.
		self.assertEqual([row["level"] for row in self.rows(self.late, days=6)], [2])
		self.assertEqual([row["level"] for row in self.rows(self.soon, from_date="2026-11-03", days=0)], [1])
		with self.assertRaises(frappe.ValidationError):
			self.rows(self.late, days=400)

	def test_report_runs_through_the_desk_with_its_summary(self):
		result = run_report(
			"Dunning Worklist",
			filters={"company": self.company, "customer": self.late, "from_date": str(self.TODAY), "days": 7},
		)
		self.assertEqual([row["level"] for row in result["result"]], [2, 3])
		summary = {item["label"]: item["value"] for item in result["report_summary"]}
		self.assertEqual(summary["Steps Planned"], 2)
		self.assertEqual(summary["Customers"], 1)

	def test_run_now_sends_todays_step_for_the_selected_customer(self):
		make_email_account()
		frappe.db.set_single_value(
			"Dunning Settings", {"enabled": 1, "dry_run": 0, "batch_size": 200, "max_actions_per_run": 0}
		)
		customer = make_dunning_customer(policy=self.policy)
		# Due five days ago (real today, as the button runs for today): level 2 is due now.
		due_today = make_overdue_invoice(days_overdue=5, amount=640, customer=customer).name
		result = to_do.run_now(company=self.company, customer=customer)
		self.assertEqual(result["sent"], 1)
		self.assertEqual(
			frappe.get_all(
				"Dunning Contact Log",
				filters={"sales_invoice": due_today, "is_automatic": 1},
				fields=["level", "status", "entry_type"],
			),
			[{"level": 2, "status": "Sent", "entry_type": "Reminder Email"}],
		)
		# Nothing was sent to the report's other customers: they had nothing due today.
		self.assertFalse(
			frappe.db.exists("Dunning Contact Log", {"customer": ("in", [self.late, self.soon])})
		)

	def test_run_now_is_post_only_and_needs_write_access_to_policies(self):
		self.assertEqual(frappe.allowed_http_methods_for_whitelisted_func[to_do.run_now], ["POST"])
		users = make_role_users()
		for user in (users["Accounts User"], users["Sales User"], "Guest"):
			with self.set_user(user), self.assertRaises(frappe.PermissionError):
				to_do.run_now(company=self.company)

	def test_run_now_does_nothing_while_dunning_is_disabled(self):
		frappe.db.set_single_value("Dunning Settings", "enabled", 0)
		with self.assertRaises(frappe.ValidationError):
			to_do.run_now(company=self.company, customer=self.late)
		self.assertFalse(frappe.db.exists("Dunning Contact Log", {"customer": self.late}))


class TestEfficaciteDesRelances(FrappeTestCase):
	"""Ten invoices dunned in June 2026, with answers and payments at known dates.

	| inv | L1    | L2    | L3    | inbound                   | payments                  | open now |
	| I1  | 06-02 |       |       |                           | 06-05 full                | 0        |
	| I2  | 06-02 | 06-10 |       |                           | 06-12 full                | 0        |
	| I3  | 06-02 | 06-10 | 06-20 | 06-21 call on the invoice |                           | 1000     |
	| I4  | 06-02 | 06-10 |       | 06-04 call, no invoice    | 06-15 full                | 0        |
	| I5  | 06-02 | 06-10 | 06-20 |                           | 06-08 400, 07-10 600      | 0        |
	| I6  | 06-02 |       |       | (manual L2 06-10 ignored) |                           | 1000     |
	| I7  | 06-03 | 06-11 |       |                           | 06-20 full                | 0        |
	| I8  | 05-25 | 06-05 |       |                           | 06-06 full                | 0        |
	| I9  | 06-02 | 06-10 | (failed 06-20) | 06-05 bounce     |                           | 1000     |
	| I10 | 06-28 | 07-05 |       |                           | 07-03 full                | 0        |

	All invoices are of 1000 EUR, posted 06-01 except I8 (05-01); I6 and I10 belong to customers of the
	sub-group.
	"""

	FILTERS = {"from_date": "2026-06-01", "to_date": "2026-06-30"}

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		cls.policy = make_policy()
		cls.group, cls.subgroup = make_group_tree()
		inv = {}
		for n in range(1, 11):
			customer = make_customer(group=cls.subgroup if n in (6, 10) else cls.group)
			posting = "2026-05-01" if n == 8 else "2026-06-01"
			inv[n] = invoice(customer=customer, amount=1000, due=add_days(posting, 20), posting=posting)
		cls.inv = inv

		def step(n, level, at, status="Sent"):
			log(invoice_name=inv[n], level=level, at=at, policy=cls.policy, status=status)

		for n in (1, 2, 3, 4, 5, 6, 9):
			step(n, 1, "2026-06-02")
		step(7, 1, "2026-06-03")
		step(8, 1, "2026-05-25")
		step(10, 1, "2026-06-28")
		for n in (2, 3, 4, 5, 9):
			step(n, 2, "2026-06-10")
		step(7, 2, "2026-06-11")
		step(8, 2, "2026-06-05")
		step(10, 2, "2026-07-05")
		step(3, 3, "2026-06-20")
		step(5, 3, "2026-06-20")
		step(9, 3, "2026-06-20", status="Failed")
		# A person's email at level 2 is not one of the ladder's automatic steps.
		log(invoice_name=inv[6], level=2, at="2026-06-10", policy=cls.policy, automatic=False)

		i4_customer = frappe.db.get_value("Sales Invoice", inv[4], "customer")
		log(customer=i4_customer, at="2026-06-04", entry_type="Call", direction="Inbound", status="Done")
		log(invoice_name=inv[3], at="2026-06-21", entry_type="Call", direction="Inbound", status="Done")
		log(invoice_name=inv[9], at="2026-06-05", entry_type="Bounce", direction="Inbound", status="Done")

		pay(inv[1], 1000, "2026-06-05")
		pay(inv[2], 1000, "2026-06-12")
		pay(inv[4], 1000, "2026-06-15")
		pay(inv[5], 400, "2026-06-08")
		pay(inv[5], 600, "2026-07-10")
		pay(inv[7], 1000, "2026-06-20")
		pay(inv[8], 1000, "2026-06-06")
		pay(inv[10], 1000, "2026-07-03")

	def filters(self, **extra):
		return {
			"company": self.company,
			"customer_group": self.group,
			"dunning_policy": self.policy,
			**self.FILTERS,
			**extra,
		}

	def by_level(self, **extra):
		return {row["level"]: row for row in efficacy.get_data(self.filters(**extra))}

	def test_counts_the_invoices_that_received_each_level_in_the_period(self):
		rows = self.by_level()
		# L1: all but I8 (sent in May). L2: I2-I5, I7-I9 (I10's is in July, I6's was manual). L3: I3 and
		# I5 (I9's failed).
		self.assertEqual({level: row["invoices"] for level, row in rows.items()}, {1: 9, 2: 7, 3: 2})
		self.assertEqual(
			[(row["policy"], row["level_title"]) for row in rows.values()],
			[(self.policy, "Rappel amical"), (self.policy, "Relance"), (self.policy, "Appel")],
		)

	def test_response_rate_counts_answers_and_payments_within_seven_days(self):
		rows = self.by_level()
		# L1: I1 (paid 06-05), I4 (called 06-04), I5 (paid part 06-08), I10 (paid 07-03 < 06-28+7):
		#     4 of 9 = 44.44 %. I2 paid 06-12, after 06-09; I9's bounce is no answer.
		# L2: I2 (06-12), I4 (06-15), I8 (06-06): 3 of 7 = 42.86 %. I7 paid 06-20, after 06-18.
		# L3: I3 (called 06-21): 1 of 2 = 50 %.
		self.assertEqual(
			{level: (row["answered"], row["response_rate"]) for level, row in rows.items()},
			{1: (4, 44.44), 2: (3, 42.86), 3: (1, 50.0)},
		)

	def test_share_paid_in_full_before_the_next_level(self):
		rows = self.by_level()
		# L1: I1 (paid, never got L2) and I10 (paid 07-03, L2 on 07-05): 2 of 9 = 22.22 %.
		# L2: I2, I4, I7, I8 (paid, never got L3): 4 of 7 = 57.14 %. I5 paid after its L3.
		# L3: I5 (paid 07-10, there is no L4): 1 of 2 = 50 %.
		self.assertEqual(
			{level: (row["paid_before_next"], row["paid_before_next_rate"]) for level, row in rows.items()},
			{1: (2, 22.22), 2: (4, 57.14), 3: (1, 50.0)},
		)

	def test_average_days_from_first_reminder_to_payment(self):
		rows = self.by_level()
		# Days from the first reminder to the last payment: I1 3, I2 10, I4 13, I5 38, I7 17, I8 12
		# (from 05-25), I10 5.
		# L1 (I1, I2, I4, I5, I7, I10): 86 / 6 = 14.3. L2 (I2, I4, I5, I7, I8): 90 / 5 = 18.0. L3 (I5): 38.
		self.assertEqual(
			{level: (row["paid"], row["avg_days_to_pay"]) for level, row in rows.items()},
			{1: (6, 14.3), 2: (5, 18.0), 3: (1, 38.0)},
		)

	def test_dso_of_the_period(self):
		# Receivables on 06-30: I3 1000 + I5 600 + I6 1000 + I9 1000 + I10 1000 = 4600.
		# Credit sales in June: nine invoices of 1000 (I8 was posted in May) = 9000.
		# DSO = 4600 / 9000 × 30 days = 15.3.
		self.assertEqual(
			efficacy.get_dso(self.filters()),
			{"receivables": 4600.0, "credit_sales": 9000.0, "days": 30, "dso": 15.3},
		)
		result = run_report("Dunning Effectiveness", filters=self.filters())
		self.assertEqual(result["report_summary"][0]["value"], 15.3)
		self.assertEqual(len(result["result"]), 3)

	def test_customer_group_filter_includes_sub_groups_only_when_asked(self):
		# The sub-group holds I6 (L1 only, unpaid) and I10 (L1 06-28, paid 07-03 before its L2).
		rows = self.by_level(customer_group=self.subgroup)
		self.assertEqual(
			{
				level: (row["invoices"], row["answered"], row["paid_before_next"])
				for level, row in rows.items()
			},
			{1: (2, 1, 1)},
		)
		# Receivables on 06-30: I6 1000 + I10 1000; sales: 2000; DSO 2000 / 2000 × 30 = 30.
		self.assertEqual(efficacy.get_dso(self.filters(customer_group=self.subgroup))["dso"], 30.0)

	def test_a_period_without_reminders_is_empty(self):
		self.assertEqual(efficacy.get_data(self.filters(from_date="2026-01-01", to_date="2026-01-31")), [])


class TestBalanceAgeeRelances(FrappeTestCase):
	"""Ages on 2026-09-30, with the boundaries of each bucket and payments either side of the date."""

	REPORT_DATE = "2026-09-30"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.company = make_company()
		cls.policy = make_policy()
		cls.group, cls.subgroup = make_group_tree()
		cls.a = make_customer(group=cls.group)
		cls.b = make_customer(group=cls.subgroup)
		cls.c = make_customer(group=cls.group)

		a1 = invoice(customer=cls.a, amount=1000, due="2026-09-30")  # due today: not yet due
		a2 = invoice(customer=cls.a, amount=500, due="2026-08-31")  # 30 days
		a3 = invoice(customer=cls.a, amount=800, due="2026-07-02")  # 90 days
		a4 = invoice(customer=cls.a, amount=200, due="2026-07-01")  # 91 days
		a5 = invoice(customer=cls.a, amount=700, due="2026-09-01")  # paid before the date
		a6 = invoice(customer=cls.a, amount=400, due="2026-09-29")  # 1 day, paid after the date
		invoice(customer=cls.b, amount=300, due="2026-01-15")  # 258 days
		c1 = invoice(customer=cls.c, amount=250, due="2026-08-01")
		pay(a3, 300, "2026-09-01")
		pay(a5, 700, "2026-09-20")
		pay(a6, 400, "2026-10-05")
		pay(c1, 250, "2026-09-10")

		def step(name, level, at, **kwargs):
			log(invoice_name=name, level=level, at=at, policy=cls.policy, **kwargs)

		step(a2, 2, "2026-09-05")
		step(a3, 3, "2026-09-10")
		step(a5, 5, "2026-09-15")  # a paid invoice's level is not the customer's current level
		step(a4, 4, "2026-10-02")  # after the date
		step(a1, 1, "2026-09-20", status="Failed")  # not a contact made
		log(customer=cls.a, at="2026-09-18", entry_type="Call", direction="Inbound", status="Done")
		log(invoice_name=a1, at="2026-09-25", entry_type="Note", status="Done", automatic=False)

	def filters(self, **extra):
		return {
			"company": self.company,
			"report_date": self.REPORT_DATE,
			"customer_group": self.group,
			**extra,
		}

	def test_outstanding_per_customer_by_age_bucket(self):
		rows = aged.get_data(self.filters())
		buckets = ("not_due", "range_1_30", "range_31_90", "over_90", "total", "invoices")
		# A: not due 1000 (A1); 1-30: A2 500 + A6 400 (paid only on 10-05); 31-90: A3 800 - 300 = 500;
		#    over 90: A4 200; total 2600 on five invoices (A5 was paid on 09-20).
		# B (sub-group): over 90: 300. C paid everything: no row.
		self.assertEqual(
			[(row["customer"], *(row[b] for b in buckets)) for row in rows],
			[
				(self.a, 1000.0, 900.0, 500.0, 200.0, 2600.0, 5),
				(self.b, 0.0, 0.0, 0.0, 300.0, 300.0, 1),
			],
		)

	def test_current_level_and_last_contact(self):
		rows = {row["customer"]: row for row in aged.get_data(self.filters())}
		# A: level 3 on A3 (A5's level 5 is on a paid invoice, A4's level 4 comes after the date); last
		# contact: the customer's call on 09-18 (level 5 email 09-15; the failed step and the note after it
		# are no contacts).
		self.assertEqual(
			(rows[self.a]["level"], rows[self.a]["level_title"], rows[self.a]["last_contact"]),
			(3, "Appel", getdate("2026-09-18")),
		)
		self.assertEqual(
			(rows[self.b]["level"], rows[self.b]["level_title"], rows[self.b]["last_contact"]),
			(0, None, None),
		)

	def test_totals_row_sums_the_buckets(self):
		result = run_report("Dunning Aged Receivables", filters=self.filters())
		# The desk appends the totals row as a list, in column order.
		total = dict(zip([col["fieldname"] for col in result["columns"]], result["result"][-1], strict=True))
		self.assertEqual(
			[total["not_due"], total["range_1_30"], total["range_31_90"], total["over_90"], total["total"]],
			[1000.0, 900.0, 500.0, 500.0, 2900.0],
		)
		self.assertEqual(len(result["result"]), 3)  # A, B and the totals row

	def test_filters_narrow_to_a_sub_group_or_a_customer(self):
		self.assertEqual(
			[row["customer"] for row in aged.get_data(self.filters(customer_group=self.subgroup))], [self.b]
		)
		self.assertEqual([row["customer"] for row in aged.get_data(self.filters(customer=self.a))], [self.a])

	def test_an_earlier_date_ignores_later_invoices_and_payments(self):
		# On 08-31: A1 and A6 not yet due; A2 due today; A3 (due 07-02) 60 days and not yet paid in part;
		# A5 (due 09-01) not yet due and unpaid; A4 61 days. B: 228 days.
		rows = {row["customer"]: row for row in aged.get_data(self.filters(report_date="2026-08-31"))}
		self.assertEqual(
			[rows[self.a][b] for b in ("not_due", "range_1_30", "range_31_90", "over_90")],
			[1000.0 + 500 + 700 + 400, 0.0, 800.0 + 200, 0.0],
		)
		self.assertEqual(rows[self.a]["level"], 0)  # the first automatic step came on 09-05
		self.assertEqual(rows[self.b]["over_90"], 300.0)
