"""A reminder template may only read its data: what the sandbox refuses, at save time and at render time."""

from __future__ import annotations

import copy

import pytest

from relance_app.engine.default_templates import DEFAULT_TEMPLATES
from relance_app.engine.render import (
	_HTML_ENV,
	RenderError,
	check_template,
	detached,
	prefix_filters,
	render,
	sample_context,
)

IBAN_MUTATION = "{% set _ = company.update({'iban': 'FR76 9999 9999 9999 9999 9999 999'}) %}Bonjour"
ATTRIBUTE_WALKS = (
	"{{ ''.__class__.__mro__ }}",
	"{{ company._cache }}",
	"{{ company['_cache'] }}",
	"{{ company | attr('__class__') }}",
	"{{ invoices[0].__class__.__init__.__globals__ }}",
)
EVIL = "<b>Evil</b><script>x()</script>"


def shipped(name: str):
	return next(t for t in DEFAULT_TEMPLATES if t.name == name)


def test_iban_mutation_is_refused_when_saved_and_when_rendered():
	with pytest.raises(RenderError, match=r"may only read its data, it may not change it \(update\)"):
		check_template(IBAN_MUTATION)
	with pytest.raises(RenderError, match="may not change it"):
		render(IBAN_MUTATION, sample_context())


@pytest.mark.parametrize("template", ATTRIBUTE_WALKS)
def test_attribute_walks_are_refused_when_saved_and_when_rendered(template):
	with pytest.raises(RenderError, match="hidden attributes such as _"):
		check_template(template)
	with pytest.raises(RenderError, match="hidden attributes such as _"):
		render(template, sample_context(), html=False)


def test_a_hidden_key_reached_through_a_variable_fails_at_render():
	context = sample_context()
	context["company"]["_cache"] = "secret"
	with pytest.raises(RenderError, match="not allowed: access to the hidden attribute '_cache'"):
		render("{% set key = '_cache' %}{{ company[key] }}", context)


def test_mutation_in_a_branch_the_sample_does_not_take_is_refused_too():
	# The sample context is not a Boulangerie Dupont: a render-only check would let this through.
	template = (
		"{% if customer.customer_name == 'Boulangerie Dupont' %}{{ invoices.append({}) }}{% endif %}Bonjour"
	)
	with pytest.raises(RenderError, match=r"Line 1: a template may only read its data.*\(append\)"):
		check_template(template)


@pytest.mark.parametrize(
	"template, called",
	[
		("{{ total.quantize(1) }}", "quantize"),
		("{{ dict.update(company, {'iban': 'x'}) }}", "update"),
		("{{ 'x{0}'.format(company) }}", "format"),
		("{{ lipsum() }}", "lipsum"),
		("{% set f = company.get %}{{ (f)('iban')() }}", "()"),
	],
)
def test_calls_outside_the_whitelist_are_refused(template, called):
	with pytest.raises(RenderError, match=rf"\({called}\)|may not call {called}"):
		check_template(template)


def test_includes_and_imports_are_refused():
	with pytest.raises(RenderError, match="may not include or import"):
		check_template('{% include "x.html" %}')
	with pytest.raises(RenderError, match="may not include or import"):
		check_template('{% from "x.html" import y %}')


def test_reading_methods_macros_and_namespaces_are_allowed():
	template = (
		"{% macro who(c) %}{{ c.customer_name.upper() }}{% endmacro %}{{ who(customer) }}"
		"{% for key, value in level.items() if key == 'label' %} {{ value }}{% endfor %}"
		" {{ company.get('bic') }} {{ today.strftime('%Y') }} {{ range(2) | list }}"
		"{% set ns = namespace(n=0) %}{% for i in invoices %}{% set ns.n = ns.n + 1 %}{% endfor %} {{ ns.n }}"
	)
	check_template(template)
	assert render(template, sample_context(), html=False) == "BOULANGERIE MARTIN J+10 AGRIFRPP 2026 [0, 1] 1"


def test_the_context_of_the_next_render_is_unchanged_after_a_template_tried_to_change_it():
	context = sample_context()
	before = copy.deepcopy(context)
	for template in (IBAN_MUTATION, "{{ invoices.pop() }}", "{{ company.clear() }}"):
		with pytest.raises(RenderError):
			render(template, context)
	assert context == before
	assert render("{{ company.iban }} {{ invoices | length }}", context) == (
		"FR76 3000 6000 0112 3456 7890 189 1"
	)


def test_the_sandbox_itself_refuses_the_mutation_if_the_source_check_were_bypassed():
	# Second line of defence: compiled without the source check, the immutable sandbox still refuses.
	context = sample_context()
	template = _HTML_ENV.from_string(IBAN_MUTATION)
	with pytest.raises(Exception, match="unsafe|not safely callable"):
		template.render(**context)
	assert context["company"]["iban"] == "FR76 3000 6000 0112 3456 7890 189"


def test_every_render_gets_its_own_copy_of_the_context():
	class AttrDict(dict):  # like frappe._dict rows
		__getattr__ = dict.get

	context = sample_context()
	context["company"] = AttrDict(context["company"])
	copy_ = detached(context)
	assert copy_ == context
	assert copy_["company"] is not context["company"] and type(copy_["company"]) is dict
	assert copy_["invoices"] is not context["invoices"]
	assert copy_["invoices"][0] is not context["invoices"][0]
	assert render("{{ company.name }}", context) == "Exemple SAS"


def test_html_in_customer_data_is_escaped_in_the_rendered_email():
	context = sample_context()
	context["customer"].update(customer_name=EVIL, contact_name=EVIL)
	context["company"]["name"] = EVIL
	context["invoices"][0]["name"] = EVIL
	template = shipped("Relance J+5 - Facture échue")
	body = render(template.body(), context)
	greeting = render("<p>Bonjour {{ customer.customer_name }}</p>", context)
	for html in (body, greeting):
		assert "<script>" not in html and "<b>Evil" not in html
		assert "&lt;b&gt;Evil&lt;/b&gt;&lt;script&gt;x()&lt;/script&gt;" in html
	assert greeting.startswith("<p>Bonjour ")  # the template's own markup stays HTML


@pytest.mark.parametrize(
	"old, new",
	[
		("{{ total | money(currency) }}", "{{ total | relance_money(currency) }}"),
		("{{ total|money(currency) }}", "{{ total|relance_money(currency) }}"),
		("{{ d | date_fr }} {{ d |date_long }}", "{{ d | relance_date }} {{ d |relance_date_long }}"),
		(
			"{{ x | relance_money(c) }} {{ money }} {{ date_fr_x }}",
			"{{ x | relance_money(c) }} {{ money }} {{ date_fr_x }}",
		),
	],
)
def test_prefix_filters_renames_only_the_old_filters(old, new):
	assert prefix_filters(old) == new
	assert prefix_filters(new) == new
