"""Cross-cutting API behaviour: Idempotency-Key, rate limits, cursor pages, problem+json, docs."""
from __future__ import annotations

from datetime import timedelta

import time_machine

from portal import create_app
from portal.extensions import db
from store import clock
from store.models import IdempotencyRecord, Opening
from tests.api.api_fixtures import OPENING, bearer, make_token


def test_idempotency_key_replays_the_answer_and_refuses_another_body(app, client, make_user):
    raw = make_token(app, make_user("company"))
    headers = bearer(raw, **{"Idempotency-Key": "opret-1"})
    first = client.post("/api/v1/openings/", json=OPENING, headers=headers)
    again = client.post("/api/v1/openings/", json=OPENING, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    other = client.post("/api/v1/openings/", json=dict(OPENING, title="Noget andet"), headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.json["detail"]
    with app.app_context():
        assert db.session.query(Opening).count() == 1
    # After 24 hours the key is forgotten (and purged): the same request creates again.
    with time_machine.travel(clock.utcnow() + timedelta(hours=25)):
        later = client.post("/api/v1/openings/", json=OPENING, headers=headers)
        assert later.status_code == 201 and later.json["id"] != first.json["id"]
    with app.app_context():
        assert db.session.query(Opening).count() == 2
        assert db.session.query(IdempotencyRecord).count() == 1


def test_rate_limit_per_token_answers_429_with_retry_after(tmp_path, make_user, password_hash):
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "i"), "SECRET_KEY": "k",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "PSEUDONYM_KEY": "p",
                      "MATCHING_ENCODER": "hashing", "MATCHING_BACKEND": "memory", "API_RATE_LIMIT": "3/minute"})
    with app.app_context():
        db.create_all()
    from tests.conftest import user_factory

    make = user_factory(app, password_hash)
    first, second = make_token(app, make("company")), make_token(app, make("company"))
    client = app.test_client()
    answers = [client.get("/api/v1/openings/", headers=bearer(first)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = client.get("/api/v1/openings/", headers=bearer(first))
    assert limited.content_type == "application/problem+json" and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/openings/", headers=bearer(second)).status_code == 200  # per token
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_cursor_pages_filters_and_bad_cursor(app, client, make_user):
    user = make_user("company")
    raw = make_token(app, user)
    with app.app_context():
        db.session.add_all([Opening(company_id=user.company_id, kind="smaajob", title=f"Opslag {n}", postcode="8722",
                                    hours_min=1, hours_max=5, status="open" if n % 2 else "draft")
                            for n in range(7)])
        db.session.commit()
    seen, url = [], "/api/v1/openings/?limit=3"
    while url:
        page = client.get(url, headers=bearer(raw)).json
        seen += [item["title"] for item in page["items"]]
        url = page["next"]
        assert (url is None) == (page["next_cursor"] is None)
    assert seen == [f"Opslag {n}" for n in range(7)]
    drafts = client.get("/api/v1/openings/?status=draft&limit=100", headers=bearer(raw)).json["items"]
    assert [o["title"] for o in drafts] == ["Opslag 0", "Opslag 2", "Opslag 4", "Opslag 6"]
    future = (clock.today() + timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/openings/?updated_since={future}", headers=bearer(raw)).json["items"] == []
    for query in ("cursor=abc%25%25", "limit=101", "limit=0", "status=nonsense", "updated_since=2026-02-31"):
        answer = client.get(f"/api/v1/openings/?{query}", headers=bearer(raw))
        assert answer.status_code == 422 and answer.content_type == "application/problem+json", query
        assert answer.json["errors"], query


def test_unknown_objects_and_paths_are_404_problems(app, client, make_user):
    raw = make_token(app, make_user("company"))
    for path in ("/api/v1/openings/0", "/api/v1/openings/99999", "/api/v1/nothing", "/api/v1/proposals/2147483647",
                 "/api/v1/openings/abc", "/api/v1/citizens/SAG-1"):
        answer = client.get(path, headers=bearer(raw))
        assert answer.status_code in (403, 404) and answer.content_type == "application/problem+json", path
    assert client.get("/ingen-side").content_type.startswith("text/html")  # the portal keeps its pages


def test_spec_and_docs(app, client, auth, make_user):
    assert client.get("/api/openapi.json").status_code == 401
    assert client.get("/api/docs").status_code == 302
    user = make_user("company", email="firma@example.dk")
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, user))).json
    assert spec["openapi"] == "3.1.0"
    assert {"/api/v1/openings/", "/api/v1/citizens/{external_id}", "/api/v1/figures/"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    auth.login(user.email)
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "vendor/swagger-ui/swagger-ui-bundle.js" in docs.get_data(as_text=True)
    assert "uden svarer den 401" in docs.get_data(as_text=True)  # the page says the spec needs a key
    assert "'unsafe-eval'" not in docs.headers["Content-Security-Policy"]


def test_every_operation_declares_the_answers_the_guard_gives(app, client, make_user):
    """401, 403 and 429 can answer any call, 404 any path naming an object, 400/413/415 any body."""
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, make_user("company")))).json
    operations = [(path, method, op) for path, item in spec["paths"].items()
                  for method, op in item.items() if method in ("get", "post", "put", "patch", "delete")]
    assert len(operations) >= 20
    for path, method, op in operations:
        declared = set(op["responses"])
        assert {"401", "403", "429"} <= declared, (method, path)
        assert ("{" not in path) or "404" in declared, (method, path)
        assert method not in ("post", "put", "patch") or {"400", "413", "415"} <= declared, (method, path)
        assert op["responses"]["401"] == {"$ref": "#/components/responses/UNAUTHORIZED"}
    assert "application/problem+json" in spec["components"]["responses"]["UNAUTHORIZED"]["content"]


def test_every_field_of_the_document_has_a_type(app, client, make_user):
    """A client generator needs a type for each field (computed fields once had none)."""
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, make_user("company")))).json
    untyped = [f"{name}.{field}" for name, schema in spec["components"]["schemas"].items()
               for field, prop in schema.get("properties", {}).items()
               if not ({"type", "$ref", "allOf", "oneOf", "anyOf"} & set(prop))]
    assert untyped == []
    citizen = spec["components"]["schemas"]["CitizenOut"]["properties"]
    assert {"phone", "email", "max_commute_km"} <= set(citizen)  # what PUT accepts, GET returns


def test_validation_errors_name_each_field_in_danish(app, client, make_user):
    raw = make_token(app, make_user("company"))
    answer = client.post("/api/v1/openings/", json={"title": "Lager", "hours_min": "mange", "farve": "blå"},
                         headers=bearer(raw))
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    errors = answer.json["errors"]
    assert errors["hours_min"] == ["Skal være et tal."]
    assert errors["kind"] == ["Feltet skal udfyldes."]
    assert errors["farve"] == ["Ukendt felt."]
    text = str(errors)
    for english in ("Missing data", "Not a valid", "Unknown field", "Must be"):
        assert english not in text
