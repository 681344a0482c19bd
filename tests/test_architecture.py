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


def test_indexer_never_imports_portal_routes_or_flask_request_state():
    allowed = ("store.models", "store.profiles", "store.outbox", "store.embedding_store",
               "portal.extensions", "portal.database")
    for path, names in _imports("indexer").items():
        bad = {n for n in names if n.startswith("portal.") and not n.startswith(allowed)}
        assert not bad, f"{path} imports {bad}"


def test_portal_uses_only_the_indexers_extraction_and_status():
    for path, names in _imports("portal").items():
        bad = {n for n in names if n.startswith("indexer") and n != "indexer.status"}
        assert not bad, f"{path} imports {bad}"
