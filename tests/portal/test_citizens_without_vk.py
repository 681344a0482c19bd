"""Citizens without an active VK (none, or a deactivated one), also those on no team (an import
with »intet team«, an administrator without a team, the API without team): the citizen list's
filter ``?uden_vk=1`` and the administrator start page's line, whose count is the list's rows."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

from portal.extensions import db
from store.models import Citizen, Team

from .test_start_unmatchable import _citizen


def _world(app, make_user) -> dict[str, int]:
    vk, gone = make_user("consultant"), make_user("consultant", active=False)
    with app.app_context():
        team = db.session.query(Team).first()
        citizens = [
            _citizen("Anna Med VK", vk_id=vk.id, team_id=team.id),
            _citizen("Bo Uden VK", team_id=team.id),
            _citizen("Cille Deaktiveret VK", vk_id=gone.id, team_id=team.id),
            _citizen("Dan Uden VK og team"),
            _citizen("Eva Begrænset uden VK", restricted=True),
            _citizen("Finn Lukket uden VK", case_closed=date(2026, 6, 1)),
            _citizen("Gitte Anonymiseret", anonymised_at=datetime(2026, 6, 1, tzinfo=timezone.utc)),
            _citizen("Hans Med VK uden team", vk_id=vk.id),
        ]
        db.session.add_all(citizens)
        db.session.commit()
        return {c.name.split()[0]: c.id for c in citizens}


def _rows(client, url: str) -> list[int]:
    """The citizen ids of every page of the list at ``url``."""
    ids, page = [], 1
    while True:
        found = re.findall(r'data-testid="citizen-row" data-citizen-id="(\d+)"',
                           client.get(f"{url}&page={page}").get_data(as_text=True))
        if not found:
            return ids
        ids, page = ids + [int(i) for i in found], page + 1


def test_the_filter_lists_the_open_cases_without_an_active_vk(app, client, auth, make_user):
    ids = _world(app, make_user)
    admin = make_user("admin")
    auth.login(admin.email)
    html = client.get("/borgere/?scope=all&uden_vk=1").get_data(as_text=True)
    assert 'data-testid="without-vk-filter"' in html
    assert 'name="uden_vk"' in html and "Uden aktiv virksomhedskonsulent" in html
    assert sorted(_rows(client, "/borgere/?scope=all&uden_vk=1")) == sorted(
        [ids["Bo"], ids["Cille"], ids["Dan"], ids["Eva"]])
    # those on no team are marked, on this list and on the whole one
    for url in ("/borgere/?scope=all&uden_vk=1", "/borgere/?scope=all"):
        page = client.get(url).get_data(as_text=True)
        marked = {int(i) for i in re.findall(
            r'data-citizen-id="(\d+)">\s*<td>(?:(?!</td>).)*data-testid="no-team-badge"', page, re.S)}
        expected = {ids["Dan"], ids["Eva"]} | ({ids["Hans"]} if "uden_vk" not in url else set())
        assert marked == expected
    # without the filter all open cases are listed; the filter is kept when paging
    assert len(_rows(client, "/borgere/?scope=all")) == 6
    with app.app_context():
        db.session.add_all(_citizen(f"Ny {i:02d} uden VK") for i in range(50))
        db.session.commit()
    first = client.get("/borgere/?scope=all&uden_vk=1").get_data(as_text=True)
    assert re.search(r'href="/borgere/\?[^"]*uden_vk=y[^"]*" rel="next"', first)
    assert len(_rows(client, "/borgere/?scope=all&uden_vk=1")) == 54


def _line(html: str) -> re.Match | None:
    return re.search(r'data-testid="citizens-without-vk" data-count="(\d+)".*?<a href="([^"]+)">(.*?)</a>(.*?)</p>',
                     html, re.S)


def test_admin_start_page_counts_exactly_the_rows_it_links_to(app, client, auth, make_user):
    ids = _world(app, make_user)
    admin = make_user("admin")
    auth.login(admin.email)
    line = _line(client.get("/").get_data(as_text=True))
    assert line, "the line is shown when some open case has no active VK"
    count, link, words, rest = int(line.group(1)), line.group(2).replace("&amp;", "&"), line.group(3), line.group(4)
    assert link == "/borgere/?scope=all&uden_vk=1"
    assert count == len(_rows(client, link)) == 4
    assert words == "4 borgere med åben sag uden aktiv virksomhedskonsulent"
    assert "2 af dem har intet team og står ikke på noget teams liste." in rest
    # one left: singular
    with app.app_context():
        vk_id = db.session.get(Citizen, ids["Anna"]).vk_id
        for name in ("Bo", "Cille", "Eva"):
            db.session.get(Citizen, ids[name]).vk_id = vk_id
        db.session.commit()
    line = _line(client.get("/").get_data(as_text=True))
    assert line.group(3) == "1 borger med åben sag uden aktiv virksomhedskonsulent"
    assert "Borgeren har heller intet team" in line.group(4) and "før den får en VK" in line.group(4)
    assert int(line.group(1)) == len(_rows(client, line.group(2).replace("&amp;", "&"))) == 1


def test_admin_start_page_has_no_line_when_every_open_case_has_an_active_vk(app, client, auth, make_user):
    vk = make_user("consultant")
    with app.app_context():
        db.session.add_all([_citizen("Anna Med VK", vk_id=vk.id),
                            _citizen("Finn Lukket uden VK", case_closed=date(2026, 6, 1))])
        db.session.commit()
    auth.login(make_user("admin").email)
    assert 'data-testid="citizens-without-vk"' not in client.get("/").get_data(as_text=True)


def test_the_filter_form_reads_uden_vk(app):
    from portal.citizens.forms import ListFilterForm
    from werkzeug.datastructures import MultiDict

    with app.test_request_context("/borgere/"):
        assert ListFilterForm(MultiDict({"uden_vk": "1"})).cleaned("all")["uden_vk"] is True
        assert ListFilterForm(MultiDict({})).cleaned("all")["uden_vk"] is False
