"""The OpenAPI document declares what the endpoints answer (review G 8 and 9)."""
from __future__ import annotations

from tests.api.api_fixtures import bearer, make_token


def _spec(app, client, make_user) -> dict:
    return client.get("/api/openapi.json", headers=bearer(make_token(app, make_user("consultant")))).json


def test_conflicts_and_idempotency_refusals_are_declared(app, client, make_user):
    paths = _spec(app, client, make_user)["paths"]
    expected = {
        ("/api/v1/proposals/{proposal_id}/answer", "post"): {"409", "422"},
        ("/api/v1/proposals/{proposal_id}/interviews/{interview_id}/book", "post"): {"409", "422"},
        ("/api/v1/proposals/{proposal_id}/interviews/{interview_id}/cancel", "post"): {"409", "422"},
        ("/api/v1/hotline/{request_id}/messages", "post"): {"409", "422"},
        ("/api/v1/hotline/", "post"): {"409", "422"},  # 409: the same Idempotency-Key still running
        ("/api/v1/openings/{opening_id}/publish", "post"): {"409", "422"},
        ("/api/v1/openings/{opening_id}/close", "post"): {"409", "422"},
    }
    for (path, method), statuses in expected.items():
        assert statuses <= set(paths[path][method]["responses"]), (path, method, paths[path][method]["responses"])


def test_a_nullable_enum_lists_null(app, client, make_user):
    """JSON Schema 2020-12 checks enum as well as type: without null in it an unanswered
    proposal or a running placement fails validation (review G 9)."""
    schemas = _spec(app, client, make_user)["components"]["schemas"]
    nullable = [(name, prop, field) for name, schema in schemas.items()
                for prop, field in schema.get("properties", {}).items()
                if "enum" in field and "null" in (field.get("type") or [])]
    assert ("ProposalOut", "response") in {(n, p) for n, p, _ in nullable}
    assert ("PlacementOut", "end_reason") in {(n, p) for n, p, _ in nullable}
    for name, prop, field in nullable:
        assert None in field["enum"], (name, prop, field["enum"])


def test_an_unknown_query_parameter_is_refused_like_an_unknown_body_field(app, client, make_user):
    """Review G 13: ?opening_id= on /placements/ (no such filter) used to return everything."""
    company, staff = make_token(app, make_user("company")), make_token(app, make_user("consultant"))
    cases = [(company, "/api/v1/placements/?opening_id=195", "opening_id"),
             (company, "/api/v1/hotline/?placement_id=36", "placement_id"),
             (company, "/api/v1/openings/?statuss=open", "statuss"),
             (company, "/api/v1/proposals/?limt=5", "limt"),
             (staff, "/api/v1/citizens/?external_id=SAG-1", "external_id"),
             (staff, "/api/v1/figures/?scoop=all", "scoop")]
    for raw, path, name in cases:
        answer = client.get(path, headers=bearer(raw))
        assert answer.status_code == 422, (path, answer.json)
        assert answer.json["errors"] == {name: ["Ukendt felt."]}, path
    # the declared ones still work
    assert client.get("/api/v1/proposals/?opening_id=1&limit=5", headers=bearer(company)).status_code == 200
    assert client.get("/api/v1/openings/?status=open&updated_since=2026-01-01&cursor=",
                      headers=bearer(company)).status_code == 200
