"""A 422 names every field's problem at once: a citizen PUT's schema errors and the checks
after the schema (postcode, vk, team, ...) in one answer; a body that is not a JSON object
gets a Danish detail, never marshmallow's ``_schema`` key; a Range says »mellem«."""
from __future__ import annotations

import pytest

from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN


@pytest.fixture
def raw(app, make_user):
    return make_token(app, make_user("consultant", email="vk@jc.dk"))


def test_schema_errors_and_the_later_checks_come_in_one_422(client, raw):
    answer = client.put("/api/v1/citizens/SAG-1", headers=bearer(raw), json=dict(
        CITIZEN, benefit_group="ukendt", readiness_group="ukendt", postcode="0000", vk="nobody@x.dk"))
    assert answer.status_code == 422
    errors = answer.json["errors"]
    assert set(errors) == {"benefit_group", "readiness_group", "postcode", "vk"}
    assert errors["benefit_group"][0].startswith("Skal være en af")  # the schema's own message, once
    assert len(errors["benefit_group"]) == 1 and len(errors["readiness_group"]) == 1


def test_the_later_checks_alone_are_all_named_too(client, raw):
    answer = client.put("/api/v1/citizens/SAG-1", headers=bearer(raw), json=dict(
        CITIZEN, postcode="0000", vk="nobody@x.dk", team="Intet sådant team", vk_id=999999))
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {"postcode", "vk", "team", "vk_id"}


def test_a_bad_path_id_is_named_with_the_schema_errors(client, raw):
    answer = client.put("/api/v1/citizens/SAG-2", headers=bearer(raw), json=dict(
        CITIZEN, external_id="SAG-3", benefit_group="ukendt", postcode="0000"))
    assert answer.status_code == 422
    assert set(answer.json["errors"]) == {"external_id", "benefit_group", "postcode"}
    assert answer.json["errors"]["external_id"] == ["Skal være det samme som det eksterne id i adressen."]


def test_a_valid_body_still_saves(client, raw):
    assert client.put("/api/v1/citizens/SAG-1", headers=bearer(raw), json=CITIZEN).status_code == 201


@pytest.mark.parametrize("body", [[CITIZEN], "tekst", 7])
def test_a_body_that_is_not_an_object_is_said_in_danish_without_marshmallows_key(client, raw, body):
    answer = client.put("/api/v1/citizens/SAG-1", headers=bearer(raw), json=body)
    assert answer.status_code == 422 and answer.content_type == "application/problem+json"
    assert "_schema" not in answer.get_data(as_text=True)
    assert answer.json["detail"] == "Kroppen er ikke et JSON-objekt med felterne. Send et JSON-objekt."
    assert "errors" not in answer.json


def test_every_endpoint_says_it_so(app, client, make_user):
    company = make_token(app, make_user("company"))
    answer = client.post("/api/v1/hotline/", headers=bearer(company), json=[{"subject": "Et spørgsmål"}])
    assert answer.status_code == 422
    assert answer.json["detail"].endswith("Send et JSON-objekt.") and "errors" not in answer.json


def test_an_object_field_error_is_said_at_the_field():
    from portal.api.problems import _whole_said_at_the_field

    assert _whole_said_at_the_field({"a": {"_schema": ["Send et JSON-objekt."]}, "b": ["x"]}) == {
        "a": ["Send et JSON-objekt."], "b": ["x"]}


def test_a_range_says_between(client, raw):
    for limit in ("0", "101"):
        answer = client.get(f"/api/v1/citizens/?limit={limit}", headers=bearer(raw))
        assert answer.status_code == 422
        assert answer.json["errors"]["limit"] == ["Skal være mellem 1 og 100."]


def test_every_range_of_the_api_says_between_and_an_open_end_keeps_its_words():
    import marshmallow as ma

    from portal.api import messages

    messages.install()  # again: still one wrapper
    with pytest.raises(ma.ValidationError) as said:
        ma.validate.Range(1, 2**31 - 1)(0)
    assert said.value.messages == ["Skal være mellem 1 og 2147483647."]
    with pytest.raises(ma.ValidationError) as said:
        ma.validate.Range(0, 10, min_inclusive=False)(0)
    assert said.value.messages == ["Skal være større end 0 og mindre end eller lig med 10."]
