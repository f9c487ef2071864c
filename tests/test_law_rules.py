"""Public-body debtors, collective proceedings and the B2C wording (relance_app.engine.law).

Every expected amount is worked out by hand from relance_app/engine/data/fr_late_payment_rates.csv:
  ECB main refinancing rate in force on 1 January 2025: 3.15 (from 2024-12-18)
  ECB in force on 1 July 2025 and 1 January 2026: 2.15 (from 2025-06-11); 2026-H2 not published
  so public (ECB + 8): interest starting in 2025-H1 → 11.15, in 2025-H2 or 2026-H1 → 10.15
  and B2B (ECB + 10, per half-year): 2025-H1 13.15, 2025-H2 12.15
Interest = base × rate × days / 36500, summed over segments, rounded half-up to the cent once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance_app.engine import law
from relance_app.engine.law import describe, late_payment_penalty

D = Decimal


def d(iso: str) -> date:
	return date.fromisoformat(iso)


def segments_of(result: law.PenaltyResult) -> list[tuple[date, date, int, Decimal]]:
	return [(s.start, s.end, s.days, s.rate) for s in result.segments]


# -- public bodies (Code de la commande publique R2192-31, D2192-35) --------------------------------------


def test_public_rate_is_fixed_on_the_half_year_interest_started_in() -> None:
	# Interest starts 1 June 2025 (2025-H1): ECB on 1 January 2025 = 3.15, + 8 = 11.15 for every day,
	# July and August included (B2B would switch to 12.15 there).
	# 1 Jun .. 30 Jun = 30 days: 10000 × 11.15 × 30 = 3345000
	# 1 Jul .. 31 Aug = 62 days: 10000 × 11.15 × 62 = 6913000
	# (3345000 + 6913000) / 36500 = 10258000/36500 = 281.0410…
	result = late_payment_penalty(D("10000"), d("2025-05-31"), d("2025-08-31"), debtor="public")
	assert segments_of(result) == [
		(d("2025-06-01"), d("2025-06-30"), 30, D("11.15")),
		(d("2025-07-01"), d("2025-08-31"), 62, D("11.15")),
	]
	assert result.interest == D("281.04")
	assert (result.indemnity, result.total) == (D("40.00"), D("321.04"))
	assert result.warnings == ()
	assert result.legal_basis == (
		"Code de la commande publique L2192-13",
		"Code de la commande publique R2192-31",
		"Code de la commande publique D2192-35",
	)
	# The same invoice from a business: 10000 × (13.15 × 30 + 12.15 × 62) / 36500 = 11478000/36500 = 314.47
	assert late_payment_penalty(D("10000"), d("2025-05-31"), d("2025-08-31")).interest == D("314.47")


def test_public_rate_starting_in_the_second_half_year_stays_fixed_into_the_next_year() -> None:
	# Interest starts 1 July 2025: ECB on 1 July 2025 = 2.15, + 8 = 10.15 through January 2026.
	# 184 + 31 = 215 days; 1000 × 10.15 × 215 = 2182250; / 36500 = 59.787…
	result = late_payment_penalty(D("1000"), d("2025-06-30"), d("2026-01-31"), debtor="public")
	assert {s.rate for s in result.segments} == {D("10.15")}
	assert result.interest_days == 215
	assert result.interest == D("59.79")


def test_public_rate_known_at_the_start_needs_no_later_rate() -> None:
	# Starts in 2026-H1 (10.15), runs into the unpublished 2026-H2: the rate is fixed, so no stale warning.
	# 20 days (21 Jun .. 10 Jul); 1000 × 10.15 × 20 = 203000; / 36500 = 5.5616…
	result = late_payment_penalty(D("1000"), d("2026-06-20"), d("2026-07-10"), debtor="public")
	assert result.interest == D("5.56")
	assert result.warnings == ()
	# Starting in 2026-H2 itself, the ECB rate of that half-year is not known yet: the last one, with a warning.
	later = late_payment_penalty(D("1000"), d("2026-06-30"), d("2026-07-10"), debtor="public")
	assert [s.rate for s in later.segments] == [D("10.15")]
	assert later.warnings == (
		"No rate published for 2026-H2 in the rate table; the last known rate (2.15 % from 2025-06-11) was used.",
	)


def test_public_body_contractual_rate_is_not_applied() -> None:
	# 30 days at 11.15 whatever the contract says: 1000 × 11.15 × 30 / 36500 = 9.1643…
	result = late_payment_penalty(
		D("1000"), d("2025-03-31"), d("2025-04-30"), debtor="public", contractual_rate=D("20")
	)
	assert [s.rate for s in result.segments] == [D("11.15")]
	assert result.interest == D("9.16")
	assert result.contractual_rate is None
	assert result.warnings == (
		"Public-body debtor: the moratory interest rate is set by the Code de la commande publique (R2192-31); "
		"the contractual rate of 20 % was not applied.",
	)


def test_describe_names_the_public_rate_and_its_reference_date() -> None:
	text = describe(late_payment_penalty(D("10000"), d("2025-05-31"), d("2025-08-31"), debtor="public"))
	assert "Late-payment penalty, public-body debtor" in text
	assert (
		"Rate: ECB main refinancing rate on 2025-01-01 + 8 points = 11.15 %, fixed for the whole period"
		in text
	)


# -- collective proceedings (Code de commerce L622-28, L441-10 II) ----------------------------------------


def test_proceedings_after_the_due_date_stop_interest_at_the_judgment() -> None:
	# Judgment 30 Sep 2025; interest 16 Jun .. 30 Sep only, the judgment day included:
	# 16 .. 30 Jun = 15 days at 13.15: 2400 × 13.15 × 15 = 473400
	# 1 Jul .. 30 Sep = 31 + 31 + 30 = 92 days at 12.15: 2400 × 12.15 × 92 = 2682720
	# (473400 + 2682720) / 36500 = 3156120/36500 = 86.4690…
	result = late_payment_penalty(
		D("2400"), d("2025-06-15"), d("2026-01-20"), proceedings_date=d("2025-09-30")
	)
	assert segments_of(result) == [
		(d("2025-06-16"), d("2025-06-30"), 15, D("13.15")),
		(d("2025-07-01"), d("2025-09-30"), 92, D("12.15")),
	]
	assert result.interest == D("86.47")
	# payment was possible at the due date: the €40 stays due
	assert (result.indemnity, result.total) == (D("40.00"), D("126.47"))
	assert result.days_late == 107
	assert (result.paid_on, result.interest_until) == (d("2026-01-20"), d("2025-09-30"))
	assert result.legal_basis[-1] == "Code de commerce L622-28"
	assert result.warnings == (
		"Collective proceedings opened on 2025-09-30: interest stops on that day (Code de commerce L622-28) and "
		"individual claims are stayed (L622-21); declare the claim to the mandataire judiciaire (L622-24).",
	)


def test_payments_after_the_judgment_change_nothing() -> None:
	args = (D("2400"), d("2025-06-15"), d("2026-01-20"))
	stopped = late_payment_penalty(*args, proceedings_date=d("2025-09-30"))
	paid_later = late_payment_penalty(
		*args, proceedings_date=d("2025-09-30"), payments=[(d("2025-11-02"), 2400)]
	)
	assert paid_later.segments == stopped.segments
	assert paid_later.total == stopped.total


def test_proceedings_on_or_before_the_due_date_bar_interest_and_indemnity() -> None:
	for judgment in ("2025-06-15", "2025-06-01"):
		result = late_payment_penalty(
			D("2400"), d("2025-06-15"), d("2026-01-20"), proceedings_date=d(judgment)
		)
		assert (result.interest, result.indemnity, result.total) == (D("0"), D("0"), D("0"))
		assert result.segments == () and result.days_late == 0
		assert any("barred payment when it fell due" in warning for warning in result.warnings)
		assert "due date of 2025-06-15" in result.warnings[-1]


def test_proceedings_after_the_payment_change_nothing() -> None:
	plain = late_payment_penalty(D("2400"), d("2025-06-15"), d("2026-01-20"))
	later = late_payment_penalty(
		D("2400"), d("2025-06-15"), d("2026-01-20"), proceedings_date=d("2026-02-01")
	)
	assert (later.interest, later.indemnity, later.warnings) == (plain.interest, plain.indemnity, ())
	assert later.legal_basis == plain.legal_basis


def test_proceedings_after_full_payment_change_nothing() -> None:
	# Paid in full on 31 Jul, judgment 30 Sep: the payment, not the judgment, ended the interest (46 days).
	payments = [(d("2025-07-31"), D("2400"))]
	plain = late_payment_penalty(D("2400"), d("2025-06-15"), d("2026-01-20"), payments=payments)
	judged = late_payment_penalty(
		D("2400"), d("2025-06-15"), d("2026-01-20"), payments=payments, proceedings_date=d("2025-09-30")
	)
	assert (judged.segments, judged.total, judged.warnings) == (plain.segments, plain.total, ())


# -- consumers: the legal rate from the notice, a contractual rate named as such ---------------------------


def test_b2c_contractual_rate_is_never_called_the_legal_rate() -> None:
	without_notice = late_payment_penalty(
		D("1000"), d("2025-03-31"), d("2025-05-31"), debtor="B2C", contractual_rate=D("10")
	)
	assert without_notice.warnings == (
		"Consumer debtor: interest at the contractual rate runs only from a formal notice (mise en demeure, "
		"Code civil 1344); no notice date was given, so no interest was computed.",
	)
	text = describe(without_notice)
	assert "Contractual rate: 10.00 %, from the formal notice" in text
	assert "legal rate" not in text.lower() and "legal interest" not in text.lower()
	# From the notice of 15 Apr: 16 Apr .. 31 May = 46 days; 1000 × 10 × 46 / 36500 = 12.6027…
	with_notice = late_payment_penalty(
		D("1000"),
		d("2025-03-31"),
		d("2025-05-31"),
		debtor="B2C",
		contractual_rate=D("10"),
		notice_date=d("2025-04-15"),
	)
	assert with_notice.interest == D("12.60")
	assert "legal rate" not in describe(with_notice).lower()


def test_b2c_legal_rate_is_named_and_runs_from_the_notice() -> None:
	# Notice 15 Apr 2025: 16 Apr .. 31 May = 46 days at the 2025-H1 legal rate 3.71;
	# 1000 × 3.71 × 46 / 36500 = 170660/36500 = 4.6756…
	result = late_payment_penalty(
		D("1000"), d("2025-03-31"), d("2025-05-31"), debtor="B2C", notice_date=d("2025-04-15")
	)
	assert result.interest == D("4.68")
	assert "Rate: the legal interest rate of each half-year, from the formal notice" in describe(result)
