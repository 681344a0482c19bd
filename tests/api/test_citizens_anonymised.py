"""A citizen anonymised by the retention job cannot be fetched or re-created by the case
system's id (review G 3): 410 with a clear Danish message, never the profile."""
from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa

from portal.extensions import db
from portal.privacy.retention import anonymise_expired
from store.models import Citizen
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN


def _anonymise(app, citizen_id: int) -> None:
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        citizen.case_closed = date(2026, 1, 6)
        db.session.commit()
        assert anonymise_expired(db.session, today=date(2026, 12, 5),
                                 retention_days=30) == 1
        db.session.commit()


def test_an_anonymised_citizen_answers_410_by_its_external_id(app, client, make_user):
    raw = make_token(app, make_user("consultant", email="vk@jc.dk"))
    created = client.put("/api/v1/citizens/SAG-5001", json=dict(CITIZEN, benefit_group="sygedagpenge"),
                         headers=bearer(raw))
    assert created.status_code == 201, created.json
    _anonymise(app, created.json["id"])
    for answer in (client.get("/api/v1/citizens/SAG-5001", headers=bearer(raw)),
                   client.put("/api/v1/citizens/SAG-5001", json=CITIZEN, headers=bearer(raw))):
        assert answer.status_code == 410 and answer.content_type == "application/problem+json"
        assert "anonymiseret" in answer.json["detail"] and "sygedagpenge" not in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 1  # not created again
    spec = client.get("/api/openapi.json", headers=bearer(raw)).json
    assert "410" in spec["paths"]["/api/v1/citizens/{external_id}"]["get"]["responses"]


def test_a_row_anonymised_before_the_id_was_dropped_is_not_shown_either(app, client, make_user):
    raw = make_token(app, make_user("consultant", email="vk@jc.dk"))
    created = client.put("/api/v1/citizens/SAG-5002", json=CITIZEN, headers=bearer(raw))
    with app.app_context():
        citizen = db.session.get(Citizen, created.json["id"])
        citizen.name, citizen.anonymised_at = "Anonymiseret borger", datetime(2026, 6, 1, tzinfo=timezone.utc)
        db.session.commit()
    answer = client.get("/api/v1/citizens/SAG-5002", headers=bearer(raw))
    assert answer.status_code == 410 and "anonymiseret" in answer.json["detail"]
