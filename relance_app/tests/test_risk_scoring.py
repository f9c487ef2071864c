"""The payment risk learned from history, on a real site: real invoices paid by real Payment Entries dated
in the past, the nightly recompute (dunning.risk), what it writes on the Customer and the invoices, and the
Dunning Cash Forecast built on it.

Every date is fixed (TODAY below, not the machine's); each recompute is restricted to the test's fresh
customers, so that whatever else the site holds cannot change the figures (fewer than five customers: the
engine's default average customer).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from unittest.mock import patch

import frappe
from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
from frappe import _
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate

from relance_app.dunning.report import RunReport
from relance_app.dunning.risk import recompute_risk
from relance_app.dunning.run import run_daily
from relance_app.engine.risk import CustomerHistory, OpenInvoice, PaidInvoice, score_customers
from relance_app.relance_app.report.dunning_cash_forecast import dunning_cash_forecast as forecast
from relance_app.tests.factories import COMPANY, make_company, make_customer, make_overdue_invoice

TODAY = date(2026, 6, 15)
# Six monthly invoices of 1,000 paid before TODAY, oldest first.
PAID_DUES = [
	date(2025, 12, 1),
	date(2026, 1, 1),
	date(2026, 2, 1),
	date(2026, 3, 1),
	date(2026, 4, 1),
	date(2026, 5, 1),
]


def invoice(customer: str, *, due: date, amount: float = 1000.0) -> str:
	"""A submitted invoice due on `due`, posted 30 days before."""
	return make_overdue_invoice(days_overdue=0, amount=amount, customer=customer, today=due).name


def pay(invoice_name: str, *, amount: float, on: date) -> str:
	"""A real Payment Entry of `amount` against the invoice, dated `on`."""
	payment = get_payment_entry("Sales Invoice", invoice_name, party_amount=amount)
	payment.posting_date = on
	payment.reference_no, payment.reference_date = f"VIR-{invoice_name}", on
	payment.paid_amount = payment.received_amount = amount
	payment.references[0].allocated_amount = amount
	payment.insert(ignore_permissions=True)
	payment.submit()
	return payment.name


def customer_paying(days_late: int) -> str:
	"""A fresh customer whose six invoices were each paid in full `days_late` days after their due date."""
	customer = make_customer()
	for due in PAID_DUES:
		pay(invoice(customer, due=due), amount=1000.0, on=due + timedelta(days=days_late))
	return customer


def site_lang() -> str:
	return frappe.db.get_single_value("System Settings", "language") or "en"


class TestRiskScoring(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()

	def setUp(self):
		self.late = customer_paying(30)
		self.on_time = customer_paying(0)
		# Open on TODAY: overdue since 1 June, and not due until 1 July.
		self.late_open = invoice(self.late, due=date(2026, 6, 1))
		self.on_time_open = invoice(self.on_time, due=date(2026, 7, 1))

	def customer(self, name: str):
		return frappe.db.get_value(
			"Customer",
			name,
			[
				"dunning_risk_score",
				"dunning_risk_class",
				"dunning_risk_reasons",
				"dunning_risk_updated_on",
				"modified",
			],
			as_dict=True,
		)

	def test_a_customer_paying_30_days_late_is_high_with_the_reason(self):
		recompute_risk(TODAY, customers=[self.late, self.on_time])
		late = self.customer(self.late)
		self.assertEqual(late.dunning_risk_class, "High")
		self.assertGreaterEqual(late.dunning_risk_score, 45)
		self.assertEqual(getdate(late.dunning_risk_updated_on), TODAY)
		expected = _("Paid the last {count} invoices {days} days late on average.", lang=site_lang())
		self.assertIn(expected.format(count=6, days=30), late.dunning_risk_reasons.splitlines())

	def test_an_always_on_time_customer_is_low(self):
		recompute_risk(TODAY, customers=[self.late, self.on_time])
		on_time = self.customer(self.on_time)
		self.assertEqual(on_time.dunning_risk_class, "Low")
		self.assertLess(on_time.dunning_risk_score, 20)
		expected = _("Paid the last {count} invoices on time on average.", lang=site_lang())
		self.assertIn(expected.format(count=6), on_time.dunning_risk_reasons.splitlines())

	def test_the_recompute_does_not_change_modified(self):
		before = self.customer(self.late).modified
		recompute_risk(TODAY, customers=[self.late])
		self.assertEqual(self.customer(self.late).modified, before)

	def test_a_class_set_by_hand_is_not_overwritten(self):
		frappe.db.set_value(
			"Customer", self.late, {"dunning_risk_class": "Low", "dunning_risk_class_pinned": 1}
		)
		found = recompute_risk(TODAY, customers=[self.late, self.on_time])
		late = self.customer(self.late)
		self.assertEqual(late.dunning_risk_class, "Low")
		# The score is still the history's, and the reasons say the class was set by hand.
		self.assertGreaterEqual(late.dunning_risk_score, 45)
		self.assertEqual(found[self.late].computed_class, "High")
		self.assertEqual(len(late.dunning_risk_reasons.splitlines()), len(found[self.late].reasons))
		self.assertEqual(found[self.late].reasons[0].code, "pinned")

	def test_the_predicted_date_lands_on_the_open_invoice(self):
		recompute_risk(TODAY, customers=[self.late, self.on_time])
		# The same history, built by hand for the pure engine: the bench layer must read exactly this.
		history = CustomerHistory(
			customer=self.late,
			paid=[PaidInvoice(due, due + timedelta(days=30), Decimal(1000)) for due in PAID_DUES],
			open=[OpenInvoice("open", date(2026, 6, 1), Decimal(1000), posting_date=date(2026, 5, 2))],
		)
		other = CustomerHistory(
			customer=self.on_time,
			paid=[PaidInvoice(due, due, Decimal(1000)) for due in PAID_DUES],
			open=[OpenInvoice("open", date(2026, 7, 1), Decimal(1000), posting_date=date(2026, 6, 1))],
		)
		expected = score_customers([history, other], TODAY)
		late_date = getdate(
			frappe.db.get_value("Sales Invoice", self.late_open, "dunning_predicted_payment_date")
		)
		self.assertEqual(late_date, expected[self.late].predicted["open"])
		self.assertGreater(late_date, TODAY)  # overdue and a late payer: expected from today on
		on_time_date = frappe.db.get_value(
			"Sales Invoice", self.on_time_open, "dunning_predicted_payment_date"
		)
		self.assertEqual(getdate(on_time_date), expected[self.on_time].predicted["open"])
		# A paid invoice gets no prediction.
		paid = frappe.get_all(
			"Sales Invoice",
			filters={"customer": self.late, "outstanding_amount": 0, "docstatus": 1},
			pluck="dunning_predicted_payment_date",
		)
		self.assertEqual(paid, [None] * len(PAID_DUES))

	def test_a_class_that_changes_has_the_run_read_the_invoices_again(self):
		"""The run reads only invoices with work due (selection's next-check day): a customer turning High
		gets a faster cadence, so their open invoices must be read at the next run."""
		frappe.db.set_value("Customer", self.late, "dunning_risk_class", "High")
		frappe.db.set_value("Customer", self.on_time, "dunning_risk_class", "High")
		for name in (self.late_open, self.on_time_open):
			frappe.db.set_value("Sales Invoice", name, "dunning_check_on", date(2026, 9, 1))
		recompute_risk(TODAY, customers=[self.late, self.on_time])
		check_on = lambda name: frappe.db.get_value("Sales Invoice", name, "dunning_check_on")  # noqa: E731
		self.assertEqual(getdate(check_on(self.late_open)), date(2026, 9, 1))  # still High: untouched
		self.assertIsNone(check_on(self.on_time_open))  # High -> Low: read again

	def test_the_daily_run_recomputes_the_risk_before_it_selects(self):
		"""The run's high-risk cadence reads the class: it must be today's when the run starts."""
		seen = {}

		def fake_run(*args, **kwargs):
			seen["class"] = frappe.db.get_value("Customer", self.late, "dunning_risk_class")
			return RunReport(day=TODAY, dry_run=True)

		frappe.db.set_single_value("Dunning Settings", "enabled", 1)
		with patch("relance_app.dunning.run.run", fake_run), patch("relance_app.dunning.run.send_digest"):
			run_daily()
		self.assertEqual(seen["class"], "High")


def week_of(day) -> date:
	day = getdate(day)
	return day - timedelta(days=day.weekday())


class TestCashForecast(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_company()

	def rows(self, **filters):
		filters = {"company": COMPANY, "report_date": TODAY, **filters}
		return {row["week_start"]: (row["amount"], row["invoices"]) for row in forecast.get_data(filters)}

	def test_receipts_per_week_are_the_outstanding_on_the_predicted_weeks(self):
		customer = customer_paying(30)
		overdue = invoice(customer, due=date(2026, 6, 1), amount=1000.0)
		not_due = invoice(customer, due=date(2026, 7, 15), amount=400.0)
		pay(not_due, amount=100.0, on=date(2026, 6, 10))
		unpredicted = invoice(customer, due=date(2026, 6, 5), amount=250.0)
		recompute_risk(TODAY, customers=[customer])
		predicted = dict(
			frappe.get_all(
				"Sales Invoice",
				filters={"name": ("in", [overdue, not_due])},
				fields=["name", "dunning_predicted_payment_date"],
				as_list=True,
			)
		)
		# An overdue invoice without a prediction is expected on the report date.
		frappe.db.set_value("Sales Invoice", unpredicted, "dunning_predicted_payment_date", None)
		expected: dict[date, list] = {}
		for amount, day in ((1000.0, predicted[overdue]), (300.0, predicted[not_due]), (250.0, TODAY)):
			week = expected.setdefault(week_of(day), [0.0, 0])
			week[0] += amount
			week[1] += 1
		self.assertEqual(self.rows(customer=customer), {week: tuple(v) for week, v in expected.items()})
		self.assertEqual(week_of(predicted[not_due]), week_of(date(2026, 8, 9)))

		columns, data, _message, chart = forecast.execute(
			{"company": COMPANY, "report_date": TODAY, "customer": customer}
		)
		self.assertEqual(chart["type"], "bar")
		self.assertEqual(chart["data"]["datasets"][0]["values"], [row["amount"] for row in data])
		self.assertEqual({row["currency"] for row in data}, {"EUR"})

	def test_a_company_is_required(self):
		with self.assertRaises(frappe.ValidationError):
			forecast.execute({"report_date": TODAY})

	def test_a_restricted_user_sees_only_their_customers(self):
		from relance_app.tests.test_permissions import make_user

		mine, other = make_customer(), make_customer()
		invoice(mine, due=date(2026, 6, 22), amount=700.0)
		invoice(other, due=date(2026, 6, 22), amount=900.0)
		user = make_user("relance.risk.restricted@example.com", "Accounts User", customer=mine)
		self.assertEqual(self.rows(customer=other), {date(2026, 6, 22): (900.0, 1)})
		with self.set_user(user):
			self.assertEqual(self.rows(), {date(2026, 6, 22): (700.0, 1)})
			self.assertEqual(self.rows(customer=other), {})
