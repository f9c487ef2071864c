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
	proc = subprocess.run([sys.executable, "-m", "relance_app.engine.cli", *argv], capture_output=True, text=True)
	assert proc.returncode == 0
	assert "usage: relance" in proc.stdout
