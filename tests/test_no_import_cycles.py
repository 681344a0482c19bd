"""No two of the portal's areas import each other (review AA 1; HOUSE_STYLE: "a package that
imports another which imports it back").

Such a pair made a module-level import fail at start-up with "partially initialized module",
and the fixes were imports moved into functions. Each area's own modules may import each other;
between two areas (``portal.<area>``, a package or a top-level module) the imports go one way.
Longer chains through a third area (candidates → … → openings → … → candidates, for one) still
exist and are not checked here.
"""
from __future__ import annotations

import grimp


def _mutual_imports(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    areas = sorted({".".join(module.split(".")[:2]) for module in graph.modules if module.count(".") >= 1})
    return [(first, second) for index, first in enumerate(areas) for second in areas[index + 1:]
            if graph.direct_import_exists(importer=first, imported=second, as_packages=True)
            and graph.direct_import_exists(importer=second, imported=first, as_packages=True)]


def test_no_two_portal_areas_import_each_other():
    assert _mutual_imports(grimp.build_graph("portal", cache_dir=None)) == []


def test_a_pair_importing_each_other_is_found():
    graph = grimp.ImportGraph()
    for module in ("portal", "portal.a", "portal.a.x", "portal.b", "portal.c"):
        graph.add_module(module)
    graph.add_import(importer="portal.a.x", imported="portal.b")
    graph.add_import(importer="portal.b", imported="portal.c")
    assert _mutual_imports(graph) == []
    graph.add_import(importer="portal.b", imported="portal.a")
    assert _mutual_imports(graph) == [("portal.a", "portal.b")]
