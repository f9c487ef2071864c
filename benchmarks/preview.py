"""Benchmark of the invoice screen's previews on a realistic customer (bench tier, issue 18: "previews take
3.3-3.8 s to open"; target: under 1 s).

    cd ~/frappe-bench && env/bin/python apps/relance_app/benchmarks/preview.py --site relance.test \
        [--invoices 20] [--repeat 5] [--profile]

Makes one customer with `--invoices` submitted Sales Invoices of the test company (5 to 80 days overdue,
through the document API as a user would), then times, on its oldest invoice, what the form calls:
the banner (`get_invoice_dunning`), "Preview next step" (`preview_next_step`) and the mise en demeure
preview (`preview_formal_notice`, all overdue invoices ticked): a first call each, then `--repeat` calls; prints
the first call's wall time (a fresh worker), min and median, SQL statements per call and the load average
(the machine may be shared). `--profile` prints the 25 costliest functions of one call of each;
`--without-template-cache` times the previews as they were before the compiled templates were kept. Everything
runs in one transaction that is rolled back at the end: the site is left as it was.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench_site import connect, questions


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--site", default=os.environ.get("RELANCE_SITE", "relance.test"))
	parser.add_argument("--invoices", type=int, default=20, help="open invoices of the customer")
	parser.add_argument("--repeat", type=int, default=5, help="timed calls of each preview")
	parser.add_argument("--profile", action="store_true", help="profile one call of each preview")
	parser.add_argument(
		"--without-template-cache",
		action="store_true",
		help="compile the letter's templates on every call, as before common.template_cache (to compare)",
	)
	args = parser.parse_args()
	connect(args.site)
	import frappe

	try:
		return run_benchmark(args)
	finally:
		frappe.db.rollback()
		frappe.destroy()


def make_customer(count: int) -> list[str]:
	"""One customer with `count` open invoices, 5 to 80 days overdue; oldest first."""
	from relance_app.tests.factories import make_company, make_dunning_customer, make_overdue_invoice

	make_company()
	customer = make_dunning_customer()
	invoices = [
		make_overdue_invoice(
			days_overdue=5 + (75 * n) // max(count - 1, 1), amount=100 + 37 * n, customer=customer
		)
		for n in range(count)
	]
	return [doc.name for doc in sorted(invoices, key=lambda doc: doc.due_date)]


def timed(label: str, call, repeat: int) -> None:
	import statistics

	import frappe

	start = time.perf_counter()
	call()  # the first call of the process: caches empty, templates not compiled yet
	first = time.perf_counter() - start
	times, statements = [], []
	for _ in range(repeat):
		frappe.local.cache = {}  # per-request caches start empty in a real request
		before = questions()
		start = time.perf_counter()
		call()
		times.append(time.perf_counter() - start)
		statements.append(questions() - before - 1)
	print(
		f"{label:<28} first {first * 1000:6.0f} ms  min {min(times) * 1000:6.0f} ms  "
		f"median {statistics.median(times) * 1000:6.0f} ms  "
		f"{int(statistics.median(statements)):5d} SQL  load {os.getloadavg()[0]:.2f}"
	)


def profile(label: str, call) -> None:
	import cProfile
	import pstats

	profiler = cProfile.Profile()
	profiler.runcall(call)
	print(f"--- {label}")
	pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def run_benchmark(args) -> int:
	from relance_app.api import formal_notice, invoice

	if args.without_template_cache:
		from relance_app.formal_notice import letter

		letter.with_compiled_templates = lambda environment: environment
	start = time.perf_counter()
	invoices = make_customer(args.invoices)
	print(f"{len(invoices)} open invoices of one customer made in {time.perf_counter() - start:.1f} s")
	oldest = invoices[0]
	calls = {
		"banner (get_invoice_dunning)": lambda: invoice.get_invoice_dunning(oldest),
		"preview_next_step": lambda: invoice.preview_next_step(oldest),
		"preview_formal_notice": lambda: formal_notice.preview_formal_notice(oldest),
	}
	for label, call in calls.items():
		timed(label, call, args.repeat)
	if args.profile:
		for label, call in calls.items():
			profile(label, call)
	return 0


if __name__ == "__main__":
	sys.exit(main())
