"""Every doctype JSON in the app parses and is consistent with what Frappe v15 accepts."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "relance_app"
DOCTYPE_FILES = sorted(APP.glob("*/doctype/*/*.json"))

# frappe/model/__init__.py (v15): data_fieldtypes + no_value_fields.
KNOWN_FIELDTYPES = {
	"Currency", "Int", "Long Int", "Float", "Percent", "Check", "Small Text", "Long Text", "Code",
	"Text Editor", "Markdown Editor", "HTML Editor", "Date", "Datetime", "Time", "Text", "Data", "Link",
	"Dynamic Link", "Password", "Select", "Rating", "Read Only", "Attach", "Attach Image", "Signature",
	"Color", "Barcode", "Geolocation", "Duration", "Icon", "Phone", "Autocomplete", "JSON",
	"Section Break", "Column Break", "Tab Break", "HTML", "Table", "Table MultiSelect", "Button", "Image",
	"Fold", "Heading",
}  # fmt: skip
LINKISH = {"Link", "Table", "Table MultiSelect"}
DOCTYPES_ELSEWHERE = {
	"Company", "Customer", "Sales Invoice", "Email Template", "User", "Communication", "ToDo", "Dunning",
	"Currency", "Email Account", "Contact", "Customer Group", "Address",
}  # fmt: skip


def ids(path: Path) -> str:
	return path.parent.name


def load(path: Path) -> dict:
	return json.loads(path.read_text(encoding="utf-8"))


def our_doctypes() -> set[str]:
	return {load(p)["name"] for p in DOCTYPE_FILES}


def test_the_app_ships_its_doctypes():
	assert {
		"Dunning Policy",
		"Dunning Level",
		"Dunning Contact Log",
		"Dunning Settings",
		"Late Payment Rate",
	} <= (our_doctypes())


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=ids)
def test_doctype_json_is_well_formed(path):
	doc = load(path)
	assert doc["doctype"] == "DocType"
	assert doc["module"] == "Relance App"
	assert path.stem == doc["name"].lower().replace(" ", "_") == path.parent.name
	fieldnames = [f["fieldname"] for f in doc["fields"]]
	assert len(fieldnames) == len(set(fieldnames)), "duplicate fieldname"
	assert doc["field_order"] == fieldnames, "field_order must list every field once, in order"


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=ids)
def test_fields_use_only_fieldtypes_frappe_knows(path):
	unknown = {
		f["fieldname"]: f["fieldtype"] for f in load(path)["fields"] if f["fieldtype"] not in KNOWN_FIELDTYPES
	}
	assert unknown == {}


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=ids)
def test_links_point_at_existing_doctypes(path):
	known = our_doctypes() | DOCTYPES_ELSEWHERE
	for field in load(path)["fields"]:
		if field["fieldtype"] in LINKISH:
			assert field.get("options") in known, field["fieldname"]


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=ids)
def test_select_defaults_are_among_the_options(path):
	for field in load(path)["fields"]:
		if field["fieldtype"] == "Select" and field.get("default"):
			assert field["default"] in field["options"].split("\n"), field["fieldname"]


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=ids)
def test_controller_class_and_type_hints_match_the_json(path):
	doc = load(path)
	controller = path.with_suffix(".py")
	assert controller.exists(), f"{controller.name} is missing"
	tree = ast.parse(controller.read_text(encoding="utf-8"))
	classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
	class_name = doc["name"].replace(" ", "")
	assert [c.name for c in classes if c.name == class_name] == [class_name]
	source = controller.read_text(encoding="utf-8")
	for field in doc["fields"]:
		if field["fieldtype"] not in {"Section Break", "Column Break", "Tab Break", "HTML", "Button"}:
			assert f"\t\t{field['fieldname']}: DF." in source, (
				f"DF type hint missing for {field['fieldname']}"
			)


@pytest.mark.parametrize("path", DOCTYPE_FILES, ids=ids)
def test_non_child_doctypes_grant_permissions(path):
	doc = load(path)
	if not doc.get("istable"):
		roles = {p["role"] for p in doc["permissions"]}
		assert "System Manager" in roles
		assert "Guest" not in roles and "All" not in roles
