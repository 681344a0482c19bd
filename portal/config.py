"""Configuration from the environment, in one place.

Order (Flask tutorial style): defaults here, then the environment, then the
``test_config`` mapping handed to :func:`portal.create_app`.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ENV_KEYS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "MATCHING_BACKEND",
    "MATCHING_ENCODER",
    "ELASTICSEARCH_URL",
    "ELASTICSEARCH_INDEX_PREFIX",
    "PSEUDONYM_KEY",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_SENDER",
    "JOBBRO_ENV",
    "UPLOAD_FOLDER",
    "RETENTION_DAYS",
)


class ConfigError(RuntimeError):
    """The configuration cannot be used (e.g. production without SECRET_KEY)."""


def defaults(instance_path: str) -> dict:
    """Return the default configuration: local development on embedded defaults."""
    return {
        "JOBBRO_ENV": "development",
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'jobbro.sqlite'}",
        "MATCHING_BACKEND": "memory",
        "MATCHING_ENCODER": "e5",
        "ELASTICSEARCH_URL": "http://127.0.0.1:9200",
        "ELASTICSEARCH_INDEX_PREFIX": "jobbro",
        "ELASTICSEARCH_TIMEOUT": 2.0,
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_SENDER": "noreply@jobbro.local",
        "UPLOAD_FOLDER": str(Path(instance_path) / "uploads"),
        "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(hours=12),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=30),
        "SESSION_ABSOLUTE_LIFETIME": timedelta(hours=12),
        "WTF_CSRF_TIME_LIMIT": None,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_WINDOW_SECONDS": 15 * 60,
        "PASSWORD_RESET_HOURS": 72,
        # Closed cases are anonymised after five years (the job centre's retention rule).
        "RETENTION_DAYS": 5 * 365,
    }


def from_environment(environ: os._Environ | dict | None = None) -> dict:
    """Return the settings present in the environment, with types coerced."""
    environ = os.environ if environ is None else environ
    found = {key: environ[key] for key in ENV_KEYS if environ.get(key)}
    for key in ("MAIL_PORT", "RETENTION_DAYS"):
        if key in found:
            try:
                found[key] = int(found[key])
            except ValueError:
                raise ConfigError(f"{key} must be a whole number, not {found[key]!r}") from None
    return found


def finalise(config: dict, instance_path: str) -> None:
    """Derive dependent settings and enforce the production rules.

    Raises:
        ConfigError: in production mode without SECRET_KEY or PSEUDONYM_KEY.
    """
    production = config["JOBBRO_ENV"] == "production"
    for key in ("SECRET_KEY", "PSEUDONYM_KEY"):
        if config.get(key):
            continue
        if production:
            raise ConfigError(f"{key} must be set in the environment when JOBBRO_ENV=production")
        config[key] = _instance_secret(instance_path, key.lower())
    config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(config["DATABASE_URL"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Wait for a writer instead of failing at once with "database is locked".
        options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
    secure = production
    config["SESSION_COOKIE_SECURE"] = secure
    config["REMEMBER_COOKIE_SECURE"] = secure


def _normalise_db_url(url: str) -> str:
    # Docker images and Heroku-style URLs say postgres://; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance_path: str, name: str) -> str:
    """Read or create a random secret in the instance folder (local development only)."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value
