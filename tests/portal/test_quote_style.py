"""Danish UI text quotes with »…« (review H 9): not “…” nor «…», which stood side by side in
one list of notices. Scans every template (Jinja comments aside) and every string literal of
the portal's Python (docstrings aside; portal/api keeps its own JSON wording).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORTAL, TEMPLATES = ROOT / "portal", ROOT / "templates"

# Files that still quote the other ways, to be converted and then taken off this list (the last
# test says when one is clean).
PENDING: set[str] = set()  # every file converted
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def wrong_quotes(text: str) -> bool:
    """True when ``text`` has “ or ”, or a »/« that does not open with » and close with «."""
    if "“" in text or "”" in text:
        return True
    marks = [ch for ch in text if ch in "»«"]
    return any(ch != ("»" if n % 2 == 0 else "«") for n, ch in enumerate(marks)) or len(marks) % 2 == 1


def template_problems(path: Path) -> list[str]:
    text = _JINJA_COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}"
            for n, line in enumerate(text.split("\n"), 1) if wrong_quotes(line)]


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                found.add(id(first.value))
    return found


def python_problems(path: Path) -> list[str]:
    """String literals (an f-string with ``{}`` for each value; implicit concatenation joined)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in node.values)
            text = "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
        else:
            continue
        if wrong_quotes(text):
            problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text.strip()[:120]}")
    return problems


def _python_files() -> list[Path]:
    return sorted(p for p in PORTAL.rglob("*.py") if "api" not in p.relative_to(PORTAL).parts[:1])


@pytest.mark.parametrize("text, wrong", [
    ("Opslaget »Lager« er oprettet.", False),
    ("Vælg »Ja« eller »Nej«.", False),
    ("Opslaget “Lager” er oprettet.", True),
    ("Kandidat til «Lager».", True),
    ("»Ja« eller «Nej»", True),
    ("»Ja", True),
    ("Ingen citater.", False),
])
def test_the_check_knows_the_danish_style(text, wrong):
    assert wrong_quotes(text) is wrong


def test_templates_quote_with_guillemets_pointing_in():
    problems = [line for path in sorted(TEMPLATES.rglob("*.html")) for line in template_problems(path)]
    assert not problems, "\n".join(problems)


def test_the_portals_danish_strings_quote_with_guillemets_pointing_in():
    problems = [line for path in _python_files() if str(path.relative_to(ROOT)) not in PENDING
                for line in python_problems(path)]
    assert not problems, "\n".join(problems)


def test_the_pending_list_names_only_files_still_to_convert():
    clean = sorted(name for name in PENDING if not python_problems(ROOT / name))
    assert not clean, f"take these off PENDING: {clean}"
