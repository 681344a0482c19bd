"""Migration 0038: ``hotline_request.escalated_for_id``, the assignee an escalation asked others
to stand in for (review BD 1), backfilled for the requests escalated now: the assignee before the
first take-over the audit log shows after the escalation, else the current one; on SQLite and
PostgreSQL, the threads kept by SQLite's table copy; the downgrade drops it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from store.models import AuditEvent, Company
from tests.portal.migration_helpers import DATABASES, database_url, insert_user, migrated

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)
REQUEST = sa.table("hotline_request", sa.column("id", sa.Integer), sa.column("company_id", sa.Integer),
                   sa.column("category", sa.String), sa.column("urgency", sa.String), sa.column("subject", sa.String),
                   sa.column("status", sa.String), sa.column("assigned_to_id", sa.Integer),
                   sa.column("created_by_id", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)),
                   sa.column("due_at", sa.DateTime(timezone=True)), sa.column("escalated_at", sa.DateTime(timezone=True)),
                   sa.column("updated_at", sa.DateTime(timezone=True)))
MESSAGE = sa.table("hotline_message", sa.column("id", sa.Integer), sa.column("request_id", sa.Integer),
                   sa.column("author_id", sa.Integer), sa.column("body", sa.Text),
                   sa.column("created_at", sa.DateTime(timezone=True)))


@pytest.fixture(params=DATABASES)
def at_0037(request, tmp_path):
    with migrated(database_url(request, tmp_path, "0038"), revision="0037") as app:
        yield app


def _people() -> dict[str, int]:
    company = Company(name="Solbakken", cvr="12345678", postcode="8722")
    db.session.add(company)
    db.session.commit()
    # Core inserts: the User model has gained columns since 0037 (0043's integration_name_key)
    users = {key: insert_user(f"{key}@jc.dk", key, "consultant") for key in ("michael", "nikolaj", "laura")}
    writer = insert_user("kontakt@solbakken.dk", "Kontakt", "company", company.id)
    return {"company": company.id, "writer": writer, **users}


def _request(people: dict[str, int], assignee: str | None, escalated: datetime | None, status: str = "open") -> int:
    """A request as 0037 stores it (a Core insert, without the new column), with one message."""
    with db.engine.begin() as connection:
        rid = connection.execute(sa.insert(REQUEST).values(
            company_id=people["company"], category="helbred", urgency="normal", subject="Træt", status=status,
            assigned_to_id=people[assignee] if assignee else None, created_by_id=people["writer"], created_at=T0,
            due_at=T0 + timedelta(hours=8), escalated_at=escalated, updated_at=T0).returning(REQUEST.c.id)).scalar_one()
        connection.execute(sa.insert(MESSAGE).values(request_id=rid, author_id=people["writer"], body="Hjælp",
                                                     created_at=T0))
    return rid


def _event(purpose: str, at: datetime) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.insert(AuditEvent.__table__).values(
            action="hotline_taken_over", purpose=purpose, at=at, role="consultant", organisation="jobcenter",
            result="ok", ip=""))


def _stored() -> dict[int, int | None]:
    with db.engine.connect() as connection:
        return dict(connection.execute(sa.text("SELECT id, escalated_for_id FROM hotline_request")).all())


def test_0038_keeps_whom_each_escalation_was_for(at_0037):
    people = _people()
    escalated = T0 + timedelta(hours=9)
    taken = _request(people, "nikolaj", escalated)  # Nikolaj took over Michael's escalated request
    _event(f"hotline:{taken} fra user:{people['michael']} til user:{people['nikolaj']} taken_over",
           escalated + timedelta(hours=1))
    _event(f"hotline:{taken} fra user:{people['nikolaj']} til user:{people['laura']} taken_over",
           escalated + timedelta(hours=2))
    _event(f"hotline:{taken} fra user:{people['laura']} til user:{people['nikolaj']} taken_over",
           escalated + timedelta(hours=3))
    earlier = _request(people, "laura", escalated)  # taken over before this escalation: not its assignee
    _event(f"hotline:{earlier} fra user:{people['michael']} til user:{people['laura']} taken_over",
           escalated - timedelta(hours=1))
    plain = _request(people, "michael", escalated)
    none_then = _request(people, "laura", escalated)  # nobody had it when it was escalated
    _event(f"hotline:{none_then} til user:{people['laura']} taken_over", escalated + timedelta(minutes=5))
    waiting = _request(people, "michael", None)
    upgrade(revision="0038")
    assert _stored() == {taken: people["michael"], earlier: people["laura"], plain: people["michael"],
                         none_then: None, waiting: None}
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM hotline_message")).scalar_one() == 5


def test_0038_goes_back_and_up_again(at_0037):
    people = _people()
    rid = _request(people, "michael", T0 + timedelta(hours=9))
    upgrade(revision="0038")
    db.session.remove()
    downgrade(revision="0037")
    columns = {c["name"] for c in sa.inspect(db.engine).get_columns("hotline_request")}
    assert "escalated_for_id" not in columns and "escalated_at" in columns
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM hotline_message")).scalar_one() == 1
    upgrade(revision="0038")
    assert _stored() == {rid: people["michael"]}
