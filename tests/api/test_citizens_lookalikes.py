"""``PUT /api/v1/citizens/{external_id}`` applies the import's lookalike rule (review AS 2).

A new citizen with the same name and the same e-mail or phone as one in the portal (typically
typed in by hand, without a case-system id) was created as a second record, where the import
refuses it and »Opret borger« asks »Opret alligevel«. Now the PUT answers 409 naming the
citizen(s) it looks like by id and external id (never their name or contact details), and the
caller chooses explicitly: ``?lookalikes=attach`` gives the hand-made citizen the id and updates
it, ``?lookalikes=create`` creates anyway (audited with the citizens it looked like).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.admin.audit_labels import purpose_label
from portal.extensions import db
from store import clock
from store.models import AuditEvent, Citizen
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN

pytestmark = pytest.mark.usefixtures("frozen_today")

EMAIL = "kirsten.joergensen82@example.com"
BODY = dict(CITIZEN, name="Kirsten Jørgensen", email=EMAIL)


@pytest.fixture
def raw(app, make_user):
    return make_token(app, make_user("consultant", email="vk@jc.dk"))


def _hand_made(app, external_id: str | None = None, restricted: bool = False, **fields) -> int:
    """A citizen typed in by hand (»Opret borger«), without a case-system id by default."""
    with app.app_context():
        citizen = Citizen(name="Kirsten  jørgensen", email=EMAIL.upper(), phone="+45 12 34 56 78",
                          postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                          case_start=clock.today(), hours_available=10, external_id=external_id,
                          restricted=restricted, **fields)
        db.session.add(citizen)
        db.session.commit()
        return citizen.id


def _rows(app) -> list[tuple[int, str | None]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(sa.select(Citizen.id, Citizen.external_id).order_by(Citizen.id))]


def _put(client, raw, external_id="SAG-777", query="", **changes):
    return client.put(f"/api/v1/citizens/{external_id}{query}", json=dict(BODY, **changes), headers=bearer(raw))


def test_a_likely_duplicate_is_refused_naming_the_citizen(app, client, raw):
    """The reproduction: 201 and a second record before."""
    first = _hand_made(app)
    refused = _put(client, raw)
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    assert refused.json["likely_duplicates"] == [{"id": first, "external_id": None, "same": ["email"]}]
    detail = refused.json["detail"]
    assert f"borger {first} uden eksternt id" in detail and "lookalikes=attach" in detail
    assert "lookalikes=create" in detail
    # only ids: nothing of the record the caller did not send
    assert "+45" not in refused.get_data(as_text=True) and "jørgensen" not in detail.lower()
    assert _rows(app) == [(first, None)]


def test_the_same_phone_counts_too_and_an_external_id_is_named(app, client, raw):
    first = _hand_made(app, external_id="SAG-1")
    refused = _put(client, raw, email="", phone="12345678")
    assert refused.status_code == 409
    assert refused.json["likely_duplicates"] == [{"id": first, "external_id": "SAG-1", "same": ["phone"]}]
    assert "med eksternt id SAG-1" in refused.json["detail"]
    assert "attach" not in refused.json["detail"]  # it has an id of its own: attaching cannot work
    assert _put(client, raw, email="", phone="12345678", query="?lookalikes=attach").status_code == 409
    assert _rows(app) == [(first, "SAG-1")]


def test_attach_gives_the_hand_made_citizen_the_id(app, client, raw):
    first = _hand_made(app)
    attached = _put(client, raw, query="?lookalikes=attach")
    assert attached.status_code == 200, attached.json
    assert attached.json["id"] == first and attached.json["external_id"] == "SAG-777"
    assert attached.json["result"] == "updated" and attached.json["job_goals"] == BODY["job_goals"]
    assert _rows(app) == [(first, "SAG-777")]
    with app.app_context():
        purposes = db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.citizen_id == first)).all()
    assert "external id attached" in purposes
    # from now on the id is the citizen's: a plain PUT updates it, with no question
    assert _put(client, raw, hours_available=15).json["id"] == first


def test_create_makes_a_new_citizen_and_is_audited(app, client, raw):
    first = _hand_made(app)
    created = _put(client, raw, query="?lookalikes=create")
    assert created.status_code == 201 and created.json["result"] == "created"
    new = created.json["id"]
    assert _rows(app) == [(first, None), (new, "SAG-777")]
    with app.app_context():
        [purpose] = db.session.scalars(sa.select(AuditEvent.purpose).where(
            AuditEvent.citizen_id == new, AuditEvent.purpose.like("likely duplicate%"))).all()
    assert purpose == f"likely duplicate created anyway: Citizen:{first}"
    assert purpose_label("citizen_imported", purpose) == f"oprettet trods lighed med borger {first}"


def test_two_api_ids_for_one_person_are_refused_too(app, client, raw):
    """AS-3/AS-4 in the review: the second id of the same name and e-mail was a second record."""
    assert _put(client, raw, external_id="AS-3").status_code == 201
    refused = _put(client, raw, external_id="AS-4")
    assert refused.status_code == 409
    assert [d["external_id"] for d in refused.json["likely_duplicates"]] == ["AS-3"]


def test_a_restricted_or_doubled_lookalike_cannot_be_attached(app, client, raw):
    _hand_made(app, restricted=True)
    refused = _put(client, raw, query="?lookalikes=attach")
    assert refused.status_code == 409 and "begrænset behandling" in refused.json["detail"]
    _hand_made(app)
    refused = _put(client, raw, query="?lookalikes=attach")
    assert refused.status_code == 409 and "flere borgere" in refused.json["detail"]
    assert len(refused.json["likely_duplicates"]) == 2


def test_other_people_and_updates_are_not_asked(app, client, raw):
    _hand_made(app)
    assert _put(client, raw, name="Kirsten Hansen").status_code == 201  # another name: another person
    assert _put(client, raw, external_id="SAG-8", email="anden@example.com").status_code == 201
    # an update of an existing id is never a lookalike question
    assert _put(client, raw, external_id="SAG-8", email=EMAIL).status_code == 200


def test_an_unknown_choice_is_422(app, client, raw):
    _hand_made(app)
    refused = _put(client, raw, query="?lookalikes=merge")
    assert refused.status_code == 422 and "lookalikes" in refused.json["errors"]
    refused = _put(client, raw, query="?allow=1")
    assert refused.status_code == 422 and "allow" in refused.json["errors"]


def test_the_document_describes_the_choice(app, client, raw):
    spec = client.get("/api/openapi.json", headers=bearer(raw)).json
    operation = spec["paths"]["/api/v1/citizens/{external_id}"]["put"]
    [choice] = [p for p in operation["parameters"] if p["name"] == "lookalikes"]
    assert choice["in"] == "query" and choice["schema"]["enum"] == ["refuse", "attach", "create"]
    assert "likely_duplicates" in operation["responses"]["409"]["description"]
