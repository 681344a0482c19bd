"""»Never demote or deactivate the last active administrator« holds for two administrators
acting on each other at the same moment, on SQLite and on PostgreSQL.

Each test lets administrator A's step count the active administrators, then lets B's step
against A run as a request arriving at that moment (:class:`tests.portal.interleave.Meanwhile`),
then lets A's step write. SQLite has no row locks, so B's step runs to its end in between and
A's write must see it: A is refused. On PostgreSQL A's count locks the administrators' rows, so
B's step waits until A has committed and is then refused. Either way exactly one of the two
steps is done, and an active administrator is left.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.admin import service
from portal.extensions import db
from store.models import AuditEvent, User
from tests.conftest import user_factory
from tests.portal.interleave import DATABASES, Meanwhile, dispose, fresh_app

KEEPS_ROLE = "er den sidste aktive administrator og skal beholde rollen."
NOT_DISABLED = "er den sidste aktive administrator og kan ikke deaktiveres."


@pytest.fixture(params=DATABASES)
def app(request, tmp_path):
    app = fresh_app(request, tmp_path, "admins")
    yield app
    dispose(app)


@pytest.fixture
def two_admins(app, password_hash) -> tuple[int, int]:
    make = user_factory(app, password_hash)
    return make("admin", email="a@jc.dk").id, make("admin", email="b@jc.dk").id


def demote(target_id: int, acting_id: int) -> str:
    """The edit page's save of ``target`` with the role konsulent, by ``acting``: "done" or the refusal."""
    target, acting = db.session.get(User, target_id), db.session.get(User, acting_id)
    changes = service.UserChanges(email=target.email, name=target.name, phone=target.phone or "",
                                  team_id=target.team_id, role="consultant")
    try:
        service.update_user(target, changes, acting)
    except service.AccountRuleError as refusal:
        db.session.rollback()
        return str(refusal)
    return "done"


def deactivate(target_id: int, acting_id: int) -> str:
    """The users list's »Deaktivér« of ``target`` by ``acting``: "done" or the refusal."""
    target, acting = db.session.get(User, target_id), db.session.get(User, acting_id)
    try:
        service.toggle_active(target, acting)
    except service.AccountRuleError as refusal:
        db.session.rollback()
        return str(refusal)
    db.session.commit()
    return "done"


STEPS = {"demote": (demote, KEEPS_ROLE), "deactivate": (deactivate, NOT_DISABLED)}


def _race(app, monkeypatch, first: str, second: str, a: int, b: int) -> tuple[str, str, bool]:
    """A's ``first`` step on B, with B's ``second`` step on A arriving once A has counted the
    administrators; both outcomes, and whether B's step had to wait for A's locks."""
    counted, others = service._locked_active_admins, []

    def count_then_the_other_request_comes(*args, **kwargs):
        admins = counted(*args, **kwargs)
        if not others:  # A's first count only (B's step counts through this too)
            others.append(Meanwhile(app, lambda: STEPS[second][0](a, b)))
            others[0].start()
        return admins

    monkeypatch.setattr(service, "_locked_active_admins", count_then_the_other_request_comes)
    with app.app_context():
        mine = STEPS[first][0](b, a)
        db.session.remove()
    monkeypatch.undo()
    assert others, "the step never counted the administrators"
    return mine, others[0].result(), others[0].blocked


def _admins(app) -> list[tuple[int, str, bool]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(User.id, User.role, User.active).order_by(User.id)).all()]


@pytest.mark.parametrize("first, second", [("demote", "demote"), ("demote", "deactivate"),
                                           ("deactivate", "demote"), ("deactivate", "deactivate")])
def test_two_administrators_acting_on_each_other_at_once_leave_one(app, two_admins, monkeypatch, first, second):
    a, b = two_admins
    mine, theirs, waited = _race(app, monkeypatch, first, second, a, b)
    rows = dict((uid, (role, active)) for uid, role, active in _admins(app))
    if db_name(app) == "postgresql":
        # A's count locked both rows: B's step waited for A's commit, then counted A alone.
        assert waited
        assert mine == "done" and STEPS[second][1] in theirs
        assert rows[a] == ("admin", True)
        assert rows[b] != ("admin", True)
    else:
        # B's step ran to its end while A's had only counted: A's write must see it and refuse.
        assert not waited
        assert theirs == "done" and STEPS[first][1] in mine
        assert rows[b] == ("admin", True)
        assert rows[a] != ("admin", True)
    assert [uid for uid, (role, active) in rows.items() if role == "admin" and active]


def db_name(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def test_the_refused_role_change_writes_and_audits_nothing(app, two_admins, monkeypatch):
    a, b = two_admins
    _race(app, monkeypatch, "demote", "demote", a, b)
    demoted = b if db_name(app) == "postgresql" else a  # the winner's target (see the module's doc)
    with app.app_context():
        changed = db.session.scalars(sa.select(AuditEvent.purpose).where(
            AuditEvent.action.in_(["user_role_changed", "user_updated"])).order_by(AuditEvent.id)).all()
    assert changed == [f"user:{demoted} changed:role", f"user:{demoted} role:admin->consultant"]


def test_an_inactive_administrator_may_lose_the_role_while_one_active_stays(app, two_admins):
    a, b = two_admins
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == b).values(active=False))
        db.session.commit()
        assert demote(b, a) == "done"
    assert dict((uid, role) for uid, role, _ in _admins(app))[b] == "consultant"
