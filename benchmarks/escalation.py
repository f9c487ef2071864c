"""Benchmark of the daily escalation on a real ERPNext site (bench tier).

    cd ~/frappe-bench && env/bin/python apps/relance_app/benchmarks/escalation.py --site relance.test \
        --invoices 10000 [--erpnext-sample 200] [--keep]

What it does:
1. Generates N submitted Sales Invoices (one Payment Schedule row each), all 5 days overdue, over N/5
   customers with an email address. They are written with Frappe's bulk insert, not through the document
   API (which would take longer than the benchmark itself): the escalation reads exactly these columns.
2. Times a full run of the escalation for those customers (inline, one process): every step claimed in
   the contact log, every email rendered and queued in Email Queue with its invoice attachments (rendered
   lazily by the queue), mirrors updated. Prints invoices/s.
3. Counts the SQL queries issued by the selection at N and at N/10: they must be the same.
4. Times a second run the same day (it must send nothing).
5. Side by side: ERPNext's own manual path for a sample of the same invoices: `create_dunning` (the
   mapper behind "Create > Dunning" on an invoice), then insert and submit, per invoice; extrapolated to N.
6. Deletes everything it generated unless --keep.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

PREFIX = "BENCH-RELANCE"


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", default=os.environ.get("RELANCE_SITE", "relance.test"))
	parser.add_argument("--sites-path", default="sites")
	parser.add_argument("--invoices", type=int, default=10_000)
	parser.add_argument("--erpnext-sample", type=int, default=200)
	parser.add_argument(
		"--workers",
		type=int,
		default=0,
		help="also time the fanned-out run: start this many `bench worker --queue long` processes",
	)
	parser.add_argument("--keep", action="store_true", help="keep the generated data")
	args = parser.parse_args()

	import frappe

	frappe.init(site=args.site, sites_path=args.sites_path)
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		return run_benchmark(args)
	finally:
		if not args.keep:
			cleanup()
		frappe.destroy()


def run_benchmark(args) -> int:
	import frappe
	from frappe.utils import add_days, getdate, nowdate

	from relance_app.dunning.run import run
	from relance_app.dunning.selection import select_open_instalments
	from relance_app.tests.factories import make_company, make_email_account, make_policy

	n = args.invoices
	today = getdate(nowdate())
	company = make_company()
	make_email_account()
	policy = make_policy(
		levels=[
			{
				"title": "Relance",
				"offset_days": 5,
				"channel": "Email",
				"email_template": "Relance J+5 - Facture échue",
			},
			{"title": "Appel", "offset_days": 10, "channel": "Phone Call"},
		]
	)
	frappe.db.set_single_value("Dunning Settings", {"enabled": 1, "dry_run": 0, "max_actions_per_run": 0})
	frappe.db.commit()
	cleanup()

	t0 = time.perf_counter()
	customers = generate(n, company=company, policy=policy, due=add_days(today, -5))
	frappe.db.commit()
	print(f"generated {n} invoices over {len(customers)} customers in {time.perf_counter() - t0:.1f} s")

	small = customers[: max(1, len(customers) // 10)]
	select_open_instalments(today, customers=small)  # warm Frappe's caches (policies, meta) first
	q_small = count_queries(lambda: select_open_instalments(today, customers=small))
	q_full = count_queries(lambda: select_open_instalments(today, customers=customers))
	print(f"selection queries: {q_small} for {len(small) * 5} invoices, {q_full} for {n} invoices")

	t0 = time.perf_counter()
	report = run(today, customers=customers, fan_out=False)
	frappe.db.commit()
	elapsed = time.perf_counter() - t0
	logs = frappe.db.count("Dunning Contact Log", {"customer": ("like", f"{PREFIX}%")})
	emails = frappe.db.sql(
		"""select count(*) from `tabEmail Queue` q join `tabCommunication` c on c.name = q.communication
		where c.reference_name like %s""",
		(f"{PREFIX}%",),
	)[0][0]
	print(
		f"full run: {elapsed:.1f} s for {n} invoices = {n / elapsed:.0f} invoices/s "
		f"({report.sent} steps, {logs} log rows, {emails} emails queued, {report.failed} failed)"
	)

	if args.workers:
		time_fan_out(args.workers, customers, n, today)

	t0 = time.perf_counter()
	again = run(today, customers=customers, fan_out=False)
	frappe.db.commit()
	print(f"second run the same day: {time.perf_counter() - t0:.2f} s, {again.sent} steps sent")

	sample = min(args.erpnext_sample, n)
	if sample:
		per_invoice = erpnext_manual_path(sample)
		print(
			f"ERPNext create_dunning + insert + submit: {per_invoice * 1000:.0f} ms/invoice over {sample} invoices"
			f" -> {per_invoice * n:.0f} s for {n} invoices (one Dunning per invoice, no email, no log)"
		)
	return 0


def generate(n: int, *, company: str, policy: str, due) -> list[str]:
	"""Bulk-insert customers, submitted invoices and their payment schedule rows."""
	import frappe
	from frappe.utils import add_days, now

	n_customers = max(1, n // 5)
	stamp = now()
	receivable = frappe.get_cached_value("Company", company, "default_receivable_account")
	customers = [f"{PREFIX}-C{i:05d}" for i in range(n_customers)]
	frappe.db.bulk_insert(
		"Customer",
		[
			"name", "customer_name", "customer_type", "customer_group", "territory", "email_id", "dunning_policy",
			"creation", "modified", "owner", "modified_by", "docstatus",
		],
		[
			(c, c, "Company", "All Customer Groups", "All Territories", f"{c.lower()}@client.example", policy,
			 stamp, stamp, "Administrator", "Administrator", 0)
			for c in customers
		],
	)  # fmt: skip
	invoices, schedules = [], []
	posting = add_days(due, -30)
	for i in range(n):
		name = f"{PREFIX}-{i:06d}"
		customer = customers[i % n_customers]
		amount = 100 + (i % 50) * 10
		invoices.append(
			(name, 1, company, customer, customer, "EUR", 1, posting, due, amount, amount, amount, amount, 0,
			 receivable, f"{customer.lower()}@client.example", stamp, stamp, "Administrator", "Administrator",
			 "Overdue", "Sales Invoice")
		)  # fmt: skip
		schedules.append(
			(f"{name}-PS", name, "Sales Invoice", "payment_schedule", 1, due, 100, amount, amount, amount, 1,
			 stamp, stamp, "Administrator", "Administrator")
		)  # fmt: skip
	frappe.db.bulk_insert(
		"Sales Invoice",
		[
			"name", "docstatus", "company", "customer", "customer_name", "currency", "conversion_rate",
			"posting_date", "due_date", "grand_total", "rounded_total", "base_grand_total", "outstanding_amount",
			"is_return", "debit_to", "contact_email", "creation", "modified", "owner", "modified_by", "status",
			"title",
		],
		invoices,
	)  # fmt: skip
	frappe.db.bulk_insert(
		"Payment Schedule",
		[
			"name", "parent", "parenttype", "parentfield", "idx", "due_date", "invoice_portion", "payment_amount",
			"outstanding", "base_payment_amount", "docstatus", "creation", "modified", "owner", "modified_by",
		],
		schedules,
	)  # fmt: skip
	return customers


def time_fan_out(workers: int, customers: list[str], n: int, today) -> None:
	"""Undo the inline run's work, then let `workers` RQ workers do it from a fanned-out run."""
	import subprocess
	import tempfile

	import frappe

	from relance_app.dunning.run import run

	reset_run(customers)
	bench = os.path.abspath(os.path.join(frappe.local.sites_path, ".."))
	procs = [
		subprocess.Popen(
			["bench", "worker", "--queue", "long"],
			cwd=bench,
			stdout=open(os.path.join(tempfile.gettempdir(), f"relance-bench-worker-{i}.log"), "w"),
			stderr=subprocess.STDOUT,
		)
		for i in range(workers)
	]
	try:
		time.sleep(3)  # let the workers connect
		batch = max(1, -(-len(customers) // (workers * 4)))
		frappe.db.set_single_value("Dunning Settings", "batch_size", batch)
		frappe.db.commit()
		t0 = time.perf_counter()
		report = run(today, customers=customers, fan_out=True)
		frappe.db.commit()
		done = 0
		while time.perf_counter() - t0 < 900:
			done = frappe.db.count(
				"Dunning Contact Log", {"customer": ("like", f"{PREFIX}%"), "status": "Sent"}
			)
			frappe.db.commit()
			if done >= n:
				break
			time.sleep(0.5)
		elapsed = time.perf_counter() - t0
		print(
			f"fanned-out run: {elapsed:.1f} s for {done} of {n} invoices = {done / elapsed:.0f} invoices/s "
			f"({len(report.batches)} jobs, {workers} workers)"
		)
	finally:
		frappe.db.set_single_value("Dunning Settings", "batch_size", 200)
		frappe.db.commit()
		for proc in procs:
			proc.terminate()
		for proc in procs:
			proc.wait(30)


def reset_run(customers: list[str]) -> None:
	"""Remove what a run wrote for the generated invoices, so the next run starts from the same state."""
	import frappe

	like = f"{PREFIX}%"
	_delete_run_output(like)
	frappe.db.sql(
		"update `tabSales Invoice` set dunning_status = null, dunning_level = 0 where name like %s", (like,)
	)
	frappe.db.commit()


def count_queries(fn) -> int:
	import frappe

	count = 0
	original = frappe.db.sql

	def counting(*args, **kwargs):
		nonlocal count
		count += 1
		return original(*args, **kwargs)

	frappe.db.sql = counting
	try:
		frappe.local.cache.clear()
		fn()
	finally:
		frappe.db.sql = original
	return count


def erpnext_manual_path(sample: int) -> float:
	"""Seconds per invoice for ERPNext's manual dunning: map, insert, submit."""
	import frappe
	from erpnext.accounts.doctype.sales_invoice.sales_invoice import create_dunning

	names = frappe.get_all(
		"Sales Invoice",
		filters={"name": ("like", f"{PREFIX}-%")},
		pluck="name",
		limit=sample,
		order_by="name",
	)
	t0 = time.perf_counter()
	done = 0
	for name in names:
		dunning = create_dunning(name)
		dunning.insert(ignore_permissions=True)
		dunning.submit()
		done += 1
	elapsed = time.perf_counter() - t0
	frappe.db.rollback()
	return elapsed / max(done, 1)


def cleanup() -> None:
	import frappe

	like = f"{PREFIX}%"
	_delete_run_output(like)
	frappe.db.sql("delete from `tabPayment Schedule` where parent like %s", (like,))
	frappe.db.sql("delete from `tabSales Invoice` where name like %s", (like,))
	frappe.db.sql("delete from `tabCustomer` where name like %s", (like,))
	frappe.db.commit()


def _delete_run_output(like: str) -> None:
	import frappe

	comms = frappe.db.sql_list("select name from `tabCommunication` where reference_name like %s", (like,))
	for table, column in (("Email Queue Recipient", "parent"),):
		if comms:
			frappe.db.sql(
				f"delete r from `tab{table}` r join `tabEmail Queue` q on q.name = r.{column} "
				"join `tabCommunication` c on c.name = q.communication where c.reference_name like %s",
				(like,),
			)
	frappe.db.sql(
		"delete q from `tabEmail Queue` q join `tabCommunication` c on c.name = q.communication "
		"where c.reference_name like %s",
		(like,),
	)
	frappe.db.sql(
		"delete l from `tabCommunication Link` l join `tabCommunication` c on c.name = l.parent "
		"where c.reference_name like %s",
		(like,),
	)
	frappe.db.sql("delete from `tabCommunication` where reference_name like %s", (like,))
	frappe.db.sql("delete from `tabToDo` where reference_name like %s", (like,))
	frappe.db.sql("delete from `tabDunning Contact Log` where customer like %s", (like,))


if __name__ == "__main__":
	sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
	sys.exit(main())
