"""The API's field errors are keyed by the request's JSON fields, in words that fit an API."""
from __future__ import annotations

import pytest

from tests.api.api_fixtures import bearer, make_token
from tests.portal import hours_fixtures


@pytest.fixture
def world(app, make_user, frozen_today):
    return hours_fixtures.build_world(app, make_user)


def test_an_unknown_placement_is_reported_under_placement_id(app, client, world):
    raw = make_token(app, world["other"])  # company B: company A's placement is not theirs
    answer = client.post("/api/v1/hotline/", headers=bearer(raw), json={
        "category": "andet", "urgency": "normal", "placement_id": world["named"],
        "subject": "Et spørgsmål", "message": "Hvordan gør vi?"})
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {"placement_id"}
    [message] = answer.json["errors"]["placement_id"]
    assert message.startswith("Ukendt forløb for jeres virksomhed") and "listen" not in message


def test_the_spec_states_the_subject_minimum(app, client, world):
    raw = make_token(app, world["company"])
    spec = client.get("/api/openapi.json", headers=bearer(raw)).json
    subject = spec["components"]["schemas"]["RequestIn"]["properties"]["subject"]
    assert (subject["minLength"], subject["maxLength"]) == (3, 200)
    short = client.post("/api/v1/hotline/", headers=bearer(raw), json={
        "category": "andet", "urgency": "normal", "subject": "x", "message": "Hvordan gør vi?"})
    assert short.status_code == 422 and set(short.json["errors"]) == {"subject"}
