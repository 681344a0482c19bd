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
