"""A rule shared by the web and the API lives outside a routes module (review BN 8).

Who may see a hotline request or act on a proposal was imported by the API (and by the openings
area) from the web's routes modules, a private ``_load`` among them: a rule read from a view,
and the import registered the views as a side effect. The checks now live in the areas'
``access`` modules (:mod:`portal.hotline.access`, :mod:`portal.interviews.access`), and no
area imports another area's ``routes*`` module.
"""
from __future__ import annotations

import grimp


def _area(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _routes_imported_across_areas(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    """(importer, routes module) for each import of a ``routes*`` module from another area."""
    found = []
    for module in sorted(graph.modules):
        if not module.rsplit(".", 1)[-1].startswith("routes"):
            continue
        for importer in sorted(graph.find_modules_that_directly_import(module)):
            if _area(importer) != _area(module):
                found.append((importer, module))
    return found


def test_no_area_imports_another_areas_routes():
    assert _routes_imported_across_areas(grimp.build_graph("portal", cache_dir=None)) == []


def test_an_import_of_another_areas_routes_is_found():
    graph = grimp.ImportGraph()
    for module in ("portal", "portal.api", "portal.api.hotline", "portal.hotline", "portal.hotline.routes",
                   "portal.hotline.access", "portal.hotline.lists"):
        graph.add_module(module)
    graph.add_import(importer="portal.hotline.lists", imported="portal.hotline.routes")  # its own area
    graph.add_import(importer="portal.api.hotline", imported="portal.hotline.access")
    assert _routes_imported_across_areas(graph) == []
    graph.add_import(importer="portal.api.hotline", imported="portal.hotline.routes")
    assert _routes_imported_across_areas(graph) == [("portal.api.hotline", "portal.hotline.routes")]


def test_the_api_and_the_web_share_one_check():
    from portal.api import hotline as api_hotline
    from portal.api import proposals as api_proposals
    from portal.hotline import access as hotline_access
    from portal.hotline import routes as hotline_routes
    from portal.interviews import access as interviews_access
    from portal.interviews import routes as interviews_routes
    from portal.openings import responses

    assert api_hotline.load_request is hotline_access.load_request is hotline_routes.load_request
    assert api_proposals.load_proposal is interviews_access.load_proposal is interviews_routes.load_proposal
    assert responses.no_longer_current is interviews_access.no_longer_current
