"""Is the database at the migrations this code was written for?

New code deployed on a database that was not migrated fails deep inside a page ("no such
column ..."), as a 500 on some pages and not on others. Instead, while the database's Alembic
revision is not the code's head, every request gets a 503 saying the portal is being updated (with
Retry-After), ``/healthz`` answers JSON naming the command to run (``flask --app portal
setup``, which ``make run`` and the docker-compose entry point run), and the log says the same
once. Once the revision matches, the check stops for the process.

A database without Alembic's version table is not checked: tests build theirs with
``create_all``, and an empty database fails clearly on its own.
"""
from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, request

from .errors import PROBES, render_error
from .extensions import db

log = logging.getLogger(__name__)

SETUP_COMMAND = "flask --app portal setup"
# For whoever opens a page: users, not operators (the command is in the log, and in /healthz).
BEHIND_MESSAGE = ("Jobbro bliver opdateret lige nu, så intet kan vises eller gemmes. Prøv igen om lidt. "
                  "Varer det ved, så kontakt jobcentret.")
RETRY_AFTER_SECONDS = 60
_EXTENSION_KEY = "jobbro_schema_current"


def code_heads(directory: str | Path) -> frozenset[str]:
    """The head revision(s) of the migrations in ``directory``."""
    config = Config()
    config.set_main_option("script_location", str(directory))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_heads(engine: sa.Engine) -> frozenset[str] | None:
    """The revision(s) the database is at, or None when it has no Alembic version table."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return frozenset(MigrationContext.configure(connection).get_current_heads())


def behind(app: Flask) -> tuple[frozenset[str], frozenset[str]] | None:
    """(database's, code's) revisions when they differ, else None (also for an unversioned database)."""
    found = database_heads(db.engine)
    if found is None:
        return None
    wanted = code_heads(app.extensions["migrate"].directory)
    return None if found == wanted else (found, wanted)


def init_app(app: Flask) -> None:
    """Refuse requests with a clear 503 while the database is behind the code's migrations."""
    state = app.extensions.setdefault(_EXTENSION_KEY, {"current": False, "logged": False})

    @app.before_request
    def _schema_current():
        if state["current"] or request.endpoint == "static":
            return None
        try:
            gap = behind(current_app)
        except sa.exc.SQLAlchemyError:
            if request.endpoint in PROBES:  # alive; /readyz's own check says the database is down
                return None
            raise  # a page: the errors module's 503 "prøv igen"
        if gap is None:
            state["current"] = True
            return None
        if not state["logged"]:
            state["logged"] = True
            log.error("database at revision %s, code expects %s: run `%s`",
                      ", ".join(sorted(gap[0])) or "none", ", ".join(sorted(gap[1])), SETUP_COMMAND)
        if request.endpoint == "main.healthz":  # alive: a restart would not migrate the database
            return {"status": "ok", "database": "behind migrations", "run": SETUP_COMMAND}
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if request.endpoint in PROBES:  # not ready: the probe's JSON, with what the operator must do
            return {"status": "database behind migrations", "run": SETUP_COMMAND,
                    "database": sorted(gap[0]), "code": sorted(gap[1])}, 503, headers
        body, status = render_error(503, BEHIND_MESSAGE)
        return body, status, headers
