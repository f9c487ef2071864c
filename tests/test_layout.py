"""The shape of the code, checked statically: no import cycle, data flowing one way between the domain
packages, every imported name defined where it is imported from, small modules, ASCII paths.

These read the source with `ast` (lazy imports inside functions included); nothing is imported, so they run
without frappe.
"""

from __future__ import annotations

import ast
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "relance_app"
MAX_LINES = 500

# Bottom to top: a package may import its own layer and the ones below it, never one above. The engine is pure;
# `common` is the Frappe layer's foundation; `penalties` feeds the formal notice, which the dunning run uses;
# screens, hooks and setup sit on top. Modules outside these packages (hooks, commands, the module folder
# with doctypes and reports, tests, patches) are consumers and may import any of them.
LAYERS = (
	("engine",),
	("common",),
	("penalties",),
	("formal_notice",),
	("dunning",),
	("api", "desk", "overrides", "setup", "litigation", "portal"),
)
RANK = {package: rank for rank, packages in enumerate(LAYERS) for package in packages}


def module_name(path: Path) -> str:
	parts = list(path.relative_to(ROOT).with_suffix("").parts)
	if parts[-1] == "__init__":
		parts.pop()
	return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
	return {module_name(path): path for path in APP.rglob("*.py")}


@cache
def tree(path: Path) -> ast.Module:
	return ast.parse(path.read_text(encoding="utf-8"), str(path))


def imports(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
	"""(line, module, names) of every import of a relance_app module in `path`, at any depth."""
	found = []
	for node in ast.walk(tree(path)):
		if isinstance(node, ast.Import):
			found += [
				(node.lineno, alias.name, ()) for alias in node.names if alias.name.startswith("relance_app")
			]
		elif (
			isinstance(node, ast.ImportFrom)
			and node.level == 0
			and (node.module or "").startswith("relance_app")
		):
			found.append((node.lineno, node.module, tuple(alias.name for alias in node.names)))
	return found


def edges() -> dict[str, set[str]]:
	"""Module -> the relance_app modules it imports (a name that is a submodule counts as that submodule)."""
	known = modules()
	graph: dict[str, set[str]] = {name: set() for name in known}
	for name, path in known.items():
		for _line, target, names in imports(path):
			graph[name].add(target)
			graph[name].update(f"{target}.{n}" for n in names if f"{target}.{n}" in known)
	return graph


def defined_names(path: Path) -> set[str]:
	names = set()
	for node in tree(path).body:
		if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
			names.add(node.name)
		elif isinstance(node, ast.Assign):
			names.update(t.id for t in node.targets if isinstance(t, ast.Name))
		elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
			names.add(node.target.id)
		elif isinstance(node, (ast.Import, ast.ImportFrom)):
			names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
	return names


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
	"""Strongly connected components with more than one module, or a module importing itself (Tarjan)."""
	index: dict[str, int] = {}
	low: dict[str, int] = {}
	stack: list[str] = []
	on_stack: set[str] = set()
	found: list[list[str]] = []

	def visit(node: str) -> None:
		index[node] = low[node] = len(index)
		stack.append(node)
		on_stack.add(node)
		for target in sorted(graph.get(node, ())):
			if target not in graph:
				continue
			if target not in index:
				visit(target)
				low[node] = min(low[node], low[target])
			elif target in on_stack:
				low[node] = min(low[node], index[target])
		if low[node] == index[node]:
			component = []
			while True:
				member = stack.pop()
				on_stack.discard(member)
				component.append(member)
				if member == node:
					break
			if len(component) > 1 or node in graph.get(node, ()):
				found.append(sorted(component))

	for node in sorted(graph):
		if node not in index:
			visit(node)
	return found


def package_of(module: str) -> str | None:
	parts = module.split(".")
	return parts[1] if len(parts) > 1 and parts[1] in RANK else None


def test_the_checks_see_the_whole_app():
	known = modules()
	assert len(known) > 40
	for package in RANK:
		assert f"relance_app.{package}" in known, f"package {package} has no __init__.py"


def test_cycle_finder_finds_a_cycle_and_only_a_cycle():
	assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
	assert cycles({"a": {"b"}, "b": set()}) == []
	assert cycles({"a": {"a"}}) == [["a"]]


def test_no_import_cycle_inside_relance_app_lazy_imports_included():
	assert cycles(edges()) == []


def test_no_package_imports_a_package_above_it():
	wrong = []
	for name, path in modules().items():
		source = package_of(name)
		if source is None:
			continue
		for line, target, _names in imports(path):
			target_package = package_of(target)
			if target_package is not None and RANK[target_package] > RANK[source]:
				wrong.append(
					f"{path.relative_to(ROOT)}:{line} ({source}) imports {target} ({target_package})"
				)
	assert wrong == []


def test_every_imported_name_exists_where_it_is_imported_from():
	known = modules()
	missing = []
	for path in known.values():
		for line, target, names in imports(path):
			if target not in known:
				missing.append(f"{path.relative_to(ROOT)}:{line} imports missing module {target}")
				continue
			defined = defined_names(known[target])
			for imported in names:
				if imported not in defined and f"{target}.{imported}" not in known:
					missing.append(f"{path.relative_to(ROOT)}:{line} imports {imported!r} from {target}")
	assert missing == []


def test_dotted_paths_in_hooks_and_desk_files_point_at_real_functions():
	"""hooks.py, print formats, JS and JSON name Python functions by dotted path: each must exist."""
	import re

	known = modules()
	pattern = re.compile(r"relance_app(?:\.[a-z_][a-z0-9_]*)+")
	wrong = []
	files = [APP / "hooks.py", *APP.rglob("*.js"), *APP.rglob("*.json"), *APP.rglob("*.html")]
	for file in files:
		for dotted in set(pattern.findall(file.read_text(encoding="utf-8"))):
			module, _, attribute = dotted.rpartition(".")
			if dotted in known:
				continue
			if module in known and attribute in defined_names(known[module]):
				continue
			if dotted == "relance_app.api":  # sales_invoice.js appends "<module>.<method>" to this prefix
				continue
			wrong.append(f"{file.relative_to(ROOT)}: {dotted}")
	assert sorted(wrong) == []


@pytest.mark.parametrize("path", sorted(APP.rglob("*.py")), ids=lambda p: str(p.relative_to(APP)))
def test_no_module_outside_tests_is_over_500_lines(path):
	if "tests" in path.relative_to(APP).parts or path.name.startswith("test_"):
		pytest.skip("tests may be long")
	assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def tracked_paths() -> list[str]:
	try:
		out = subprocess.run(
			["git", "-c", "core.quotepath=off", "ls-files", "-z"],
			cwd=ROOT,
			capture_output=True,
			check=True,
		).stdout
	except (OSError, subprocess.CalledProcessError):
		return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if ".git" not in p.parts]
	return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def test_every_tracked_path_is_ascii():
	paths = tracked_paths()
	assert len(paths) > 50
	assert [p for p in paths if not p.isascii()] == []
