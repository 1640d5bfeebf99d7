"""Test modules share builders, readers and helpers through their own modules (tests/builders/,
tests/readers.py, ...), never by importing another test module or a conftest."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _offenders(root: Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        for module in sorted(_imported_modules(path)):
            last = module.rsplit(".", 1)[-1]
            if module.startswith("tests") and (last.startswith("test_") or last == "conftest"):
                out.append(f"{path.relative_to(root)} imports {module}")
    return out


def test_no_test_module_imports_another_test_module_or_a_conftest():
    assert _offenders(TESTS) == []


def test_the_rule_catches_an_offender(tmp_path):
    (tmp_path / "test_x.py").write_text("from tests.integration.test_taking import open_survey\n")
    (tmp_path / "test_y.py").write_text("from tests.conftest import require\n")
    assert _offenders(tmp_path) == [
        "test_x.py imports tests.integration.test_taking",
        "test_y.py imports tests.conftest",
    ]
