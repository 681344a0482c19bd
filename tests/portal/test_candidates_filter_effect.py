"""What the consultant's filters hide on a ranking (review F8), and the opening list's link
context (review D5)."""
from __future__ import annotations

import re

import pytest

from indexer.rebuild import rebuild
from matching.geo import haversine_km, postcode_location
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.models import Company, Opening, Proposal
from tests.portal.test_candidates import _citizen, _names_in_order


@pytest.fixture
def far(app, make_user):
    """A warehouse opening in Hedensted and three eligible citizens 11–26 km away."""
    consultant = make_user("consultant", email="vk@jobcenter.dk")
    company_user = make_user("company", email="chef@lager.dk")
    with app.app_context():
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = consultant.id
        opening = Opening(company=company, kind="smaajob", title="Lagermedarbejder med truckcertifikat",
                          description="Plukning, pakning og truckkørsel på vores lager.",
                          hours_min=5, hours_max=12, postcode="8722", status="open")
        citizens = [
            _citizen("Eva Vejle", "Lagermedarbejder", "Truck og lager.", consultant.id, postcode="7100", commute=40),
            _citizen("Finn Vejle", "Lagermedarbejder", "Pluk og pak på lager.", consultant.id, postcode="7100",
                     commute=40),
            _citizen("Gitte Fredericia", "Lagermedarbejder", "Lager.", consultant.id, postcode="7000", commute=40),
        ]
        db.session.add_all([opening, *citizens])
        db.session.commit()
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
        return {"consultant": consultant, "opening_id": opening.id, "ids": {c.name: c.id for c in citizens}}


def _km(a: str, b: str) -> float:
    return haversine_km(*postcode_location(a), *postcode_location(b))


@pytest.fixture(autouse=True)
def _logged_in(auth, far):
    auth.login(far["consultant"].email)


def _page(client, auth, world, query=""):
    response = client.get(f"/kandidater/opslag/{world['opening_id']}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _alert(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1].split("</div></div>", 1)[0]


def test_a_distance_filter_that_empties_the_list_says_whom_it_hides_and_how_far(client, auth, far):
    html = _page(client, auth, far, "?max_distance_km=10")
    assert _names_in_order(html) == []
    alert = _alert(html, "no-good-match")
    assert "Dine filtre skjuler alle kandidater" in alert
    # never the false claims of the review: nobody was ranked, and the pool is not empty
    assert "når relevansniveauet" not in html and "Ingen gode match" not in html
    assert "ingen flere kandidater" not in html
    note = re.sub(r"\s+", " ", alert.split('data-testid="filter-effect">', 1)[1].split("</p>", 1)[0])
    nearest = f"{min(_km('7100', '8722'), _km('7000', '8722')):.1f}".replace(".", ",")
    assert note.startswith("3 borgere, der opfylder opslagets krav, er skjult af dine filtre (højst 10 km).")
    assert f"De bor længere væk end 10 km; den nærmeste bor {nearest} km fra arbejdsstedet." in note
    # "Fjern filtre": the same page without the filter, the other settings kept
    link = re.search(r'<a href="([^"]+)" data-testid="remove-filters">Fjern filtre</a>', note)
    assert link is not None
    html = _page(client, auth, far, "?max_distance_km=10&prioritet=strong&k=5")
    url = re.search(r'<a href="([^"]+)" data-testid="remove-filters">', html).group(1).replace("&amp;", "&")
    assert url.startswith(f"/kandidater/opslag/{far['opening_id']}?") and "max_distance_km" not in url
    assert "prioritet=strong" in url and "k=5" in url
    assert sorted(_names_in_order(client.get(url).get_data(as_text=True))) == [
        "Eva Vejle", "Finn Vejle", "Gitte Fredericia"]


def test_a_group_filter_that_empties_the_list_counts_the_hidden_without_a_distance(client, auth, far):
    html = _page(client, auth, far, "?benefit_groups=uddannelseshjaelp&readiness_groups=i_gang")
    note = _alert(html, "no-good-match").split('data-testid="filter-effect">', 1)[1].split("</p>", 1)[0]
    assert "3 borgere, der opfylder opslagets krav, er skjult af dine filtre (ydelsesgruppe, parathed)." in note
    assert "længere væk" not in note
    assert "Ingen borgere inden for dine filtre blev sorteret fra" in html  # not "ingen flere kandidater"


def test_a_filter_that_shortens_the_list_says_so_and_counts_only_candidates_left(app, client, auth, far):
    with app.app_context():  # a decided citizen is no candidate: not counted as hidden
        db.session.add(Proposal(citizen_id=far["ids"]["Gitte Fredericia"], opening_id=far["opening_id"],
                                status="rejected", decision_reason="Nej tak"))
        db.session.commit()
    km = _km("7100", "8722")
    html = _page(client, auth, far, f"?max_distance_km={km - 0.5:.1f}")
    assert _names_in_order(html) == [] and "2 borgere, der opfylder" in html
    with app.app_context():
        db.session.get(Opening, far["opening_id"]).postcode = "7100"  # now Eva and Finn are at 0 km
        db.session.commit()
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
    html = _page(client, auth, far, "?max_distance_km=5")
    assert sorted(_names_in_order(html)) == ["Eva Vejle", "Finn Vejle"]
    assert 'data-testid="filters-hide"' not in html  # the filter hides nobody who is left


def test_filters_change_no_score(client, auth, far):
    def scores(html):
        return dict(re.findall(r'<h3><a href="/borgere/\d+">([^<]+)</a>.*?<span class="jobbro-score">score ([\d,]+)</span>',
                               html, re.S))
    wide, narrow = scores(_page(client, auth, far)), scores(_page(client, auth, far, "?max_distance_km=22"))
    assert narrow and all(wide[name] == score for name, score in narrow.items())
    assert len(narrow) < len(wide)


def test_without_filters_an_empty_pool_still_says_there_are_no_more_candidates(app, client, auth, far):
    with app.app_context():
        for cid in far["ids"].values():
            db.session.add(Proposal(citizen_id=cid, opening_id=far["opening_id"], status="rejected",
                                    decision_reason="Nej tak"))
        db.session.commit()
    html = _page(client, auth, far)
    assert "Ingen kandidater tilbage" in html and "der er ingen flere kandidater til opslaget lige nu" in html
    assert "når relevansniveauet" not in html and 'data-testid="filter-effect"' not in html


def test_each_opening_row_has_a_row_header_and_a_link_that_names_the_opening(client, auth, far):
    html = client.get("/kandidater/").get_data(as_text=True)
    assert '<th scope="row">Lagermedarbejder med truckcertifikat</th>' in html
    assert ('Se kandidater<span class="sr-only"> til »Lagermedarbejder med truckcertifikat«</span></a>'
            in html)
