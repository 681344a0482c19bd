"""The portal's text rule and domain error base live apart from the forms (review BN 9).

``portal.text`` (clean_text, clean_line, the hidden-character rule, the messages) and
``portal.rules`` (RuleError, raise_all) import neither Flask nor WTForms, so a service that
cleans a line or raises a rule error does not load a Flask-WTF module for it; and no module
takes those names from ``portal.formutil`` any more (it only imports them for its validators).
Read from the source with ast, nothing is imported.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE = ("portal/text.py", "portal/rules.py")
WEB = ("flask", "flask_wtf", "wtforms", "werkzeug")
MOVED = frozenset({"RuleError", "raise_all", "clean_text", "clean_line", "is_hidden", "hidden_characters_in",
                   "HIDDEN_MESSAGE", "NUL_MESSAGE", "CPR_IN_TEXT_MESSAGE"})
SCANNED = ("portal", "tests", "scripts", "loadtest", "indexer", "store", "matching", "cvtext")


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _imported(path: Path, tree: ast.AST):
    """(absolute module, imported names, line) of every import in ``tree``, relative ones resolved."""
    name, is_package = _module_name(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield module, tuple(alias.name for alias in node.names), node.lineno


def _python_files():
    for top in SCANNED:
        yield from sorted((ROOT / top).rglob("*.py"))


def web_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [module for module, _names, _line in _imported(path, tree)
            if module.split(".")[0] in WEB or module in ("portal.formutil", "portal.i18n")]


def moved_names_from_formutil(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"{path.relative_to(ROOT)}:{line}: {name}"
             for module, names, line in _imported(path, tree) if module == "portal.formutil"
             for name in names if name in MOVED]
    found += [f"{path.relative_to(ROOT)}:{node.lineno}: formutil.{node.attr}" for node in ast.walk(tree)
              if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id == "formutil" and node.attr in MOVED]
    return found


def test_text_and_rules_import_no_flask_or_wtforms():
    for relative in PURE:
        assert web_imports(ROOT / relative) == [], relative


def test_no_module_takes_a_moved_name_from_formutil():
    assert [hit for path in _python_files() for hit in moved_names_from_formutil(path)] == []


def test_formutil_defines_none_of_the_moved_names():
    tree = ast.parse((ROOT / "portal/formutil.py").read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    defined |= {target.id for node in tree.body if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    assert defined & MOVED == set()


def test_the_checks_find_what_they_look_for(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "portal" / "imports").mkdir(parents=True)
    service = tmp_path / "portal" / "imports" / "service.py"
    service.write_text("from ..formutil import DanishForm, clean_line\nfrom portal import formutil\n"
                       "formutil.RuleError\n", encoding="utf-8")
    assert moved_names_from_formutil(service) == ["portal/imports/service.py:1: clean_line",
                                                   "portal/imports/service.py:3: formutil.RuleError"]
    text = tmp_path / "portal" / "text.py"
    text.write_text("import unicodedata\nfrom flask import g\nfrom wtforms.validators import ValidationError\n",
                    encoding="utf-8")
    assert web_imports(text) == ["flask", "wtforms.validators"]


def test_the_moved_names_work_from_their_new_modules():
    from portal.rules import RuleError, raise_all
    from portal.text import clean_line, clean_text, hidden_characters_in

    assert clean_line("  to\u00a0  ord\n ") == "to ord"
    assert clean_text("\ufeffa\r\nb\u200b") == "a\nb"
    assert hidden_characters_in("a\u202eb") and not hidden_characters_in("a\tb")
    errors = [RuleError("Første", "a"), RuleError("Anden", "b")]
    try:
        raise_all(errors)
    except RuleError as err:
        assert [one.message for one in err.every] == ["Første", "Anden"]
    else:
        raise AssertionError("raise_all raised nothing")
