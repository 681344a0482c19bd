"""The API's proposal list reads a page in a fixed number of statements (review R 6): each
disclosed item's consents (its name, ``disclosed_until``) and its citizen come with the page,
not one statement per item."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_consent_runs_out import STAYS, _disclosed
from tests.portal import proposal_fixtures


def _statements(app, client, raw) -> int:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        answer = client.get("/api/v1/proposals/", query_string={"limit": 100}, headers=bearer(raw))
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    assert answer.status_code == 200, answer.json
    return len(seen)


@pytest.mark.parametrize("who", ["consultant", "company"])
def test_more_disclosed_proposals_cost_no_more_statements(app, client, make_user, who):
    world = proposal_fixtures.build_world(app, make_user)
    staff = make_token(app, world[who])
    with app.app_context():
        company_id = world["company"].company_id
    _disclosed(app, world, company_id, STAYS, count=2)
    _statements(app, client, staff)  # the first call also notes the token's use
    few = _statements(app, client, staff)
    _disclosed(app, world, company_id, STAYS, count=8)
    many = _statements(app, client, staff)
    assert many == few, (few, many)
