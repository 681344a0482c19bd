"""The candidate ranking opened for one citizen (?borger=): a refused decision keeps the citizen
(review C6), each reason the citizen is not on the list is said truly (C10), and the group
filters are checkboxes (C13)."""
from __future__ import annotations

import re
from datetime import date

import pytest

from indexer.rebuild import rebuild
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.models import Citizen, Proposal
from tests.portal.test_candidates import _citizen, _ranking_html, world  # noqa: F401 (a fixture)


def _note(html: str) -> tuple[str, str]:
    found = re.search(r'data-testid="sought" data-why="([a-z_]+)"><div class="alert-body">(.*?)</div></div>',
                      html, re.DOTALL)
    assert found, "no note on the sought citizen"
    return found.group(1), found.group(2)


@pytest.fixture
def far_down(app, world):  # noqa: F811
    """A citizen below the first 20 (a crowd of better matches), indexed."""
    with app.app_context():
        crowd = [_citizen(f"Lager {i:03d}", "Lagermedarbejder", "Truckcertifikat, pluk og pak på lager.",
                          world["consultant"].id) for i in range(22)]
        frida = _citizen("Frida Rengøring", "Rengøringsassistent", "Rengøring på lager og kontor.",
                         world["consultant"].id)
        db.session.add_all([*crowd, frida])
        db.session.commit()
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
        return frida.id


def test_a_refused_approval_keeps_the_sought_citizen_and_the_typed_text(client, auth, world, far_down):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    html = _ranking_html(client, world, f"?borger={far_down}")
    assert f'<input type="hidden" name="borger" value="{far_down}">' in html  # carried by the card's forms
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(f"{path}/borger/{far_down}", data={
        "decision": "approve", "reason": "Kan gøre rent på lageret", "shared_goal": "Rengøring pga. dårlig ryg",
        "borger": str(far_down), "csrf_token": token})
    assert response.headers["Location"] == f"{path}?borger={far_down}#shared-goal-{far_down}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    card = html[html.index(f'id="borger-{far_down}"'):]
    card = card[:card.index("</li>")]
    # the reason is kept; the refused jobmål is no option of the list (only the citizen's own are)
    assert 'value="Kan gøre rent på lageret"' in card and "Rengøring pga. dårlig ryg" in card
    assert 'value="Rengøring pga. dårlig ryg"' not in card
    assert 'data-testid="card-error"' in card
    # A rejection asks first; its confirmation goes back to (and posts with) the same citizen.
    response = client.post(f"{path}/borger/{far_down}", data={
        "decision": "reject", "reason": "Ikke nu", "borger": str(far_down), "csrf_token": token})
    confirm = response.get_data(as_text=True)
    assert f'<input type="hidden" name="borger" value="{far_down}">' in confirm
    assert f'href="{path}?borger={far_down}#reason-reject-{far_down}"' in confirm


def test_a_bad_or_unknown_citizen_number_is_said_and_the_ranking_still_shown(client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    response = client.get(f"/kandidater/opslag/{world['opening_id']}?borger=abc")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    why, text = _note(html)
    assert why == "bad_id" and "»abc« i linket er ikke et borgernummer" in text
    assert 'data-testid="ranking"' in html
    for number in ("999999", "12345678901234"):
        why, text = _note(_ranking_html(client, world, f"?borger={number}"))
        assert why == "unknown" and f"Der findes ingen borger med nummer {number}" in text


@pytest.mark.parametrize(("change", "why", "says", "link"), [
    (lambda c: setattr(c, "restricted", True), "restricted", "behandlingen af borgerens oplysninger er begrænset",
     "#begraensning"),
    (lambda c: setattr(c, "case_closed", date(2026, 11, 1)), "closed", "sag er afsluttet 01.11.2026", "#sag"),
    (lambda c: setattr(c, "vk_id", None), "missing", "mangler", "/sagsbehandlere"),
])
def test_a_citizen_out_of_matching_is_named_with_the_reason(app, client, auth, world, change, why, says,  # noqa: F811
                                                            link):
    anna = world["ids"]["Anna Lagerbæk"]
    with app.app_context():
        change(db.session.get(Citizen, anna))
        db.session.commit()
    auth.login(world["consultant"].email)
    found, text = _note(_ranking_html(client, world, f"?borger={anna}"))
    assert found == why and "Anna Lagerbæk er ikke på listen" in text and says in text
    if why != "missing":
        assert f'href="/borgere/{anna}{link}"' in text


def test_a_citizen_hidden_by_the_consultants_own_filter_is_told_so(client, auth, world):  # noqa: F811
    anna = world["ids"]["Anna Lagerbæk"]
    auth.login(world["consultant"].email)
    why, text = _note(_ranking_html(client, world, f"?borger={anna}&benefit_groups=integrationsydelse"
                                                   "&readiness_groups=i_gang"))
    assert why == "filtered"
    assert ("skjult af dine egne filtre: Ydelsesgruppe (borgeren får Kontanthjælp); "
            "Parathed (borgeren er på vej)") in text
    assert f'href="/kandidater/opslag/{world["opening_id"]}?borger={anna}#borger-{anna}" data-testid="clear-filters"' in text
    # Within the distance filter: on the list, and named with the place.
    why, text = _note(_ranking_html(client, world, f"?borger={anna}&max_distance_km=50"))
    assert why == "listed" and "står som nr. 1 på listen" in text


def test_a_decided_citizen_is_named_with_the_decision(app, client, auth, world):  # noqa: F811
    anna = world["ids"]["Anna Lagerbæk"]
    with app.app_context():
        proposal = Proposal(citizen_id=anna, opening_id=world["opening_id"], status="approved")
        db.session.add(proposal)
        db.session.commit()
        pid = proposal.id
    auth.login(world["consultant"].email)
    why, text = _note(_ranking_html(client, world, f"?borger={anna}"))
    assert why == "decided" and f'href="/kandidater/forslag/{pid}">forslaget</a> (foreslået til virksomheden)' in text


def test_a_sought_citizen_among_the_shown_excluded_points_there(client, auth, world):  # noqa: F811
    carl = world["ids"]["Carl Fåtimer"]
    auth.login(world["consultant"].email)
    html = _ranking_html(client, world, f"?borger={carl}&vis_frasorterede=y")
    why, text = _note(html)
    assert why == "excluded" and 'href="#frasorterede"' in text and '<h2 id="frasorterede">' in html


def test_the_group_filters_are_checkboxes_and_say_what_is_chosen(client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    html = _ranking_html(client, world)
    assert "<select multiple" not in html and 'multiple' not in html.split('data-testid="filters"', 1)[1].split(
        "</details>", 1)[0]
    assert re.search(r'<input class="form-checkbox" id="benefit_groups-\d+" name="benefit_groups" '
                     r'type="checkbox" value="kontanthjaelp">', html)
    assert re.search(r'name="readiness_groups" type="checkbox" value="paa_vej"', html)
    assert re.search(r'<details data-testid="filters">\s*<summary>Filtre</summary>', html)
    html = _ranking_html(client, world, "?benefit_groups=kontanthjaelp&readiness_groups=paa_vej")
    assert re.search(r'<details open data-testid="filters">\s*<summary>Filtre \(2 valgt\)</summary>', html)
    assert re.search(r'checked[^>]*value="kontanthjaelp"|value="kontanthjaelp"[^>]*checked', html)
    assert "Anna Lagerbæk" in html  # the chosen groups still rank her


def test_one_below_the_longest_list_is_told_apart_from_a_broken_limit(client, auth, world, far_down,  # noqa: F811
                                                                      monkeypatch):
    """The pair is scored directly: eligible but too far down, or (the engine down) the old hedge."""
    from matching.encoders import EncoderUnavailable
    from portal.candidates import routes, service

    monkeypatch.setattr(routes, "MAX_K", 5)  # the longest list: 5, so Frida (below 20) is not on it
    auth.login(world["consultant"].email)
    why, text = _note(_ranking_html(client, world, f"?borger={far_down}"))
    assert why == "too_far_down"
    assert "Frida Rengøring opfylder kravene, men er ikke blandt de 5 bedste match" in text

    def down(*args, **kwargs):
        raise EncoderUnavailable("down")

    monkeypatch.setattr(service, "score_pair", down)
    why, text = _note(_ranking_html(client, world, f"?borger={far_down}"))
    assert why == "not_listed" and "ikke blandt de 5 bedste match til opslaget, eller borgeren er sorteret fra" in text


def test_a_pair_the_search_did_not_reach_is_told_apart_from_one_below_the_list(app, world):  # noqa: F811
    """Review S 2: "not among the N best" only when the pair sorts below the list's last; when
    more were eligible than the engine scored and the pair sorts above it, the page says the
    search did not reach the citizen."""
    from matching.ranking import sort_key
    from matching.service import MatchResult
    from portal.candidates import service, sought
    from store.models import Opening

    with app.test_request_context():
        opening = db.session.get(Opening, world["opening_id"])
        anna, bo = (db.session.get(Citizen, world["ids"][name]) for name in ("Anna Lagerbæk", "Bo Omsorg"))
        best, worse = service.score_pair(opening, anna), service.score_pair(opening, bo)
        assert sort_key(best) < sort_key(worse)

        def ask(citizen, listed):
            return sought.reason_after_ranking(sought.Sought(str(citizen.id), citizen.id, citizen.name, citizen),
                                               opening, "normal", listed)

        reached = ask(anna, MatchResult((worse,), scored_of=200))
        assert (reached.why, reached.scored_of) == ("not_reached", 200)
        assert ask(bo, MatchResult((best,), scored_of=200)).why == "too_far_down"  # truly below the list
        assert ask(bo, MatchResult((best,))).why == "too_far_down"  # every eligible one was scored


def test_a_limited_pool_and_an_unreached_citizen_are_said_on_the_page(client, auth, world, far_down,  # noqa: F811
                                                                      monkeypatch):
    import dataclasses

    from portal import matching_runtime
    from portal.candidates import routes

    made = matching_runtime.matching_service

    def limited():
        engine = made()
        engine.pool_size, engine.exhaustive_limit = 1, 1  # 25 eligible: only the 20 nearest (k) scored
        return engine

    monkeypatch.setattr(matching_runtime, "matching_service", limited)
    monkeypatch.setattr(routes, "MAX_K", 20)  # the longest list: 20 of the 25, not widened
    monkeypatch.setattr(routes.sought_citizen, "reason_after_ranking",
                        lambda s, *args: dataclasses.replace(s, why="not_reached", scored_of=1))
    auth.login(world["consultant"].email)
    html = _ranking_html(client, world, f"?borger={far_down}&k=20")
    # The pool joins the 20 nearest by whole text and the 20 nearest by jobmål: 20 to 25 of the 25.
    scored = re.search(r"kun de (\d+) nærmeste er scoret: de nærmeste på hele CV'et", html)
    assert 'data-testid="pool-limited"' in html and scored and 20 <= int(scored[1]) < 25
    why, text = _note(html)
    assert why == "not_reached" and "søgningen nåede ikke borgeren" in text and "Brug filtrene" in text
