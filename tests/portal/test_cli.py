"""``flask --app portal setup``: demo data (published passwords) never by default in production."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.extensions import db


@pytest.fixture
def unmigrated(tmp_path, monkeypatch):
    """``unmigrated(env)``: an app on an empty database, and the calls to the demo loader."""
    seeded = []

    def fake_load_demo(session, today, password_hash=None, **_kw):
        seeded.append(password_hash)
        return {"users": 0}

    monkeypatch.setattr("portal.demo.loader.load_demo", fake_load_demo)
    apps = []

    def make(env: str):
        app = create_app({"JOBBRO_ENV": env, "TESTING": True, "SECRET_KEY": "s", "PSEUDONYM_KEY": "p",
                          "DATABASE_URL": f"sqlite:///{tmp_path / f'{env}.sqlite'}",
                          "MATCHING_ENCODER": "hashing", "MATCHING_BACKEND": "memory"})
        apps.append(app)
        return app, seeded

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _setup(app, *args: str):
    result = app.test_cli_runner().invoke(args=["setup", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("args", [(), ("--no-demo",)])
def test_production_setup_migrates_only_and_says_how_to_create_the_admin(unmigrated, args):
    app, seeded = unmigrated("production")
    output = _setup(app, *args)
    assert seeded == []
    assert "flask --app portal create-admin EMAIL NAME" in output
    assert "Demo log-ins" not in output and "Jobbro-demo-2026" not in output
    with app.app_context():
        assert "citizen" in sa.inspect(db.engine).get_table_names()  # migrated


def test_production_seeds_demo_data_only_with_an_explicit_demo_flag(unmigrated):
    app, seeded = unmigrated("production")
    output = _setup(app, "--demo")
    assert len(seeded) == 1
    assert "WARNING" in output and "Demo log-ins" in output


def test_development_setup_seeds_the_demo_by_default(unmigrated):
    """``make run`` relies on this: a plain ``setup`` in development loads the demo."""
    app, seeded = unmigrated("development")
    output = _setup(app)
    assert len(seeded) == 1
    assert "Demo log-ins" in output and "WARNING" not in output


def test_development_no_demo_does_not_seed(unmigrated):
    app, seeded = unmigrated("development")
    output = _setup(app, "--no-demo")
    assert seeded == []
    assert "create-admin" in output
