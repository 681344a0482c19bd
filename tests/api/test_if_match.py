"""If-Match on the create-or-update routes: optional, but honoured like PUT /openings/{id}.

A stale ETag never overwrites (412), whichever route changes the object; ``*`` asks for an
existing object; a weak tag never matches (RFC 9110 strong comparison). A too long external id
is refused as data (422), not answered as an unknown path.
"""
from __future__ import annotations

import pytest

from portal.extensions import db
from store.models import Citizen, Opening
from tests.api.api_fixtures import OPENING, bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN


def test_opening_upsert_honours_if_match_like_the_update_by_id(app, client, make_user):
    raw = make_token(app, make_user("company"))
    path = "/api/v1/openings/by-external-id/REK-1"
    missing = client.put(path, json=OPENING, headers=bearer(raw, **{"If-Match": '"v1"'}))
    assert missing.status_code == 412  # If-Match names a version of something that does not exist
    created = client.put(path, json=OPENING, headers=bearer(raw))
    assert created.status_code == 201 and created.headers["ETag"] == '"v1"'
    opening_id = created.json["id"]
    by_id = client.put(f"/api/v1/openings/{opening_id}", json=dict(OPENING, title="Ændret i portalen"),
                       headers=bearer(raw, **{"If-Match": created.headers["ETag"]}))
    assert by_id.status_code == 200
    for stale in (created.headers["ETag"], '"v0"', 'W/' + by_id.headers["ETag"]):
        refused = client.put(path, json=dict(OPENING, title="Fra rekrutteringssystemet"),
                             headers=bearer(raw, **{"If-Match": stale}))
        assert refused.status_code == 412, stale
        assert refused.content_type == "application/problem+json" and refused.json["detail"]
    with app.app_context():
        assert db.session.get(Opening, opening_id).title == "Ændret i portalen"
    fresh = client.put(path, json=dict(OPENING, title="Fra rekrutteringssystemet"),
                       headers=bearer(raw, **{"If-Match": by_id.headers["ETag"]}))
    assert fresh.status_code == 200 and fresh.json["title"] == "Fra rekrutteringssystemet"
    anyone = client.put(path, json=OPENING, headers=bearer(raw, **{"If-Match": "*"}))
    assert anyone.status_code == 200 and anyone.json["title"] == OPENING["title"]
    assert client.put(path, json=dict(OPENING, title="Uden version"), headers=bearer(raw)).status_code == 200


def test_if_match_star_and_weak_tags_on_the_update_by_id(app, client, make_user):
    raw = make_token(app, make_user("company"))
    created = client.post("/api/v1/openings/", json=OPENING, headers=bearer(raw))
    path = f"/api/v1/openings/{created.json['id']}"
    weak = client.put(path, json=OPENING, headers=bearer(raw, **{"If-Match": "W/" + created.headers["ETag"]}))
    assert weak.status_code == 412
    star = client.put(path, json=dict(OPENING, title="Ny titel"), headers=bearer(raw, **{"If-Match": "*"}))
    assert star.status_code == 200 and star.json["title"] == "Ny titel"


def test_citizen_upsert_honours_if_match_against_an_edit_in_the_portal(app, client, make_user):
    make_user("consultant", email="vk@jc.dk")
    raw = make_token(app, make_user("admin"))
    path = "/api/v1/citizens/SAG-7"
    created = client.put(path, json=CITIZEN, headers=bearer(raw))
    assert created.status_code == 201 and created.headers["ETag"].startswith('"v')
    got = client.get(path, headers=bearer(raw))
    assert got.headers["ETag"] == created.headers["ETag"]
    with app.app_context():  # a consultant edits the profile in the portal
        citizen = db.session.query(Citizen).filter_by(external_id="SAG-7").one()
        citizen.languages = "Dansk, engelsk og tysk"
        db.session.commit()
    stale = client.put(path, json=dict(CITIZEN, hours_available=30),
                       headers=bearer(raw, **{"If-Match": got.headers["ETag"]}))
    assert stale.status_code == 412 and stale.json["detail"]
    with app.app_context():
        citizen = db.session.query(Citizen).filter_by(external_id="SAG-7").one()
        assert citizen.languages == "Dansk, engelsk og tysk" and citizen.hours_available != 30
    current = client.get(path, headers=bearer(raw)).headers["ETag"]
    fresh = client.put(path, json=dict(CITIZEN, hours_available=30), headers=bearer(raw, **{"If-Match": current}))
    assert fresh.status_code == 200 and fresh.json["hours_available"] == 30
    assert fresh.headers["ETag"] != current
    assert client.put("/api/v1/citizens/SAG-8", json=CITIZEN,
                      headers=bearer(raw, **{"If-Match": "*"})).status_code == 412


@pytest.mark.parametrize("path, role", [("/api/v1/citizens/" + "X" * 65, "admin"),
                                        ("/api/v1/openings/by-external-id/" + "X" * 65, "company")])
def test_a_too_long_external_id_is_refused_as_data(app, client, make_user, path, role):
    make_user("consultant", email="vk@jc.dk")
    raw = make_token(app, make_user(role))
    body = CITIZEN if role == "admin" else OPENING
    refused = client.put(path, json=body, headers=bearer(raw))
    assert refused.status_code == 422, refused.json
    assert "64" in refused.json["errors"]["external_id"][0]


def test_an_if_match_list_matches_when_one_tag_is_current(app, client, make_user):
    """RFC 9110: a list of ETags succeeds if any of them is current (review G 10)."""
    raw = make_token(app, make_user("company"))
    created = client.post("/api/v1/openings/", json=OPENING, headers=bearer(raw))
    path = f"/api/v1/openings/{created.json['id']}"
    current = client.put(path, json=dict(OPENING, title="Anden titel"), headers=bearer(raw, **{"If-Match": '"v1"'}))
    assert current.status_code == 200 and current.headers["ETag"] == '"v2"'
    listed = client.put(path, json=dict(OPENING, title="Tredje titel"), headers=bearer(raw, **{"If-Match": '"v2", "v1"'}))
    assert listed.status_code == 200 and listed.json["title"] == "Tredje titel"
    published = client.post(f"{path}/publish", headers=bearer(raw, **{"If-Match": '"v1", "v3"'}))
    assert published.status_code == 200 and published.json["status"] == "open"
    closed = client.post(f"{path}/close", headers=bearer(raw, **{"If-Match": '"v9", ' + published.headers["ETag"]}))
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    stale = client.put(path, json=OPENING, headers=bearer(raw, **{"If-Match": '"v1", "v2"'}))
    assert stale.status_code == 412  # none of them is current
