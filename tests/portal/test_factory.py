"""The application factory and configuration from the environment."""
from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigError, finalise, from_environment


def test_testing_flag(app):
    assert app.testing
    assert not create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x"}).testing


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("JOBBRO_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"JOBBRO_ENV": "production", "DATABASE_URL": "sqlite://"})


def test_production_sets_secure_cookies(tmp_path):
    config = {"JOBBRO_ENV": "production", "SECRET_KEY": "s", "PSEUDONYM_KEY": "p",
              "DATABASE_URL": "sqlite://"}
    finalise(config, str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]


def test_development_creates_a_persistent_instance_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("JOBBRO_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app({"DATABASE_URL": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"DATABASE_URL": "sqlite://"}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_is_read_in_one_place():
    found = from_environment({"DATABASE_URL": "postgres://u@h/db", "MATCHING_BACKEND": "elasticsearch",
                              "MAIL_PORT": "2525", "UNRELATED": "x"})
    assert found == {"DATABASE_URL": "postgres://u@h/db", "MATCHING_BACKEND": "elasticsearch", "MAIL_PORT": 2525}


def test_postgres_url_gets_the_psycopg_driver(tmp_path):
    config = {"JOBBRO_ENV": "development", "DATABASE_URL": "postgres://u:p@db:5432/jobbro"}
    finalise(config, str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/jobbro"


def test_sqlite_pragmas(tmp_path):
    # Built here, not by the `app` fixture: that one turns the syncs off for its throw-away
    # database (tests/conftest.py, skip_fsync); this checks what the portal itself sets.
    from portal.extensions import db
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'own.sqlite'}",
                      "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path / "instance")})
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL: a sync per commit


def test_413_for_oversized_request(client):
    response = client.post("/auth/login", data={"email": "x" * (6 * 1024 * 1024)})
    assert response.status_code == 413
    assert "Filen er for stor" in response.get_data(as_text=True)


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_create_admin_command_prints_a_working_link(app, runner, client):
    result = runner.invoke(args=["create-admin", "Chef@Jobcenter.dk", "Chef"])
    assert result.exit_code == 0, result.output
    # Without PORTAL_URL the path stands on a line of its own, with what goes in front of it (review BG 7).
    assert "<portal address>" not in result.output
    assert "PORTAL_URL is not set (nor --url), so the link cannot be printed whole." in result.output
    assert "Open the portal's address, as its users reach it" in result.output
    [path] = [line.strip() for line in result.output.splitlines() if line.startswith("  /auth/set-password/")]
    # The link's first visit keeps the token in the session and leads to the token-less form (review AZ 2).
    opened = client.get(path)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/auth/set-password")
    form = client.get("/auth/set-password")
    assert form.status_code == 200 and 'name="password"' in form.get_data(as_text=True)
    again = runner.invoke(args=["create-admin", "chef@jobcenter.dk", "Chef"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_logins_command_prints_demo_logins_only_when_they_exist(app, runner, make_user):
    assert "Demo log-ins" not in runner.invoke(args=["logins"]).output
    make_user("admin", email="admin@demo.jobbro.dk")
    output = runner.invoke(args=["logins", "--url", "http://127.0.0.1:5000"]).output
    assert "http://127.0.0.1:5000" in output and "konsulent@demo.jobbro.dk" in output


def test_bad_numeric_environment_value_is_a_clear_error():
    import pytest
    from portal.config import ConfigError

    with pytest.raises(ConfigError, match="RETENTION_DAYS must be a whole number"):
        from_environment({"RETENTION_DAYS": "five years"})


def test_times_are_shown_in_danish_local_time():
    from datetime import datetime, timezone

    from portal.i18n import format_date as dk_date

    assert dk_date(datetime(2026, 1, 15, 15, 0, tzinfo=timezone.utc)) == "15.01.2026 kl.\u00a016.00"  # CET
    assert dk_date(datetime(2026, 7, 15, 15, 0)) == "15.07.2026 kl.\u00a017.00"  # naive = UTC; CEST


def test_create_admin_prints_the_link_on_the_portals_address(app, runner):
    app.config["PORTAL_URL"] = "https://jobbro.testrup.dk/"
    result = runner.invoke(args=["create-admin", "chef@jobcenter.dk", "Chef"])
    assert result.exit_code == 0, result.output
    assert "at: https://jobbro.testrup.dk/auth/set-password/" in result.output


def test_create_admin_takes_the_address_as_an_option(app, runner):
    result = runner.invoke(args=["create-admin", "chef@jobcenter.dk", "Chef", "--url", "http://127.0.0.1:8000/"])
    assert result.exit_code == 0, result.output
    assert "at: http://127.0.0.1:8000/auth/set-password/" in result.output and "PORTAL_URL" not in result.output
    refused = runner.invoke(args=["create-admin", "anden@jobcenter.dk", "Anden", "--url", "jobbro.dk"])
    assert refused.exit_code != 0 and "--url must start with https:// or http://" in refused.output
    with app.app_context():
        from portal.extensions import db
        from store.models import User

        assert db.session.query(User).filter_by(email="anden@jobcenter.dk").count() == 0


@pytest.mark.parametrize("setting, value, says", [
    ("MATCHING_BACKEND", "elastic", "unknown matching backend 'elastic'"),
    ("MATCHING_ENCODER", "e5x", "unknown encoder 'e5x'"),
    ("MATCHING_ADAPTER", "occupation-v9", "adapter 'occupation-v9' not found"),
])
def test_a_mistyped_matching_setting_stops_the_start(tmp_path, setting, value, says):
    """Not a portal that reports healthy and answers 500 on every ranking page (review I 4)."""
    config = {"JOBBRO_ENV": "development", "DATABASE_URL": "sqlite://", setting: value}
    with pytest.raises(ConfigError, match=f"MATCHING_ADAPTER\\): {says}"):
        finalise(config, str(tmp_path))


@pytest.mark.parametrize("setting, value", [
    ("RETENTION_DAYS", -1), ("RETENTION_DAYS", 0), ("RETENTION_DAYS", 1146), ("IMPORT_WEB_MAX_ROWS", 0),
    ("IMPORT_MAX_CONTENT_LENGTH", -1), ("MAIL_PORT", 0), ("MAIL_PORT", 70000),
])
def test_counts_out_of_range_stop_the_start(tmp_path, setting, value):
    """A sign typo in RETENTION_DAYS would anonymise every closed case at the next run (review I 2)."""
    config = {"JOBBRO_ENV": "development", "DATABASE_URL": "sqlite://", setting: value}
    with pytest.raises(ConfigError, match=f"{setting} must be a whole number"):
        finalise(config, str(tmp_path))


def test_counts_in_range_are_kept(tmp_path):
    config = {"JOBBRO_ENV": "development", "DATABASE_URL": "sqlite://", "RETENTION_DAYS": 1147, "MAIL_PORT": 587}
    finalise(config, str(tmp_path))
    assert (config["RETENTION_DAYS"], config["MAIL_PORT"]) == (1147, 587)


def test_create_admin_stores_the_name_as_the_admin_pages_do(app, runner):
    """NFC and one space (portal.text.clean_line), as names saved through /admin are (review BK 5)."""
    result = runner.invoke(args=["create-admin", "aase@jobcenter.dk", "  A\u030ase   Ørsted "])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from portal.extensions import db
        from store.models import User
        import sqlalchemy as sa
        assert db.session.scalar(sa.select(User.name).where(User.email == "aase@jobcenter.dk")) == "\u00c5se Ørsted"
