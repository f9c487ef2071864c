"""Sandboxed Jinja rendering of reminder emails, SMS texts and letters, over a documented context.

Templates are written by accounts managers (an Email Template editor is not a System Manager), so they run in
Jinja's immutable sandbox with `StrictUndefined`: a typo in a variable name is an error at save time
(rendered against `sample_context()`), not a blank in a letter sent to a customer. A template may only read
its context. Before it compiles, `_refuse_unsafe` rejects, with the line, any template that calls a method
that changes data (``company.update(...)``), reaches a hidden attribute (``_x``, ``__class__``), calls
anything but reading methods, range/dict/namespace and its own macros, or includes other templates; and every
render gets its own copy of the context (`detached`), so no template can change what the next one sees,
whatever the caller passed in (cached company details, ``frappe._dict`` rows).

The context every template receives (see `sample_context()` for a complete example):

``customer``      name, customer_name, contact_name (the person addressed, may be empty), debtor_kind
                  ("Professional", "Consumer", "Public Body"), debtor ("B2B", "B2C", "public")
``company``       name, address, email, phone, iban, bic, siren, vat_id
``invoices``      list, one per instalment: name, posting_date, due_date, grand_total, outstanding,
                  currency, days_overdue, instalment, payment_link
``invoice_names`` the invoice numbers joined by commas, for subjects and SMS
``total``         outstanding of all listed instalments (a Decimal); ``currency`` its currency
``level``         title, label ("J+10"), offset_days, formal_notice, payment_deadline_days
``today``         the date of the message; ``payment_deadline`` today + the level's deadline days (for a
                  formal notice: from receipt of the letter, the date the letter gives)
``payment_link``  a link to pay everything (may be empty); ``iban`` / ``bic`` the company's bank details
``portal_link``   the customer's personal page (see its invoices, pay, promise a date, dispute)
``penalties``     when the level includes penalties: interest, indemnity, total (Decimals), indemnity_count,
                  indemnity_per ("invoice" or "instalment"), indemnity_due (a €40 is claimed), debtor;
                  else None
``late_payment``  debtor, is_professional, indemnity_charged (the policy charges the €40 and the debtor owes
                  it by law), indemnity_per: what a reminder may recall before anything is claimed
``sender``        name of the person or team signing
``broken_promise`` True when a promise to pay was not kept
``language``      the customer's dunning language code ("fr", "en"...): amounts and dates are written in it

Filters (also registered site-wide through hooks.py, hence the prefix): ``relance_money``
(``{{ total | relance_money(currency) }}`` -> ``1 234,56 €``, in English ``€1,234.56``), ``relance_date``
(``23/11/2026``), ``relance_date_long`` (``23 novembre 2026``, ``23 November 2026``): in the language the
message is rendered in (`in_language`, the customer's dunning language), or the one passed as last argument. HTML templates are autoescaped: every value from the
database is escaped, only the template's own markup is HTML.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, UndefinedError, nodes
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Namespace

from relance_app.engine.errors import N_, EngineError


class RenderError(EngineError):
	"""A template that does not render against the documented context."""


_MONTHS_FR = (
	"janvier", "février", "mars", "avril", "mai", "juin",
	"juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_MONTHS_EN = (
	"January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December",
)  # fmt: skip

_CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF"}

# The language the filters write in while a message is rendered (`in_language`); "fr" outside. A ContextVar,
# not a global: each thread (and each request of a worker) renders in its own language.
_LANGUAGE: ContextVar[str] = ContextVar("relance_render_language", default="fr")


def letter_language(code: str | None) -> str:
	"""The language the app writes in for a language code: "fr" for French (fr, fr-FR, fr-CA...), else "en"
	(the app's messages and letters exist in these two)."""
	return "fr" if (code or "fr").strip().lower()[:2] == "fr" else "en"


@contextmanager
def in_language(code: str | None):
	"""Render with the filters writing in `code`'s language (money, dates), whatever the template passes."""
	token = _LANGUAGE.set(letter_language(code))
	try:
		yield
	finally:
		_LANGUAGE.reset(token)


def _language(lang: str | None) -> str:
	return letter_language(lang) if lang else _LANGUAGE.get()


def relance_money(value: object, currency: str = "EUR", lang: str | None = None) -> str:
	"""Money in the letter's language: French 1 234,56 € (narrow groups, decimal comma, symbol after),
	English €1,234.56. `lang` defaults to the language being rendered (`in_language`), else French."""
	amount = Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
	sign = "-" if amount < 0 else ""
	whole, _, cents = f"{abs(amount):.2f}".partition(".")
	groups = []
	while whole:
		groups.insert(0, whole[-3:])
		whole = whole[:-3]
	symbol = _CURRENCY_SYMBOLS.get(currency or "EUR", currency or "")
	if _language(lang) == "en":
		text = ",".join(groups) + "." + cents
		# A symbol is written against the figure (€1,234.56), a code apart (CHF 1,234.56).
		return f"{sign}{symbol}{text}" if len(symbol) == 1 else f"{sign}{symbol}\u00a0{text}"
	# U+202F NARROW NO-BREAK SPACE is the French thousands separator; U+00A0 keeps the symbol attached.
	text = "\u202f".join(groups) + "," + cents
	return f"{sign}{text}\u00a0{symbol}"


def relance_date(value: date | None, lang: str | None = None) -> str:
	"""23/11/2026 (day first in both languages: the letters are written from France)."""
	return value.strftime("%d/%m/%Y") if value else ""


def relance_date_long(value: date | None, lang: str | None = None) -> str:
	"""23 novembre 2026 (1er for the first of the month), in English 23 November 2026."""
	if not value:
		return ""
	if _language(lang) == "en":
		return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
	day = "1er" if value.day == 1 else str(value.day)
	return f"{day} {_MONTHS_FR[value.month - 1]} {value.year}"


# The Python names callers used before the filters were prefixed (hooks.py registers the prefixed ones).
money, date_fr, date_long = relance_money, relance_date, relance_date_long

# What a template may call: methods that only read (strings, mappings, sequences, dates, the loop), the
# harmless globals and its own macros. Everything else is refused when the template is saved and when it runs.
_READING_METHODS = frozenset(
	{
		# str
		"capitalize", "casefold", "center", "count", "endswith", "find", "index", "isalnum",
		"isalpha", "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join",
		"ljust", "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex",
		"rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase",
		"title", "upper", "zfill",
		# mappings
		"get", "items", "keys", "values",
		# dates
		"strftime", "isoformat", "weekday", "isoweekday",
		# the loop
		"cycle", "changed",
	}
)  # fmt: skip
_READABLE_TYPES = (str, Mapping, list, tuple, date, LoopContext)
_MUTATING_METHODS = frozenset(
	{
		"update", "setdefault", "pop", "popitem", "clear", "append", "extend", "insert", "remove", "sort",
		"reverse", "add", "discard", "difference_update", "intersection_update",
		"symmetric_difference_update", "appendleft", "extendleft", "popleft", "rotate",
		"set", "db_set", "save", "delete", "submit", "cancel",
	}
)  # fmt: skip
_SAFE_GLOBALS = {"range": range, "dict": dict, "namespace": Namespace}


class _ReadOnlyEnvironment(ImmutableSandboxedEnvironment):
	"""Jinja's immutable sandbox, with hidden names refused even as mapping keys and a whitelist of calls."""

	def getattr(self, obj: Any, attribute: str) -> Any:
		_refuse_hidden(attribute)
		return super().getattr(obj, attribute)

	def getitem(self, obj: Any, argument: Any) -> Any:
		_refuse_hidden(argument)
		return super().getitem(obj, argument)

	def is_safe_callable(self, obj: Any) -> bool:
		if isinstance(obj, Macro) or any(obj is allowed for allowed in _SAFE_GLOBALS.values()):
			return True
		owner = getattr(obj, "__self__", None)
		return getattr(obj, "__name__", "") in _READING_METHODS and isinstance(owner, _READABLE_TYPES)


def _refuse_hidden(name: object) -> None:
	if isinstance(name, str) and name.startswith("_"):
		raise SecurityError(f"access to the hidden attribute {name!r} is not allowed")


def _environment(autoescape: bool) -> _ReadOnlyEnvironment:
	env = _ReadOnlyEnvironment(undefined=StrictUndefined, autoescape=autoescape, keep_trailing_newline=False)
	env.globals.clear()
	env.globals.update(_SAFE_GLOBALS)
	filters = {
		"relance_money": relance_money,
		"relance_date": relance_date,
		"relance_date_long": relance_date_long,
	}
	env.filters.update(filters)
	# The short names stay in this private environment only, for SMS texts and templates written before 0.3
	# (the v0_3 patch rewrites the stored ones); the shipped templates use the prefixed names (tested).
	env.filters.update(money=relance_money, date_fr=relance_date, date_long=relance_date_long)
	return env


_HTML_ENV = _environment(autoescape=True)
_TEXT_ENV = _environment(autoescape=False)


def _refuse_unsafe(tree: nodes.Template) -> None:
	"""Raise `RenderError` for the first construct of `tree` that could do more than read its context.

	Checked on the source, so a branch that the sample context does not take is refused as well.
	"""
	macros = {macro.name for macro in tree.find_all(nodes.Macro)} | {"caller"}
	for node in tree.find_all(nodes.Node):
		line = node.lineno
		if isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
			raise RenderError(N_("Line {line}: a template may not include or import another one."), line=line)
		hidden = None
		if isinstance(node, nodes.Getattr):
			hidden = node.attr
		elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
			hidden = node.arg.value
		elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
			hidden = getattr(node.args[0], "value", None)
		if isinstance(hidden, str) and hidden.startswith("_"):
			raise RenderError(
				N_("Line {line}: a template may not read hidden attributes such as {name}."),
				line=line,
				name=hidden,
			)
	# Calls second: `''.__class__.__subclasses__()` is refused for what it reaches, not for the call.
	for node in tree.find_all(nodes.Call):
		_check_call(node, macros)


def _check_call(node: nodes.Call, macros: set[str]) -> None:
	callee = node.node
	if isinstance(callee, nodes.Getattr):
		name = callee.attr
		if name in _MUTATING_METHODS:
			raise RenderError(
				N_("Line {line}: a template may only read its data, it may not change it ({name})."),
				line=node.lineno,
				name=name,
			)
		if name in _READING_METHODS:
			return
	elif isinstance(callee, nodes.Name):
		name = callee.name
		if name in _SAFE_GLOBALS or name in macros:
			return
	else:
		name = "()"
	raise RenderError(
		N_(
			"Line {line}: a template may not call {name}; it may call its own macros, range, dict, namespace "
			"and reading methods such as upper or items."
		),
		line=node.lineno,
		name=name,
	)


@lru_cache(maxsize=256)
def _compiled(template: str, html: bool) -> Template:
	# Compiling is most of the cost of a render; a run renders the same few templates thousands of times.
	env = _HTML_ENV if html else _TEXT_ENV
	tree = env.parse(template)
	_refuse_unsafe(tree)
	return env.from_string(tree)


_IMMUTABLE = (str, bytes, int, float, Decimal, date, type(None))


_OLD_FILTER = re.compile(r"(\|\s*)(money|date_fr|date_long)\b")
_PREFIXED = {"money": "relance_money", "date_fr": "relance_date", "date_long": "relance_date_long"}


def prefix_filters(template: str) -> str:
	"""`template` with the filters' names of before 0.3 (``| money(...)``, ``|date_fr``) prefixed."""
	return _OLD_FILTER.sub(lambda m: m.group(1) + _PREFIXED[m.group(2)], template or "")


def detached(value: Any) -> Any:
	"""A deep copy of a context, as plain dicts and lists: what one template sees, nobody else shares."""
	if isinstance(value, _IMMUTABLE):
		return value
	if isinstance(value, Mapping):
		return {key: detached(item) for key, item in value.items()}
	if isinstance(value, tuple):
		return tuple(detached(item) for item in value)
	if isinstance(value, list):
		return [detached(item) for item in value]
	return copy.deepcopy(value)


def render(template: str, context: Mapping[str, Any], *, html: bool = True) -> str:
	"""Render `template` (HTML-escaped when `html`) or raise `RenderError` saying what is wrong.

	Nothing outside the returned text changes: the template gets a copy of `context` and may only read it.
	"""
	try:
		return _compiled(template or "", html).render(**detached(context))
	except RenderError:
		raise
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
			"debtor_kind": "Professional",
			"debtor": "B2B",
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
		"portal_link": "https://erp.example.com/relance?t=eyJleGVtcGxlIjoxfQ",
		"iban": "FR76 3000 6000 0112 3456 7890 189",
		"bic": "AGRIFRPP",
		"penalties": {
			"interest": Decimal("4.79"),
			"indemnity": Decimal("40.00"),
			"total": Decimal("44.79"),
			"indemnity_count": 1,
			"indemnity_unit": Decimal("40.00"),
			"indemnity_per": "invoice",
			"indemnity_due": True,
			"debtor": "B2B",
			"warnings": [],
		},
		"late_payment": {
			"debtor": "B2B",
			"is_professional": True,
			"indemnity_charged": True,
			"indemnity_per": "invoice",
		},
		"sender": "Service comptabilité",
		"broken_promise": False,
		"language": "fr",
	}


def check_template(template: str, *, html: bool = True) -> None:
	"""Raise `RenderError` unless `template` renders against the sample context."""
	render(template, sample_context(), html=html)
