"""Review X of the open API: a PUT of a citizen keeps every optional field it leaves out, external
ids with "/" work, integer body fields refuse decimals, and the document keeps the endpoints' own
(Danish) 409/422 explanations and declares a problem+json body for every error it lists."""
from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import Citizen
from tests.api.api_fixtures import OPENING, bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN

PROBLEM = "application/problem+json"


@pytest.fixture
def staff(app, make_user):
    make_user("consultant", email="vk@jc.dk")
    return make_token(app, make_user("consultant"))


@pytest.fixture
def spec(app, client, make_user) -> dict:
    return client.get("/api/openapi.json", headers=bearer(make_token(app, make_user("consultant")))).json


def test_a_put_without_driving_licences_keeps_them_like_the_other_optional_fields(client, staff):
    """Review X 1: leaving driving_licences out cleared them, while phone, e-mail and commute
    were kept. Every optional field left out keeps its stored value; [] still clears."""
    full = dict(CITIZEN, driving_licences=["B", "C"], phone="12345678", email="sofie@mail.dk",
                max_commute_km=40, vk="vk@jc.dk")
    created = client.put("/api/v1/citizens/SAG-1042", json=full, headers=bearer(staff))
    assert created.status_code == 201, created.json
    sparse = {k: v for k, v in full.items()
              if k not in ("driving_licences", "phone", "email", "max_commute_km", "vk")}
    again = client.put("/api/v1/citizens/SAG-1042", json=sparse, headers=bearer(staff))
    assert again.status_code == 200 and again.json["result"] == "unchanged", again.json
    assert again.json["driving_licences"] == ["B", "C"] and again.json["phone"] == created.json["phone"] != ""
    assert again.json["version"] == created.json["version"]
    cleared = client.put("/api/v1/citizens/SAG-1042", json=dict(sparse, driving_licences=[]), headers=bearer(staff))
    assert cleared.json["result"] == "updated" and cleared.json["driving_licences"] == []
    assert cleared.json["phone"] == created.json["phone"]
    no_phone = client.put("/api/v1/citizens/SAG-1042", json=dict(sparse, phone=""), headers=bearer(staff))
    assert no_phone.json["phone"] == "" and no_phone.json["email"] == "sofie@mail.dk"


def test_the_document_says_an_omitted_optional_field_is_kept(spec):
    put = spec["paths"]["/api/v1/citizens/{external_id}"]["put"]
    assert "udelad" in put["description"].lower() and "driving_licences" in put["description"]
    field = spec["components"]["schemas"]["CitizenIn"]["properties"]["driving_licences"]
    assert "default" not in field and "behold" in field["description"].lower()


@pytest.mark.parametrize("external_id", ["SAG/2026/17", "ATS/cv", "A/erasure", "X//Y", "SAG/"])
def test_a_citizen_whose_external_id_holds_a_slash_can_be_read_synced_and_given_a_cv(app, client, staff,
                                                                                     external_id):
    """Review X 2: the route's string converter never matched "/", so such ids were 404."""
    path = "/api/v1/citizens/" + external_id
    created = client.put(path, json=CITIZEN, headers=bearer(staff))
    assert created.status_code == 201, created.json
    assert created.json["external_id"] == external_id
    assert created.headers["Location"].endswith(path)
    got = client.get(path, headers=bearer(staff))
    assert got.status_code == 200 and got.json["id"] == created.json["id"]
    encoded = client.get("/api/v1/citizens/" + quote(external_id, safe=""), headers=bearer(staff))
    assert encoded.json["id"] == created.json["id"]
    again = client.put(path, json=CITIZEN, headers=bearer(staff))
    assert again.status_code == 200 and again.json["result"] == "unchanged"
    cv = client.put(path + "/cv", data={"file": (io.BytesIO(b"Erfaring med lager og truck."), "cv.txt")},
                    headers=bearer(staff), content_type="multipart/form-data")
    assert cv.status_code == 200, cv.json
    assert cv.json["id"] == created.json["id"] and cv.json["has_cv"] is True
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 1


def test_the_erasure_block_of_an_id_with_a_slash_can_be_lifted(app, client, staff, make_user):

    from portal.privacy.erasure import erase_citizen

    created = client.put("/api/v1/citizens/SAG/2026/17", json=CITIZEN, headers=bearer(staff))
    with app.app_context():
        assert erase_citizen(db.session, created.json["id"], purpose="test")
        db.session.commit()
    assert client.get("/api/v1/citizens/SAG/2026/17", headers=bearer(staff)).status_code == 410
    admin = make_token(app, make_user("admin"))
    assert client.delete("/api/v1/citizens/SAG/2026/17/erasure", headers=bearer(admin)).status_code == 204
    assert client.put("/api/v1/citizens/SAG/2026/17", json=CITIZEN, headers=bearer(staff)).status_code == 201


def test_an_opening_whose_external_id_holds_a_slash_is_upserted(app, client, make_user):
    raw = make_token(app, make_user("company"))
    created = client.put("/api/v1/openings/by-external-id/ATS/2", json=OPENING, headers=bearer(raw))
    assert created.status_code == 201 and created.json["external_id"] == "ATS/2"
    again = client.put("/api/v1/openings/by-external-id/ATS%2F2", json=OPENING, headers=bearer(raw))
    assert again.status_code == 200 and again.json["id"] == created.json["id"]


def test_the_document_allows_a_slash_in_an_external_id(spec):
    for path in ("/api/v1/citizens/{external_id}", "/api/v1/citizens/{external_id}/cv",
                 "/api/v1/openings/by-external-id/{external_id}"):
        operations = spec["paths"][path]
        parameters = operations.get("parameters") or next(iter(operations.values()))["parameters"]
        external = next(p for p in parameters if p["name"] == "external_id")
        assert "pattern" not in external["schema"] and "/" in external["description"], (path, external)


@pytest.mark.parametrize(("field", "value"), [("capacity", 1.9), ("duration_weeks", 2.7), ("capacity", True),
                                              ("capacity", "2")])
def test_an_integer_body_field_refuses_a_decimal(app, client, make_user, field, value):
    """Review X 3: 1.9 was cut down to 1 and accepted; the query string already refused 2.5."""
    raw = make_token(app, make_user("company"))
    answer = client.post("/api/v1/openings/", json=dict(OPENING, **{field: value}), headers=bearer(raw))
    assert answer.status_code == 422 and answer.content_type == PROBLEM
    assert answer.json["errors"] == {field: ["Skal være et heltal."]}
    whole = client.post("/api/v1/openings/", json=dict(OPENING, capacity=1.0, duration_weeks=3.0), headers=bearer(raw))
    assert whole.status_code == 201, whole.json  # 1.0 is an integer in JSON Schema
    assert whole.json["capacity"] == 1 and whole.json["duration_weeks"] == 3


def test_an_id_in_a_body_refuses_a_decimal(app, client, make_user, staff):
    company = make_token(app, make_user("company"))
    hotline = client.post("/api/v1/hotline/", json={"category": "fravaer", "urgency": "normal", "subject": "API test",
                                                    "message": "Test", "placement_id": 5.9}, headers=bearer(company))
    assert hotline.status_code == 422 and hotline.json["errors"] == {"placement_id": ["Skal være et heltal."]}
    citizen = client.put("/api/v1/citizens/SAG-1", json=dict(CITIZEN, vk_id=2.7), headers=bearer(staff))
    assert citizen.status_code == 422 and citizen.json["errors"] == {"vk_id": ["Skal være et heltal."]}


def test_the_operations_own_409_and_422_explanations_stay_in_the_document(spec):
    """Review X 4: the plugin's string keys replaced the endpoints' own (int-keyed) answers."""
    paths = spec["paths"]
    own = {("/api/v1/proposals/{proposal_id}/answer", "post", "409"): "on_hold",
           ("/api/v1/hotline/{request_id}/messages", "post", "409"): "lukket",
           ("/api/v1/openings/{opening_id}/publish", "post", "422"): "startdato i fortiden",
           ("/api/v1/openings/{opening_id}/close", "post", "422"): "Idempotency-Key"}
    for (path, method, status), words in own.items():
        response = paths[path][method]["responses"][status]
        assert "$ref" not in response and words in response["description"], (path, status, response)
    book = paths["/api/v1/proposals/{proposal_id}/interviews/{interview_id}/book"]["post"]["responses"]["409"]
    assert "$ref" not in book, book


def test_the_shared_error_answers_are_described_in_danish(spec):
    from portal.api.problems import TITLES

    components = spec["components"]["responses"]
    referenced = {response["$ref"].rsplit("/", 1)[1]
                  for item in spec["paths"].values() for operation in item.values() if isinstance(operation, dict)
                  for response in operation.get("responses", {}).values() if "$ref" in response}
    assert {"CONFLICT", "UNAUTHORIZED", "NOT_FOUND", "TOO_MANY_REQUESTS"} <= referenced
    for name in referenced:
        description = components[name]["description"]
        assert any(description.startswith(title) for title in TITLES.values()) or "Fejl" in description, (
            name, description)


def test_every_error_the_document_lists_has_a_problem_body(spec):
    """Review X 5: 13 declared error answers had no content, though the server sends problem+json."""
    components = spec["components"]["responses"]
    bare = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, response in operation["responses"].items():
                response = components[response["$ref"].rsplit("/", 1)[1]] if "$ref" in response else response
                if status == "default" or int(status) >= 400:
                    if PROBLEM not in response.get("content", {}):
                        bare.append((method, path, status))
    assert bare == []


def test_a_stale_if_match_answer_matches_its_declared_body(app, client, make_user, spec):
    raw = make_token(app, make_user("company"))
    created = client.post("/api/v1/openings/", json=OPENING, headers=bearer(raw))
    stale = client.put(f"/api/v1/openings/{created.json['id']}", json=OPENING, headers=bearer(raw, **{"If-Match": '"v99"'}))
    declared = spec["paths"]["/api/v1/openings/{opening_id}"]["put"]["responses"]["412"]
    assert stale.status_code == 412 and stale.content_type in declared["content"]
    schema = declared["content"][PROBLEM]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    assert set(spec["components"]["schemas"][name]["required"]) <= set(stale.json)


@pytest.mark.parametrize("month", ["2026-1", "26-01", "januar"])
def test_a_month_in_the_wrong_format_is_answered_in_danish(app, client, make_user, month):
    """Review X 6: the pattern's message was marshmallow's English one."""
    raw = make_token(app, make_user("admin"))
    answer = client.get(f"/api/v1/figures/?month={month}", headers=bearer(raw))
    assert answer.status_code == 422
    assert answer.json["errors"] == {"month": ["Skriv måneden som ÅÅÅÅ-MM, fx 2026-11."]}


def test_every_marshmallow_validator_message_is_danish():
    import marshmallow.validate as validate

    english = ("Invalid", "Must", "must", "does not", "Not a", "Length", "String", "input", "one of")
    for name in dir(validate):
        cls = getattr(validate, name)
        if isinstance(cls, type) and issubclass(cls, validate.Validator):
            for attribute, text in vars(cls).items():
                if attribute.startswith(("default_message", "message_")) and isinstance(text, str):
                    assert not any(word in text for word in english), (name, attribute, text)


@pytest.mark.parametrize("external_id", ["%20ATS-1", "ATS-1%20", "ATS%20%201"])
def test_an_opening_id_with_stray_spaces_is_refused_not_trimmed(app, client, make_user, external_id):
    """Review X 7: " ATS-1" silently overwrote the opening "ATS-1"."""
    raw = make_token(app, make_user("company"))
    created = client.put("/api/v1/openings/by-external-id/ATS-1", json=OPENING, headers=bearer(raw))
    assert created.status_code == 201
    answer = client.put(f"/api/v1/openings/by-external-id/{external_id}", json=dict(OPENING, title="Andet"),
                        headers=bearer(raw))
    assert answer.status_code == 422 and answer.content_type == PROBLEM
    assert "mellemrum" in json.dumps(answer.json["errors"]["external_id"], ensure_ascii=False)
    assert client.get(f"/api/v1/openings/{created.json['id']}", headers=bearer(raw)).json["title"] == OPENING["title"]
