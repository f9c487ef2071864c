"""`relance`: the dunning engine on the command line, no Frappe needed.

    relance plan --invoices examples/open-invoices.csv --date 2026-11-23 [--policy policy.json] [--days 7] [--json]
    relance penalty --amount 2400 --due 2025-09-30 --paid 2026-01-15 [--debtor B2B|B2C|public] [--rate 15] [--json]
    relance penalty --instalment 2025-07-31:2000 --instalment 2025-08-31:2000 --paid 2025-10-31 \
        [--indemnity-per invoice|instalment] [--proceedings-date 2025-10-15]
    relance policy            # prints the default French policy as JSON, a starting point for your own

Exit codes: 0 success, 2 bad input (with a message on stderr saying what and where).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from relance_app.engine.errors import EngineError
from relance_app.engine.plan import Instalment, PlanResult, plan, simulate
from relance_app.engine.policy import Policy, default_policy

INVOICE_COLUMNS = (
	"invoice", "customer", "customer_name", "due_date", "outstanding", "currency", "instalment",
	"last_level", "last_sent_on", "paused_until", "promised_on", "disputed", "excluded", "high_risk",
)  # fmt: skip
REQUIRED_COLUMNS = ("invoice", "customer", "due_date", "outstanding")


class InputError(Exception):
	"""Bad command-line input: the message says what and where."""


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
	out = stdout or sys.stdout
	parser = _parser()
	args = parser.parse_args(argv)
	try:
		return args.handler(args, out)
	except (InputError, EngineError) as exc:
		print(f"relance: error: {exc}", file=sys.stderr)
		return 2


def _parser() -> argparse.ArgumentParser:
	parser = argparse.ArgumentParser(
		prog="relance", description="Invoice dunning engine (relances de factures)."
	)
	sub = parser.add_subparsers(dest="command", required=True)

	p = sub.add_parser("plan", help="print the dunning actions due on a date")
	p.add_argument("--invoices", required=True, type=Path, help="CSV of open instalments (see examples/)")
	p.add_argument(
		"--date", type=_date_arg, default=date.today(), help="day to plan, YYYY-MM-DD (default: today)"
	)
	p.add_argument("--policy", type=Path, help="policy JSON (default: the shipped French ladder)")
	p.add_argument("--holidays", type=Path, help="file of holiday dates, one YYYY-MM-DD per line")
	p.add_argument(
		"--days", type=int, default=1, help="plan this many days from --date, as if each step was sent"
	)
	p.add_argument("--json", action="store_true", help="machine-readable output")
	p.set_defaults(handler=_cmd_plan)

	p = sub.add_parser("penalty", help="French late-payment penalties for one invoice")
	p.add_argument("--amount", type=_decimal_arg, help="amount including VAT (or give --instalment)")
	p.add_argument("--due", type=_date_arg, help="due date (or give --instalment)")
	p.add_argument(
		"--instalment",
		action="append",
		default=[],
		metavar="DATE:AMOUNT",
		help="one instalment of the invoice, due date and amount incl. VAT, e.g. 2025-07-31:2000 (repeatable)",
	)
	p.add_argument(
		"--indemnity-per",
		choices=("invoice", "instalment"),
		default="invoice",
		help="one €40 recovery indemnity per late invoice (default) or per late instalment",
	)
	p.add_argument("--paid", type=_date_arg, default=date.today(), help="payment date (default: today)")
	p.add_argument("--debtor", choices=("B2B", "B2C", "public"), default="B2B")
	p.add_argument(
		"--rate",
		type=_decimal_arg,
		help="contractual annual rate in percent (B2B: at least 3 × the legal rate)",
	)
	p.add_argument("--notice-date", type=_date_arg, help="date of the mise en demeure (B2C)")
	p.add_argument(
		"--proceedings-date",
		type=_date_arg,
		help="opening judgment of sauvegarde, redressement or liquidation judiciaire (interest stops)",
	)
	p.add_argument(
		"--payment",
		action="append",
		default=[],
		metavar="DATE:AMOUNT",
		help="a partial payment, e.g. 2025-11-15:1000 (repeatable)",
	)
	p.add_argument("--json", action="store_true")
	p.set_defaults(handler=_cmd_penalty)

	p = sub.add_parser("policy", help="print the default policy as JSON")
	p.set_defaults(handler=_cmd_policy)
	return parser


# -- plan ------------------------------------------------------------------------------------------------


def _cmd_plan(args: argparse.Namespace, out: TextIO) -> int:
	policy = _load_policy(args.policy)
	instalments = list(read_instalments(args.invoices))
	holidays = _read_holidays(args.holidays) if args.holidays else frozenset()
	if args.days < 1:
		raise InputError("--days must be at least 1")
	if args.days == 1:
		results = [plan(instalments, policy, args.date, holidays=holidays)]
	else:
		end = args.date + timedelta(days=args.days - 1)
		results = simulate(instalments, policy, args.date, end, holidays=holidays)
	if args.json:
		json.dump([_result_json(r) for r in results], out, indent=2, ensure_ascii=False)
		out.write("\n")
	else:
		out.write(f'Policy "{policy.name}" - {len(instalments)} instalment(s) read\n')
		if args.days > 1 and not results:
			out.write(f"No action from {args.date} over {args.days} days.\n")
		for result in results:
			out.write("\n" + format_plan(result, show_skipped=args.days == 1))
	return 0


def read_instalments(path: Path) -> Iterator[Instalment]:
	"""Parse the instalments CSV; every error names the line and the column."""
	try:
		handle = path.open(newline="", encoding="utf-8-sig")
	except OSError as exc:
		raise InputError(f"cannot read {path}: {exc.strerror}") from None
	with handle:
		reader = csv.DictReader(handle)
		missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
		if missing:
			raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
		unknown = [c for c in reader.fieldnames or () if c not in INVOICE_COLUMNS]
		if unknown:
			raise InputError(f"{path}: unknown column(s) {', '.join(unknown)}")
		for line, row in enumerate(reader, start=2):
			try:
				yield _instalment(row)
			except (ValueError, InvalidOperation) as exc:
				raise InputError(f"{path}, line {line}: {exc}") from None


def _instalment(row: dict[str, str]) -> Instalment:
	def text(name: str) -> str:
		return (row.get(name) or "").strip()

	def day(name: str) -> date | None:
		value = text(name)
		if not value:
			return None
		try:
			return date.fromisoformat(value)
		except ValueError:
			raise ValueError(f"{name} {value!r} is not a date (YYYY-MM-DD)") from None

	def flag(name: str) -> bool:
		return text(name).lower() in ("1", "true", "yes", "y", "oui")

	for name in REQUIRED_COLUMNS:
		if not text(name):
			raise ValueError(f"{name} is empty")
	try:
		outstanding = Decimal(text("outstanding"))
	except InvalidOperation:
		raise ValueError(f"outstanding {text('outstanding')!r} is not a number") from None
	last_level = text("last_level") or "0"
	if not last_level.isdigit():
		raise ValueError(f"last_level {last_level!r} is not a whole number")
	return Instalment(
		invoice=text("invoice"),
		customer=text("customer"),
		customer_name=text("customer_name"),
		due_date=day("due_date"),
		outstanding=outstanding,
		currency=text("currency") or "EUR",
		instalment=text("instalment"),
		last_level=int(last_level),
		last_sent_on=day("last_sent_on"),
		paused_until=day("paused_until"),
		promised_on=day("promised_on"),
		disputed=flag("disputed"),
		excluded=flag("excluded"),
		high_risk=flag("high_risk"),
	)


def format_plan(result: PlanResult, *, show_skipped: bool = True) -> str:
	"""A readable table of the day's actions, then why the other instalments wait."""
	lines = [f"{result.day.isoformat()} ({result.day.strftime('%A')}): {len(result.actions)} action(s)"]
	rows = [("Customer", "Level", "Channel", "Invoices", "Outstanding")]
	for action in result.actions:
		name = action.instalments[0].customer_name or action.customer
		level = f"{action.level_number} {action.level.label} {action.level.title}"
		if action.level.formal_notice:
			level += " [formal notice]"
		if action.broken_promises:
			level += " [broken promise]"
		totals = " + ".join(f"{amount:,.2f} {currency}" for currency, amount in action.totals.items())
		rows.append((name, level, action.channel.value, ", ".join(i.key for i in action.instalments), totals))
	if result.actions:
		lines.extend(_table(rows))
	if show_skipped and result.skipped:
		lines.append(f"Waiting or excluded: {len(result.skipped)} instalment(s)")
		skip_rows = [("Instalment", "Customer", "Reason", "Next step")]
		for skip in result.skipped:
			nxt = f"level {skip.level} on {skip.next_on.isoformat()}" if skip.level and skip.next_on else ""
			skip_rows.append(
				(
					skip.instalment.key,
					skip.instalment.customer_name or skip.instalment.customer,
					skip.reason.value,
					nxt,
				)
			)
		lines.extend(_table(skip_rows))
	return "\n".join(lines) + "\n"


def _table(rows: list[tuple[str, ...]]) -> list[str]:
	widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
	rendered = [
		"  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
	]
	rendered.insert(1, "  ".join("-" * width for width in widths))
	return ["  " + line for line in rendered]


def _result_json(result: PlanResult) -> dict[str, Any]:
	return {
		"date": result.day.isoformat(),
		"actions": [
			{
				"customer": a.customer,
				"level": a.level_number,
				"level_title": a.level.title,
				"offset_days": a.level.offset_days,
				"channel": a.channel.value,
				"formal_notice": a.level.formal_notice,
				"instalments": [i.key for i in a.instalments],
				"keys": list(a.keys),
				"totals": {currency: str(amount) for currency, amount in a.totals.items()},
				"broken_promises": list(a.broken_promises),
			}
			for a in result.actions
		],
		"skipped": [
			{
				"instalment": s.instalment.key,
				"customer": s.instalment.customer,
				"reason": s.reason.value,
				"level": s.level,
				"next_on": s.next_on.isoformat() if s.next_on else None,
			}
			for s in result.skipped
		],
	}


def _load_policy(path: Path | None) -> Policy:
	if path is None:
		return default_policy()
	try:
		return Policy.from_json(path.read_text(encoding="utf-8"))
	except OSError as exc:
		raise InputError(f"cannot read {path}: {exc.strerror}") from None


def _read_holidays(path: Path) -> frozenset[date]:
	try:
		lines = path.read_text(encoding="utf-8").splitlines()
	except OSError as exc:
		raise InputError(f"cannot read {path}: {exc.strerror}") from None
	days = set()
	for number, line in enumerate(lines, start=1):
		line = line.split("#", 1)[0].strip()
		if line:
			try:
				days.add(date.fromisoformat(line))
			except ValueError:
				raise InputError(f"{path}, line {number}: {line!r} is not a date (YYYY-MM-DD)") from None
	return frozenset(days)


# -- penalty ---------------------------------------------------------------------------------------------


def _cmd_penalty(args: argparse.Namespace, out: TextIO) -> int:
	from relance_app.engine.law import describe, late_payment_penalty
	from relance_app.engine.law_invoice import describe_invoice, invoice_penalty

	payments = [_dated_amount("--payment", raw) for raw in args.payment]
	terms = {
		"debtor": args.debtor,
		"contractual_rate": args.rate,
		"payments": tuple(payments),
		"notice_date": args.notice_date,
		"proceedings_date": args.proceedings_date,
	}
	if args.instalment:
		if args.amount is not None or args.due is not None:
			raise InputError("give either --amount and --due, or --instalment (repeatable), not both")
		instalments = [_dated_amount("--instalment", raw) for raw in args.instalment]
		result = invoice_penalty(instalments, args.paid, indemnity_per=args.indemnity_per, **terms)
		text = describe_invoice(result)
	else:
		if args.amount is None or args.due is None:
			raise InputError("give --amount and --due, or the schedule with --instalment DATE:AMOUNT")
		result = late_payment_penalty(args.amount, args.due, args.paid, **terms)
		text = describe(result)
	if args.json:
		json.dump(result.as_dict(), out, indent=2, ensure_ascii=False)
		out.write("\n")
	else:
		out.write(text if text.endswith("\n") else text + "\n")
	return 0


def _dated_amount(option: str, raw: str) -> tuple[date, Decimal]:
	when, sep, amount = raw.partition(":")
	if not sep:
		raise InputError(f"{option} {raw!r}: expected DATE:AMOUNT, e.g. 2025-11-15:1000")
	try:
		return _date_arg(when), _decimal_arg(amount)
	except argparse.ArgumentTypeError as exc:
		raise InputError(f"{option} {raw!r}: {exc}") from None


# -- policy ----------------------------------------------------------------------------------------------


def _cmd_policy(args: argparse.Namespace, out: TextIO) -> int:
	json.dump(default_policy().to_dict(), out, indent=2, ensure_ascii=False)
	out.write("\n")
	return 0


def _date_arg(value: str) -> date:
	try:
		return date.fromisoformat(value.strip())
	except ValueError:
		raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _decimal_arg(value: str) -> Decimal:
	try:
		number = Decimal(value.strip().replace(",", "."))
	except InvalidOperation:
		raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
	if not number.is_finite():
		raise argparse.ArgumentTypeError(f"{value!r} is not a number")
	return number


if __name__ == "__main__":
	raise SystemExit(main())
