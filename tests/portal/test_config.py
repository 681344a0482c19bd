"""Start-up checks in portal/config.py: unknown modes and bad numbers stop the start."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.config import ConfigError, finalise, from_environment
from portal.extensions import db

BASE = {"DATABASE_URL": "sqlite://", "SECRET_KEY": "s", "PSEUDONYM_KEY": "p"}


@pytest.mark.parametrize("env", ["prod", "Production", "staging", " production", "dev"])
def test_unknown_jobbro_env_is_a_clear_start_up_error(monkeypatch, tmp_path, env):
    monkeypatch.setenv("JOBBRO_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("JOBBRO_ENV", env)
    with pytest.raises(ConfigError, match="JOBBRO_ENV must be one of development, testing, production"):
        create_app(dict(BASE))


@pytest.mark.parametrize("env", ["development", "testing", "production"])
def test_known_jobbro_env_starts(tmp_path, env):
    config = {**BASE, "JOBBRO_ENV": env}
    finalise(config, str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is (env == "production")


@pytest.mark.parametrize("key", ["TRUSTED_PROXY_HOPS", "FRESH_LOGIN_MINUTES"])
@pytest.mark.parametrize("value", ["one", "1.5", "", "1e3", "0x1"])
def test_non_numeric_counts_from_the_environment_are_refused(key, value):
    if value == "":  # an empty variable means "unset", like every other key
        assert key not in from_environment({key: value})
        return
    with pytest.raises(ConfigError, match=f"{key} must be a whole number"):
        from_environment({key: value})


def test_counts_are_read_from_the_environment():
    found = from_environment({"TRUSTED_PROXY_HOPS": "2", "FRESH_LOGIN_MINUTES": "5"})
    assert found == {"TRUSTED_PROXY_HOPS": 2, "FRESH_LOGIN_MINUTES": 5}


@pytest.mark.parametrize("key, value", [
    ("TRUSTED_PROXY_HOPS", -1), ("TRUSTED_PROXY_HOPS", "1"), ("TRUSTED_PROXY_HOPS", True),
    ("FRESH_LOGIN_MINUTES", 0), ("FRESH_LOGIN_MINUTES", -10), ("FRESH_LOGIN_MINUTES", 2.5),
])
def test_counts_out_of_range_stop_the_start(tmp_path, key, value):
    with pytest.raises(ConfigError, match=f"{key} must be a whole number of at least"):
        finalise({**BASE, "JOBBRO_ENV": "development", key: value}, str(tmp_path))


def test_defaults_trust_no_proxy_and_keep_a_login_fresh_ten_minutes(app):
    assert app.config["TRUSTED_PROXY_HOPS"] == 0
    assert app.config["FRESH_LOGIN_MINUTES"] == 10


def test_engine_options_hide_parameters_and_keep_the_callers(tmp_path):
    config = {**BASE, "JOBBRO_ENV": "development",
              "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"timeout": 3}}}
    finalise(config, str(tmp_path))
    assert config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True, "connect_args": {"timeout": 3}, "hide_parameters": True}


MARKER = "Skaanehensyn-MARKER-rygproblemer-4711"


def test_a_failing_statement_does_not_show_its_bound_values(app):
    with app.app_context():
        with pytest.raises(sa.exc.DBAPIError) as failure:
            db.session.execute(sa.text("INSERT INTO no_such_table (note) VALUES (:note)"), {"note": MARKER})
        db.session.rollback()
    assert "no_such_table" in str(failure.value)  # the statement is still there to debug with
    assert MARKER not in str(failure.value)


def test_an_unhandled_database_error_is_logged_without_its_bound_values(app, client, caplog):
    def broken():
        db.session.execute(sa.text("SELECT note FROM no_such_table WHERE note = :note"), {"note": MARKER})
        return "unreachable"

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    response = client.get("/broken-for-test")
    assert response.status_code == 500
    assert "unhandled error" in caplog.text and "no_such_table" in caplog.text
    assert MARKER not in caplog.text
    assert MARKER not in response.get_data(as_text=True)


def test_the_api_limit_and_the_import_limits_are_read_from_the_environment():
    found = from_environment({"API_RATE_LIMIT": "50/minute", "API_RATELIMIT_STORAGE_URI": "memory://",
                              "IMPORT_MAX_CONTENT_LENGTH": "1048576", "IMPORT_WEB_MAX_ROWS": "200"})
    assert found == {"API_RATE_LIMIT": "50/minute", "API_RATELIMIT_STORAGE_URI": "memory://",
                     "IMPORT_MAX_CONTENT_LENGTH": 1048576, "IMPORT_WEB_MAX_ROWS": 200}


@pytest.mark.parametrize("key, value, message", [
    ("API_RATE_LIMIT", "lots", "API_RATE_LIMIT must be a rate"),
    ("API_RATELIMIT_STORAGE_URI", "nosuch://host", "API_RATELIMIT_STORAGE_URI cannot be used"),
])
def test_an_unusable_api_limit_stops_the_start_with_its_name(tmp_path, key, value, message):
    with pytest.raises(ConfigError, match=message):
        create_app({**BASE, "INSTANCE_PATH": str(tmp_path), key: value})

