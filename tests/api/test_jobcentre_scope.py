"""The job-centre scope: citizen upsert by external id (idempotent, outbox), CV upload, figures."""
from __future__ import annotations

import io

from portal.extensions import db
from store.models import Citizen, OutboxEvent
from tests.api.api_fixtures import bearer, make_token

CITIZEN = {"name": "Sofie Andersen", "benefit_group": "kontanthjaelp", "hours_available": 12,
           "postcode": "8722", "languages": "dansk", "readiness_group": "i_gang", "case_start": "2026-01-05",
           "job_goals": ["Lagermedarbejder", "Chauffør"], "driving_licences": ["B"]}


def _outbox(app, citizen_id: int) -> int:
    with app.app_context():
        return db.session.query(OutboxEvent).filter_by(entity="citizen", entity_id=citizen_id).count()


def test_upsert_creates_updates_and_is_idempotent(app, client, make_user):
    consultant = make_user("consultant", email="vk@jc.dk")
    raw = make_token(app, consultant)
    created = client.put("/api/v1/citizens/SAG-1", json=dict(CITIZEN, vk="vk@jc.dk"), headers=bearer(raw))
    assert created.status_code == 201, created.json
    assert created.json["result"] == "created" and created.json["job_goals"] == ["Lagermedarbejder", "Chauffør"]
    assert created.json["vk_id"] == consultant.id and created.json["missing_for_matching"] == ["CV"]
    citizen_id = created.json["id"]
    before = _outbox(app, citizen_id)
    again = client.put("/api/v1/citizens/SAG-1", json=dict(CITIZEN, vk="vk@jc.dk"), headers=bearer(raw))
    assert again.status_code == 200 and again.json["result"] == "unchanged"
    assert _outbox(app, citizen_id) == before
    changed = client.put("/api/v1/citizens/SAG-1", json=dict(CITIZEN, job_goals=["Kok"]), headers=bearer(raw))
    assert changed.json["result"] == "updated" and changed.json["job_goals"] == ["Kok"]
    assert _outbox(app, citizen_id) > before

    cv = client.put("/api/v1/citizens/SAG-1/cv", headers=bearer(raw), content_type="multipart/form-data",
                    data={"file": (io.BytesIO("Erfaring fra lager og kantine.".encode()), "cv.txt")})
    assert cv.status_code == 200, cv.json
    assert cv.json["has_cv"] is True and cv.json["missing_for_matching"] == []
    bad = client.put("/api/v1/citizens/SAG-1/cv", headers=bearer(raw), content_type="multipart/form-data",
                     data={"file": (io.BytesIO(b"PK\x03\x04 not really a docx"), "cv.pdf")})
    assert bad.status_code == 422 and bad.json["errors"]["file"]
    assert client.get("/api/v1/citizens/SAG-1", headers=bearer(raw)).json["name"] == "Sofie Andersen"
    assert client.get("/api/v1/citizens/SAG-2", headers=bearer(raw)).status_code == 404


def test_invalid_citizen_is_refused_per_field_and_nothing_is_written(app, client, make_user):
    raw = make_token(app, make_user("consultant"))
    bad = dict(CITIZEN, postcode="12", hours_available=500, job_goals=["x"], vk="ukendt@jc.dk")
    answer = client.put("/api/v1/citizens/SAG-9", json=bad, headers=bearer(raw))
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    assert {"postcode", "hours_available", "job_goals", "vk"} <= set(answer.json["errors"])
    with app.app_context():
        assert db.session.query(Citizen).count() == 0


def test_companies_cannot_reach_the_job_centre_scope(app, client, make_user):
    raw = make_token(app, make_user("company"))
    assert client.put("/api/v1/citizens/SAG-1", json=CITIZEN, headers=bearer(raw)).status_code == 403
    assert client.get("/api/v1/citizens/", headers=bearer(raw)).status_code == 403
    assert client.get("/api/v1/figures/", headers=bearer(raw)).status_code == 403


def test_figures_are_the_dashboards(app, client, make_user, frozen_today):
    raw = make_token(app, make_user("consultant"))
    answer = client.get("/api/v1/figures/?month=2026-10", headers=bearer(raw))
    assert answer.status_code == 200, answer.json
    assert answer.json["measured_on"] == "2026-10-31" and answer.json["partial"] is False
    assert [m["key"] for m in answer.json["metrics"]] == ["focus", "active", "matchable", "outcomes", "duration",
                                                       "cooperation"]
    # The active share's parts (review F 9), and no figure computed under an earlier definition.
    active = answer.json["metrics"][1]
    assert active["breakdown"] == {"placement": 0, "contact_only": 0}
    assert [m["redefined"] for m in answer.json["metrics"]] == [False] * 6
    assert client.get("/api/v1/figures/?month=2019-01", headers=bearer(raw)).status_code == 422
