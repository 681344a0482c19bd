"""The citizen list holds open cases; a search or filter that finds closed cases only behind the
»Vis afsluttede sager« toggle says so, with the count and a link to the same selection with
closed cases (review, finding 1). A closed case listed with ``closed=y`` is not shown as
»Klar til matching«: it is not in the matching."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

from tests.portal.citizen_fixtures import make_citizen


def _world(app, make_user):
    vk = make_user("consultant")
    make_citizen(app, name="Anna Åben", vk_id=vk.id, external_id="SAG-1")
    make_citizen(app, name="Bo Lukket", vk_id=vk.id, external_id="SAG-2", case_closed=date(2026, 1, 2))
    make_citizen(app, name="Bent Lukket", vk_id=vk.id, external_id="SAG-3", case_closed=date(2026, 1, 3))
    return vk


def test_a_search_that_finds_only_closed_cases_links_to_them(app, client, auth, make_user):
    vk = _world(app, make_user)
    auth.login(vk.email)
    html = client.get("/borgere/?q=SAG-2&scope=all").get_data(as_text=True)
    assert "Ingen borgere matcher dit udvalg." in html
    hint = re.search(r'<p data-testid="closed-found">(.*?)</p>', html, re.S).group(1)
    assert "Søgningen finder én afsluttet sag" in hint and "kun viser åbne sager" in hint
    link = unescape(re.search(r'href="([^"]+)" data-testid="show-closed"', hint).group(1))
    assert "closed=y" in link and "q=SAG-2" in link and "scope=all" in link
    assert "Bo Lukket" in client.get(link).get_data(as_text=True)
    # more than one, beside open ones
    html = client.get("/borgere/?q=b&scope=all").get_data(as_text=True)
    assert "Søgningen finder også 2 afsluttede sager" in html


def test_no_hint_when_no_closed_case_matches(app, client, auth, make_user):
    vk = _world(app, make_user)
    auth.login(vk.email)
    for url in ("/borgere/?q=SAG-1&scope=all", "/borgere/?q=zzz&scope=all", "/borgere/?scope=all",
                "/borgere/?q=SAG-2&scope=all&closed=y"):
        assert 'data-testid="closed-found"' not in client.get(url).get_data(as_text=True), url


def test_a_closed_case_is_not_shown_ready_for_matching(app, client, auth, make_user):
    vk = _world(app, make_user)
    auth.login(vk.email)
    html = client.get("/borgere/?q=SAG-2&scope=all&closed=y").get_data(as_text=True)
    cell = re.search(r'<td data-testid="missing">(.*?)</td>', html, re.S).group(1)
    assert "Klar til matching" not in cell and "Sag afsluttet" in cell
    open_cell = re.search(r'<td data-testid="missing">(.*?)</td>',
                          client.get("/borgere/?q=SAG-1&scope=all").get_data(as_text=True), re.S).group(1)
    assert "Klar til matching" in open_cell
