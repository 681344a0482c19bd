"""A write's body is checked before the endpoint reads it, with Danish problems, never a 500."""
from __future__ import annotations

import json

import pytest

from tests.api.api_fixtures import OPENING, bearer, make_token


@pytest.fixture
def company(app, make_user):
    return make_token(app, make_user("company"))


def _put(client, raw, data, content_type="application/json"):
    headers = bearer(raw)
    if content_type:
        headers["Content-Type"] = content_type
    return client.put("/api/v1/openings/by-external-id/REK-1", data=data, headers=headers)


@pytest.mark.parametrize("data", ["[" * 1000 + "]" * 1000, '{"a":' * 3000 + "1" + "}" * 3000,
                                  json.dumps(dict(OPENING, title=[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]))])
def test_deeply_nested_json_is_a_400_not_a_500(client, company, data):
    answer = _put(client, company, data)
    assert answer.status_code == 400 and answer.content_type == "application/problem+json"
    assert "for dybt indlejret" in answer.json["detail"]


def test_malformed_json_is_named_in_danish(client, company):
    answer = _put(client, company, '{"kind": "smaajob", bad}')
    assert answer.status_code == 400
    assert answer.json["detail"].startswith("Kroppen er ikke gyldig JSON (linje 1, tegn 21)")
    assert "Invalid" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_json_without_its_content_type_is_415_not_every_field_missing(client, company, content_type):
    answer = _put(client, company, json.dumps(OPENING), content_type)
    assert answer.status_code == 415 and "Content-Type: application/json" in answer.json["detail"]
    assert "errors" not in answer.json


def test_an_empty_body_says_so(client, company):
    answer = _put(client, company, "")
    assert answer.status_code == 400 and answer.json["detail"].startswith("Kroppen er tom.")


def test_a_valid_body_still_works_and_bodyless_posts_need_none(client, company):
    created = _put(client, company, json.dumps(OPENING))
    assert created.status_code == 201, created.json
    published = client.post(f"/api/v1/openings/{created.json['id']}/publish", headers=bearer(company))
    assert published.status_code == 200


def test_the_cv_upload_wants_multipart(app, client, make_user):
    raw = make_token(app, make_user("admin"))
    answer = client.put("/api/v1/citizens/SAG-1/cv", data=b"%PDF-1.4", headers=bearer(raw, **{
        "Content-Type": "application/pdf"}))
    assert answer.status_code == 415 and "multipart/form-data" in answer.json["detail"]


def test_too_large_body_names_the_limit_for_a_request(app, client, company):
    app.config["MAX_CONTENT_LENGTH"] = 5 * 1024 * 1024
    answer = _put(client, company, "[" + "1," * (3 * 1024 * 1024) + "1]")
    assert answer.status_code == 413
    assert answer.json["detail"] == "Forespørgslen er for stor (højst 5 MB)."


def test_problem_bodies_are_ascii_so_a_charset_guess_cannot_garble_them(client, company):
    answer = _put(client, company, "{bad")
    raw = answer.get_data()
    assert raw.isascii() and "Kroppen er ikke gyldig JSON" in answer.json["detail"]
