"""Database values are escaped in the letters and print formats that Frappe renders with its own Jinja
environment (which does not autoescape): each template turns autoescaping on itself.

The templates are rendered here in an environment configured like Frappe's (`frappe.utils.jinja.get_jenv`:
sandboxed, DebugUndefined, no autoescape, the app's filters), with every text of the data replaced by HTML.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from jinja2 import DebugUndefined, FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment

from relance_app.engine.default_templates import DEFAULT_TEMPLATES
from relance_app.engine.render import (
	relance_date,
	relance_date_long,
	relance_money,
	render,
	sample_context,
)

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "relance_app"
EVIL = "<b>Evil</b><script>x()</script>"
ESCAPED = "&lt;b&gt;Evil&lt;/b&gt;&lt;script&gt;x()&lt;/script&gt;"
PRINT_FORMATS = {
	"Mise en demeure": "relance_app/relance_app/print_format/mise_en_demeure/mise_en_demeure.html",
	"Formal Notice": "relance_app/relance_app/print_format/formal_notice/formal_notice.html",
}


def frappe_like_env(**globals_) -> SandboxedEnvironment:
	"""Frappe's print and page environment as far as escaping goes: no autoescape, app-relative paths."""
	env = SandboxedEnvironment(loader=FileSystemLoader(str(REPO)), undefined=DebugUndefined)
	env.filters.update(
		relance_money=relance_money, relance_date=relance_date, relance_date_long=relance_date_long
	)
	utils = SimpleNamespace(
		fmt_money=lambda value, precision, currency: f"€ {value}",
		format_date=lambda value, fmt: str(value),
	)
	env.globals.update(frappe=SimpleNamespace(utils=utils), _=lambda text: text, **globals_)
	return env


def evil_letter() -> dict:
	"""The print formats' data (formal_notice.letter.formal_notice_context) with HTML in every text."""
	day = date(2026, 11, 23)
	row = {
		"invoice": EVIL,
		"instalment": EVIL,
		"instalments": 2,
		"posting_date": day,
		"due_date": day,
		"amount": Decimal("1200"),
		"outstanding": Decimal("1200"),
		"days_late": 12,
		"interest": Decimal("4.79"),
		"indemnity": Decimal("40"),
		"rate_kind": "statutory",
		"payments": [{"date": day, "amount": Decimal("100")}],
		"segments": [
			{
				"start": day,
				"end": day,
				"days": 1,
				"rate": Decimal("12.15"),
				"ecb_rate": Decimal("2.15"),
				"base": Decimal("1200"),
				"interest": Decimal("4.79"),
			}
		],
	}
	party = {"name": EVIL, "address": f"{EVIL}\n{EVIL}", "city": EVIL, "siren": EVIL, "vat_id": EVIL}
	party.update(phone=EVIL, email=EVIL, iban=EVIL, bic=EVIL)
	# The legal mentions of Code de commerce R123-237 come from the Company too.
	party.update(
		rcs=EVIL, rcs_city=EVIL, legal_form=EVIL, share_capital=Decimal("10000"), capital_currency="EUR"
	)
	return {
		"name": EVIL,
		"date": day,
		"company": party,
		"customer": {"customer_name": EVIL, "contact_name": EVIL + "!", "address_lines": [EVIL, EVIL]},
		"is_b2b": True,
		"is_public": False,
		"is_consumer": False,
		"indemnity_applies": True,
		"contractual_rate": None,
		"indemnity_count": 1,
		"indemnity_unit": Decimal("40"),
		"indemnity_per": "invoice",
		"indemnity_basis": [EVIL],
		"currency": "EUR",
		"rows": [row],
		"invoice_names": EVIL,
		"late_count": 1,
		"outstanding": Decimal("1200"),
		"interest": Decimal("4.79"),
		"indemnity": Decimal("40"),
		"total_claimed": Decimal("1244.79"),
		"notice_date": day,
		"legal_rate": None,
		"deadline_days": 8,
		"expected_receipt": day,
		"deadline": day,
		"payment_links": [EVIL],
		"reminders": [{"date": day, "entry_type": EVIL, "invoices": [EVIL]}],
		"signatory": EVIL,
		"warnings": [EVIL],
	}


def assert_escaped(html: str) -> None:
	assert "<script" not in html, re.findall(r".{60}<script.{20}", html)
	assert "<b>Evil" not in html
	assert ESCAPED in html


@pytest.mark.parametrize("print_format", PRINT_FORMATS)
@pytest.mark.parametrize("body_text", ["", "<p>Madame, Monsieur,</p>"])
def test_print_format_escapes_every_database_value(print_format, body_text):
	letter = evil_letter()
	# The letter speaks the print format's language (no print dialog here) and keeps the Dunning's own texts.
	env = frappe_like_env(
		relance_formal_notice_context=lambda doc, lang=None: {**letter, "language": lang, "own_texts": True}
	)
	doc = SimpleNamespace(name=EVIL, docstatus=0, body_text=body_text, closing_text="<p>Cordialement</p>")
	html = env.get_template(PRINT_FORMATS[print_format]).render(
		doc=doc, letter_head="<div class='lh'>En-tête</div>", no_letterhead=0
	)
	assert_escaped(html)
	# The letter's own HTML stays HTML: its head, its texts, its tables and the money macro's span.
	assert "<div class='lh'>En-tête</div>" in html and "<p>Cordialement</p>" in html
	assert (body_text or "<p>") in html and "<table" in html
	assert "&lt;" not in html.replace(ESCAPED, "")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_formal_notice_body_and_closing_texts_escape_what_they_quote(language):
	# The Dunning's body_text is shown raw by the print formats: it must be escaped when it is made.
	letter = evil_letter()
	letter["currency"] = EVIL
	env = frappe_like_env()
	env.globals["frappe"].utils.fmt_money = lambda value, precision, currency: f"{currency} {value}"
	for part in ("body", "closing"):
		html = env.get_template(f"relance_app/templates/formal_notice/{part}.{language}.html").render(
			letter=letter
		)
		assert "<script" not in html and html.startswith("<p>")


def test_reminder_letter_escapes_company_customer_and_address():
	context = sample_context()
	context["customer"]["customer_name"] = EVIL
	context["company"].update(name=EVIL, address=f"{EVIL}\n12 rue de la Paix", siren=EVIL, vat_id=EVIL)
	context["level"]["formal_notice"] = True
	body = render("<p>Bonjour {{ customer.customer_name }}</p>", context)
	html = (
		frappe_like_env()
		.get_template("relance_app/templates/letters/letter.html")
		.render(ctx=context, body=body, recipient_address=f"{EVIL}<br>8 boulevard Voltaire<br/>75011 Paris")
	)
	assert_escaped(html)
	assert "<p>Bonjour " in html
	assert "<br>12 rue de la Paix" in html
	assert "<br>8 boulevard Voltaire<br>75011 Paris" in html
	assert "<br>Evilx()<br>8 boulevard" in html  # the address's markup is dropped, its text kept


def test_email_wrapper_escapes_the_subject_and_keeps_the_message_html():
	html = (
		frappe_like_env()
		.get_template("relance_app/templates/emails/reminder.html")
		.render(subject=EVIL, content="<p>Bonjour</p>", footer="<div>Pied</div>", lang="fr")
	)
	assert f"<title>{ESCAPED}</title>" in html
	assert "<p>Bonjour</p>" in html and "<div>Pied</div>" in html


def test_pdf_page_escapes_the_title_and_keeps_the_letter_html():
	html = (
		frappe_like_env()
		.get_template("relance_app/templates/formal_notice/pdf_page.html")
		.render(title=EVIL, body="<div class='print-format'>L</div>", print_style="a > b {}", lang="fr")
	)
	assert f"<title>{ESCAPED}</title>" in html
	assert "<div class='print-format'>L</div>" in html and "a > b {}" in html


_OLD_FILTER = re.compile(r"\|\s*(money|date_fr|date_long)\b")


def test_nothing_the_app_ships_uses_the_unprefixed_filters():
	# hooks.py registers only the relance_ names: a template with the old ones would not compile in Frappe.
	files = [*APP.joinpath("templates").rglob("*.html"), *APP.joinpath("relance_app").rglob("*.html")]
	files.append(APP / "engine" / "data" / "default_policy.json")
	offenders = [str(f.relative_to(REPO)) for f in files if _OLD_FILTER.search(f.read_text("utf-8"))]
	offenders += [t.name for t in DEFAULT_TEMPLATES if _OLD_FILTER.search(t.subject + t.body())]
	assert not offenders
	hooks = APP.joinpath("hooks.py").read_text("utf-8")
	assert "engine.render.relance_money" in hooks and "engine.render.money" not in hooks
