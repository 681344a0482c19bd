"""Schemathesis runs the OpenAPI document against the app (WSGI, no network) with a company token
and a consultant token: no server error, and every answer matches the document (status code,
content type, headers, body schema)."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_headers_conformance,
                                 response_schema_conformance, status_code_conformance)

from tests.api.api_fixtures import bearer, make_token
from tests.portal import hours_fixtures

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _run(app, raw: str, examples: int) -> int:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, headers=bearer(raw))
    # Any Unicode text, without building a UTF-8 character map first (~10 s of start-up).
    schema.config.generation.codec = None
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=bearer(raw), checks=CHECKS)

        check()
    return operations


def test_the_api_keeps_its_document_for_a_company_and_a_consultant(app, make_user, frozen_today):
    app.config["API_RATE_LIMIT"] = "100000/minute"
    world = hours_fixtures.build_world(app, make_user)
    # Few examples each (the suite's time budget): every operation still runs with both tokens.
    assert _run(app, make_token(app, world["company"]), examples=3) >= 20
    assert _run(app, make_token(app, world["consultant"]), examples=2) >= 20
