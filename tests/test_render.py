from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from relance_app.engine.policy import default_policy
from relance_app.engine.render import (
	RenderError,
	check_template,
	relance_date_long,
	relance_money,
	render,
	sample_context,
)


def test_money_uses_french_format():
	assert relance_money(Decimal("1234.5"), "EUR") == "1\u202f234,50\u00a0€"
	assert relance_money(Decimal("0.005")) == "0,01\u00a0€"
	assert relance_money(Decimal("-1234567.891"), "USD") == "-1\u202f234\u202f567,89\u00a0$"


def test_long_french_dates():
	assert relance_date_long(date(2026, 11, 1)) == "1er novembre 2026"
	assert relance_date_long(date(2026, 8, 23)) == "23 août 2026"


def test_template_renders_invoices_and_totals():
	text = render(
		"{% for i in invoices %}{{ i.name }} du {{ i.due_date | relance_date }}{% endfor %}"
		" : {{ total | relance_money(currency) }}",
		sample_context(),
		html=False,
	)
	assert text == "ACC-SINV-2026-00042 du 11/11/2026 : 1\u202f200,00\u00a0€"


def test_unknown_variable_is_an_error_not_a_blank():
	with pytest.raises(RenderError, match="variable that does not exist: 'custommer' is undefined"):
		check_template("Bonjour {{ custommer.name }}")


def test_syntax_error_names_the_line():
	with pytest.raises(RenderError, match="syntax error on line 2"):
		check_template("Bonjour\n{% if total %}")


def test_sandbox_blocks_attribute_escapes():
	with pytest.raises(RenderError, match="hidden attributes such as __"):
		check_template("{{ ''.__class__.__mro__[1].__subclasses__() }}")


def test_html_templates_escape_customer_data():
	context = sample_context()
	context["customer"] = {**context["customer"], "customer_name": "<script>x</script>"}
	assert "&lt;script&gt;" in render("{{ customer.customer_name }}", context)


def test_default_sms_text_renders_and_fits_two_sms():
	sms = default_policy().level(4).template
	text = render(sms, sample_context(), html=False)
	assert "ACC-SINV-2026-00042" in text and "1\u202f200,00" in text and "11/11/2026" in text
	assert len(text) <= 306  # two concatenated SMS segments


def test_sms_texts_written_before_the_prefix_still_render():
	# The engine keeps the short names privately: stored SMS texts the upgrade patch did not reach still work.
	text = render(
		"{{ total | money(currency) }} le {{ today | date_fr }}, {{ today | date_long }}",
		sample_context(),
		html=False,
	)
	assert text == "1\u202f200,00\u00a0€ le 23/11/2026, 23 novembre 2026"
