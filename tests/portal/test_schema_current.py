"""A portal on a database that was not migrated says so, instead of failing deep in a page."""
from __future__ import annotations

from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from portal import schema
from portal.schema import SETUP_COMMAND, behind


def _app(tmp_path):
    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}",
                       "SECRET_KEY": "t", "PSEUDONYM_KEY": "p"})


def test_a_database_behind_the_code_gets_a_clear_503_until_it_is_migrated(tmp_path, monkeypatch):
    app = _app(tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="-1")
        assert behind(app) is not None
        db.session.remove()
    client = app.test_client()
    logged = []  # (Alembic's logging set-up replaces the root handlers, caplog's included)
    monkeypatch.setattr(schema.log, "error", lambda message, *args: logged.append(message % args))
    for path in ("/auth/login", "/", "/readyz"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "60"
    page = client.get("/auth/login").get_data(as_text=True)
    assert "Jobbro bliver opdateret" in page and "flask" not in page  # for users, not operators
    ready = client.get("/readyz").json
    assert ready["run"] == SETUP_COMMAND and ready["status"] == "database behind migrations"
    alive = client.get("/healthz")  # liveness: a restart would not migrate it (review M 7)
    assert alive.status_code == 200 and alive.json == {"status": "ok", "database": "behind migrations",
                                                       "run": SETUP_COMMAND}
    assert client.get("/api/v1/openings", headers={"Accept": "application/json"}).json["status"] == 503
    assert sum(SETUP_COMMAND in line for line in logged) == 1  # logged once, not per request
    with app.app_context():
        upgrade()
        db.session.remove()
    assert client.get("/auth/login").status_code == 200


def test_a_migrated_database_and_an_unversioned_one_are_served(tmp_path, app):
    migrated = _app(tmp_path)
    with migrated.app_context():
        upgrade()
        assert behind(migrated) is None
        db.session.remove()
    assert migrated.test_client().get("/auth/login").status_code == 200
    assert app.test_client().get("/auth/login").status_code == 200  # create_all, as the tests build theirs
