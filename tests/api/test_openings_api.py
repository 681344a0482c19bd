"""Openings through the API: the web's rules, If-Match, publish/close, another company's is 404."""
from __future__ import annotations

from portal.extensions import db
from store.models import AuditEvent, Opening, OutboxEvent
from tests.api.api_fixtures import OPENING, bearer, make_token


def test_create_read_update_publish_close(app, client, make_user):
    company = make_user("company")
    raw = make_token(app, company)
    created = client.post("/api/v1/openings/", json=OPENING, headers=bearer(raw))
    assert created.status_code == 201, created.json
    opening_id = created.json["id"]
    assert created.headers["Location"].endswith(f"/api/v1/openings/{opening_id}")
    etag = created.headers["ETag"]
    got = client.get(f"/api/v1/openings/{opening_id}", headers=bearer(raw))
    assert got.json["title"] == OPENING["title"] and got.json["town"] == "Hedensted"

    changed = dict(OPENING, title="Lagerhjælp om søndagen")
    assert client.put(f"/api/v1/openings/{opening_id}", json=changed, headers=bearer(raw)).status_code == 428
    updated = client.put(f"/api/v1/openings/{opening_id}", json=changed, headers=bearer(raw, **{"If-Match": etag}))
    assert updated.status_code == 200 and updated.json["title"] == "Lagerhjælp om søndagen"
    stale = client.put(f"/api/v1/openings/{opening_id}", json=OPENING, headers=bearer(raw, **{"If-Match": etag}))
    assert stale.status_code == 412 and stale.content_type == "application/problem+json"

    assert client.post(f"/api/v1/openings/{opening_id}/publish", headers=bearer(raw)).json["status"] == "open"
    kept = {k: v for k, v in changed.items() if k != "status"}  # leaving status out keeps it
    etag = client.get(f"/api/v1/openings/{opening_id}", headers=bearer(raw)).headers["ETag"]
    assert client.put(f"/api/v1/openings/{opening_id}", json=kept,
                      headers=bearer(raw, **{"If-Match": etag})).json["status"] == "open"
    assert client.post(f"/api/v1/openings/{opening_id}/close", headers=bearer(raw)).json["status"] == "closed"
    with app.app_context():
        actions = set(db.session.scalars(db.select(AuditEvent.action)))
        assert {"opening_created", "opening_updated", "opening_closed", "api_write"} <= actions
        assert db.session.query(OutboxEvent).filter_by(entity="opening", entity_id=opening_id).count() >= 1


def test_the_web_rules_apply_with_danish_field_errors(app, client, make_user):
    raw = make_token(app, make_user("company"))
    bad = dict(OPENING, hours_min=12, hours_max=5, postcode="0000", capacity=3)
    answer = client.post("/api/v1/openings/", json=bad, headers=bearer(raw))
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    body = answer.json
    assert body["status"] == 422 and body["type"] == "about:blank" and body["title"] and body["detail"]
    assert "Postnummeret" in body["errors"]["postcode"][0]
    assert "mindst det mindste" in body["errors"]["hours_max"][0]
    assert "capacity" in body["errors"]
    wrong_type = client.post("/api/v1/openings/", json={"kind": 7}, headers=bearer(raw))
    assert wrong_type.status_code == 422 and {"kind", "title"} <= set(wrong_type.json["errors"])
    not_json = client.post("/api/v1/openings/", data="{{7*7}}", headers=bearer(raw, **{"Content-Type": "application/json"}))
    assert not_json.status_code in (400, 422) and not_json.content_type == "application/problem+json"
    with app.app_context():
        assert db.session.query(Opening).count() == 0


def test_another_companys_opening_is_404_and_a_consultant_only_reads(app, client, make_user):
    owner, stranger, consultant = make_user("company"), make_user("company"), make_user("consultant")
    mine = client.post("/api/v1/openings/", json=OPENING, headers=bearer(make_token(app, owner))).json["id"]
    theirs = make_token(app, stranger)
    for method, path in (("get", ""), ("put", ""), ("post", "/publish"), ("post", "/close")):
        answer = getattr(client, method)(f"/api/v1/openings/{mine}{path}", json=OPENING,
                                         headers=bearer(theirs, **{"If-Match": '"v1"'}))
        assert answer.status_code == 404, (method, path)
    assert client.get("/api/v1/openings/", headers=bearer(theirs)).json["items"] == []
    staff = make_token(app, consultant)
    assert client.get(f"/api/v1/openings/{mine}", headers=bearer(staff)).status_code == 200
    assert client.post("/api/v1/openings/", json=OPENING, headers=bearer(staff)).status_code == 403


def test_a_company_system_upserts_openings_by_its_own_id(app, client, make_user):
    owner, other = make_user("company"), make_user("company")
    raw = make_token(app, owner)
    path = "/api/v1/openings/by-external-id/REK-17"
    created = client.put(path, json=OPENING, headers=bearer(raw))
    assert created.status_code == 201 and created.json["external_id"] == "REK-17"
    assert client.put(path, json=OPENING, headers=bearer(raw)).status_code == 200
    changed = client.put(path, json=dict(OPENING, title="Lagerhjælp hver lørdag"), headers=bearer(raw))
    assert changed.json["id"] == created.json["id"] and changed.json["version"] == created.json["version"] + 1
    # Another company's same external id is its own opening, never company A's.
    theirs = client.put(path, json=OPENING, headers=bearer(make_token(app, other)))
    assert theirs.status_code == 201 and theirs.json["id"] != created.json["id"]
    with app.app_context():
        assert db.session.get(Opening, created.json["id"]).title == "Lagerhjælp hver lørdag"


def test_resending_an_upsert_without_status_keeps_a_published_opening_open(app, client, make_user):
    """Review G 6: the same body again used to take the opening back to draft."""
    raw = make_token(app, make_user("company"))
    body = {k: v for k, v in OPENING.items() if k != "status"}
    created = client.put("/api/v1/openings/by-external-id/REK-1", json=body, headers=bearer(raw))
    assert created.status_code == 201 and created.json["status"] == "draft", created.json
    published = client.post(f"/api/v1/openings/{created.json['id']}/publish", headers=bearer(raw))
    assert published.json["status"] == "open"
    again = client.put("/api/v1/openings/by-external-id/REK-1", json=body, headers=bearer(raw))
    assert again.status_code == 200 and again.json["status"] == "open"
    assert again.headers["ETag"] == published.headers["ETag"]  # nothing changed: same version
    closed = client.put("/api/v1/openings/by-external-id/REK-1", json=dict(body, status="closed"), headers=bearer(raw))
    assert closed.json["status"] == "closed"  # a status that is sent still applies
