"""Every full-path reference in our docstrings names something that exists.

A reference to a module that was never written (review AA, finding 8: ``portal.shared_goal``,
long before the module of that name) sends a maintainer looking for code that is not there. Each ``:mod:``,
``:func:``, ``:class:``, ``:data:``, ``:meth:``, ``:attr:`` or ``:exc:`` reference that starts
with one of our packages is imported and looked up here. Short references (``:func:`end```)
are left to the reader: they name something in the module itself.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = ("portal", "store", "matching", "indexer", "cvtext")
REFERENCE = re.compile(r":(?:mod|func|class|data|meth|attr|exc|obj):`~?((?:%s)\.[\w.]+)`" % "|".join(OURS))


def resolves(dotted: str) -> bool:
    """Whether ``dotted`` is a module of ours, or an attribute path under the longest one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            found = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name and name.startswith(error.name):
                continue  # not a module: try the parent, the rest are attributes
            raise
        for attribute in parts[cut:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


def test_every_full_path_reference_in_a_docstring_exists():
    dangling = [f"{path.relative_to(ROOT)}: {match.group(1)}"
                for package in OURS for path in sorted((ROOT / package).rglob("*.py"))
                for match in REFERENCE.finditer(path.read_text(encoding="utf-8"))
                if not resolves(match.group(1))]
    assert dangling == []


def test_the_check_finds_a_module_that_does_not_exist_and_a_missing_function():
    assert not resolves("portal.no_such_module")
    assert not resolves("portal.proposals.no_such_function")
    assert resolves("portal.shared_goal.check_shared_goal")
    assert resolves("store.clock.today")
