"""The »matching changed« step is one function, store.outbox.citizen_changed (review BN 13): it
bumps the citizen's updated_at, then records the change for the indexer. citizens/case.py
recorded without the bump, relying on the row being dirty already."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from portal.citizens import case
from portal.extensions import db
from store.models import Citizen, OutboxEvent
from store.outbox import citizen_changed
from tests.clock import TODAY
from tests.portal.citizen_fixtures import make_citizen

LONG_AGO = datetime(2020, 1, 1, 8, 0, tzinfo=UTC)


def _aged(app, **fields) -> int:
    citizen_id = make_citizen(app, **fields)
    with app.app_context():
        db.session.execute(sa.update(Citizen).where(Citizen.id == citizen_id).values(updated_at=LONG_AGO))
        db.session.execute(sa.delete(OutboxEvent))
        db.session.commit()
    return citizen_id


def _pending(citizen_id: int) -> list[OutboxEvent]:
    return [event for event in db.session.new
            if isinstance(event, OutboxEvent) and (event.entity, event.entity_id) == ("citizen", citizen_id)]


def _queued(citizen_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent).where(
        OutboxEvent.entity == "citizen", OutboxEvent.entity_id == citizen_id, OutboxEvent.status == "pending"))


def test_citizen_changed_bumps_then_records(app):
    citizen_id = _aged(app)
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        version = citizen.version
        event = citizen_changed(db.session, citizen)  # only a child row changed: nothing else makes the row dirty
        assert citizen.updated_at > LONG_AGO and _pending(citizen_id) == [event]
        db.session.commit()
        assert db.session.get(Citizen, citizen_id).version == version + 1
        stamp = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
        citizen_changed(db.session, citizen, now=stamp)
        assert citizen.updated_at == stamp


def test_a_case_change_reaches_the_indexer_queue_with_a_bumped_updated_at(app, make_user):
    """restrict, lift the restriction, close and reopen: each is bumped when it is recorded, as
    every matching change (case.py's own step recorded without the bump)."""
    admin = make_user("admin")
    citizen_id = _aged(app)
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        case.restrict(citizen, next(iter(case.RESTRICTION_GROUNDS)))
        assert citizen.updated_at > LONG_AGO
        db.session.commit()
        assert _queued(citizen_id) == 1
        for step in (lambda c: case.lift_restriction(c),
                     lambda c: case.close_case(c, TODAY, next(iter(case.CLOSE_REASONS)), today=TODAY,
                                               user=db.session.get(type(admin), admin.id)),
                     lambda c: case.reopen_case(c, "Borgeren er vendt tilbage")):
            db.session.execute(sa.update(Citizen).where(Citizen.id == citizen_id).values(updated_at=LONG_AGO))
            db.session.commit()
            citizen = db.session.get(Citizen, citizen_id)
            assert citizen.updated_at == LONG_AGO
            queued = _queued(citizen_id)
            step(citizen)
            assert citizen.updated_at > LONG_AGO
            db.session.commit()
            assert _queued(citizen_id) == queued + 1
