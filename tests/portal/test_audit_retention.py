"""Review AU 8: the access log has a retention period, AUDIT_RETENTION_DAYS (default 5 years).

The retention run deletes exactly the ``audit_event`` rows older than the cutoff and logs that
it did (the count only); migration 0034's trigger lets that delete through and nothing else, on
SQLite and PostgreSQL: every other delete, and every update, is still refused. Downgrade brings
back 0001's triggers.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import audit_retention, create_app
from portal.admin.audit_labels import action_label, purpose_label
from portal.config import ConfigError
from portal.extensions import db
from store.models import AuditEvent, AuditRetentionWindow, JobRun
from tests.portal.migration_helpers import DATABASES, database_url, migrated, migrated_app_fixture, sqlite_url

migrated_app = migrated_app_fixture("auditret")

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
DAYS = 1825
CUTOFF = NOW - timedelta(days=DAYS)


def _add(*moments: datetime) -> None:
    with db.engine.begin() as connection:
        connection.execute(AuditEvent.__table__.insert(),
                           [{"action": f"old_{i}", "at": at, "citizen_id": 7} for i, at in enumerate(moments)])


def _actions() -> list[str]:
    db.session.remove()
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _refused(*statements: str, **params) -> None:
    """``statements``, in one transaction of their own, fail on the append-only trigger."""
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement), params)


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


# --- the retention step -----------------------------------------------------------------------

def test_retention_deletes_exactly_the_rows_older_than_the_cutoff_and_logs_it(migrated_app):
    second = timedelta(seconds=1)
    _add(CUTOFF - timedelta(days=400), CUTOFF - second, CUTOFF, CUTOFF + second, NOW - timedelta(days=1))
    deleted = audit_retention.prune(db.session, now=NOW, days=DAYS)
    db.session.commit()
    assert deleted == 2
    assert _actions() == ["old_2", "old_3", "old_4", "audit_log_pruned"]  # the cutoff's own moment stays
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "audit_log_pruned")).one()
    assert event.purpose == f"rows:2 before:{CUTOFF.date().isoformat()}"  # counts only
    assert (event.citizen_id, event.user_id) == (None, None)
    assert purpose_label(event.action, event.purpose) == "2 rækker ældre end 07.12.2021"  # 1825 days: a leap day between
    assert action_label(event.action) == "Adgangsloggen ryddet efter opbevaringsperioden"


def test_retention_with_nothing_to_delete_logs_nothing(migrated_app):
    _add(CUTOFF + timedelta(seconds=1))
    assert audit_retention.prune(db.session, now=NOW, days=DAYS) == 0
    db.session.commit()
    assert _actions() == ["old_0"]


def test_the_window_closes_before_the_commit(migrated_app):
    """After the step, a delete of an old row in the same transaction is refused, and nothing of
    the window is committed: the next transaction cannot delete either."""
    _add(CUTOFF - timedelta(days=10), CUTOFF - timedelta(days=5))
    assert audit_retention.prune(db.session, now=NOW, days=DAYS) == 2
    db.session.execute(AuditEvent.__table__.insert(), [{"action": "later", "at": CUTOFF - timedelta(days=3)}])
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text("DELETE FROM audit_event WHERE action = 'later'"))
    db.session.rollback()
    assert _actions() == ["old_0", "old_1"]  # the failed transaction deleted nothing
    assert audit_retention.prune(db.session, now=NOW, days=DAYS) == 2
    db.session.commit()
    assert db.session.scalars(sa.select(AuditRetentionWindow)).all() == []
    _add(CUTOFF - timedelta(days=3))
    _refused("DELETE FROM audit_event WHERE action = 'old_0'")
    if _postgresql():
        with db.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT current_setting('jobbro.audit_retention', true)")) in (None, "")


# --- every other change is refused ------------------------------------------------------------

def test_a_delete_outside_the_retention_step_is_refused(migrated_app):
    _add(CUTOFF - timedelta(days=400), NOW)
    _refused("DELETE FROM audit_event")
    _refused("DELETE FROM audit_event WHERE at < :cutoff", cutoff=CUTOFF)
    if _postgresql():
        # the cutoff alone, or "on" alone, opens nothing
        _refused("SELECT set_config('jobbro.audit_retention_cutoff', :c, true)", "DELETE FROM audit_event",
                 c=NOW.isoformat())
        _refused("SELECT set_config('jobbro.audit_retention', 'on', true)", "DELETE FROM audit_event")
        _refused("SELECT set_config('jobbro.audit_retention', 'yes', true), "
                 "set_config('jobbro.audit_retention_cutoff', :c, true)", "DELETE FROM audit_event", c=NOW.isoformat())
        # a window opened for old rows does not reach a newer one
        _refused("SELECT set_config('jobbro.audit_retention', 'on', true), "
                 "set_config('jobbro.audit_retention_cutoff', :c, true)",
                 "DELETE FROM audit_event WHERE action = 'old_1'", c=CUTOFF.isoformat())
    else:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as connection:
                connection.execute(sa.insert(AuditRetentionWindow).values(id=1, cutoff=CUTOFF))
                connection.execute(sa.text("DELETE FROM audit_event WHERE action = 'old_1'"))
    assert _actions() == ["old_0", "old_1"]


def test_an_update_is_refused_even_inside_the_window(migrated_app):
    _add(CUTOFF - timedelta(days=400))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with db.engine.begin() as connection:
            if _postgresql():
                connection.execute(sa.text("SELECT set_config('jobbro.audit_retention', 'on', true), "
                                           "set_config('jobbro.audit_retention_cutoff', :c, true)"),
                                   {"c": NOW.isoformat()})
            else:
                connection.execute(sa.insert(AuditRetentionWindow).values(id=1, cutoff=NOW))
            connection.execute(sa.text("UPDATE audit_event SET action = 'changed'"))
    assert _actions() == ["old_0"]


# --- the migration, up and down ---------------------------------------------------------------

@pytest.fixture(params=DATABASES)
def at_0033(request, tmp_path):
    with migrated(database_url(request, tmp_path, "audit0034"), revision="0033") as app:
        yield app


def _open_and_delete() -> None:
    """The retention step's window and delete, in one transaction, committed."""
    with db.engine.begin() as connection:
        if _postgresql():
            connection.execute(sa.text("SELECT set_config('jobbro.audit_retention', 'on', true), "
                                       "set_config('jobbro.audit_retention_cutoff', :c, true)"),
                               {"c": CUTOFF.isoformat()})
        else:
            connection.execute(sa.text("INSERT INTO audit_retention_window (id, cutoff) VALUES (1, :c)"),
                               {"c": CUTOFF.strftime("%Y-%m-%d %H:%M:%S.%f")})
        connection.execute(sa.text("DELETE FROM audit_event WHERE at < :c"), {"c": CUTOFF})
        if not _postgresql():
            connection.execute(sa.text("DELETE FROM audit_retention_window"))


def test_0034_lets_only_the_retention_window_delete_and_the_downgrade_refuses_all(at_0033):
    _add(CUTOFF - timedelta(days=1), CUTOFF - timedelta(days=2))
    assert "audit_retention_window" not in sa.inspect(db.engine).get_table_names()
    _refused("DELETE FROM audit_event WHERE action = 'old_0'")
    upgrade(revision="0034")
    _refused("DELETE FROM audit_event WHERE action = 'old_0'")
    _refused("UPDATE audit_event SET action = 'changed'")
    db.session.remove()
    downgrade(revision="0033")
    assert "audit_retention_window" not in sa.inspect(db.engine).get_table_names()
    with pytest.raises(sa.exc.DBAPIError):  # 0001's trigger: the window opens nothing (SQLite: no table)
        _open_and_delete()
    _refused("UPDATE audit_event SET action = 'changed'")
    assert _actions() == ["old_0", "old_1"]
    upgrade(revision="0034")
    _open_and_delete()
    assert _actions() == []


def test_the_test_databases_guard_is_the_migrated_one(app, tmp_path):
    """tests/conftest.py builds the schema with create_all() and installs the triggers itself:
    they are the triggers the migrations leave on SQLite."""
    def triggers() -> dict[str, str]:
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                              "AND tbl_name = 'audit_event'")).all()
        return {name: re.sub(r"\s+", " ", sql) for name, sql in rows}

    with app.app_context():
        installed = triggers()
    with migrated(sqlite_url(tmp_path, "g.sqlite")):
        assert installed == triggers()
    assert set(installed) == {"audit_event_no_update", "audit_event_no_delete"}


# --- the command, the setting and the privacy notice ------------------------------------------

def test_the_retention_command_deletes_old_access_log_rows_and_counts_them(app, runner, frozen_today):
    from store.clock import utcnow

    now = utcnow()
    with app.app_context():
        assert app.config["AUDIT_RETENTION_DAYS"] == 1825
        _add(now - timedelta(days=1826), now - timedelta(days=1900), now - timedelta(days=1824))
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "2 old access-log rows removed" in result.output
    with app.app_context():
        assert _actions() == ["old_2", "audit_log_pruned"]
        summary = db.session.scalars(sa.select(JobRun.summary).where(JobRun.job == "retention")).one()
        assert summary.endswith("slettet: 2 rækker i adgangsloggen")


@pytest.mark.parametrize("days", [0, 364, -1825, "1825"])
def test_a_short_or_broken_audit_retention_is_refused(tmp_path, days):
    with pytest.raises(ConfigError, match="AUDIT_RETENTION_DAYS must be a whole number of at least 365"):
        create_app({"TESTING": True, "DATABASE_URL": sqlite_url(tmp_path), "SECRET_KEY": "t",
                    "PSEUDONYM_KEY": "p", "AUDIT_RETENTION_DAYS": days})


def test_the_privacy_notice_states_the_access_logs_period(app, client):
    page = client.get("/om/privatliv").get_data(as_text=True)
    assert "uden tidsgrænse" not in page
    assert "En række i adgangsloggen slettes, når den er <strong>5 år</strong> gammel" in page
    app.config["AUDIT_RETENTION_DAYS"] = 3650
    page = client.get("/om/privatliv").get_data(as_text=True)
    assert "når den er <strong>10 år</strong> gammel" in page
