from __future__ import annotations

import json
from decimal import Decimal

import pytest

from relance_app.engine.policy import Channel, Level, Policy, PolicyError, Scope, default_policy

from .conftest import ladder


def test_default_policy_is_the_french_ladder():
	policy = default_policy()
	assert policy.name == "Relance standard"
	assert [lvl.offset_days for lvl in policy.levels] == [-5, 5, 10, 15, 30]
	assert [lvl.channel for lvl in policy.levels] == [
		Channel.EMAIL,
		Channel.EMAIL,
		Channel.CALL,
		Channel.SMS,
		Channel.REGISTERED_LETTER,
	]
	assert policy.formal_notice_level == 5
	assert policy.levels[-1].include_penalties
	assert policy.levels[-1].payment_deadline_days == 8


def test_policy_without_levels_is_refused():
	with pytest.raises(PolicyError, match="has no levels"):
		Policy(name="Vide", levels=())


@pytest.mark.parametrize("offsets", [(5, 5), (10, 5), (-5, 10, 10)])
def test_duplicate_or_decreasing_offsets_are_refused(offsets):
	levels = tuple(Level(f"L{i}", off, "email") for i, off in enumerate(offsets))
	with pytest.raises(PolicyError, match="offsets must increase"):
		Policy(name="P", levels=levels)


def test_formal_notice_must_be_last_level():
	levels = (
		Level("MED", 20, "registered_letter", formal_notice=True),
		Level("Après", 30, "email"),
	)
	with pytest.raises(PolicyError, match="must be the last level"):
		Policy(name="P", levels=levels)


def test_formal_notice_before_due_date_is_refused():
	with pytest.raises(PolicyError, match="only be sent after the due date"):
		Level("MED", 0, "letter", formal_notice=True)


@pytest.mark.parametrize("channel", ["fax", "", "carrier pigeon"])
def test_unknown_channel_is_refused_with_the_choices(channel):
	with pytest.raises(PolicyError, match="Unknown channel.*email, sms, call, letter, registered_letter"):
		Level("L", 5, channel)


@pytest.mark.parametrize(
	"label,expected",
	[
		("Email", Channel.EMAIL),
		("Phone Call", Channel.CALL),
		("Registered Letter", Channel.REGISTERED_LETTER),
	],
)
def test_desk_channel_labels_map_to_engine_channels(label, expected):
	assert Level("L", 5, label).channel is expected


def test_offset_must_be_whole_days():
	with pytest.raises(PolicyError, match="whole number of days"):
		Level("L", 2.5, "email")


def test_negative_minimum_amount_is_refused():
	with pytest.raises(PolicyError, match="minimum amount cannot be negative"):
		ladder(min_outstanding=Decimal("-1"))


def test_unknown_scope_is_refused():
	with pytest.raises(PolicyError, match="Unknown scope"):
		ladder(scope="martians")


def test_scope_accepts_any_case():
	assert ladder(scope="b2b").scope is Scope.B2B


def test_policy_round_trips_through_json():
	policy = default_policy()
	again = Policy.from_json(json.dumps(policy.to_dict()))
	assert again == policy


def test_policy_json_with_unknown_level_field_is_refused():
	data = default_policy().to_dict()
	data["levels"][0]["colour"] = "red"
	with pytest.raises(PolicyError, match="Unknown level field.*colour"):
		Policy.from_dict(data)


def test_invalid_json_is_reported():
	with pytest.raises(PolicyError, match="not valid JSON"):
		Policy.from_json("{levels: ")


def test_high_risk_brings_overdue_levels_forward_but_not_pre_due_ones():
	policy = ladder(high_risk_advance_days=4)
	assert policy.effective_offset(1, high_risk=True) == -5
	assert policy.effective_offset(2, high_risk=True) == 1
	assert policy.effective_offset(3, high_risk=True) == 6
	assert policy.effective_offset(3, high_risk=False) == 10


def test_level_labels_follow_french_practice():
	assert [lvl.label for lvl in default_policy().levels] == ["J-5", "J+5", "J+10", "J+15", "J+30"]


def test_asking_for_a_missing_level_is_an_error():
	with pytest.raises(PolicyError, match="has no level 6"):
		ladder().level(6)


TREE = {
	"All Customer Groups": (None, "Root policy"),
	"Commercial": ("All Customer Groups", None),
	"Retail": ("Commercial", "Retail policy"),
	"Loop A": ("Loop B", None),
	"Loop B": ("Loop A", None),
}
USABLE = {"Invoice policy", "Customer policy", "Retail policy", "Root policy", "Company default"}


def resolve(**kw):
	from relance_app.engine.policy import resolve_policy_name

	args = dict(
		invoice_policy=None,
		customer_policy=None,
		customer_group="Retail",
		group_tree=TREE,
		company_default="Company default",
		usable=USABLE,
	)
	args.update(kw)
	return resolve_policy_name(**args)


def test_invoice_override_wins():
	assert resolve(invoice_policy="Invoice policy", customer_policy="Customer policy") == "Invoice policy"


def test_customer_policy_comes_before_its_group():
	assert resolve(customer_policy="Customer policy") == "Customer policy"


def test_group_policy_is_found_walking_up_the_tree():
	assert resolve() == "Retail policy"
	assert resolve(customer_group="Commercial") == "Root policy"


def test_company_default_when_nothing_else_applies():
	assert resolve(customer_group=None) == "Company default"
	assert resolve(customer_group="Loop A") == "Company default"  # a corrupt tree does not hang


def test_disabled_or_foreign_policy_falls_through_to_the_next_source():
	assert resolve(invoice_policy="Disabled", customer_policy="Other company's") == "Retail policy"
	assert resolve(customer_group=None, company_default="Disabled") is None
