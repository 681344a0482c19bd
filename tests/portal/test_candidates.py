"""Consultants rank candidates for an opening, see reasons, and decide."""
from __future__ import annotations

import re
from datetime import date

import pytest

from indexer.rebuild import rebuild
from matching.backends import BackendUnavailable
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.models import AuditEvent, Citizen, Company, CvDocument, JobGoal, Opening, Proposal
from store.outbox import record_change


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
    return re.findall(r'<li class="card jobbro-match" data-citizen="\d+">\s*<div class="card-content">\s*<h3><a href="/borgere/\d+">([^<]+)</a>', html)


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
    assert "1 ændring(er) afventer indeksering" in html


def _decide(client, auth, world, citizen, decision, reason="Passer godt"):
    path = f"/kandidater/opslag/{world['opening_id']}"
    token = auth.csrf_token(path)
    return client.post(f"{path}/borger/{world['ids'][citizen]}",
                       data={"decision": decision, "reason": reason, "csrf_token": token,
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
    assert "Godkendt af konsulent" in html


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
