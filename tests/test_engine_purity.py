"""The engine must run without frappe: nothing below relance_app/engine may import it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parent.parent / "relance_app" / "engine"
FORBIDDEN = ("frappe", "erpnext")


def imported_roots(path: Path) -> set[str]:
	roots = set()
	for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
		if isinstance(node, ast.Import):
			roots.update(alias.name.split(".")[0] for alias in node.names)
		elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
			roots.add(node.module.split(".")[0])
	return roots


def test_no_engine_module_imports_frappe_or_erpnext():
	files = sorted(ENGINE.rglob("*.py"))
	assert len(files) >= 5, "the engine package was not found"
	offenders = {str(f.relative_to(ENGINE)): sorted(imported_roots(f) & set(FORBIDDEN)) for f in files}
	assert {k: v for k, v in offenders.items() if v} == {}


def test_engine_and_cli_import_in_a_python_where_frappe_cannot_be_imported():
	# A meta-path hook makes `import frappe` fail, whatever is installed; the engine must not notice.
	code = (
		"import sys\n"
		"class Block:\n"
		"    def find_spec(self, name, path=None, target=None):\n"
		"        if name.split('.')[0] in ('frappe', 'erpnext'): raise ImportError('blocked: ' + name)\n"
		"sys.meta_path.insert(0, Block())\n"
		"import relance_app.engine.cli, relance_app.engine.plan, relance_app.engine.policy, relance_app.engine.render\n"
		"import relance_app.engine.law, relance_app.engine.rates\n"
		"print('ok')\n"
	)
	proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
	assert proc.returncode == 0, proc.stderr
	assert proc.stdout.strip() == "ok"
