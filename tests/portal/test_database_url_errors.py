"""A wrong DATABASE_URL says why (review BB 4): the driver's message is logged once per outage,
password removed, and start-up commands print one line instead of a traceback."""
from __future__ import annotations

import logging
import socket

import pytest

from portal import create_app, errors
from portal.errors import DatabaseSettingError, database_problem, driver_message, safe_url


def _config(tmp_path, url: str) -> dict:
    return {"TESTING": True, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p", "MATCHING_ENCODER": "hashing",
            "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "UPLOAD_FOLDER": str(tmp_path / "uploads")}


def _closed_port() -> int:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(autouse=True)
def _new_outage():
    errors.database_recovered()
    yield
    errors.database_recovered()


def test_the_driver_message_is_logged_once_per_outage_without_the_password(tmp_path, caplog):
    app = create_app(_config(tmp_path, f"postgresql://jobbro:S3cretPw@127.0.0.1:{_closed_port()}/jobbro"))
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert client.get("/readyz").status_code == 503
        assert client.get("/auth/login").status_code == 503
    reasons = [r.getMessage() for r in caplog.records if "cannot be used" in r.getMessage()]
    assert len(reasons) == 1  # once per outage, not per request
    assert "127.0.0.1" in reasons[0] and "OperationalError" in reasons[0]
    assert "refused" in reasons[0].lower() or "connect" in reasons[0].lower()  # the driver's own words
    assert "S3cretPw" not in caplog.text and "jobbro:***@" in reasons[0]


def test_a_new_outage_after_the_database_answered_is_logged_again(tmp_path, caplog):
    app = create_app(_config(tmp_path, f"postgresql://jobbro:x@127.0.0.1:{_closed_port()}/jobbro"))
    error = RuntimeError("connection refused")
    assert errors.log_database_fault(app, error) is True
    assert errors.log_database_fault(app, error) is False
    errors.database_recovered()  # /readyz saw it answer
    assert errors.log_database_fault(app, error) is True


def test_passwords_are_removed_from_urls_and_driver_messages():
    assert safe_url("postgresql://u:pw@host/db") == "postgresql://u:***@host/db"
    message = driver_message(RuntimeError('failed for "postgresql://u:pw@host/db" password=pw2 (pw)'),
                             "postgresql://u:pw@host/db")
    assert "pw" not in message.replace("***", "")


def test_a_url_without_a_driver_stops_the_start_with_one_clear_line(tmp_path):
    with pytest.raises(DatabaseSettingError) as raised:
        create_app(_config(tmp_path, "mysql://u:Secret1@localhost/jobbro"))
    message = str(raised.value)
    assert "mysql" in message and "MySQLdb" in message and "postgresql://" in message
    assert "Secret1" not in message


def test_a_start_up_command_prints_one_line_not_a_traceback(tmp_path):
    url = f"postgresql://jobbro:S3cretPw@127.0.0.1:{_closed_port()}/jobbro"
    app = create_app(_config(tmp_path, url))
    result = app.test_cli_runner().invoke(args=["setup", "--no-demo"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: the database of DATABASE_URL")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
    assert "S3cretPw" not in result.output


def test_database_problem_names_the_unreadable_url():
    import sqlalchemy as sa

    try:
        sa.engine.make_url("not a url")
    except sa.exc.ArgumentError as err:
        assert database_problem(err, "not a url").startswith("DATABASE_URL cannot be read")
