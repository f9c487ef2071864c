"""Sandboxed Jinja rendering of reminder emails, SMS texts and letters, over a documented context.

Templates are written by accounts managers, so they run in Jinja's sandbox with `StrictUndefined`: a typo
in a variable name is an error at save time (rendered against `sample_context()`), not a blank in a
letter sent to a customer.

The context every template receives (see `sample_context()` for a complete example):

``customer``      name, customer_name, contact_name (the person addressed, may be empty)
``company``       name, address, email, phone, iban, bic, siren, vat_id
``invoices``      list, one per instalment: name, posting_date, due_date, grand_total, outstanding,
                  currency, days_overdue, instalment, payment_link
``invoice_names`` the invoice numbers joined by commas, for subjects and SMS
``total``         outstanding of all listed instalments (a Decimal); ``currency`` its currency
``level``         title, label ("J+10"), offset_days, formal_notice, payment_deadline_days
``today``         the date of the message; ``payment_deadline`` today + the level's deadline days
``payment_link``  a link to pay everything (may be empty); ``iban`` / ``bic`` the company's bank details
``penalties``     when the level includes penalties: interest, indemnity, total (Decimals), else None
``sender``        name of the person or team signing
``broken_promise`` True when a promise to pay was not kept

Filters: ``money`` (``{{ total | money(currency) }}`` -> ``1 234,56 €``), ``date_fr`` (``23/11/2026``),
``date_long`` (``23 novembre 2026``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from relance_app.engine.errors import N_, EngineError


class RenderError(EngineError):
	"""A template that does not render against the documented context."""


_MONTHS_FR = (
	"janvier", "février", "mars", "avril", "mai", "juin",
	"juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

_CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}


def money(value: object, currency: str = "EUR") -> str:
	"""French money format: thin groups of three, decimal comma, symbol after: 1 234,56 €."""
	amount = Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
	sign = "-" if amount < 0 else ""
	whole, _, cents = f"{abs(amount):.2f}".partition(".")
	groups = []
	while whole:
		groups.insert(0, whole[-3:])
		whole = whole[:-3]
	# U+202F NARROW NO-BREAK SPACE is the French thousands separator; U+00A0 keeps the symbol attached.
	text = "\u202f".join(groups) + "," + cents
	return f"{sign}{text}\u00a0{_CURRENCY_SYMBOLS.get(currency, currency)}"


def date_fr(value: date | None) -> str:
	return value.strftime("%d/%m/%Y") if value else ""


def date_long(value: date | None) -> str:
	if not value:
		return ""
	day = "1er" if value.day == 1 else str(value.day)
	return f"{day} {_MONTHS_FR[value.month - 1]} {value.year}"


def _environment(autoescape: bool) -> SandboxedEnvironment:
	env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=autoescape, keep_trailing_newline=False)
	env.filters.update(money=money, date_fr=date_fr, date_long=date_long)
	return env


_HTML_ENV = _environment(autoescape=True)
_TEXT_ENV = _environment(autoescape=False)


@lru_cache(maxsize=256)
def _compiled(template: str, html: bool) -> Template:
	# Compiling is most of the cost of a render; a run renders the same few templates thousands of times.
	return (_HTML_ENV if html else _TEXT_ENV).from_string(template)


def render(template: str, context: Mapping[str, Any], *, html: bool = True) -> str:
	"""Render `template` (HTML-escaped when `html`) or raise `RenderError` saying what is wrong."""
	try:
		return _compiled(template or "", html).render(**context)
	except TemplateSyntaxError as exc:
		raise RenderError(
			N_("Template syntax error on line {line}: {message}"), line=exc.lineno, message=exc.message
		) from None
	except UndefinedError as exc:
		raise RenderError(
			N_("The template uses a variable that does not exist: {message}"), message=exc.message
		) from None
	except SecurityError as exc:
		raise RenderError(
			N_("The template does something not allowed: {message}"), message=str(exc)
		) from None
	except TemplateError as exc:
		raise RenderError(N_("The template cannot be rendered: {message}"), message=str(exc)) from None
	except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError) as exc:
		raise RenderError(N_("The template cannot be rendered: {message}"), message=str(exc)) from None


def sample_context(today: date | None = None) -> dict[str, Any]:
	"""A complete, realistic context: what templates are checked against when saved."""
	today = today or date(2026, 11, 23)
	due = today - timedelta(days=12)
	return {
		"customer": {
			"name": "CUST-0001",
			"customer_name": "Boulangerie Martin",
			"contact_name": "Mme Martin",
		},
		"company": {
			"name": "Exemple SAS",
			"address": "12 rue de la Paix\n75002 Paris",
			"email": "compta@exemple.fr",
			"phone": "01 23 45 67 89",
			"iban": "FR76 3000 6000 0112 3456 7890 189",
			"bic": "AGRIFRPP",
			"siren": "123 456 789",
			"vat_id": "FR12123456789",
		},
		"invoices": [
			{
				"name": "ACC-SINV-2026-00042",
				"posting_date": due - timedelta(days=30),
				"due_date": due,
				"grand_total": Decimal("1200.00"),
				"outstanding": Decimal("1200.00"),
				"currency": "EUR",
				"days_overdue": (today - due).days,
				"instalment": "",
				"payment_link": "https://pay.example.com/ACC-SINV-2026-00042",
			}
		],
		"invoice_names": "ACC-SINV-2026-00042",
		"total": Decimal("1200.00"),
		"currency": "EUR",
		"level": {
			"title": "Relance",
			"label": "J+10",
			"offset_days": 10,
			"formal_notice": False,
			"payment_deadline_days": 8,
		},
		"today": today,
		"payment_deadline": today + timedelta(days=8),
		"payment_link": "https://pay.example.com/ACC-SINV-2026-00042",
		"iban": "FR76 3000 6000 0112 3456 7890 189",
		"bic": "AGRIFRPP",
		"penalties": {"interest": Decimal("4.79"), "indemnity": Decimal("40.00"), "total": Decimal("44.79")},
		"sender": "Service comptabilité",
		"broken_promise": False,
	}


def check_template(template: str, *, html: bool = True) -> None:
	"""Raise `RenderError` unless `template` renders against the sample context."""
	render(template, sample_context(), html=html)
