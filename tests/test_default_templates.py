from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from relance_app.engine.default_templates import DEFAULT_TEMPLATES, inline_includes
from relance_app.engine.policy import default_policy
from relance_app.engine.render import render, sample_context


def three_invoice_context():
	context = sample_context()
	base = context["invoices"][0]
	context["invoices"] = [
		{**base, "name": f"ACC-SINV-2026-0004{n}", "outstanding": Decimal(n * 100)} for n in (1, 2, 3)
	]
	context["invoice_names"] = ", ".join(i["name"] for i in context["invoices"])
	context["total"] = Decimal("600")
	return context


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=lambda t: t.name)
def test_each_shipped_template_renders_and_names_invoice_amount_and_due_date(template):
	context = sample_context()
	body = render(template.body(), context)
	subject = render(template.subject, context, html=False)
	assert "ACC-SINV-2026-00042" in body + subject
	assert "{%" not in body and "{{" not in body
	if "thank_you" not in template.file:
		assert "1\u202f200,00" in body
		assert "11/11/2026" in body
		assert "FR76 3000 6000 0112 3456 7890 189" in body
		assert "https://pay.example.com/ACC-SINV-2026-00042" in body
		# Courtesy: every reminder says to ignore it once paid.
		assert ("ne pas tenir compte" in body) if template.language == "fr" else ("disregard" in body)


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=lambda t: t.name)
def test_grouped_message_lists_every_invoice_and_the_total(template):
	context = three_invoice_context()
	text = render(template.subject, context, html=False) + render(template.body(), context)
	for n in (1, 2, 3):
		assert f"ACC-SINV-2026-0004{n}" in text
	if "thank_you" not in template.file:
		assert "600,00" in text


def test_formal_notice_states_deadline_penalties_and_court_recovery():
	template = next(t for t in DEFAULT_TEMPLATES if t.name == "Relance J+30 - Mise en demeure")
	context = sample_context(date(2026, 11, 23))
	context["payment_deadline"] = date(2026, 11, 23) + timedelta(days=8)
	body = render(template.body(), context)
	assert "mise en demeure" in body
	assert "8 jours" in body and "1er décembre 2026" in body
	assert "44,79" in body  # penalties.total of the sample context
	assert "injonction de payer" in body


def test_every_email_level_of_the_default_policy_has_a_shipped_template():
	shipped = {t.name for t in DEFAULT_TEMPLATES}
	for level in default_policy().levels:
		if level.channel.value != "sms":
			assert level.template in shipped


def test_french_and_english_variants_exist_for_every_template():
	by_file = {t.file.split(".")[0] for t in DEFAULT_TEMPLATES}
	for stem in by_file:
		languages = {t.language for t in DEFAULT_TEMPLATES if t.file.startswith(stem + ".")}
		assert languages == {"fr", "en"}, stem


def test_inline_includes_expands_nested_partials_once():
	text = inline_includes('{% include "friendly_reminder.fr.html" %}')
	assert "include" not in text
	assert text.count("<table") == 1


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=lambda t: t.name)
def test_subject_fits_the_email_template_subject_column(template):
	# Email Template.subject is a Data field: 140 characters in the database.
	assert len(template.subject) <= 140


def shipped(name: str):
	return next(t for t in DEFAULT_TEMPLATES if t.name == name)


FORMAL_NOTICE = {"fr": "Relance J+30 - Mise en demeure", "en": "Dunning D+30 - Formal notice"}
OVERDUE = {"fr": "Relance J+5 - Facture échue", "en": "Dunning D+5 - Overdue invoice"}
INDEMNITY_WORDS = ("40 €", "€40", "40,00", "indemnité", "indemnity", "D441-5")


def consumer_context():
	context = sample_context()
	context["customer"].update(debtor_kind="Consumer", debtor="B2C")
	context["penalties"].update(
		indemnity=Decimal(0), total=Decimal("4.79"), indemnity_count=0, indemnity_due=False, debtor="B2C"
	)
	context["late_payment"].update(debtor="B2C", is_professional=False, indemnity_charged=False)
	return context


@pytest.mark.parametrize("language", ["fr", "en"])
def test_formal_notice_email_to_a_consumer_claims_interest_and_never_the_indemnity(language):
	body = render(shipped(FORMAL_NOTICE[language]).body(), consumer_context())
	assert "4,79" in body
	for word in INDEMNITY_WORDS:
		assert word not in body, word


@pytest.mark.parametrize("language", ["fr", "en"])
def test_formal_notice_email_counts_the_indemnity_on_the_policy_basis(language):
	context = sample_context()
	context["penalties"].update(
		indemnity=Decimal("80.00"), total=Decimal("84.79"), indemnity_count=2, indemnity_per="instalment"
	)
	body = render(shipped(FORMAL_NOTICE[language]).body(), context)
	assert ("2 × 40 € par échéance" if language == "fr" else "2 × €40 per instalment") in body
	assert "80,00" in body and "84,79" in body and "4,79" in body
	context["penalties"]["indemnity_per"] = "invoice"
	body = render(shipped(FORMAL_NOTICE[language]).body(), context)
	assert ("2 × 40 € par facture" if language == "fr" else "2 × €40 per invoice") in body


@pytest.mark.parametrize("language", ["fr", "en"])
def test_formal_notice_email_is_silent_on_the_indemnity_the_policy_waives(language):
	context = sample_context()
	context["penalties"].update(
		indemnity=Decimal(0), total=Decimal("4.79"), indemnity_count=0, indemnity_due=False
	)
	body = render(shipped(FORMAL_NOTICE[language]).body(), context)
	assert "4,79" in body
	for word in INDEMNITY_WORDS:
		assert word not in body, word


@pytest.mark.parametrize("language", ["fr", "en"])
def test_overdue_reminder_recalls_the_law_to_professionals_only(language):
	template = shipped(OVERDUE[language])
	professional = render(template.body(), sample_context())
	assert "L441-10" in professional
	assert ("40 € par facture" if language == "fr" else "€40 per invoice") in professional
	waived = sample_context()
	waived["late_payment"]["indemnity_charged"] = False
	text = render(template.body(), waived)
	assert "L441-10" in text and "40" not in text.replace("ACC-SINV-2026-00042", "")
	public = sample_context()
	public["customer"].update(debtor_kind="Public Body", debtor="public")
	public["late_payment"].update(debtor="public", is_professional=False)
	for context in (consumer_context(), public):
		body = render(template.body(), context)
		assert "L441-10" not in body and "pénalités" not in body and "penalties" not in body


@pytest.mark.parametrize("name", ["Relance J+10 - Récapitulatif après appel", "Dunning D+10 - Call summary"])
def test_call_recap_does_not_claim_an_agreement(name):
	body = render(shipped(name).body(), sample_context())
	assert "convenu" not in body and "agreed" not in body
	assert "1er décembre 2026" in body or "01/12/2026" in body


def test_the_upgrade_recognises_earlier_shipped_bodies_only():
	recap = shipped("Relance J+10 - Récapitulatif après appel")
	# 0.8 adds the customer-page button: the 0.5 body is the current one without it.
	current = recap.body().replace(PORTAL_BLOCK["fr"], "")
	assert current != recap.body()
	# The body shipped before 0.5 differed by one sentence: "as agreed", although nothing was agreed.
	earlier = current.replace(
		"Nous vous remercions de bien vouloir nous faire parvenir votre règlement d'ici le",
		"Comme convenu, nous comptons sur votre règlement d'ici le",
	)
	assert earlier != current
	assert recap.is_earlier_version(earlier)
	assert recap.is_earlier_version(earlier.replace("\n", "\r\n") + "\n")  # as a browser may store it
	assert not recap.is_earlier_version(earlier.replace("Cordialement", "Bien à vous"))  # edited by a user
	assert not recap.is_earlier_version(None)
	# The bodies 0.5 rewords are new: the patch replaces the stored earlier ones with them.
	for name in (*FORMAL_NOTICE.values(), *OVERDUE.values(), "Dunning D+10 - Call summary"):
		assert not shipped(name).is_earlier_version(shipped(name).body()), name
		# ... and the 0.5 bodies, the button of 0.8 aside, are earlier versions now.
		language = shipped(name).language
		assert shipped(name).is_earlier_version(shipped(name).body().replace(PORTAL_BLOCK[language], "")), (
			name
		)
	assert recap.is_earlier_version(current)
	assert not recap.is_earlier_version(recap.body())


def _portal_block(language: str) -> str:
	text = inline_includes(f'{{% include "_payment.{language}.html" %}}')
	return text[: text.index("{%- endif %}") + len("{%- endif %}")] + "\n"


PORTAL_BLOCK = {language: _portal_block(language) for language in ("fr", "en")}
PORTAL_LABEL = {"fr": "Voir et régler mes factures", "en": "View and pay my invoices"}


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=lambda t: t.name)
def test_every_reminder_shows_the_customer_page_button_when_there_is_a_link(template):
	context = sample_context()
	body = render(template.body(), context)
	if "thank_you" in template.file:
		assert context["portal_link"] not in body
		return
	assert f'<a href="{context["portal_link"]}"' in body
	assert PORTAL_LABEL[template.language] in body


@pytest.mark.parametrize("template", DEFAULT_TEMPLATES, ids=lambda t: t.name)
def test_a_reminder_renders_without_a_link_or_with_an_empty_one(template):
	without = sample_context()
	del without["portal_link"]  # a context built before the customer page existed
	empty = sample_context()
	empty["portal_link"] = ""  # no link for this customer
	for context in (without, empty):
		body = render(template.body(), context)
		assert PORTAL_LABEL[template.language] not in body
		assert "ACC-SINV-2026-00042" in body


def test_the_shipped_sms_carries_the_customer_page_link():
	[sms] = [level for level in default_policy().levels if level.channel.value == "sms"]
	context = sample_context()
	assert context["portal_link"] in render(sms.template, context, html=False)
	context["portal_link"] = ""
	assert context["payment_link"] in render(sms.template, context, html=False)
