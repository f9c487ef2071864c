"""Benchmark of the daily escalation on a real ERPNext site (bench tier).

    cd ~/frappe-bench && env/bin/python apps/relance_app/benchmarks/escalation.py --site relance.test \
        --invoices 10000 [--repeat 3] [--workers 2] [--erpnext-sample 200] [--keep]

It moves itself into the bench's sites folder (Frappe's working directory), so it runs from the bench root.
Every figure is printed with the load average next to it: the machine may be shared.

What it does:
1. Generates N submitted Sales Invoices (one Payment Schedule row each), all 5 days overdue, over N/5
   customers with an email address. They are written with Frappe's bulk insert, not through the document
   API (which would take longer than the benchmark itself): the escalation reads exactly these columns.
2. Times a full run of the escalation for those customers (inline, one process), --repeat times (undoing
   the run in between): every step claimed in the contact log, every email rendered and queued in Email
   Queue with its invoice attachments (rendered lazily by the queue), mirrors updated. Prints min/median,
   invoices/s, the statements sent to MariaDB per customer and the peak memory of the process.
3. Counts the SQL queries issued by the selection at N and at N/10: they must be the same.
4. Times a second run the same day, reading only the invoices with work due (it must send nothing and read
   nothing), and the weekly full sweep (reads every open invoice, sends nothing).
   With --workers: undoes the run, then times the same run fanned out to that many RQ workers.
5. Per email, frappe.sendmail (Frappe's frame and CSS inlining for each message) against the run's path
   (the same frame built once per run), --email-sample emails each, rolled back.
6. Side by side: ERPNext's own manual path for a sample of the same invoices: `create_dunning` (the
   mapper behind "Create > Dunning" on an invoice), then insert and submit, per invoice; extrapolated to N.
7. Deletes everything it generated unless --keep.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench_site import connect, load, questions

PREFIX = "BENCH-RELANCE"


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", default=os.environ.get("RELANCE_SITE", "relance.test"))
	parser.add_argument("--invoices", type=int, default=10_000)
	parser.add_argument("--repeat", type=int, default=1, help="inline runs to time (min and median)")
	parser.add_argument("--erpnext-sample", type=int, default=200)
	parser.add_argument(
		"--workers",
		type=int,
		default=0,
		help="also time the fanned-out run: this many worker processes running the run's batch jobs",
	)
	parser.add_argument(
		"--rerun-only",
		action="store_true",
		help="at scale without the first run: every invoice as the day's run leaves it (next check in 5 days), "
		"then time the next run (reads what is due: nothing) against reading every open instalment",
	)
	parser.add_argument(
		"--email-sample",
		type=int,
		default=100,
		help="time queueing this many reminders through frappe.sendmail against the run's path (rolled back)",
	)
	parser.add_argument(
		"--fan-out-only",
		action="store_true",
		help="with --workers: time only the fanned-out run (then the reruns), not the inline one first "
		"(at 100,000 the inline run alone takes half an hour)",
	)
	parser.add_argument("--keep", action="store_true", help="keep the generated data")
	args = parser.parse_args()
	connect(args.site)
	import frappe

	try:
		return run_benchmark(args)
	finally:
		if not args.keep:
			cleanup()
		frappe.destroy()


def peak_mb() -> float:
	import resource

	return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_benchmark(args) -> int:
	import statistics

	import frappe
	from frappe.utils import add_days, getdate, nowdate

	from relance_app.dunning.run import run
	from relance_app.dunning.selection import select_open_instalments
	from relance_app.tests.factories import make_company, make_email_account, make_policy

	n = args.invoices
	today = getdate(nowdate())
	company = make_company()
	# Frappe checks an Email Account's SMTP server when it is created, except under tests: the benchmark's
	# account never sends (the queue is not flushed), so it is created as the tests create it.
	frappe.flags.in_test = True
	try:
		make_email_account()
	finally:
		frappe.flags.in_test = False
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
	print(
		f"generated {n} invoices over {len(customers)} customers in {time.perf_counter() - t0:.1f} s ({load()})"
	)

	if args.rerun_only:
		return rerun_at_scale(customers, today)

	small = customers[: max(1, len(customers) // 10)]
	select_open_instalments(today, customers=small)  # warm Frappe's caches (policies, meta) first
	q_small = count_queries(lambda: select_open_instalments(today, customers=small))
	q_full = count_queries(lambda: select_open_instalments(today, customers=customers))
	print(f"selection queries: {q_small} for {len(small) * 5} invoices, {q_full} for {n} invoices")

	if args.fan_out_only and args.workers:
		time_fan_out(args.workers, customers, n, today)
		print_reruns(customers)
		print(f"peak memory of this process: {peak_mb():.0f} MB")
		return 0

	times = []
	for attempt in range(max(1, args.repeat)):
		if attempt:
			reset_run(customers)
		asked = questions()
		t0 = time.perf_counter()
		report = run(today, customers=customers, fan_out=False, full_sweep=False)
		frappe.db.commit()
		elapsed = time.perf_counter() - t0
		asked = questions() - asked
		times.append(elapsed)
		logs = frappe.db.count("Dunning Contact Log", {"customer": ("like", f"{PREFIX}%")})
		emails = frappe.db.sql(
			"""select count(*) from `tabEmail Queue` where reference_doctype = 'Customer'
			and reference_name like %s and communication is not null""",
			(f"{PREFIX}%",),
		)[0][0]
		print(
			f"inline run {attempt + 1}: {elapsed:.1f} s for {n} invoices = {n / elapsed:.0f} invoices/s "
			f"({report.sent} steps, {logs} log rows, {emails} emails queued, {report.failed} failed; "
			f"{asked / len(customers):.1f} statements/customer; peak {peak_mb():.0f} MB; {load()})"
		)
	print(
		f"inline run: min {min(times):.1f} s, median {statistics.median(times):.1f} s over {len(times)} runs"
	)

	print_reruns(customers)

	if args.workers:
		time_fan_out(args.workers, customers, n, today)
		for _ in range(max(1, args.repeat) - 1):
			time_fan_out(args.workers, customers, n, today)

	if args.email_sample:
		compare_email_paths(min(args.email_sample, len(customers)), customers)

	sample = min(args.erpnext_sample, n)
	if sample:
		per_invoice = erpnext_manual_path(sample)
		print(
			f"ERPNext create_dunning + insert + submit: {per_invoice * 1000:.0f} ms/invoice over {sample} invoices"
			f" -> {per_invoice * n:.0f} s for {n} invoices (one Dunning per invoice, no email, no log; {load()})"
		)
	print(f"peak memory of this process: {peak_mb():.0f} MB")
	return 0


def print_reruns(customers: list[str]) -> None:
	"""A second run the same day (reads only what is due) and the weekly full sweep, 3 times each."""
	import statistics

	import frappe
	from frappe.utils import getdate, nowdate

	from relance_app.dunning.run import run

	today = getdate(nowdate())
	for label, full in (("rerun the same day (due only)", False), ("rerun, weekly full sweep", True)):
		rerun_times = []
		for _ in range(3):
			t0 = time.perf_counter()
			again = run(today, customers=customers, fan_out=False, full_sweep=full)
			frappe.db.commit()
			rerun_times.append(time.perf_counter() - t0)
		print(
			f"{label}: min {min(rerun_times):.2f} s, median {statistics.median(rerun_times):.2f} s, "
			f"{again.actions} actions, {again.sent} sent ({load()})"
		)


def compare_email_paths(sample: int, customers: list[str]) -> None:
	"""Per email: frappe.sendmail (Frappe's frame and premailer for every message) against the run's
	dunning.mailer.queue_email (the same frame built once per run), same message, both rolled back."""
	import frappe

	from relance_app.dunning.mailer import queue_email, queue_with_sendmail

	message = frappe.render_template(
		"<p>Bonjour,</p><p style='margin:0 0 12px'>Facture {{ n }} : {{ amount }} EUR, échue.</p>" * 6,
		{"n": "FAC-0001", "amount": "1 200,00"},
	)
	timings = {}
	for label, send in (
		("frappe.sendmail", queue_with_sendmail),
		("relance queue_email", queue_email),
	):
		t0 = time.perf_counter()
		for customer in customers[:sample]:
			send(
				recipient=f"{customer.lower()}@client.example",
				sender=None,
				subject=f"Relance {customer}",
				body=message,
				text="Relance",
				reference_doctype="Customer",
				reference_name=customer,
				communication=None,
				attachments=[],
			)
		timings[label] = (time.perf_counter() - t0) / sample
		frappe.db.rollback()
	print(
		"queueing one email: "
		+ ", ".join(f"{label} {seconds * 1000:.1f} ms" for label, seconds in timings.items())
		+ f" ({sample} emails each; {load()})"
	)


def rerun_at_scale(customers: list[str], today) -> int:
	"""The daily cost once the ledger is up to date: nothing due today among N open invoices."""
	import statistics

	import frappe
	from frappe.utils import add_days

	from relance_app.dunning.run import run
	from relance_app.dunning.selection import select_open_instalments

	frappe.db.sql(
		"update `tabSales Invoice` set dunning_check_on = %s where name like %s",
		(add_days(today, 5), f"{PREFIX}%"),
	)
	frappe.db.commit()
	due_times, full_times = [], []
	for _ in range(3):
		asked = questions()
		t0 = time.perf_counter()
		report = run(today, fan_out=False, full_sweep=False)
		frappe.db.commit()
		due_times.append(time.perf_counter() - t0)
		asked = questions() - asked
		t0 = time.perf_counter()
		selection = select_open_instalments(today, customers=customers)
		full_times.append(time.perf_counter() - t0)
	print(
		f"next run, nothing due: min {min(due_times):.2f} s, median {statistics.median(due_times):.2f} s "
		f"({report.actions} actions, {asked} statements; {load()})"
	)
	print(
		f"reading every open instalment instead (the former rerun's selection, {len(selection.invoices)} "
		f"invoices): min {min(full_times):.2f} s, median {statistics.median(full_times):.2f} s ({load()})"
	)
	print(f"peak memory of this process: {peak_mb():.0f} MB")
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
	"""Undo the inline run's work, then run the same work as `workers` processes in parallel, each taking
	batches (`run.run_batch`, what an RQ job runs) from a shared queue. Separate processes rather than
	`bench worker`s: on a shared bench the long queue also carries other sites' jobs, which would be timed too.
	"""
	import multiprocessing

	import frappe

	reset_run(customers)
	chunk = max(1, -(-len(customers) // (workers * 4)))
	context = multiprocessing.get_context("spawn")
	jobs = context.Queue()
	for start in range(0, len(customers), chunk):
		jobs.put(customers[start : start + chunk])
	for _ in range(workers):
		jobs.put(None)
	peaks = context.Queue()
	procs = [
		context.Process(target=_worker, args=(frappe.local.site, today.isoformat(), jobs, peaks))
		for _ in range(workers)
	]
	t0 = time.perf_counter()
	for proc in procs:
		proc.start()
	for proc in procs:
		proc.join(1800)
	elapsed = time.perf_counter() - t0
	frappe.db.commit()
	done = frappe.db.count("Dunning Contact Log", {"customer": ("like", f"{PREFIX}%"), "status": "Sent"})
	print(
		f"fanned-out run: {elapsed:.1f} s for {done} of {n} invoices = {done / elapsed:.0f} invoices/s "
		f"({-(-len(customers) // chunk)} batches of {chunk} customers, {workers} worker processes, "
		f"process start included; peak memory of a worker {max(peaks.get() for _ in procs):.0f} MB; {load()})"
	)


def _worker(site: str, today: str, jobs, peaks) -> None:
	import frappe

	from relance_app.dunning.run import run_batch

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	try:
		while (customers := jobs.get()) is not None:
			run_batch(today, customers)
			frappe.db.commit()
	finally:
		frappe.destroy()
		peaks.put(peak_mb())


def reset_run(customers: list[str]) -> None:
	"""Remove what a run wrote for the generated invoices, so the next run starts from the same state."""
	import frappe

	like = f"{PREFIX}%"
	_delete_run_output(like)
	frappe.db.sql(
		"update `tabSales Invoice` set dunning_status = null, dunning_level = 0, dunning_check_on = null "
		"where name like %s",
		(like,),
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

	# The run files each reminder on its contact-log row (a desk path on the customer).
	comms = frappe.db.sql_list(
		"""select name from `tabCommunication` where reference_doctype = 'Customer' and reference_name like %s
		union select c.name from `tabCommunication` c join `tabDunning Contact Log` l on l.name = c.reference_name
		where c.reference_doctype = 'Dunning Contact Log' and l.customer like %s""",
		(like, like),
	)
	for start in range(0, len(comms), 1000):
		chunk = tuple(comms[start : start + 1000])
		frappe.db.sql(
			"delete r from `tabEmail Queue Recipient` r join `tabEmail Queue` q on q.name = r.parent "
			"where q.communication in %s",
			(chunk,),
		)
		frappe.db.sql("delete from `tabEmail Queue` where communication in %s", (chunk,))
		frappe.db.sql("delete from `tabCommunication Link` where parent in %s", (chunk,))
		frappe.db.sql("delete from `tabCommunication` where name in %s", (chunk,))
	frappe.db.sql("delete from `tabToDo` where reference_name like %s", (like,))
	frappe.db.sql("delete from `tabDunning Contact Log` where customer like %s", (like,))


if __name__ == "__main__":
	sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
	sys.exit(main())
