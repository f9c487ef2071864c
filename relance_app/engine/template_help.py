"""Help for people writing templates: the variables a template may use, with an example value, and what an
unknown variable was probably meant to be.

Jinja says "'dict object' has no attribute 'custmer_name'"; an accounts manager needs "Unknown variable
customer.custmer_name: did you mean customer.customer_name?". `unknown_variable` finds the dotted path in the
template and the closest known name (difflib) in the context the template is rendered with.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

_NO_ATTRIBUTE = re.compile(r"has no (?:attribute|element) '([^']+)'")
_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined")
_LOOP = re.compile(r"{%-?\s*for\s+(\w+)\s+in\s+([\w.]+)")


@dataclass(frozen=True)
class UnknownVariable:
	"""The path the template wrote (``customer.custmer_name``) and the closest known one, or ""."""

	written: str
	suggestion: str


def unknown_variable(template: str, message: str, context: Mapping[str, Any]) -> UnknownVariable | None:
	"""What Jinja's UndefinedError `message` is about in `template`, with a suggestion; None if not one."""
	match = _UNDEFINED_NAME.search(message or "")
	if match:
		name = match.group(1)
		return UnknownVariable(name, _closest(name, list(context)))
	match = _NO_ATTRIBUTE.search(message or "")
	if not match:
		return None
	name = match.group(1)
	found = re.search(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\.(" + re.escape(name) + r")\b", template or "")
	if not found:
		found = re.search(
			r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\[['\"]" + re.escape(name) + r"['\"]\]", template or ""
		)
	if not found:
		return UnknownVariable(name, _closest(name, sorted(_all_keys(context))))
	parent = found.group(1)
	value = _resolve(parent, context, _loop_variables(template))
	keys = list(value) if isinstance(value, Mapping) else sorted(_all_keys(context))
	best = _closest(name, keys)
	return UnknownVariable(f"{parent}.{name}", f"{parent}.{best}" if best else "")


def _closest(name: str, candidates: list[str]) -> str:
	matches = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
	return matches[0] if matches else ""


def _loop_variables(template: str) -> dict[str, str]:
	"""``{% for inv in invoices %}`` -> {"inv": "invoices"}: a loop variable stands for an item of its list."""
	return {var: source for var, source in _LOOP.findall(template or "")}


def _resolve(path: str, context: Mapping[str, Any], loops: dict[str, str]) -> Any:
	head, *rest = path.split(".")
	if head in loops and head not in context:
		value = _resolve(loops[head], context, loops)
		value = value[0] if isinstance(value, list | tuple) and value else value
	else:
		value = context.get(head)
	for part in rest:
		value = value.get(part) if isinstance(value, Mapping) else None
	return value


def _all_keys(value: Any) -> set[str]:
	keys: set[str] = set()
	if isinstance(value, Mapping):
		for key, item in value.items():
			keys.add(key)
			keys |= _all_keys(item)
	elif isinstance(value, list | tuple):
		for item in value[:1]:
			keys |= _all_keys(item)
	return keys


def variables(context: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
	"""Every variable a template may use, as (path, example value as text), in the context's order.

	A list shows its first item's fields as ``invoices[0].name`` (templates loop over it)."""
	rows: list[tuple[str, str]] = []
	for key, value in context.items():
		path = f"{prefix}{key}"
		if isinstance(value, Mapping):
			rows += variables(value, path + ".")
		elif isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
			rows += variables(value[0], path + "[0].")
		else:
			rows.append((path, _example(value)))
	return rows


def _example(value: Any) -> str:
	if value is None:
		return ""
	if isinstance(value, date):
		return value.isoformat()
	if isinstance(value, Decimal | int | float | bool):
		return str(value)
	if isinstance(value, list | tuple):
		return ", ".join(_example(item) for item in value)
	return str(value)
