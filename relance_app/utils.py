"""Small helpers shared by the Frappe layer."""

from __future__ import annotations

from typing import NoReturn

import frappe
from frappe import _

from relance_app.engine.errors import EngineError


def engine_message(exc: EngineError) -> str:
	"""The engine's message in the user's language: its template is the translation key."""
	return _(exc.template).format(**exc.params)


def throw_engine_error(
	exc: EngineError, exc_class: type[Exception] = frappe.ValidationError, prefix: str = ""
) -> NoReturn:
	frappe.throw(prefix + engine_message(exc), exc_class)
