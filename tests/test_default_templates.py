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
