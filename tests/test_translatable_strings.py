"""Every message the code marks for translation is in the template (main.pot), hence translated in fr.po.

Frappe's extractor (`bench generate-pot-file`) fills main.pot on a bench; this checks, without one, that no
`_("...")` / `N_("...")` in Python nor `__("...")` in JavaScript was added since without its entry: a string
missing from main.pot would reach French users in English.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.test_translations import POT_PATH, read_catalog

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "relance_app"
# `__("text")` or `__('text')` with a literal first argument (what Frappe's JS extractor reads).
JS_CALL = re.compile(r"""\b__\(\s*(?P<q>["'])(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)""")


def source_files(pattern: str) -> list[Path]:
	return sorted(
		path
		for path in APP.rglob(pattern)
		if "tests" not in path.relative_to(APP).parts and not path.name.startswith("test_")
	)


def python_messages() -> dict[str, str]:
	"""Literal first arguments of `_()` and `N_()` calls, with where they are."""
	found: dict[str, str] = {}
	for path in source_files("*.py"):
		for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
			if not (isinstance(node, ast.Call) and node.args):
				continue
			name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
			first = node.args[0]
			if name in ("_", "N_") and isinstance(first, ast.Constant) and isinstance(first.value, str):
				found.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
	return found


def js_messages() -> dict[str, str]:
	found: dict[str, str] = {}
	for path in source_files("*.js"):
		for match in JS_CALL.finditer(path.read_text(encoding="utf-8")):
			text = re.sub(r"\\(.)", r"\1", match.group("text"))
			found.setdefault(text, str(path.relative_to(ROOT)))
	return found


def test_the_extractors_find_the_messages():
	assert "Only submitted invoices are dunned." in python_messages()
	assert len(js_messages()) > 20


def test_every_marked_message_is_in_the_template():
	template = {entry.msgid for entry in read_catalog(POT_PATH)[1]}
	missing = {
		text: where for text, where in {**python_messages(), **js_messages()}.items() if text not in template
	}
	assert not missing, f"{len(missing)} messages missing from main.pot (and fr.po):\n  " + "\n  ".join(
		f"{where}: {text}" for text, where in sorted(missing.items(), key=lambda item: item[1])
	)
