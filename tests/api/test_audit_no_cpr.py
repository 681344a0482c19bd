"""A CPR number sent in an API path never reaches the append-only audit log (review G 2): the
guard logs the route template, not the raw path."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN

CPR_SHAPED = ("010190-1234", "0101901234", "1201851234")


def _purposes(app) -> list[str]:
    with app.app_context():
        return [purpose or "" for purpose in db.session.scalars(sa.select(AuditEvent.purpose))]


def test_cpr_shaped_ids_in_paths_are_not_written_to_the_audit_log(app, client, make_user):
    staff, admin = make_token(app, make_user("consultant")), make_token(app, make_user("admin"))
    assert client.put("/api/v1/citizens/010190-1234", json=CITIZEN, headers=bearer(staff)).status_code == 422
    assert client.put("/api/v1/citizens/0101901234", json=CITIZEN, headers=bearer(staff)).status_code == 422
    assert client.get("/api/v1/citizens/1201851234", headers=bearer("jbr_wrong")).status_code == 401
    assert client.delete("/api/v1/citizens/1201851234/erasure", headers=bearer(admin)).status_code == 404
    purposes = _purposes(app)
    for cpr in CPR_SHAPED:
        assert not any(cpr in purpose or cpr[:6] in purpose for purpose in purposes), (cpr, purposes)
    # Still logged, as the route: which operation was tried, and how it ended.
    assert "PUT /api/v1/citizens/<path:external_id> token:" in " ".join(purposes)
    assert "GET /api/v1/citizens/<path:external_id>" in purposes
