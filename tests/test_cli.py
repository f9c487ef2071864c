from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from relance_app.engine.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "open-invoices.csv"


def run(*argv: str) -> tuple[int, str]:
	out = io.StringIO()
	code = main(list(argv), stdout=out)
	return code, out.getvalue()


def test_plan_on_the_example_prints_todays_actions_as_a_table():
	code, out = run("plan", "--invoices", str(EXAMPLE), "--date", "2026-11-23")
	assert code == 0
	assert "2026-11-23 (Monday): 6 action(s)" in out
	lines = out.splitlines()
	martin = next(line for line in lines if "Boulangerie Martin" in line and "email" in line)
	assert "ACC-SINV-2026-00101, ACC-SINV-2026-00102" in martin
	assert "1,730.50 EUR" in martin
	assert any("Transports Moreau" in line and "[formal notice]" in line for line in lines)
	assert any("ACC-SINV-2026-00108" in line and "paid" in line for line in lines)
	assert any("ACC-SINV-2026-00109" in line and "disputed" in line for line in lines)


def test_plan_json_lists_actions_with_idempotency_keys():
	code, out = run("plan", "--invoices", str(EXAMPLE), "--date", "2026-11-23", "--json")
	assert code == 0
	[day] = json.loads(out)
	by_customer = {a["customer"]: a for a in day["actions"]}
	assert by_customer["CUST-MARTIN"]["keys"] == ["ACC-SINV-2026-00101|L1", "ACC-SINV-2026-00102|L1"]
	assert by_customer["CUST-MOREAU"]["formal_notice"] is True
	assert by_customer["CUST-LEROY"]["channel"] == "sms"
	reasons = {s["instalment"]: s["reason"] for s in day["skipped"]}
	assert reasons["ACC-SINV-2026-00111#1"] == "promise_to_pay"
	assert reasons["ACC-SINV-2026-00113"] == "below_minimum"


def test_plan_over_several_days_shows_the_coming_steps():
	code, out = run("plan", "--invoices", str(EXAMPLE), "--date", "2026-11-23", "--days", "8", "--json")
	assert code == 0
	days = json.loads(out)
	assert days[0]["date"] == "2026-11-23"
	# Moreau's second invoice reaches J+5 on 2026-11-25 but the min gap (3 days after the formal notice
	# sent on the 23rd) moves it to the 26th.
	moreau = [(d["date"], a["level"]) for d in days for a in d["actions"] if a["customer"] == "CUST-MOREAU"]
	assert moreau == [("2026-11-23", 5), ("2026-11-26", 2)]


def test_custom_policy_file_is_used(tmp_path):
	policy = {"name": "Rapide", "levels": [{"title": "Unique", "offset_days": 1, "channel": "sms"}]}
	path = tmp_path / "policy.json"
	path.write_text(json.dumps(policy))
	code, out = run("plan", "--invoices", str(EXAMPLE), "--date", "2026-11-23", "--policy", str(path))
	assert code == 0
	assert 'Policy "Rapide"' in out
	assert "1 J+1 Unique" in out


def test_bad_policy_is_reported_without_traceback(tmp_path, capsys):
	path = tmp_path / "policy.json"
	path.write_text(json.dumps({"name": "Vide", "levels": []}))
	code, _ = run("plan", "--invoices", str(EXAMPLE), "--policy", str(path))
	assert code == 2
	assert "has no levels" in capsys.readouterr().err


def test_bad_csv_names_the_line_and_column(tmp_path, capsys):
	path = tmp_path / "bad.csv"
	path.write_text("invoice,customer,due_date,outstanding\nA,C,2026-13-40,10\n")
	code, _ = run("plan", "--invoices", str(path))
	assert code == 2
	assert "line 2: due_date '2026-13-40' is not a date" in capsys.readouterr().err


def test_csv_missing_a_column_is_refused(tmp_path, capsys):
	path = tmp_path / "bad.csv"
	path.write_text("invoice,customer,outstanding\nA,C,10\n")
	assert run("plan", "--invoices", str(path))[0] == 2
	assert "missing column(s) due_date" in capsys.readouterr().err


def test_missing_file_is_reported(tmp_path, capsys):
	assert run("plan", "--invoices", str(tmp_path / "nope.csv"))[0] == 2
	assert "cannot read" in capsys.readouterr().err


def test_policy_command_prints_the_default_ladder():
	code, out = run("policy")
	assert code == 0
	assert [lvl["offset_days"] for lvl in json.loads(out)["levels"]] == [-5, 5, 10, 15, 30]


@pytest.mark.parametrize("argv", [["plan", "--help"], ["penalty", "--help"]])
def test_console_script_is_installed(argv):
	# The README's commands use the installed `relance` entry point; check it resolves to this code.
	proc = subprocess.run(
		[sys.executable, "-m", "relance_app.engine.cli", *argv], capture_output=True, text=True
	)
	assert proc.returncode == 0
	assert "usage: relance" in proc.stdout


# -- penalty -----------------------------------------------------------------------------------------------

# 3 × 2,000 € due 31 Jul, 31 Aug, 30 Sep 2025, paid 31 Oct 2025; B2B 2025-H2 = ECB 2.15 + 10 = 12.15:
# 2000 × 12.15 × (92, 61, 31) / 36500 = 61.25 + 40.61 + 20.64 = 122.50
SCHEDULE = [
	"--instalment",
	"2025-07-31:2000",
	"--instalment",
	"2025-08-31:2000",
	"--instalment",
	"2025-09-30:2000",
]


def test_penalty_for_an_invoice_in_instalments_counts_one_indemnity_by_default():
	code, out = run("penalty", *SCHEDULE, "--paid", "2025-10-31", "--json")
	assert code == 0
	data = json.loads(out)
	assert (data["interest"], data["indemnity"], data["total"]) == ("122.50", "40.00", "162.50")
	assert (data["indemnity_per"], data["indemnity_count"]) == ("invoice", 1)
	assert data["warnings"] == []


def test_penalty_with_one_indemnity_per_instalment():
	code, out = run("penalty", *SCHEDULE, "--paid", "2025-10-31", "--indemnity-per", "instalment", "--json")
	assert code == 0
	data = json.loads(out)
	# 3 × 40 = 120; 122.50 + 120 = 242.50
	assert (data["indemnity"], data["total"], data["indemnity_count"]) == ("120.00", "242.50", 3)


def test_penalty_text_for_an_invoice_in_instalments():
	code, out = run("penalty", *SCHEDULE, "--paid", "2025-10-31")
	assert code == 0
	assert "Recovery indemnity (1 × 40.00, per invoice)" in out
	assert "  2025-08-31  2000.00         61     40.61       0.00" in out.splitlines()


def test_penalty_contractual_rate_below_the_floor_is_applied_at_the_floor_with_a_warning():
	# 2026-H1 floor 3 × 2.62 = 7.86; 1000 × 7.86 × 30 / 36500 = 6.4602… → 6.46
	argv = ["penalty", "--amount", "1000", "--due", "2026-01-31", "--paid", "2026-03-02", "--rate", "5"]
	code, out = run(*argv, "--json")
	assert code == 0
	data = json.loads(out)
	assert (data["interest"], data["indemnity"], data["total"]) == ("6.46", "40.00", "46.46")
	assert data["warnings"] == [
		"The contractual rate of 5 % is below the legal floor of 7.86 % for 2026-H1 (3 × the legal rate of "
		"2.62 %, Code de commerce L441-10 II); the floor of 7.86 % was applied."
	]
	code, out = run(*argv)
	assert code == 0
	assert "Warning: The contractual rate of 5 % is below the legal floor of 7.86 %" in out


def test_penalty_for_a_public_body():
	# interest from 1 Jun 2025 (2025-H1): ECB on 1 Jan 2025 = 3.15, + 8 = 11.15, fixed into July and August;
	# 10000 × 11.15 × (30 + 62) / 36500 = 10258000/36500 = 281.0410… → 281.04
	code, out = run(
		"penalty",
		"--amount",
		"10000",
		"--due",
		"2025-05-31",
		"--paid",
		"2025-08-31",
		"--debtor",
		"public",
		"--json",
	)
	assert code == 0
	data = json.loads(out)
	assert [s["rate"] for s in data["segments"]] == ["11.15", "11.15"]
	assert (data["interest"], data["indemnity"], data["total"]) == ("281.04", "40.00", "321.04")


def test_penalty_with_collective_proceedings():
	# judgment 31 Aug 2025: only the 31 Jul instalment was late (31 days, 20.64, one €40); the others barred
	code, out = run(
		"penalty", *SCHEDULE, "--paid", "2025-10-31", "--proceedings-date", "2025-08-31", "--json"
	)
	assert code == 0
	data = json.loads(out)
	assert (data["interest"], data["indemnity"], data["total"]) == ("20.64", "40.00", "60.64")
	assert any("L622-28" in warning for warning in data["warnings"])


@pytest.mark.parametrize(
	("argv", "message"),
	[
		(["--paid", "2025-10-31"], "give --amount and --due, or the schedule with --instalment"),
		(["--amount", "100", "--due", "2025-01-01", *SCHEDULE], "not both"),
		(["--instalment", "2025-07-31"], "--instalment '2025-07-31': expected DATE:AMOUNT"),
		(["--instalment", "2025-07-31:abc"], "'abc' is not a number"),
		(["--instalment", "2025-07-31:-5"], "cannot be negative"),
	],
)
def test_penalty_bad_input_is_reported_without_traceback(argv, message, capsys):
	code, _ = run("penalty", *argv)
	assert code == 2
	assert message in capsys.readouterr().err
