"""The portal's areas import each other one way only: no cycle, of any length (review AA 1;
HOUSE_STYLE: "a package that imports another which imports it back").

A pair importing each other made a module-level import fail at start-up with "partially
initialized module", and the fixes were imports moved into functions; a longer chain
(candidates → citizens → openings → candidates) hides the same knot. Each area's own modules
may import each other; between areas (``portal.<area>``, a package or a top-level module) the
imports form a directed acyclic graph, checked with the standard library's topological sort.
"""
from __future__ import annotations

import graphlib

import grimp


def _area_graph(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    """Each area and the other areas it imports (any of its modules, directly)."""
    areas = sorted({".".join(module.split(".")[:2]) for module in graph.modules if module.count(".") >= 1})
    return {first: {second for second in areas if second != first
                    and graph.direct_import_exists(importer=first, imported=second, as_packages=True)}
            for first in areas}


def _cycle(graph: grimp.ImportGraph) -> list[str]:
    """A cycle among the areas' imports (its areas, the first repeated at the end), or []."""
    try:
        tuple(graphlib.TopologicalSorter(_area_graph(graph)).static_order())
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return []


def test_the_portal_areas_import_each_other_one_way_only():
    assert _cycle(grimp.build_graph("portal", cache_dir=None)) == []


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for module in ("portal", "portal.a", "portal.a.x", "portal.b", "portal.c", "portal.d"):
        graph.add_module(module)
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported)
    return graph


def test_a_pair_importing_each_other_is_found():
    assert _cycle(_graph(("portal.a.x", "portal.b"), ("portal.b", "portal.c"))) == []
    assert sorted(set(_cycle(_graph(("portal.a.x", "portal.b"), ("portal.b", "portal.a"))))) == ["portal.a", "portal.b"]


def test_a_chain_through_other_areas_is_found():
    chain = (("portal.a.x", "portal.b"), ("portal.b", "portal.c"), ("portal.c", "portal.d"))
    assert _cycle(_graph(*chain)) == []
    assert sorted(set(_cycle(_graph(*chain, ("portal.d", "portal.a.x"))))) == [
        "portal.a", "portal.b", "portal.c", "portal.d"]
