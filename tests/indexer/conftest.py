"""Fixtures for the indexer tests."""

from __future__ import annotations

import importlib.util as _importlib_util
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass as _dataclass
from datetime import date as _date
from pathlib import Path

import pytest

from matching.encoders import HashingEncoder as _HashingEncoder
from portal.extensions import db as _db
from store.models import Citizen as _Citizen
from store.models import CvDocument as _CvDocument
from store.models import JobGoal as _JobGoal
from store.models import Opening as _Opening
from store.outbox import record_change as _record_change


@pytest.fixture(scope="session")
def encoder() -> _HashingEncoder:
    """Deterministic, model-free encoder: indexer tests are about data flow, not meaning."""
    return _HashingEncoder(64)


@_dataclass
class Seeder:
    """Writes rows the way the portal's services must: change + outbox row, one commit."""

    vk_id: int
    company_id: int

    def citizen(self, goal: str = "Lagermedarbejder", cv: str = "Truckcertifikat, 5 år på lager.",
                **fields) -> int:
        values = dict(name="Testborger", postcode="8722", benefit_group="kontanthjaelp",
                      readiness_group="paa_spring", case_start=_date(2025, 1, 1),
                      hours_available=20.0, vk_id=self.vk_id) | fields
        citizen = _Citizen(**values)
        citizen.job_goals = [_JobGoal(title=goal)]
        citizen.cv_documents = [_CvDocument(text=cv)]
        _db.session.add(citizen)
        _db.session.flush()
        _record_change(_db.session, "citizen", citizen.id)
        _db.session.commit()
        return citizen.id

    def edit_citizen(self, citizen_id: int, **fields) -> None:
        citizen = _db.session.get(_Citizen, citizen_id)
        for name, value in fields.items():
            setattr(citizen, name, value)
        _record_change(_db.session, "citizen", citizen_id)
        _db.session.commit()

    def erase_citizen(self, citizen_id: int) -> None:
        _db.session.delete(_db.session.get(_Citizen, citizen_id))
        _record_change(_db.session, "citizen", citizen_id, op="delete")
        _db.session.commit()

    def opening(self, title: str = "Lagermedarbejder til småjob", **fields) -> int:
        values = dict(company_id=self.company_id, kind="smaajob", title=title,
                      description="Pluk og pak på lageret.", postcode="8722", hours_min=5.0,
                      hours_max=15.0, status="open") | fields
        opening = _Opening(**values)
        _db.session.add(opening)
        _db.session.flush()
        _record_change(_db.session, "opening", opening.id)
        _db.session.commit()
        return opening.id


@pytest.fixture
def seed(app, make_user) -> Iterator[Seeder]:
    """A Seeder inside an app context, with a VK and a company to refer to."""
    vk = make_user("consultant")
    company_user = make_user("company")
    with app.app_context():
        yield Seeder(vk.id, company_user.company_id)


def _load_es_helper():
    """tests/elasticsearch_server.py by path (tests/ is not a package)."""
    name = "jobbro_tests_elasticsearch_server"
    if name not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "elasticsearch_server.py"
        spec = _importlib_util.spec_from_file_location(name, path)
        module = _importlib_util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def indexer_es_server(request):
    """A session-wide Elasticsearch-compatible server (noida-db) on a free loopback port.

    Yields the helper's server object (``url``; ``stop()`` is idempotent). Skips with the
    reason locally, fails under CI=true.
    """
    helper = _load_es_helper()
    try:
        server = helper.start()
    except helper.ServerUnavailable as err:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Elasticsearch test server unavailable under CI: {err}")
        pytest.skip(f"Elasticsearch test server unavailable: {err}")
    request.addfinalizer(server.stop)
    return server


@pytest.fixture
def pg_seed(postgres_url, request) -> Iterator[Seeder]:
    """Like ``seed``, on a fresh PostgreSQL database of its own."""

    from portal import create_app
    from store.models import Company, User

    from tests.postgres_server import fresh_database

    url = fresh_database(postgres_url, f"idx_{abs(hash(request.node.name)) % 10**8}")
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p"})
    with app.app_context():
        _db.create_all()
        company = Company(name="Lager ApS", cvr="87654321", postcode="8722")
        vk = User(email="vk@jc.dk", name="VK", role="consultant")
        _db.session.add_all([company, vk])
        _db.session.commit()
        yield Seeder(vk.id, company.id)
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def cli_env(app, tmp_path) -> dict[str, str]:
    """Environment pointing a subprocess (``python -m indexer ...``) at the test app's database
    and instance folder, with the memory backend and the hashing encoder."""
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATCHING_", "ELASTICSEARCH_"))}
    env.update({
        "DATABASE_URL": app.config["DATABASE_URL"], "JOBBRO_INSTANCE_PATH": str(tmp_path / "inst"),
        "SECRET_KEY": "test-secret", "PSEUDONYM_KEY": "test-pseudonym-key",
        "MATCHING_BACKEND": "memory", "MATCHING_ENCODER": "hashing",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"), "PYTHONPATH": str(root),
    })
    return env
