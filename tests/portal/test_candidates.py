"""Consultants rank candidates for an opening, see reasons, and decide."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from indexer.rebuild import rebuild
from matching.backends import BackendUnavailable
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.index_status import STALLED_AFTER
from store.models import AuditEvent, Citizen, Company, CvDocument, JobGoal, Opening, OutboxEvent, Proposal
from store.models.base import utcnow
from store.outbox import record_change
from tests.sql_statements import statements


def _citizen(name, goal, cv, vk_id, *, hours=10, group="kontanthjaelp", postcode="8722", commute=25):
    citizen = Citizen(name=name, postcode=postcode, benefit_group=group, hours_available=hours,
                      readiness_group="paa_vej", case_start=date(2025, 6, 1), vk_id=vk_id,
                      max_commute_km=commute)
    citizen.job_goals.append(JobGoal(title=goal))
    citizen.cv_documents.append(CvDocument(text=cv))
    return citizen


@pytest.fixture
def world(app, make_user):
    """An opening for a warehouse worker and four citizens, indexed."""
    consultant = make_user("consultant", email="vk@jobcenter.dk")
    company_user = make_user("company", email="chef@lager.dk")
    with app.app_context():
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = consultant.id
        opening = Opening(company=company, kind="smaajob", title="Lagermedarbejder med truckcertifikat",
                          description="Plukning, pakning og truckkørsel på vores lager.",
                          hours_min=5, hours_max=12, postcode="8722", status="open")
        citizens = [
            _citizen("Anna Lagerbæk", "Lagermedarbejder", "Truckcertifikat, pluk og pak på lager.", consultant.id),
            _citizen("Bo Omsorg", "Social- og sundhedshjælper", "Pleje af ældre i hjemmeplejen.", consultant.id),
            _citizen("Carl Fåtimer", "Lagermedarbejder", "Lagerarbejde og truck.", consultant.id, hours=2),
            _citizen("Dina Langtväk", "Lagerarbejder", "Truck og lager.", consultant.id, postcode="7000", commute=5),
        ]
        db.session.add_all([opening, *citizens])
        db.session.commit()
        ids = {c.name: c.id for c in citizens}
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
        return {"consultant": consultant, "company_user": company_user, "opening_id": opening.id, "ids": ids}


def _names_in_order(html: str) -> list[str]:
    return re.findall(r'<li class="card jobbro-match[^"]*" data-citizen="\d+"[^>]*>\s*<div class="card-content">\s*<h3><a href="/borgere/\d+">([^<]+)</a>', html)


def test_ranking_puts_the_relevant_citizen_first_and_respects_hard_limits(client, auth, world):
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    names = _names_in_order(html)
    assert names[0] == "Anna Lagerbæk"
    assert "Carl Fåtimer" not in names  # 2 hours < 5 required
    assert "Dina Langtväk" not in names  # Fredericia is beyond her 5 km
    assert "Jobmål der matcher:</strong> Lagermedarbejder" in html


def test_excluded_citizens_are_listed_with_the_reason_on_request(client, auth, world):
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}?vis_frasorterede=y").get_data(as_text=True)
    excluded = html.split('data-testid="excluded"')[1]
    assert "Carl Fåtimer" in excluded and "Kun 2 t/uge til rådighed" in excluded
    assert "Dina Langtväk" in excluded and "For langt" in excluded


def test_backend_down_shows_reduced_matching_not_an_empty_list(app, client, auth, world, monkeypatch):
    auth.login(world["consultant"].email)
    with app.app_context():
        backend = _runtime().backend

    def down(*args, **kwargs):
        raise BackendUnavailable("connection refused")

    monkeypatch.setattr(backend, "search", down)
    response = client.get(f"/kandidater/opslag/{world['opening_id']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-testid="reduced-matching"' in html
    assert _names_in_order(html)[0] == "Anna Lagerbæk"


def test_backend_error_detail_is_logged_not_shown(app, client, auth, world, monkeypatch, caplog):
    """Consultants get a plain Danish reason; host, port and exception text go to the log."""
    auth.login(world["consultant"].email)
    with app.app_context():
        backend = _runtime().backend

    def down(*args, **kwargs):
        raise BackendUnavailable("ConnectionError(http://127.0.0.1:9200: Connection refused)")

    monkeypatch.setattr(backend, "search", down)
    with caplog.at_level("WARNING", logger="portal.candidates"):
        response = client.get(f"/kandidater/opslag/{world['opening_id']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "127.0.0.1" not in html and "9200" not in html and "Connection refused" not in html
    assert "Teknisk årsag" not in html
    assert "Søgeindekset svarer ikke lige nu" in html
    assert _names_in_order(html)[0] == "Anna Lagerbæk"
    assert any("127.0.0.1:9200" in r.getMessage() for r in caplog.records)


def test_pending_changes_are_announced(app, client, auth, world):
    with app.app_context():
        record_change(db.session, "citizen", world["ids"]["Bo Omsorg"])
        db.session.commit()
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    assert "1 ændring afventer indeksering" in html
    assert 'data-testid="indexer-stalled"' not in html  # a fresh change: the indexer is merely busy


def _stale_change(app, world, age):
    with app.app_context():
        db.session.add(OutboxEvent(entity="citizen", entity_id=world["ids"]["Bo Omsorg"], status="pending",
                                   created_at=utcnow() - age))
        db.session.commit()


def test_a_stopped_indexer_is_said_on_the_ranking_with_whom_to_tell(app, client, auth, world):
    """Decided as the citizen page and /admin/indexer decide it (portal.citizens.queries.indexer_stalled)."""
    _stale_change(app, world, STALLED_AFTER + timedelta(minutes=1))
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    notice = html.split('data-testid="indexer-stalled"')[1].split("</div></div>")[0]
    assert "Indekseringen kører ikke lige nu" in notice
    assert "1 ændring af borgere og opslag afventer indeksering og er ikke med i rangeringen endnu" in notice
    assert "der går intet tabt" in notice and "Sig det til en administrator" in notice
    assert "/admin/indexer" not in notice
    assert _names_in_order(html)[0] == "Anna Lagerbæk"  # the ranking is still shown


def test_an_admin_is_sent_to_the_indexer_page(app, client, auth, world, make_user):
    _stale_change(app, world, STALLED_AFTER + timedelta(minutes=1))
    admin = make_user("admin", email="admin@jobcenter.dk")
    auth.login(admin.email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    notice = html.split('data-testid="indexer-stalled"')[1].split("</div></div>")[0]
    assert 'href="/admin/indexer"' in notice and "Sig det til en administrator" not in notice


def test_a_change_being_retried_is_no_stopped_indexer(app, client, auth, world):
    """A change that failed once and waits for its retry shows a working indexer, as on /admin/indexer."""
    with app.app_context():
        db.session.add(OutboxEvent(entity="citizen", entity_id=world["ids"]["Bo Omsorg"], status="pending",
                                   last_error="timeout", created_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    assert "1 ændring afventer indeksering" in html and 'data-testid="indexer-stalled"' not in html


def _decide(client, auth, world, citizen, decision, reason="Passer godt"):
    """Post a decision; a rejection as confirmed (its confirmation page: test_candidates_reject_confirm)."""
    path = f"/kandidater/opslag/{world['opening_id']}"
    token = auth.csrf_token(path)
    return client.post(f"{path}/borger/{world['ids'][citizen]}",
                       data={"decision": decision, "reason": reason, "csrf_token": token,
                             "confirmed": "y" if decision == "reject" else "",
                             "status": "disclosed", "decided_by_id": "999"})


def test_approval_is_a_logged_human_decision_with_the_explanation(app, client, auth, world):
    auth.login(world["consultant"].email)
    assert _decide(client, auth, world, "Anna Lagerbæk", "approve").status_code == 302
    with app.app_context():
        proposal = db.session.query(Proposal).one()
        assert proposal.status == "approved"  # the injected status=disclosed is ignored
        assert proposal.decided_by_id == world["consultant"].id
        assert "Lagermedarbejder" in proposal.explanation["matched_goals"]
        assert db.session.query(AuditEvent).filter_by(action="proposal_approved").count() == 1
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    assert "Anna Lagerbæk" not in _names_in_order(html)  # decided: not ranked again
    assert "Foreslået til virksomheden" in html  # the status as the company would say it (review AD 2)


def test_a_citizen_breaking_a_hard_limit_cannot_be_approved(app, client, auth, world):
    auth.login(world["consultant"].email)
    _decide(client, auth, world, "Carl Fåtimer", "approve")
    with app.app_context():
        assert db.session.query(Proposal).count() == 0


def test_rejection_needs_a_reason(app, client, auth, world):
    auth.login(world["consultant"].email)
    _decide(client, auth, world, "Bo Omsorg", "reject", reason="")
    with app.app_context():
        assert db.session.query(Proposal).count() == 0
    _decide(client, auth, world, "Bo Omsorg", "reject", reason="Ønsker omsorgsjob")
    with app.app_context():
        assert db.session.query(Proposal).one().status == "rejected"


def test_approval_requires_a_fresh_login(client, auth, world):
    auth.login(world["consultant"].email)
    with client.session_transaction() as session:
        session["_fresh"] = False
    response = _decide(client, auth, world, "Anna Lagerbæk", "approve")
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/kandidater/", "/kandidater/opslag/{id}"])
def test_companies_cannot_see_rankings(client, auth, world, path):
    auth.login(world["company_user"].email)
    assert client.get(path.format(id=world["opening_id"])).status_code == 403


@pytest.mark.parametrize("bad", ["-1", "abc", "99999999999999999999", "0"])
def test_bad_opening_ids_are_404(client, auth, world, bad):
    auth.login(world["consultant"].email)
    assert client.get(f"/kandidater/opslag/{bad}").status_code == 404


@pytest.mark.parametrize("query", ["max_distance_km=-5", "k=100000", "benefit_groups=ukendt",
                                   "max_distance_km=%27%20OR%201%3D1--"])
def test_bad_filters_are_a_clear_error(client, auth, world, query):
    auth.login(world["consultant"].email)
    response = client.get(f"/kandidater/opslag/{world['opening_id']}?{query}")
    assert response.status_code == 400
    assert "form-error-message" in response.get_data(as_text=True)


@pytest.mark.parametrize("k", ["9" * 309, "-1", "abc", "1e9", "0"])
def test_k_is_bounded_before_conversion(client, auth, world, k):
    auth.login(world["consultant"].email)
    response = client.get(f"/kandidater/opslag/{world['opening_id']}?k={k}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "form-error-message" in html
    assert "Vælg mellem 1 og 100 kandidater." in html or "Skriv et helt tal" in html


def test_list_shows_my_companies_openings(client, auth, world):
    auth.login(world["consultant"].email)
    html = client.get("/kandidater/").get_data(as_text=True)
    assert "Lagermedarbejder med truckcertifikat" in html


# --- issue 8: decisions without re-ranking, readable reasons, priority, honest states -------

def _ranking_html(client, world, query=""):
    return client.get(f"/kandidater/opslag/{world['opening_id']}{query}").get_data(as_text=True)


def test_a_citizen_ranked_below_the_first_200_can_be_approved(app, client, auth, world):
    """Approval scores the one pair (explain_pair); it never re-ranks with a k that cuts off."""
    from matching.domain import Filters
    from portal.candidates import service

    with app.app_context():
        crowd = [_citizen(f"Lager {i:03d}", "Lagermedarbejder", "Truckcertifikat, pluk og pak på lager.",
                          world["consultant"].id) for i in range(205)]
        far_down = _citizen("Frida Frisør", "Frisør", "Klipning og farvning af hår.", world["consultant"].id)
        db.session.add_all([*crowd, far_down])
        db.session.commit()
        world["ids"]["Frida Frisør"] = far_down.id
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
        opening = db.session.get(Opening, world["opening_id"])
        ranked = service.rank_for_opening(opening, Filters(), k=200, include_excluded=False)
        assert len(ranked.result.matches) == 200
        assert str(far_down.id) not in {m.citizen_id for m in ranked.result.matches}
    auth.login(world["consultant"].email)
    assert _decide(client, auth, world, "Frida Frisør", "approve", reason="Vil gerne prøve lager").status_code == 302
    with app.app_context():
        proposal = db.session.query(Proposal).one()
        assert (proposal.citizen_id, proposal.status) == (far_down.id, "approved")
        assert proposal.score is not None and proposal.explanation["matched_goal"] == "Frisør"


def test_a_refused_approval_says_which_limit_is_broken(app, client, auth, world):
    auth.login(world["consultant"].email)
    _decide(client, auth, world, "Carl Fåtimer", "approve")
    html = _ranking_html(client, world)
    assert "Carl Fåtimer kan ikke godkendes til »Lagermedarbejder med truckcertifikat«" in html
    assert "Kun 2 t/uge til rådighed, opslaget kræver mindst 5" in html
    with app.app_context():
        assert db.session.query(Proposal).count() == 0


def test_the_card_names_the_best_goal_with_its_band_and_hours_in_danish(app, client, auth, world):
    with app.app_context():
        citizen = db.session.get(Citizen, world["ids"]["Anna Lagerbæk"])
        citizen.job_goals.insert(0, JobGoal(title="Social- og sundhedshjælper"))
        citizen.hours_available = 7.5
        db.session.commit()
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
    auth.login(world["consultant"].email)
    html = _ranking_html(client, world)
    card = html.split(f'data-citizen="{world["ids"]["Anna Lagerbæk"]}"')[1].split("</li>")[0]
    goal = re.search(r"Jobmål der matcher:</strong> ([^<]+) <span class=\"badge\">([^<]+)</span>", card)
    # The title "Lagermedarbejder med truckcertifikat" contains the jobmål: always "høj".
    assert goal and goal.group(1) == "Lagermedarbejder" and goal.group(2) == "høj"
    assert "Kan 7,5 t/uge · opslaget 5–12 t/uge" in card
    assert "7,5 t/uge til rådighed, opslaget kræver mindst 5" in card  # not rounded to "8"
    terms = re.findall(r'<span class="tag">([^<]+)</span>', card)
    assert terms and all(len(t) > 3 for t in terms)
    assert re.search(r"score \d,\d\d<", card)


@pytest.mark.parametrize("priority, expected", [
    ("off", "slået fra; intet lagt til scoren."),
    ("normal", "lagde +0,"),
    ("strong", "lagde +0,"),
])
def test_the_priority_is_chosen_per_search_and_each_card_shows_what_it_added(client, auth, world, priority, expected):
    auth.login(world["consultant"].email)
    html = _ranking_html(client, world, f"?prioritet={priority}")
    card = html.split(f'data-citizen="{world["ids"]["Anna Lagerbæk"]}"')[1].split("</li>")[0]
    assert expected in card
    assert f'name="priority" value="{priority}"' in card
    assert f'<option selected value="{priority}">' in html or f'value="{priority}" selected' in html


def test_normal_priority_is_the_default_and_strong_adds_more(client, auth, world):
    auth.login(world["consultant"].email)

    def added(query):
        card = _ranking_html(client, world, query).split(f'data-citizen="{world["ids"]["Anna Lagerbæk"]}"')[1]
        return float(re.search(r"lagde \+(\d+,\d\d)", card).group(1).replace(",", "."))

    assert added("") == added("?prioritet=normal") < added("?prioritet=strong")


def test_an_unknown_priority_is_a_clear_error(client, auth, world):
    auth.login(world["consultant"].email)
    response = client.get(f"/kandidater/opslag/{world['opening_id']}?prioritet=maksimal")
    assert response.status_code == 400 and "form-error-message" in response.get_data(as_text=True)


def test_no_good_match_left_is_said_plainly_with_the_nearest_excluded(app, client, auth, world):
    auth.login(world["consultant"].email)
    _decide(client, auth, world, "Anna Lagerbæk", "approve")
    html = _ranking_html(client, world)
    assert 'data-testid="no-good-match"' in html and "Ingen gode match tilbage" in html
    nearest = html.split('data-testid="nearest-excluded"')[1].split("</table>")[0]
    assert "Carl Fåtimer" in nearest and "Kun 2 t/uge til rådighed" in nearest
    assert "Dina Langtväk" in nearest and "For langt" in nearest


def test_no_good_match_before_any_decision_does_not_say_left(app, client, auth, world):
    """Review BG 5: a new installation's first ranking read »Ingen gode match tilbage« (»left«)
    though nobody had been decided; »tilbage« is said only once some are."""
    with app.app_context():
        db.session.get(Citizen, world["ids"]["Anna Lagerbæk"]).restricted = True  # the one good match
        db.session.commit()
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
    auth.login(world["consultant"].email)
    html = _ranking_html(client, world)
    heading = re.search(r'data-testid="no-good-match">.*?<p class="alert-heading">(.*?)</p>', html, re.S).group(1)
    assert heading == "Ingen gode match"
    assert "de resterende borgere" not in html and "Ingen af borgerne" in html
    _decide(client, auth, world, "Bo Omsorg", "reject", reason="Ikke relevant")
    html = _ranking_html(client, world)
    heading = re.search(r'data-testid="no-good-match">.*?<p class="alert-heading">(.*?)</p>', html, re.S).group(1)
    assert heading == "Ingen kandidater tilbage"


def test_a_good_match_hides_the_no_good_match_notice(client, auth, world):
    auth.login(world["consultant"].email)
    assert "Ingen gode match tilbage" not in _ranking_html(client, world)


@pytest.mark.parametrize("status, words", [("filled", "Opslaget er besat"), ("closed", "Opslaget er lukket")])
def test_a_filled_or_closed_opening_says_so(app, client, auth, world, status, words):
    with app.app_context():
        db.session.get(Opening, world["opening_id"]).status = status
        db.session.commit()
    auth.login(world["consultant"].email)
    html = _ranking_html(client, world)
    assert words in html and 'data-testid="opening-not-open"' in html
    assert "Ingen borgere opfylder opslagets krav" not in html and _names_in_order(html) == []


def test_approving_for_a_filled_opening_is_refused_with_the_reason(app, client, auth, world):
    with app.app_context():
        db.session.get(Opening, world["opening_id"]).status = "filled"
        db.session.commit()
    auth.login(world["consultant"].email)
    _decide(client, auth, world, "Anna Lagerbæk", "approve")
    assert "Opslaget er ikke åbent (besat)" in _ranking_html(client, world)
    with app.app_context():
        assert db.session.query(Proposal).count() == 0


@pytest.mark.parametrize("priority", ["off", "strong"])
def test_the_stored_score_is_the_one_the_card_showed(app, client, auth, world, priority):
    """The approval scores the pair with the priority the ranking was viewed with."""
    auth.login(world["consultant"].email)
    html = _ranking_html(client, world, f"?prioritet={priority}")
    card = html.split(f'data-citizen="{world["ids"]["Anna Lagerbæk"]}"')[1].split("</li>")[0]
    shown = re.search(r'class="jobbro-score">score (\d,\d\d)<', card).group(1)
    path = f"/kandidater/opslag/{world['opening_id']}"
    response = client.post(f"{path}/borger/{world['ids']['Anna Lagerbæk']}", data={
        "decision": "approve", "reason": "Passer godt", "priority": priority,
        "csrf_token": auth.csrf_token(path)})
    assert response.headers["Location"].endswith(path if priority == "normal" else f"{path}?prioritet={priority}")
    with app.app_context():
        stored = db.session.query(Proposal).one().score
    assert f"{stored:.2f}".replace(".", ",") == shown


def test_a_waiting_proposal_is_listed_as_waiting_not_as_decided(app, client, auth, world):
    with app.app_context():
        db.session.add_all([
            Proposal(citizen_id=world["ids"]["Anna Lagerbæk"], opening_id=world["opening_id"], status="proposed"),
            Proposal(citizen_id=world["ids"]["Bo Omsorg"], opening_id=world["opening_id"], status="rejected",
                     decision_reason="Andet fag"),
        ])
        db.session.commit()
    auth.login(world["consultant"].email)
    _ranking_html(client, world)
    with statements(app) as seen:
        html = _ranking_html(client, world)
    # The decided citizens' names come with their proposals, the company with the opening.
    flat = [" ".join(s.split()) for s in seen]
    assert not [s for s in flat if s.startswith("SELECT citizen.id, citizen.name FROM citizen")
                or s.endswith("FROM company WHERE company.id = ?")]
    assert "Firma" in html.split('class="font-lead">')[1].split("·")[0]  # the company's name
    waiting = html.split('data-testid="waiting-proposals"')[1].split("</table>")[0]
    decided = html.split('data-testid="decided-proposals"')[1].split("</table>")[0]
    assert "Venter på din vurdering" in html
    assert "Anna Lagerbæk" in waiting and "Anna Lagerbæk" not in decided
    assert "Bo Omsorg" in decided and "Andet fag" in decided


@pytest.mark.parametrize("reason, goal, error, anchor", [
    ("   ", "Lagermedarbejder", "Skriv en kort begrundelse.", "reason-approve"),
    ("Passer godt", "Truckfører (skånejob pga. ryg)", "kan ikke vises for virksomheden: det indeholder "
     "helbredsoplysninger", "shared-goal"),
    ("Passer godt", "Lagerchef", "»Lagerchef« er ikke et af borgerens jobmål", "shared-goal"),
])
def test_a_refused_decision_names_the_citizen_and_keeps_the_chosen_jobmaal(
        app, client, auth, world, reason, goal, error, anchor):
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    anna = world["ids"]["Anna Lagerbæk"]
    response = client.post(f"{path}/borger/{anna}", data={
        "decision": "approve", "reason": reason, "shared_goal": goal, "csrf_token": auth.csrf_token(path)})
    assert response.headers["Location"] == f"{path}#{anchor}-{anna}"  # back at the field to fix
    with app.app_context():
        assert db.session.query(Proposal).count() == 0
    html = client.get(path).get_data(as_text=True)
    assert re.search(rf"Beslutningen om Anna Lagerbæk er ikke gemt: [^<]*{error}", html)
    select = re.search(rf'<select [^>]*id="shared-goal-{anna}" name="shared_goal".*?</select>', html, re.DOTALL)
    # a choice of the citizen's own jobmål: a typed text is no option, and stays chosen only if it is one
    assert select and '<option value="Lagermedarbejder"' in select.group()
    assert ("<option value=\"Lagermedarbejder\" selected>" in select.group()) == (goal == "Lagermedarbejder")
    assert goal == "Lagermedarbejder" or goal not in select.group()
    assert re.search(rf'id="reason-approve-{anna}" [^>]*value="{re.escape(reason)}"', html)  # the reason too
    assert re.search(rf'id="reason-reject-{anna}" [^>]*value=""', html)  # not put in the other decision
    # the typed jobmål is for the page right after the refusal; then the suggestion is back
    again = client.get(path).get_data(as_text=True)
    assert re.search(r'<option value="Lagermedarbejder" selected>Lagermedarbejder \(matcher opslaget\)</option>', again)


def test_a_refused_rejection_goes_back_to_the_reason_on_the_card(app, client, auth, world):
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    bo = world["ids"]["Bo Omsorg"]
    response = client.post(f"{path}/borger/{bo}", data={
        "decision": "reject", "reason": " ", "csrf_token": auth.csrf_token(path)})
    assert response.headers["Location"] == f"{path}#reason-reject-{bo}"
    assert "Beslutningen om Bo Omsorg er ikke gemt: Skriv en kort begrundelse." in client.get(path).get_data(
        as_text=True)


def test_no_good_match_counts_waiting_proposals_apart_and_links_to_them(app, client, auth, world):
    """A proposal still waiting for the consultant's decision is not "already decided"."""
    auth.login(world["consultant"].email)
    _decide(client, auth, world, "Anna Lagerbæk", "approve")
    with app.app_context():
        db.session.add(Proposal(citizen_id=world["ids"]["Bo Omsorg"], opening_id=world["opening_id"],
                                status="proposed"))
        db.session.commit()
    html = _ranking_html(client, world)
    alert = html.split('data-testid="no-good-match"')[1].split("</div>")[0]
    assert '1 er allerede besluttet, og <a href="#venter">1 venter på din vurdering</a>.' in alert
    assert '<h2 id="venter">Venter på din vurdering</h2>' in html


def test_a_card_says_the_citizen_was_proposed_before_and_the_proposal_ended_with_the_case(app, client, auth, world):
    anna = world["ids"]["Anna Lagerbæk"]
    with app.app_context():  # proposed, then the case closed and was reopened
        ended = Proposal(citizen_id=anna, opening_id=world["opening_id"], status="ended",
                         ended_on=date(2026, 10, 1))
        db.session.add(ended)
        db.session.commit()
        pid = ended.id
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    card = html[html.index(f'data-citizen="{anna}"'):]
    card = card[:card.index("</li>")]
    note = re.search(r'data-testid="proposed-before">(.*?)</p>', card, re.DOTALL)
    assert note and f'<a href="/kandidater/forslag/{pid}">forslaget</a>' in note.group(1)
    assert "blev afsluttet 01.10.2026, da borgerens sag blev lukket" in note.group(1)
    other = html[html.index('data-testid="ranking"'):]
    assert other.count('data-testid="proposed-before"') == 1  # only Anna's card


def test_a_sought_citizen_far_down_the_list_is_shown_and_named(app, client, auth, world):
    """From an ended proposal after the case was reopened the link seeks the citizen: a list
    of 20 is widened until the citizen is on it, and the page says so."""
    with app.app_context():
        crowd = [_citizen(f"Lager {i:03d}", "Lagermedarbejder", "Truckcertifikat, pluk og pak på lager.",
                          world["consultant"].id) for i in range(30)]
        far_down = _citizen("Frida Frisør", "Frisør", "Klipning og farvning af hår.", world["consultant"].id)
        db.session.add_all([*crowd, far_down])
        db.session.commit()
        sought = far_down.id
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
    auth.login(world["consultant"].email)
    plain = _names_in_order(_ranking_html(client, world))
    assert len(plain) == 20 and "Frida Frisør" not in plain
    html = _ranking_html(client, world, f"?borger={sought}")
    names = _names_in_order(html)
    rank = names.index("Frida Frisør") + 1
    assert rank > 20 and len(names) == rank and names[:20] == plain  # the list of 20, continued
    note = re.search(r'data-testid="sought"[^>]*>(.*?)</div></div>', html, re.DOTALL).group(1)
    assert f'href="#borger-{sought}">Frida Frisør (nr. {rank})</a>' in note
    assert f'id="borger-{sought}"' in html
    # One the list cannot reach (a hard limit) is named, with the way to see why.
    carl = world["ids"]["Carl Fåtimer"]
    note = re.search(r'data-testid="sought"[^>]*>(.*?)</div></div>', _ranking_html(client, world, f"?borger={carl}"),
                     re.DOTALL).group(1)
    assert "Carl Fåtimer er sorteret fra af et krav: Kun 2 t/uge til rådighed, opslaget kræver mindst 5." in note


def test_a_missing_index_ranks_in_reduced_mode_and_says_it_is_not_built(app, client, auth, world, make_user):
    """A lost or never-built index is not "no citizen fits" (review V 1)."""
    with app.app_context():
        _runtime().backend.path.unlink()  # the memory index file, lost
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    assert 'data-index="missing"' in html and "matchingindekset er ikke bygget" in html
    assert "python -m indexer rebuild" not in html and "Bed en administrator" in html
    assert _names_in_order(html)[0] == "Anna Lagerbæk"
    make_user("admin", email="admin@jobcenter.dk")
    auth.switch_to("admin@jobcenter.dk")
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    assert "python -m indexer rebuild" in html and 'href="/admin/indexer"' in html


def test_an_empty_index_is_not_read_as_no_candidates(app, client, auth, world):
    """An index recreated and not refilled yet ranks in reduced mode from the database."""
    with app.app_context():
        _runtime().backend.clear()  # e.g. made empty by a read of an older release
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
    assert 'data-index="empty"' in html and "Reduceret matching: matchingindekset er tomt" in html
    assert _names_in_order(html)[0] == "Anna Lagerbæk"
    assert 'data-testid="no-candidates"' not in html
    anna = world["ids"]["Anna Lagerbæk"]
    html = client.get(f"/kandidater/opslag/{world['opening_id']}?borger={anna}").get_data(as_text=True)
    sought = html.split('data-testid="sought"')[1].split("</div>")[0]
    assert "Anna Lagerbæk</a> står som nr. 1 på listen" in sought


@pytest.mark.parametrize("query, message", [
    # not a number: one message, not »Skriv et tal.« and the range beside it (browser review 2)
    ("max_distance_km=abc", "Skriv afstanden som et tal i km mellem 0 og 300, fx 25."),
    ("max_distance_km=nan", "Afstanden skal være mellem 0 og 300 km."),
    ("max_distance_km=inf", "Afstanden skal være mellem 0 og 300 km."),
    ("max_distance_km=500", "Afstanden skal være mellem 0 og 300 km."),
    ("k=abc", "Skriv et helt tal."),
    ("k=0", "Vælg mellem 1 og 100 kandidater."),
    ("k=" + "9" * 40, "Vælg mellem 1 og 100 kandidater."),
    ("prioritet=x", "Vælg en af mulighederne på listen."),
])
def test_a_bad_filter_says_one_thing(client, auth, world, query, message):
    auth.login(world["consultant"].email)
    response = client.get(f"/kandidater/opslag/{world['opening_id']}?{query}")
    assert response.status_code == 400
    errors = re.findall(r'class="form-error-message"[^>]*><span class="sr-only">Fejl:</span>(.*?)</span>',
                        response.get_data(as_text=True), re.DOTALL)
    assert len(errors) == 1, errors
    assert message in errors[0]
