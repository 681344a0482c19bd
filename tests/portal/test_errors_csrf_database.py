"""A refused form while the database is down is the 503 "try again", not a 500 (review I 11)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import audit


def test_a_refused_form_while_the_database_is_down_is_a_503(app, client, monkeypatch):
    def down(*_args, **_kwargs):
        try:
            raise sa.exc.OperationalError("INSERT INTO audit_event", {}, ConnectionError("server closed"))
        except sa.exc.OperationalError as exc:
            raise audit.AuditWriteError("audit log write failed: OperationalError") from exc

    app.config["WTF_CSRF_ENABLED"] = True
    monkeypatch.setattr(audit, "record_now", down)
    response = client.post("/auth/login", data={"email": "a@b.dk", "password": "x"})  # no CSRF token
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert "din handling blev ikke gemt" in response.get_data(as_text=True)


def test_an_audit_failure_that_is_not_the_database_being_down_stays_an_error(app, client, monkeypatch):
    def broken(*_args, **_kwargs):
        raise audit.AuditWriteError("audit log write failed: IntegrityError")

    app.config["WTF_CSRF_ENABLED"] = True
    monkeypatch.setattr(audit, "record_now", broken)
    with pytest.raises(audit.AuditWriteError):  # not swallowed as "busy" (the test app propagates it)
        client.post("/auth/login", data={"email": "a@b.dk", "password": "x"})


def test_the_busy_database_log_line_names_the_route_not_the_path(app, client, caplog):
    """A path may hold a CPR-shaped id (an API caller's mistake): the log gets the pattern."""
    @app.get("/proeve/<string:external_id>")
    def busy(external_id):
        raise sa.exc.OperationalError("SELECT 1", {}, ConnectionError("server closed"))

    assert client.get("/proeve/0101901234").status_code == 503
    assert "/proeve/<string:external_id>" in caplog.text and "0101901234" not in caplog.text
