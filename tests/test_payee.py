"""Whom the debtor pays: a factored invoice's factor (name, account, subrogation mention), never the company;
one payment instruction per payee; the most specific assignment rule wins."""

from __future__ import annotations

from decimal import Decimal

from relance_app.engine.payee import (
	ALL_INVOICES,
	BY_CUSTOMER,
	BY_CUSTOMER_GROUP,
	BY_HAND,
	COMPANY,
	DEFAULT_MENTION,
	FACTOR,
	Contract,
	Payee,
	factor_collects,
	match_contract,
	payee_for,
	payment_groups,
	render_mention,
)

COMPANY_PAYEE = Payee(name="Relance Test SAS", iban="FR76 3000 6000 0112 3456 7890 189", bic="AGRIFRPP")
FACTOR_IBAN = "FR1420041010050500013M02606"


def contract(name="FC-1", **kwargs) -> Contract:
	values = {
		"company": "Relance Test SAS",
		"factor_name": "Factor Bank",
		"iban": FACTOR_IBAN,
		"bic": "psstfrpp",
	}
	return Contract(name=name, **{**values, **kwargs})


def test_unfactored_invoice_is_paid_to_the_company():
	assert payee_for(COMPANY_PAYEE, None) is COMPANY_PAYEE


def test_factored_invoice_is_paid_to_the_factor_with_the_mention_never_the_company_account():
	payee = payee_for(COMPANY_PAYEE, contract())
	assert payee.name == "Factor Bank"
	assert payee.iban == "FR14 2004 1010 0505 0001 3M02 606"
	assert payee.bic == "PSSTFRPP"
	assert payee.is_factor and payee.contract == "FC-1"
	assert "Factor Bank" in payee.mention and "subrogation" in payee.mention
	assert "{factor}" not in payee.mention
	assert COMPANY_PAYEE.iban.replace(" ", "") not in payee.iban.replace(" ", "")


def test_mention_is_a_template_the_user_edits_not_code():
	text = render_mention("Payez {factor} pour {company}. {{ 7*7 }}", factor="F", company="C")
	assert text == "Payez F pour C. {{ 7*7 }}"
	assert render_mention("", factor="F", company="C") == DEFAULT_MENTION.replace("{factor}", "F")


def test_factor_collects_only_when_the_contract_says_so():
	assert factor_collects(contract(collected_by=FACTOR))
	assert not factor_collects(contract(collected_by=COMPANY))
	assert not factor_collects(None)


def test_mixed_invoices_give_one_instruction_per_payee_company_first():
	factor = payee_for(COMPANY_PAYEE, contract())
	groups = payment_groups(
		[
			("SINV-3", "EUR", Decimal("30")),
			("SINV-1", "EUR", Decimal("10")),
			("SINV-2", "EUR", Decimal("20")),
			("SINV-2", "EUR", Decimal("5")),
		],
		{"SINV-3": factor, "SINV-2": factor},
		COMPANY_PAYEE,
	)
	assert [g.payee for g in groups] == [COMPANY_PAYEE, factor]
	assert groups[0].invoices == ("SINV-1",)
	assert groups[0].totals == {"EUR": Decimal("10")}
	assert groups[1].invoices == ("SINV-3", "SINV-2")
	assert groups[1].totals == {"EUR": Decimal("55")}
	assert groups[1].invoice_names == "SINV-3, SINV-2"


def test_only_factored_invoices_give_only_the_factor():
	factor = payee_for(COMPANY_PAYEE, contract())
	groups = payment_groups([("SINV-1", "EUR", Decimal("10"))], {"SINV-1": factor}, COMPANY_PAYEE)
	assert [g.payee for g in groups] == [factor]


def test_most_specific_rule_wins():
	everything = contract("FC-A", assignment=ALL_INVOICES)
	parent_group = contract("FC-B", assignment=BY_CUSTOMER_GROUP, customer_group="All Customer Groups")
	group = contract("FC-C", assignment=BY_CUSTOMER_GROUP, customer_group="Commercial")
	customer = contract("FC-D", assignment=BY_CUSTOMER, customer="ACME")
	by_hand = contract("FC-0", assignment=BY_HAND, customer="ACME")
	contracts = [by_hand, everything, parent_group, group, customer]
	groups_up = ["Commercial", "All Customer Groups"]
	kwargs = {"company": "Relance Test SAS", "groups_up": groups_up}
	assert match_contract(contracts, customer="ACME", **kwargs) == customer
	assert match_contract(contracts, customer="Other", **kwargs) == group
	assert match_contract(contracts[:3], customer="Other", **kwargs) == parent_group
	assert match_contract(contracts[:2], customer="Other", **kwargs) == everything
	assert match_contract([by_hand], customer="ACME", **kwargs) is None


def test_disabled_or_other_company_contracts_never_match():
	contracts = [
		contract("FC-A", assignment=ALL_INVOICES, enabled=False),
		contract("FC-B", assignment=ALL_INVOICES, company="Other SA"),
	]
	assert match_contract(contracts, company="Relance Test SAS", customer="ACME") is None


def test_rule_choice_does_not_depend_on_reading_order():
	first, second = contract("FC-1", assignment=ALL_INVOICES), contract("FC-2", assignment=ALL_INVOICES)
	kwargs = {"company": "Relance Test SAS", "customer": "ACME"}
	assert match_contract([second, first], **kwargs) == match_contract([first, second], **kwargs) == first
