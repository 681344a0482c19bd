"""What an audit event records about who acted, and that finding it out costs no query."""
from __future__ import annotations

import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from store.models import AuditEvent, User


def test_a_company_users_organisation_is_recorded_without_reading_the_company(app, make_user):
    company_user, consultant = make_user("company"), make_user("consultant")
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.test_request_context():
        users = {u.id: u for u in db.session.scalars(sa.select(User))}  # relationships not loaded
        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            audit.record("hours_logged", user=users[company_user.id])
            audit.record("rank_candidates", user=users[consultant.id])
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)
        assert statements == []  # added to the session; nothing read to build them
        db.session.commit()
        recorded = dict(db.session.execute(sa.select(AuditEvent.action, AuditEvent.organisation)).all())
    assert recorded == {"hours_logged": f"company:{company_user.company_id}",
                        "rank_candidates": f"team:{consultant.team_id}"}
