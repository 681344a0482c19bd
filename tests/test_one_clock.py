"""One "today in Denmark": :func:`store.clock.today`, moved in tests with ``tests.clock.travel``.

A second helper that wraps the clock invites a test to patch the wrapper, and the patch then
reaches only the modules that call it through that name (review AA, finding 9): the rest of the
process lives on another day. So no module of ours but ``store/clock.py`` wraps "today", and no
test monkeypatches a "today"; tests travel in time (time-machine) instead. The last two tests
prove the checks can fail on the shapes that were here before.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = ("portal", "indexer", "store", "cvtext", "matching")
CLOCK = ROOT / "store" / "clock.py"
_PATCHED_TODAY = re.compile(r"setattr\([^\n]*today", re.IGNORECASE)
_HOST_CLOCKS = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today")}


def _called_name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def today_wrappers(source: str) -> list[str]:
    """Functions without arguments whose result is another argument-less "today" call."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if node.args.args or node.args.posonlyargs or node.args.kwonlyargs or node.args.vararg:
            continue
        last = node.body[-1]
        if (isinstance(last, ast.Return) and isinstance(last.value, ast.Call) and not last.value.args
                and "today" in _called_name(last.value.func).lower()):
            found.append(node.name)
    return found


def host_clocks_as_values(source: str) -> list[str]:
    """``date.today`` / ``datetime.now`` (also ``datetime.date.today``) used as a value, not called:
    a default, an argument or an assignment that someone else will call on the host's day."""
    tree = ast.parse(source)
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return [f"{node.lineno}: {_called_name(node.value)}.{node.attr}" for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and id(node) not in called
            and (_called_name(node.value), node.attr) in _HOST_CLOCKS]


def patched_todays(source: str) -> list[str]:
    """Lines that monkeypatch something named like "today"."""
    return [line.strip() for line in source.splitlines() if _PATCHED_TODAY.search(line)]


def test_no_module_of_ours_wraps_the_clocks_today():
    wrappers = [f"{path.relative_to(ROOT)}: {name}"
                for package in OURS for path in sorted((ROOT / package).rglob("*.py")) if path != CLOCK
                for name in today_wrappers(path.read_text(encoding="utf-8"))]
    assert wrappers == []


def test_no_module_of_ours_hands_on_the_hosts_clock():
    handed = [f"{path.relative_to(ROOT)}:{found}"
              for package in OURS for path in sorted((ROOT / package).rglob("*.py")) if path != CLOCK
              for found in host_clocks_as_values(path.read_text(encoding="utf-8"))]
    assert handed == []


def test_no_test_patches_a_today():
    here = Path(__file__)
    patched = [f"{path.relative_to(ROOT)}: {line}"
               for path in sorted((ROOT / "tests").rglob("*.py")) if path != here
               for line in patched_todays(path.read_text(encoding="utf-8"))]
    assert patched == []


def test_the_checks_find_the_old_wrapper_the_lazy_seam_and_the_patch():
    old_service = '''
def today_local() -> date:
    """Today's date in Danish local time."""
    return clock.today()
'''
    old_seam = '''
def _today() -> date:
    from . import service  # patched by tests

    return service.today_local()
'''
    assert today_wrappers(old_service) == ["today_local"]
    assert today_wrappers(old_seam) == ["_today"]
    assert patched_todays('    monkeypatch.setattr(service, "today_local", lambda: TODAY)\n') != []


def test_the_check_finds_the_hosts_clock_handed_on():
    old_default = """
def __init__(self, encoder, *, pool_size: int = 200, clock: Callable[[], date] = date.today):
    self.clock = clock
"""
    assert host_clocks_as_values(old_default) == ["2: date.today"]
    assert host_clocks_as_values("service = MatchingService(encoder, backend, clock=datetime.now)\n") \
        == ["1: datetime.now"]
    assert host_clocks_as_values("stamp = field(default_factory=datetime.datetime.now)\n") \
        == ["1: datetime.now"]
    assert host_clocks_as_values("day = datetime.date.today\n") == ["1: date.today"]


def test_the_checks_leave_ordinary_code_alone():
    ordinary = '''
def month_of(today):
    return today.replace(day=1)


def default_month():
    return month_start(clock.today())
'''
    assert today_wrappers(ordinary) == []
    assert host_clocks_as_values(ordinary) == []
    assert host_clocks_as_values("day = date.today()\nservice = MatchingService(e, b, clock=clock.today)\n"
                                 "start = self.today\n") == []
    assert patched_todays("with travel(TODAY):\n    monkeypatch.setattr(service, '_find', fake)\n") == []
