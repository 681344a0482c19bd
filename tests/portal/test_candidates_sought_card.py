"""The ranking opened for one citizen (``?borger=``) who is eligible but below the longest list gets
the citizen's card under the list, scored as the decision scores the pair, with the approve and
reject forms: the citizen page's »Vurdér … på kandidatlisten« always leads to where the pair is
decided (review BP 2). The card forms leave refusals to the server (review BM 6), and the page's
facts are a service of their own, callable without a request (review BN 7)."""
from __future__ import annotations

import dataclasses
import re

import pytest

from matching.domain import Filters
from portal.extensions import db
from store import clock
from store.models import Citizen, Opening, Proposal, User
from tests.portal.test_candidates import _names_in_order, _ranking_html, world  # noqa: F401 (a fixture)
from tests.portal.test_candidates_sought import _note, far_down  # noqa: F401 (a fixture)


def _card(html: str, citizen_id: int) -> str:
    start = html.index(f'id="borger-{citizen_id}"')
    return html[start:html.index('<div class="jobbro-decide">', start)]


def _facts(card: str) -> str:
    """What the card says of the pair: from the name to the decision forms."""
    return card[card.index("<h3>"):]


@pytest.fixture
def longest_five(monkeypatch):
    """The longest list a sought citizen is looked for on: 5 (so Frida, below 20, is beyond it)."""
    from portal.candidates import routes

    monkeypatch.setattr(routes, "MAX_K", 5)


def test_an_eligible_citizen_below_the_longest_list_gets_a_card_under_it(app, client, auth, world, far_down,  # noqa: F811
                                                                         longest_five):
    from portal.candidates import service

    auth.login(world["consultant"].email)
    html = _ranking_html(client, world, f"?borger={far_down}")
    why, text = _note(html)
    assert why == "too_far_down" and "ikke blandt de 5 bedste match" in text
    assert f'<a href="#borger-{far_down}">Borgerens kort står under listen</a>' in text
    assert "Frida Rengøring" not in _names_in_order(html)  # not on the list itself
    section = html[html.index('data-testid="sought-card"'):]
    assert "Borgeren du søgte: Frida Rengøring" in section and "Ikke blandt de 5 bedste match" in section
    assert re.search(rf'<div class="card jobbro-match jobbro-sought" data-citizen="{far_down}" id="borger-{far_down}">',
                     section)
    # Both decisions, with the sought citizen carried back, and the server's refusals (novalidate).
    forms = re.findall(rf'<form method="post" action="/kandidater/opslag/{world["opening_id"]}/borger/{far_down}"'
                       r' class="inline-form" novalidate>(.*?)</form>', section, re.DOTALL)
    assert len(forms) == 2 and all(f'name="borger" value="{far_down}"' in f for f in forms)
    assert 'name="decision" value="approve"' in forms[0] and 'name="decision" value="reject"' in forms[1]
    assert 'name="shared_goal"' in forms[0]
    # The same facts as the list gives the pair, and the score the decision stores.
    card = _facts(_card(html, far_down))
    listed = _ranking_html(client, world, f"?borger={far_down}&k=30")
    assert _note(listed)[0] == "listed" and card == _facts(_card(listed, far_down))
    with app.app_context():
        pair = service.score_pair(db.session.get(Opening, world["opening_id"]), db.session.get(Citizen, far_down))
    assert f'<span class="jobbro-score">score {pair.score:.2f}'.replace(".", ",") in card


def test_the_card_below_the_list_decides_like_any_card(app, client, auth, world, far_down,  # noqa: F811
                                                        longest_five):
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    html = _ranking_html(client, world, f"?borger={far_down}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    # Refused (no reason): back at the card under the list, the error at its field.
    response = client.post(f"{path}/borger/{far_down}", data={"decision": "approve", "reason": "",
                                                                "borger": str(far_down), "csrf_token": token})
    assert response.headers["Location"] == f"{path}?borger={far_down}#reason-approve-{far_down}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    card = html[html.index('data-testid="sought-card"'):]
    assert f'id="reason-approve-{far_down}-error"' in card and 'aria-invalid="true"' in card
    # Approved: saved, and the page then names the decision instead of a card.
    response = client.post(f"{path}/borger/{far_down}", data={"decision": "approve", "reason": "God til rengøring",
                                                                "borger": str(far_down), "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(Proposal).filter_by(citizen_id=far_down, status="approved").count() == 1
    html = _ranking_html(client, world, f"?borger={far_down}")
    assert _note(html)[0] == "decided" and 'data-testid="sought-card"' not in html


def test_the_citizen_pages_link_leads_to_the_card(client, auth, world, far_down, longest_five):  # noqa: F811
    auth.login(world["consultant"].email)
    page = client.get(f"/kandidater/borger/{far_down}").get_data(as_text=True)
    links = re.findall(r'<a class="button button-primary" href="([^"]+)" data-testid="decide-link">', page)
    assert links
    for link in links:
        path, anchor = link.replace("&amp;", "&").split("#")
        assert f'id="{anchor}"' in client.get(path).get_data(as_text=True)


def test_a_citizen_the_search_did_not_reach_gets_the_card_too(client, auth, world, far_down,  # noqa: F811
                                                              monkeypatch):
    from portal.candidates import routes

    monkeypatch.setattr(routes, "MAX_K", 20)
    monkeypatch.setattr(routes.sought_citizen, "reason_after_ranking",
                        lambda s, *args: dataclasses.replace(s, why="not_reached", scored_of=20))
    auth.login(world["consultant"].email)
    html = _ranking_html(client, world, f"?borger={far_down}&k=20")
    why, text = _note(html)
    assert why == "not_reached" and "Borgerens kort står under listen" in text
    section = html[html.index('data-testid="sought-card"'):]
    assert "Søgningen nåede ikke borgeren" in section and f'id="borger-{far_down}"' in section


@pytest.mark.parametrize(("name", "query", "why"), [
    ("Carl Fåtimer", "", "broken"),  # 2 hours against the 5 asked: a hard limit
    ("Dina Langtväk", "", "broken"),  # beyond her 5 km
    ("Carl Fåtimer", "&vis_frasorterede=y", "excluded"),
    ("Anna Lagerbæk", "&readiness_groups=i_gang", "filtered"),
])
def test_no_card_for_a_citizen_who_is_not_eligible(client, auth, world, longest_five, name, query, why):  # noqa: F811
    citizen = world["ids"][name]
    auth.login(world["consultant"].email)
    html = _ranking_html(client, world, f"?borger={citizen}{query}")
    assert _note(html)[0] == why and 'data-testid="sought-card"' not in html


def test_the_card_forms_leave_refusals_to_the_server(client, auth, world):  # noqa: F811
    """No browser bubble: every form of the page is novalidate; the reason is still required."""
    auth.login(world["consultant"].email)
    html = _ranking_html(client, world)
    decide = [f for f in re.findall(r"<form [^>]*>", html) if "/borger/" in f]
    assert len(decide) >= 2 and all("novalidate" in f for f in decide)
    assert re.search(r'<form method="post" action="/kandidater/opslag/\d+/ingen-egnede" novalidate>', html)
    assert re.search(r'id="reason-approve-\d+" name="reason" maxlength="500" value="" required', html)


def test_the_ranking_page_is_a_service_without_a_request(app, world, far_down):  # noqa: F811
    from portal.candidates import none_suitable, ranking_page

    with app.app_context():
        opening = db.session.get(Opening, world["opening_id"])
        user = db.session.get(User, world["consultant"].id)
        page = ranking_page.ranked(opening, ranking_page.Asked(Filters(), k=3), user, clock.today())
        names = [page.rows[int(m.citizen_id)].name for m in page.result.matches]
        assert names[0] == "Anna Lagerbæk" and len(names) == 3 and page.sought_card is None
        asked = ranking_page.Asked(Filters(), k=3, sought_raw=str(far_down), sought_id=far_down, longest=5)
        page = ranking_page.ranked(opening, asked, user, clock.today())
        assert page.sought.why == "too_far_down" and page.sought_card.row.name == "Frida Rengøring"
        assert far_down in page.situations and far_down in page.goal_choices
        state = none_suitable.page_state(opening, user)
        assert (state.mark, state.allowed, state.markable) == (None, True, True)
        unranked = ranking_page.unranked(opening, ranking_page.Asked(), clock.today())
        assert unranked.result is None and unranked.decided == {}
