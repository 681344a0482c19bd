"""Fixtures shared by every test package.

Every test gets a fresh database (``app``), a test client (``client``), a CLI
runner (``runner``) and an ``auth`` helper that logs in as a given user.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event

# Before anything builds an app: every app of the test run (unit tests, CLI subprocesses,
# the browser tests' live server) gets an instance folder outside the checkout, so a test run
# never leaves a database, secret or matching index behind for `make run` to trip over.
# Tests that need their own folder pass INSTANCE_PATH (the `app` fixture does).
_TEST_INSTANCE = tempfile.mkdtemp(prefix="jobbro-test-instance-")
os.environ["JOBBRO_INSTANCE_PATH"] = _TEST_INSTANCE
# Hypothesis keeps no example database in the checkout either (runs stay reproducible by seed).
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(_TEST_INSTANCE, "hypothesis"))

from portal import create_app
from portal.auth.passwords import hash_password
from portal.extensions import db
from store.models import Company, Team, User

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PASSWORD = "Korrekt-hest-batteri-9"
IN_CI = os.environ.get("CI", "").lower() == "true"


def missing_dependency(reason: str):
    """Skip locally with the exact reason; under CI=true a missing dependency fails."""
    if IN_CI:
        pytest.fail(f"required test dependency missing under CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url():
    """A throw-away embedded PostgreSQL 18 for the session (skip locally, fail under CI)."""
    try:
        from tests.postgres_server import start_postgres

        server, uri = start_postgres()
    except Exception as exc:  # noqa: BLE001 - report why, then skip or fail
        missing_dependency(f"embedded PostgreSQL could not start: {exc}")
    yield uri
    server.cleanup()


@pytest.fixture
def frozen_today():
    """Live on tests.clock.TODAY (portal included) for the test; yields that date."""
    from tests.clock import TODAY, travel

    with travel():
        yield TODAY


@pytest.fixture(scope="session")
def password_hash() -> str:
    # scrypt with p=3 is slow on purpose: hash once per session.
    return hash_password(PASSWORD)


@pytest.fixture
def app(tmp_path):
    app = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite'}",
        "SECRET_KEY": "test-secret",
        "PSEUDONYM_KEY": "test-pseudonym-key",
        "MATCHING_ENCODER": "hashing",
        "MATCHING_BACKEND": "memory",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        # The tests' users are made today, their data dated years back: the portal is taken as in
        # use since before it (/maal offers no month before go-live; tests/portal/test_go_live.py
        # sets it back to the first user's day).
        "GO_LIVE_DATE": date(2020, 1, 1),
    })
    with app.app_context():
        skip_fsync(db.engine)
        db.create_all()
        _install_audit_guard()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def skip_fsync(engine) -> None:
    """A test's throw-away SQLite database is not synced to disk at every commit.

    The portal syncs each commit (``SQLITE_SYNCHRONOUS`` full or normal, nothing else is
    allowed in a deployment); a test database dies with its test, so the fsyncs (about 3 ms
    each on this machine's disk, ~110 of them for the schema alone) bought nothing but wall
    time. Set after the portal's own pragmas, on every new connection; the pool is emptied so
    no connection made before keeps the setting. ``tests/portal/test_factory.py`` checks the
    portal's own setting on an app built without this.
    """
    if engine.dialect.name != "sqlite":
        return
    event.listen(engine, "connect", _synchronous_off)
    engine.dispose()


def _synchronous_off(dbapi_connection, record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def _install_audit_guard() -> None:
    # create_all() skips the migrations' triggers; tests need the same guard: 0001's, with the
    # delete 0034 lets through for the retention step only (tests/portal/test_audit_retention.py
    # checks these are the migrated database's triggers).
    db.session.execute(db.text(
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"))
    db.session.execute(db.text(
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
        "WHEN NOT EXISTS (SELECT 1 FROM audit_retention_window w WHERE w.id = 1 AND OLD.at < w.cutoff) "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"))
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app, password_hash):
    """Create a user of ``role``; company users get their own company."""
    return user_factory(app, password_hash)


def user_factory(app, password_hash):
    """A function that creates users in ``app``'s database (see :func:`make_user`)."""

    def make(role: str = "company", *, email: str | None = None, company: Company | None = None,
             code_of_care: bool = False, active: bool = True) -> User:
        with app.app_context():
            if role == "company" and company is None:
                count = db.session.query(Company).count()
                company = Company(name=f"Firma {count}", cvr=f"{10000000 + count}", postcode="8722",
                                  code_of_care=code_of_care)
                db.session.add(company)
                db.session.flush()
            team = None
            if role == "consultant":
                team = db.session.query(Team).first() or Team(name="Team Syd")
            user = User(email=email or f"{role}{db.session.query(User).count()}@example.dk",
                        name=f"{role.title()} Testesen", role=role, password_hash=password_hash,
                        company_id=company.id if company else None, team=team, active=active)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


class AuthActions:
    def __init__(self, client):
        self._client = client

    def csrf_token(self, path: str = "/auth/login") -> str:
        html = self._client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def switch_to(self, email: str) -> None:
        """Drop the current session and log in as ``email`` (asserting it worked)."""
        self._client.delete_cookie("session")
        assert self.login(email).status_code == 302

    def login(self, email: str, password: str = PASSWORD, next_url: str = ""):
        token = self.csrf_token()
        return self._client.post("/auth/login", data={
            "email": email, "password": password, "csrf_token": token, "next": next_url})

    def logout(self):
        token = self.csrf_token("/")
        return self._client.post("/auth/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skipped test is a failed test: nothing is skipped silently in CI."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which counts as a failure: {reason}"


# -- the checkout stays clean ------------------------------------------------------------------
# Paths a test run may create in the checkout: the set-up's and pytest's own.
_ALLOWED_LEFTOVERS = (".venv/", "node_modules/", "portal/static/vendor/", ".pytest_cache/",
                      "__pycache__/")


def _untracked_and_ignored() -> set[str] | None:
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None  # not a git checkout (an unpacked release): nothing to compare
    paths = {line[3:] for line in out.splitlines() if line[:2] in ("??", "!!")}
    return {p for p in paths if not any(part in p or p.startswith(part) for part in _ALLOWED_LEFTOVERS)
            and not p.endswith(".egg-info/") and ".egg-info/" not in p}


def pytest_sessionstart(session):
    session.config._jobbro_checkout_before = _untracked_and_ignored()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_TEST_INSTANCE, ignore_errors=True)
    before = getattr(session.config, "_jobbro_checkout_before", None)
    after = _untracked_and_ignored()
    if before is None or after is None:
        return
    new = sorted(after - before)
    if not new:
        return
    message = "the test run wrote into the checkout: " + ", ".join(new[:20])
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(message, red=True)
    if IN_CI and session.exitstatus == 0:
        # In CI the clone is fresh: anything new is a test writing where `make run` reads.
        session.exitstatus = 1
