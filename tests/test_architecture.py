"""The arrows point one way: portal → matching, indexer → matching; matching imports nothing of ours."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(package: str) -> dict[str, set[str]]:
    found = {}
    for path in (ROOT / package).rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_matching_imports_nothing_of_ours_and_no_flask():
    for path, names in _imports("matching").items():
        bad = {n for n in names if n.split(".")[0] in ("portal", "indexer", "flask", "flask_login")}
        assert not bad, f"{path} imports {bad}"


def test_indexer_never_imports_portal():
    for path, names in _imports("indexer").items():
        bad = {n for n in names if n.split(".")[0] == "portal"}
        assert not bad, f"{path} imports {bad}"


def test_portal_never_imports_the_indexer():
    for path, names in _imports("portal").items():
        bad = {n for n in names if n.split(".")[0] == "indexer"}
        assert not bad, f"{path} imports {bad}"
