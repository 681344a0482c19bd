"""The job centre's keys get 403 on every company-only write before the body is read (review G 7):
never a list of field errors that reads as "fix your body"."""
from __future__ import annotations

import pytest

from tests.api.api_fixtures import bearer, make_token

COMPANY_ONLY_WRITES = [
    ("post", "/api/v1/openings/", {}),
    ("put", "/api/v1/openings/1", {"kind": "nope"}),
    ("put", "/api/v1/openings/by-external-id/REK-1", {}),
    ("post", "/api/v1/openings/1/publish", None),
    ("post", "/api/v1/openings/1/close", None),
    ("post", "/api/v1/proposals/16/answer", {"response": "nope"}),
    ("post", "/api/v1/proposals/16/interviews/1/book", None),
    ("post", "/api/v1/proposals/16/interviews/1/cancel", None),
    ("put", "/api/v1/placements/5/hours", {"month": "bad"}),
    ("post", "/api/v1/hotline/", {}),
]


@pytest.mark.parametrize("role", ["consultant", "admin", "integration"])
def test_company_only_writes_answer_403_for_the_job_centre_whatever_the_body(app, client, make_user, role):
    raw = make_token(app, make_user(role))
    for method, path, body in COMPANY_ONLY_WRITES:
        kwargs = {"data": "{not json", "content_type": "application/json"} if body is None else {"json": body}
        answer = getattr(client, method)(path, headers=bearer(raw), **kwargs)
        assert answer.status_code == 403, (role, method, path, answer.json)
        assert answer.json["detail"] == "Kun virksomhedsbrugere kan bruge denne funktion." and "errors" not in answer.json


def test_a_company_still_gets_its_field_errors(app, client, make_user):
    raw = make_token(app, make_user("company"))
    answer = client.post("/api/v1/openings/", json={}, headers=bearer(raw))
    assert answer.status_code == 422 and {"kind", "title"} <= set(answer.json["errors"])
