"""Mail settings from the environment: strict parsing, clear errors at start-up."""
from __future__ import annotations

import pytest

from portal import create_app
from portal.config import ConfigError, from_environment, parse_bool


@pytest.mark.parametrize("text, value", [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True),
    ("false", False), ("0", False), ("No", False), ("off", False),
])
def test_booleans_from_the_environment(text, value):
    found = from_environment({"MAIL_USE_TLS": text, "MAIL_USE_SSL": text})
    assert found["MAIL_USE_TLS"] is value and found["MAIL_USE_SSL"] is value


@pytest.mark.parametrize("text", ["ja", "nej", "2", "truee", "t", "-1", "on off"])
def test_a_bad_boolean_is_a_clear_error(text):
    with pytest.raises(ConfigError, match="MAIL_USE_SSL must be true or false"):
        from_environment({"MAIL_USE_SSL": text})


def test_numbers_and_strings_from_the_environment():
    found = from_environment({"MAIL_TIMEOUT": "2.5", "PASSWORD_FORGOT_MINUTES": "30",
                              "MAIL_USERNAME": "jobbro", "MAIL_PASSWORD": "x", "PORTAL_URL": "https://j.dk"})
    assert found == {"MAIL_TIMEOUT": 2.5, "PASSWORD_FORGOT_MINUTES": 30, "MAIL_USERNAME": "jobbro",
                     "MAIL_PASSWORD": "x", "PORTAL_URL": "https://j.dk"}
    with pytest.raises(ConfigError, match="MAIL_TIMEOUT"):
        from_environment({"MAIL_TIMEOUT": "fast"})
    with pytest.raises(ConfigError, match="PASSWORD_FORGOT_MINUTES"):
        from_environment({"PASSWORD_FORGOT_MINUTES": "en time"})


def test_parse_bool_passes_real_booleans():
    assert parse_bool("X", True) is True and parse_bool("X", False) is False


def _app(tmp_path, **settings):
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite'}",
                       "SECRET_KEY": "s", "PSEUDONYM_KEY": "p", **settings})


def test_defaults_are_off_and_empty(tmp_path):
    config = _app(tmp_path).config
    assert config["MAIL_USE_TLS"] is False and config["MAIL_USE_SSL"] is False
    assert config["MAIL_USERNAME"] == "" and config["PORTAL_URL"] == ""
    assert config["PASSWORD_FORGOT_MINUTES"] == 60


@pytest.mark.parametrize("settings, message", [
    ({"MAIL_USE_TLS": True, "MAIL_USE_SSL": True}, "exclude each other"),
    ({"MAIL_USE_TLS": "maybe"}, "MAIL_USE_TLS must be true or false"),
    ({"PORTAL_URL": "jobbro.dk"}, "PORTAL_URL must start with"),
    ({"PORTAL_URL": "javascript:alert(1)"}, "PORTAL_URL must start with"),
    ({"PASSWORD_FORGOT_MINUTES": 0}, "PASSWORD_FORGOT_MINUTES"),
    ({"MAIL_TIMEOUT": 0}, "MAIL_TIMEOUT"),
    ({"MAIL_TIMEOUT": float("nan")}, "MAIL_TIMEOUT"),
    ({"MAIL_TIMEOUT": -1.5}, "MAIL_TIMEOUT"),
    ({"JOBBRO_ENV": "production", "MAIL_SERVER": "smtp.kommune.dk"}, "PORTAL_URL must be set"),
    # Every environment: a mail that really goes out must not carry a link from the Host header.
    ({"JOBBRO_ENV": "development", "MAIL_SERVER": "smtp.kommune.dk"}, "PORTAL_URL must be set"),
    ({"JOBBRO_ENV": "testing", "MAIL_SERVER": "smtp.kommune.dk"}, "PORTAL_URL must be set"),
    ({"JOBBRO_ENV": "production", "MAIL_SERVER": "smtp.kommune.dk", "PORTAL_URL": "http://jobbro.dk"},
     "PORTAL_URL must start with https:// when JOBBRO_ENV=production"),
    ({"JOBBRO_ENV": "production", "PORTAL_URL": "http://jobbro.dk"}, "must start with https://"),
])
def test_settings_that_cannot_work_stop_the_start(tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message):
        _app(tmp_path, **settings)


def test_production_with_mail_and_portal_url_starts(tmp_path):
    app = _app(tmp_path, JOBBRO_ENV="production", MAIL_SERVER="smtp.kommune.dk",
               PORTAL_URL="https://jobbro.hedensted.dk", MAIL_USE_TLS="true")
    assert app.config["MAIL_USE_TLS"] is True


def test_development_with_mail_and_an_http_portal_url_starts(tmp_path):
    app = _app(tmp_path, MAIL_SERVER="localhost", PORTAL_URL="http://localhost:5000")
    assert app.config["PORTAL_URL"] == "http://localhost:5000"


def test_production_without_mail_needs_no_portal_url(tmp_path):
    assert _app(tmp_path, JOBBRO_ENV="production").config["PORTAL_URL"] == ""


def test_mails_are_sent_inline_only_in_test_mode(tmp_path):
    assert _app(tmp_path).config["MAIL_SEND_INLINE"] is True
    assert _app(tmp_path, TESTING=False).config["MAIL_SEND_INLINE"] is False
