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
        ("/api/v1/hotline/{request_id}/messages", "post"): {"409", "422"},
        ("/api/v1/hotline/", "post"): {"422"},
        ("/api/v1/openings/{opening_id}/publish", "post"): {"422"},
        ("/api/v1/openings/{opening_id}/close", "post"): {"422"},
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
