"""One way to show a date or a decimal: :mod:`portal.i18n` (``format_date``, ``format_number``,
``format_hours`` and their template filters).

A date written as ``f"{day:%d.%m.%Y}"`` or ``strftime("%d.%m.%Y kl. %H:%M")`` and a decimal
turned Danish with ``.replace(".", ",")`` look right until the shape changes in one place and
not in the others (review: "dates and decimals formatted by hand", left in part). So no module
under ``portal/`` but ``portal/i18n.py`` formats a day-month date (``%d`` then ``%m``) or swaps a
decimal point for a comma by hand. Machine formats stay allowed: ISO dates (``isoformat()``,
``%Y-%m-%d``), time stamps (``%Y%m%d%H%M%S``), a clock time (``%H:%M``). Reading typed input
(a field's ``process_formdata``) formats nothing and is not checked. The last tests prove the
checks find the shapes that were here before.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "portal" / "i18n.py"
# Day before month with a separator: the Danish shape (dd.mm.yyyy, dd-mm-yyyy, dd/mm).
_DAY_MONTH = re.compile(r"%d\W{1,2}%m")
_READS_INPUT = {"process_formdata"}


def _constant_text(node: ast.AST | None) -> str:
    """The literal text of a string constant or of an f-string's format spec, else ""."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_constant_text(part) for part in node.values)
    return ""


def _formats_text(node: ast.AST) -> bool:
    """An f-string or a ``format(...)``/``str.format``/``str(...)`` call: a value made text."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        return (isinstance(func, ast.Name) and func.id in ("format", "str")) or (
            isinstance(func, ast.Attribute) and func.attr == "format") or (
            isinstance(func, ast.Attribute) and func.attr == "replace" and _formats_text(func.value))
    return False


class _Finder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[str] = []
        self._functions: list[str] = []

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._functions.append(node.name)
        self.generic_visit(node)
        self._functions.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _visit_function

    def _add(self, node: ast.AST, what: str) -> None:
        self.found.append(f"line {node.lineno}: {what}")

    def visit_FormattedValue(self, node: ast.FormattedValue) -> None:
        spec = _constant_text(node.format_spec)
        if _DAY_MONTH.search(spec):
            self._add(node, f"date formatted as {{...:{spec}}}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        texts = [_constant_text(arg) for arg in node.args]
        if name in ("strftime", "format") and any(_DAY_MONTH.search(t) for t in texts):
            self._add(node, f"date formatted with {name}({texts[-1]!r})")
        if name == "replace" and isinstance(func, ast.Attribute) and texts[:2] in ([".", ","], [",", "."]) \
                and not (self._functions and self._functions[-1] in _READS_INPUT):
            decimal_comma = texts[:2] == [".", ","]
            if decimal_comma or _formats_text(func.value):
                self._add(node, f"separators swapped by hand: .replace({texts[0]!r}, {texts[1]!r})")
        self.generic_visit(node)


def hand_formatting(source: str) -> list[str]:
    """Where ``source`` formats a Danish date or a decimal by hand (one line each)."""
    finder = _Finder()
    finder.visit(ast.parse(source))
    return finder.found


def test_no_module_under_portal_formats_a_danish_date_or_decimal_by_hand():
    found = [f"{path.relative_to(ROOT)} {where}"
             for path in sorted((ROOT / "portal").rglob("*.py")) if path != I18N
             for where in hand_formatting(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_checks_find_the_shapes_that_were_here():
    old = '''
def reopen_error(reopened):
    return f"Afslutningsdatoen kan ikke ligge før {reopened:%d.%m.%Y}, hvor sagen blev genåbnet."


def facts(due):
    return f"Svarfrist: {to_local(due).strftime('%d.%m.%Y kl. %H:%M')}"


class HoursField(NumberField):
    def _value(self):
        return "" if self.data is None else f"{self.data:g}".replace(".", ",")


def csv_value(value):
    text = f"{value:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text).replace(".", ",")


def too_many():
    return f"Zip-filen har for mange filer (højst {MAX_ENTRIES:,}).".replace(",", ".")


def size(limit):
    return f"{limit / (1024 * 1024):.1f}".replace(".0", "").replace(".", ",")
'''
    found = hand_formatting(old)
    assert [line.split(":")[0] for line in found] == [
        "line 3", "line 7", "line 12", "line 17", "line 21", "line 25"], found


def test_the_checks_leave_machine_formats_and_input_alone():
    ordinary = '''
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y")


def stamp(moment):
    return moment.strftime("%Y%m%d%H%M%S%f"), moment.isoformat(), f"{moment:%H:%M}", f"{moment:%Y-%m-%d}"


def parse(text):
    return float(text.replace(",", "."))


class DecimalField:
    def process_formdata(self, valuelist):
        raw = valuelist[0]
        if "," not in raw:
            raw = raw.replace(".", ",")
'''
    assert hand_formatting(ordinary) == []
