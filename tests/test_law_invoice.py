"""A whole invoice and its instalments (relance_app.engine.law_invoice): interest per instalment, €40 indemnities.

Rates by hand from relance_app/engine/data/fr_late_payment_rates.csv: the ECB rate in force on 1 July 2025 is
2.15 % (from 2025-06-11), so B2B 2025-H2 = 2.15 + 10 = 12.15 and public (interest starting in 2025-H2) =
2.15 + 8 = 10.15. Interest = amount × rate × days / 36500 per instalment, each rounded half-up to the cent.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance_app.engine.errors import EngineError
from relance_app.engine.law import late_payment_penalty
from relance_app.engine.law_invoice import InvoicePenalty, describe_invoice, invoice_penalty

D = Decimal


def d(iso: str) -> date:
	return date.fromisoformat(iso)


# 6,000 € in three instalments of 2,000 €, all paid on 31 October 2025.
SCHEDULE = [(d("2025-07-31"), D("2000")), (d("2025-08-31"), D("2000")), (d("2025-09-30"), D("2000"))]
PAID = d("2025-10-31")
# 1 Aug .. 31 Oct = 31 + 30 + 31 = 92 days: 2000 × 12.15 × 92 / 36500 = 2235600/36500 = 61.2493… → 61.25
# 1 Sep .. 31 Oct = 30 + 31 = 61 days:      2000 × 12.15 × 61 / 36500 = 1482300/36500 = 40.6109… → 40.61
# 1 Oct .. 31 Oct = 31 days:                2000 × 12.15 × 31 / 36500 =  753300/36500 = 20.6383… → 20.64
# 61.25 + 40.61 + 20.64 = 122.50 (the exact sum, 4471200/36500 = 122.4986…, rounds to the same)
INTERESTS = [D("61.25"), D("40.61"), D("20.64")]


def test_three_late_instalments_owe_one_indemnity_per_invoice_by_default() -> None:
	result = invoice_penalty(SCHEDULE, PAID)
	assert [r.days_late for r in result.instalments] == [92, 61, 31]
	assert [r.interest for r in result.instalments] == INTERESTS
	assert result.interest == D("122.50")
	assert (result.indemnity_per, result.indemnity_count, result.late_instalments) == ("invoice", 1, 3)
	assert (result.indemnity_unit, result.indemnity, result.total) == (D("40.00"), D("40.00"), D("162.50"))
	# the earliest late instalment carries the one €40, so the rows add up to the invoice
	assert [r.indemnity for r in result.instalments] == [D("40.00"), D("0.00"), D("0.00")]
	assert sum(r.total for r in result.instalments) == result.total
	assert result.indemnity_basis == ("Code de commerce D441-5",)
	assert result.legal_basis == ("Code de commerce L441-10 II", "Code de commerce D441-5")


def test_one_indemnity_per_late_instalment_as_an_option() -> None:
	result = invoice_penalty(SCHEDULE, PAID, indemnity_per="instalment")
	assert result.interest == D("122.50")
	# 3 × 40 = 120; 122.50 + 120 = 242.50
	assert (result.indemnity_count, result.indemnity, result.total) == (3, D("120.00"), D("242.50"))
	assert [r.indemnity for r in result.instalments] == [D("40.00")] * 3
	assert result.indemnity_basis == ("Code de commerce D441-5", "CJUE, 1er décembre 2022, C-370/21")


def test_a_payment_of_the_whole_invoice_ends_every_instalment() -> None:
	# computed later, as of 31 Dec, with the 6,000 € paid on 31 Oct: the same as paid_on = 31 Oct
	result = invoice_penalty(SCHEDULE, d("2025-12-31"), payments=[(PAID, D("6000"))])
	assert [r.interest for r in result.instalments] == INTERESTS
	assert result.total == D("162.50")


def test_invoice_payments_pay_the_instalment_due_first() -> None:
	# 2,000 € paid on 31 Aug settles the 31 Jul instalment (Code civil 1342-10), not the one due that day:
	# 1 Aug .. 31 Aug = 31 days: 2000 × 12.15 × 31 / 36500 = 20.6383… → 20.64; the others as above.
	result = invoice_penalty(SCHEDULE, PAID, payments=[(d("2025-08-31"), D("2000"))])
	assert [r.interest for r in result.instalments] == [D("20.64"), D("40.61"), D("20.64")]
	assert result.interest == D("81.89")
	assert result.instalments[0].days_late == 31


def test_an_instalment_paid_on_time_carries_no_indemnity() -> None:
	result = invoice_penalty(SCHEDULE, PAID, payments=[(d("2025-07-31"), D("2000"))])
	assert [r.days_late for r in result.instalments] == [0, 61, 31]
	assert result.late_instalments == 2
	assert [r.indemnity for r in result.instalments] == [D("0.00"), D("40.00"), D("0.00")]
	per_instalment = invoice_penalty(
		SCHEDULE, PAID, payments=[(d("2025-07-31"), D("2000"))], indemnity_per="instalment"
	)
	assert (per_instalment.indemnity_count, per_instalment.indemnity) == (2, D("80.00"))


def test_nothing_late_owes_nothing() -> None:
	result = invoice_penalty(SCHEDULE, d("2025-07-31"), indemnity_per="instalment")
	assert (result.interest, result.indemnity, result.indemnity_count, result.total) == (D(0), D(0), 0, D(0))


def test_consumer_owes_no_indemnity_whatever_the_option() -> None:
	result = invoice_penalty(
		SCHEDULE, PAID, debtor="B2C", notice_date=d("2025-10-01"), indemnity_per="instalment"
	)
	assert (result.indemnity_count, result.indemnity, result.indemnity_basis) == (0, D("0"), ())
	assert result.interest > 0


def test_public_body_invoice_uses_the_fixed_rate_and_the_code_de_la_commande_publique() -> None:
	# every instalment's interest starts in 2025-H2: 10.15 %.
	# 2000 × 10.15 × (92 + 61 + 31) / 36500 = 2000 × 10.15 × 184 / 36500 = 3735200/36500 = 102.334…
	# per instalment: 1867600/36500 = 51.17, 1238300/36500 = 33.93, 629300/36500 = 17.24 → 102.34
	result = invoice_penalty(SCHEDULE, PAID, debtor="public")
	assert [r.interest for r in result.instalments] == [D("51.17"), D("33.93"), D("17.24")]
	assert result.interest == D("102.34")
	assert (result.indemnity_count, result.indemnity) == (1, D("40.00"))
	assert result.indemnity_basis == ("Code de la commande publique D2192-35",)


def test_proceedings_bar_the_indemnity_of_instalments_not_yet_due() -> None:
	# Judgment on 31 Aug: the 31 Jul instalment was late before it (1 .. 31 Aug = 31 days, 20.64, €40);
	# the 31 Aug and 30 Sep instalments could not be paid when due: no interest, no €40.
	result = invoice_penalty(SCHEDULE, PAID, proceedings_date=d("2025-08-31"), indemnity_per="instalment")
	assert [r.interest for r in result.instalments] == [D("20.64"), D("0.00"), D("0.00")]
	assert (result.indemnity_count, result.indemnity, result.total) == (1, D("40.00"), D("60.64"))
	assert "Code de commerce L622-28" in result.legal_basis
	assert any("barred payment when it fell due" in w for w in result.warnings)


def test_instalments_are_taken_in_due_date_order() -> None:
	result = invoice_penalty(list(reversed(SCHEDULE)), PAID)
	assert [r.due_date for r in result.instalments] == [due for due, _ in SCHEDULE]


def test_a_single_instalment_is_the_invoice_computed_alone() -> None:
	alone = late_payment_penalty(D("2400"), d("2025-06-15"), d("2026-01-20"))
	for per in ("invoice", "instalment"):
		result = invoice_penalty([(d("2025-06-15"), "2400")], d("2026-01-20"), indemnity_per=per)
		assert result.instalments == (alone,)
		assert result.total == alone.total == D("215.95")


@pytest.mark.parametrize(
	("kwargs", "message"),
	[
		({"indemnity_per": "échéance"}, "Unknown indemnity basis 'échéance'"),
		({"instalments": []}, "at least one instalment"),
		({"instalments": [d("2025-07-31")]}, r"must be a \(due date, amount\) pair"),
		({"instalments": [("2025-07-31", "-1")]}, "cannot be negative"),
		({"instalments": [("2025-02-30", "1")]}, "An instalment due date must be a date"),
		({"debtor": "state"}, "Unknown debtor type 'state'"),
	],
)
def test_invalid_input_raises(kwargs: dict, message: str) -> None:
	args = {"instalments": SCHEDULE} | kwargs
	with pytest.raises(EngineError, match=message):
		invoice_penalty(args.pop("instalments"), PAID, **args)


def test_as_dict_and_describe_give_the_wording_facts() -> None:
	result = invoice_penalty(SCHEDULE, PAID)
	data = json.loads(json.dumps(result.as_dict()))
	assert (data["interest"], data["indemnity"], data["total"]) == ("122.50", "40.00", "162.50")
	assert (data["indemnity_per"], data["indemnity_count"], data["indemnity_unit"]) == ("invoice", 1, "40.00")
	assert [row["interest"] for row in data["instalments"]] == ["61.25", "40.61", "20.64"]
	text = describe_invoice(result)
	assert "Recovery indemnity (1 × 40.00, per invoice)" in text
	assert "122.50" in text and "162.50" in text


# -- properties --------------------------------------------------------------------------------------------

schedules = st.lists(
	st.tuples(
		st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 6, 30)),
		st.decimals(min_value=0, max_value=100_000, places=2),
	),
	min_size=1,
	max_size=6,
)


@settings(max_examples=100, deadline=None, database=None)
@given(
	schedule=schedules,
	late=st.integers(min_value=-30, max_value=400),
	paid_part=st.decimals(min_value=0, max_value=300_000, places=2),
	debtor=st.sampled_from(["B2B", "B2C", "public"]),
)
def test_property_indemnity_counts(schedule: list, late: int, paid_part: Decimal, debtor: str) -> None:
	first_due = min(due for due, _ in schedule)
	paid_on = max(due for due, _ in schedule) + timedelta(days=late)
	payments = [(first_due + timedelta(days=10), paid_part)]
	notice = first_due
	per_invoice = invoice_penalty(schedule, paid_on, payments=payments, debtor=debtor, notice_date=notice)
	per_instalment = invoice_penalty(
		schedule, paid_on, payments=payments, debtor=debtor, notice_date=notice, indemnity_per="instalment"
	)
	for result in (per_invoice, per_instalment):
		assert 0 <= result.indemnity_count <= result.late_instalments <= len(schedule)
		assert result.indemnity == result.indemnity_count * D("40")
		assert result.interest == sum(r.interest for r in result.instalments)
		assert result.indemnity == sum(r.indemnity for r in result.instalments)
		assert result.total == result.interest + result.indemnity
	assert per_invoice.indemnity_count == min(1, per_instalment.indemnity_count)
	assert per_invoice.indemnity <= per_instalment.indemnity
	assert per_invoice.interest == per_instalment.interest
	if debtor == "B2C":
		assert per_instalment.indemnity_count == 0


def test_result_type_is_frozen() -> None:
	result = invoice_penalty(SCHEDULE, PAID)
	assert isinstance(result, InvoicePenalty)
	with pytest.raises(AttributeError):
		result.indemnity_count = 3  # type: ignore[misc]
