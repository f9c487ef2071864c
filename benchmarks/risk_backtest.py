"""Backtest of the payment-risk engine (relance_app.engine.risk) on generated histories (pure, no bench).

    python3 benchmarks/risk_backtest.py [--customers 1500] [--seed 2026]

1. Generates, from a seed, two years of invoices for many customers, each with a known behaviour:
   punctual, constant delay, deteriorating, erratic (mostly on time, sometimes very late), improving.
2. Cuts the history on a fixed "today": the invoices paid before it are the history; those posted before it
   and still unpaid are held out (each customer's last invoices, some already overdue).
3. Predicts the payment date of every held-out invoice and prints the mean absolute error in days against
   two baselines: "paid on the due date" and "due date + the customer's average delay" (both moved to today
   when they fall before it: an invoice unpaid this morning cannot be paid yesterday, and a baseline that
   ignored this would be a straw man).
4. Ranks the customers by score and counts how many of the truly high-risk ones (the top decile by the
   actual mean delay of their held-out invoices) the score puts in its first decile, next to the same count
   for a ranking by average delay.

Broken promises and disputes are left at zero: this measures what the payment history alone gives. The
engine's constants were tuned with --seed 1; the table in docs/risk.md is --seed 2026 (the default).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from relance_app.engine.risk import (  # noqa: E402
	CustomerHistory,
	OpenInvoice,
	PaidInvoice,
	prior_from_histories,
	score_customer,
)

TODAY = date(2026, 1, 1)
START = date(2024, 1, 1)
BEHAVIOURS = (
	("punctual", 0.30),
	("constant", 0.25),
	("deteriorating", 0.15),
	("erratic", 0.15),
	("improving", 0.15),
)


def behaviour_of(rng: random.Random):
	"""(name, delay(months since the customer's first invoice) -> days late) for one customer."""
	name = rng.choices([b for b, _w in BEHAVIOURS], weights=[w for _b, w in BEHAVIOURS])[0]
	if name == "punctual":
		return name, lambda _m: rng.gauss(0, 1.5)
	if name == "constant":
		base = rng.uniform(5, 45)
		return name, lambda _m: base + rng.gauss(0, 2 + 0.2 * base)
	if name == "deteriorating":
		first, rate = rng.uniform(0, 10), rng.uniform(1.5, 4)
		return name, lambda m: (first + rate * m) * (1 + rng.gauss(0, 0.15)) + rng.gauss(0, 2)
	if name == "erratic":
		late_odds, late_mean = rng.uniform(0.25, 0.5), rng.uniform(20, 60)
		return (
			name,
			lambda _m: rng.expovariate(1 / late_mean) if rng.random() < late_odds else rng.gauss(1, 2),
		)
	first, rate, floor = rng.uniform(30, 60), rng.uniform(1, 3), rng.uniform(0, 5)
	return name, lambda m: max(floor, first - rate * m) * (1 + rng.gauss(0, 0.15)) + rng.gauss(0, 2)


def generate(count: int, seed: int):
	"""[(CustomerHistory as known today, behaviour, {key: true payment date of each held-out invoice})]."""
	rng = random.Random(seed)
	customers = []
	for number in range(count):
		name, delay = behaviour_of(rng)
		first = START + timedelta(days=rng.randrange(0, 640))
		every, terms = rng.uniform(10, 40), rng.choice((30, 45, 60))
		size = rng.lognormvariate(7, 1)
		paid, held_out, truth = [], [], {}
		posting, index = first, 0
		while posting < TODAY:
			due = posting + timedelta(days=terms)
			months = (due - first).days / 30.4
			paid_on = max(posting, due + timedelta(days=round(delay(months))))
			amount = Decimal(str(round(size * rng.lognormvariate(0, 0.3), 2)))
			if paid_on < TODAY:
				paid.append(PaidInvoice(due, paid_on, amount))
			else:
				key = f"C{number}-{index}"
				held_out.append(OpenInvoice(key, due, amount, posting))
				truth[key] = paid_on
			posting += timedelta(days=max(1, round(rng.gauss(every, every / 4))))
			index += 1
		customers.append((CustomerHistory(f"C{number}", paid, held_out), name, truth))
	return customers


def baselines(history: CustomerHistory, invoice: OpenInvoice) -> tuple[date, date]:
	"""("paid on the due date", "due date + average delay"), neither before today."""
	delays = [p.days_late for p in history.paid]
	average = round(sum(delays) / len(delays)) if delays else 0
	return max(TODAY, invoice.due_date), max(TODAY, invoice.due_date + timedelta(days=average))


def top_decile(ranked: list[tuple[float, str]]) -> set[str]:
	ranked = sorted(ranked, key=lambda item: (-item[0], item[1]))
	return {customer for _value, customer in ranked[: max(1, len(ranked) // 10)]}


def run(count: int, seed: int) -> None:
	started = time.perf_counter()
	customers = generate(count, seed)
	prior = prior_from_histories(h for h, _b, _t in customers)
	errors: dict[str, list[list[int]]] = defaultdict(lambda: [[], [], []])
	scores, averages, futures = [], [], []
	for history, behaviour, truth in customers:
		assessment = score_customer(history, TODAY, prior)
		for invoice in history.open:
			actual = truth[invoice.key]
			due, average = baselines(history, invoice)
			for bucket in (behaviour, "all"):
				for column, guess in enumerate((due, average, assessment.predicted[invoice.key])):
					errors[bucket][column].append(abs((guess - actual).days))
		if truth:
			delays = [p.days_late for p in history.paid]
			scores.append((assessment.score, history.customer))
			averages.append((sum(delays) / len(delays) if delays else 0.0, history.customer))
			actual_delays = [(truth[o.key] - o.due_date).days for o in history.open]
			futures.append((sum(actual_delays) / len(actual_delays), history.customer))
	elapsed = time.perf_counter() - started

	invoices = sum(len(h.paid) + len(h.open) for h, _b, _t in customers)
	print(
		f"{count} customers, {invoices} invoices, seed {seed}, today {TODAY}; "
		f"prior: {prior.mean_delay:.1f} days late, spread {prior.scale:.1f}, "
		f"late share {prior.late_share:.2f}, strength {prior.strength:.1f} invoices"
	)
	print()
	print("Mean absolute error of the predicted payment date (days), held-out open invoices")
	header = f"{'behaviour':<14} {'invoices':>8} {'due date':>9} {'avg delay':>10} {'risk model':>11}"
	print(header)
	print("-" * len(header))
	for bucket in [b for b, _w in BEHAVIOURS] + ["all"]:
		due, average, model = errors[bucket]
		if not model:
			continue
		mean = [sum(column) / len(column) for column in (due, average, model)]
		print(f"{bucket:<14} {len(model):>8} {mean[0]:>9.1f} {mean[1]:>10.1f} {mean[2]:>11.1f}")
	print()
	truly = top_decile(futures)
	by_score, by_average = top_decile(scores), top_decile(averages)
	print(
		f"Truly high-risk customers (top decile by actual delay of the held-out invoices): {len(truly)}; "
		f"in the score's first decile: {len(truly & by_score)}; "
		f"in the average delay's first decile: {len(truly & by_average)}"
	)
	print(f"({elapsed:.1f} s)")


def main() -> int:
	parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
	parser.add_argument("--customers", type=int, default=1500)
	parser.add_argument("--seed", type=int, default=2026)
	args = parser.parse_args()
	run(args.customers, args.seed)
	return 0


if __name__ == "__main__":
	sys.exit(main())
