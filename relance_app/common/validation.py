"""The app's Frappe exception classes, and how an engine error becomes a translated `frappe.throw`."""

from __future__ import annotations

from typing import NoReturn

import frappe
from frappe import _

from relance_app.engine.errors import EngineError


class DunningConfigurationError(frappe.ValidationError):
	"""A dunning policy, level or setting that cannot work as configured."""


class TemplateRenderError(frappe.ValidationError):
	"""A reminder template that does not render against a sample invoice."""


class EvidenceLockedError(frappe.PermissionError):
	"""A sent contact-log entry is evidence: only a System Manager may change or delete it."""


class DuplicateStepError(frappe.DuplicateEntryError):
	"""The same automatic dunning step was already recorded for this instalment."""


def engine_message(exc: EngineError) -> str:
	"""The engine's message in the user's language: its template is the translation key."""
	return _(exc.template).format(**exc.params)


def throw_engine_error(
	exc: EngineError, exc_class: type[Exception] = frappe.ValidationError, prefix: str = ""
) -> NoReturn:
	frappe.throw(prefix + engine_message(exc), exc_class)


def translated_warnings(warnings) -> list[str]:
	"""Engine warnings (messages with a template and parameters, or plain strings), translated, each once."""
	seen: list[str] = []
	for warning in warnings:
		text = _(warning.template).format(**warning.params) if hasattr(warning, "template") else _(warning)
		if text not in seen:
			seen.append(text)
	return seen
