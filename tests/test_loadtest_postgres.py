"""The load test on PostgreSQL: the SQLite demo copy moved into the migrations' PostgreSQL schema
keeps every row, value for value, and the sequences (the next insert works); a bad source or
schema fails whole and says why; the server is stopped whatever happens."""
from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from loadtest import LoadTestError, postgres, run
from portal import create_app
from portal.extensions import db
from store.models import (AuditEvent, Citizen, Company, Consent, CvDocument, EmbeddingCacheEntry,
                          HotlineMessage, HotlineRequest, HoursLog, JobGoal, Opening, OutboxEvent,
                          Placement, Proposal, Team, User)

MOMENT = datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=timezone.utc)


def _app(url: str, tmp_path):
    return create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p",
                       "INSTANCE_PATH": str(tmp_path / "instance"), "MATCHING_ENCODER": "hashing",
                       "MATCHING_BACKEND": "memory"})


def _migrate(url: str, tmp_path, revision: str = "head") -> None:
    app = _app(url, tmp_path)
    with app.app_context():
        upgrade(revision=revision)
        db.engine.dispose()


def _add_graph(session) -> None:
    """A small world with each kind of value the demo stores: booleans, JSON, dates, UTC moments,
    decimals, bytes, text with tabs, quotes, backslashes and newlines, NULLs, and the
    company <-> user foreign-key cycle (a company's consultant; a contact's company)."""
    team = Team(name="Team Nord")
    company = Company(name='Lager "Øst"\tApS\\', cvr="12345678", postcode="8722", code_of_care=True)
    other = Company(name="Firma uden konsulent", cvr="87654321", postcode="7130", code_of_care=False)
    vk = User(email="vk@jc.dk", name="VK", role="consultant", team=team)
    company.consultant = vk
    contact = User(email="k@firma.dk", name="Kontakt", role="company", company=company, mail_opt_out=["hotline_answer"])
    citizen = Citizen(name="Borger\nNavn", postcode="8723", benefit_group="kontanthjaelp", hours_available=12.5,
                      readiness_group="paa_vej", case_start=date(2025, 1, 1), vk=vk, team=team,
                      limitation_flags=["no_heavy_lifting"], driving_licences=["B"])
    citizen.job_goals.append(JobGoal(title="Lagermedarbejder"))
    citizen.cv_documents.append(CvDocument(text="Truckcertifikat\t5 år", content_type="txt"))
    opening = Opening(company=company, kind="smaajob", title="Lagerhjælp", postcode="8722",
                      hours_min=5, hours_max=10, status="open", required_licences=["B"])
    proposal = Proposal(citizen=citizen, opening=opening, score=0.8, explanation={"goal": 0.9, "km": 3.2})
    placement = Placement(citizen=citizen, opening=opening, company=company, kind="smaajob",
                          start_date=date(2026, 1, 5), weekly_hours=8)
    placement.hours.append(HoursLog(month=date(2026, 1, 1), hours=Decimal("32.5")))
    session.add_all([team, company, other, vk, contact, citizen, opening, proposal, placement,
                     EmbeddingCacheEntry(key="k" * 64, encoder="hashing", dimension=3, vector=b"\x00\x01\\\xff"),
                     OutboxEvent(entity="citizen", entity_id=1, created_at=MOMENT),
                     AuditEvent(action="read_citizen", citizen_id=1, at=MOMENT)])
    session.flush()
    proposal.consents.append(Consent(text_version="v1", channel="telefon", deadline=date(2026, 12, 1),
                                     recorded_by_id=vk.id))
    request = HotlineRequest(company=company, placement=placement, category="fravaer", urgency="akut",
                             subject="Udebleven", created_by_id=contact.id, due_at=MOMENT)
    request.messages.append(HotlineMessage(author_id=contact.id, body="Hjælp"))
    session.add(request)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A small SQLite database built by the migrations, with the rows of :func:`_add_graph`."""
    tmp_path = tmp_path_factory.mktemp("demo")
    path = tmp_path / "demo.sqlite"
    app = _app(f"sqlite:///{path}", tmp_path)
    with app.app_context():
        upgrade()
        _add_graph(db.session)
        db.session.commit()
        db.engine.dispose()
    return path


@pytest.fixture
def target(postgres_url, request, tmp_path):
    """An empty PostgreSQL database of this test, at the migrations' head."""
    url = postgres.fresh_database(postgres_url, f"load_{abs(hash(request.node.name)) % 10**8}")
    _migrate(url, tmp_path)
    return url


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table of the models, read through their types, in key order."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(
                        sa.select(table).order_by(*table.primary_key.columns))]
                    for table in db.metadata.sorted_tables}
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_copy_keeps_every_row_and_value(demo, target):
    copied = postgres.copy_sqlite(demo, target)

    source, result = _rows(f"sqlite:///{demo}"), _rows(target)
    assert result == source
    assert copied == {name: len(rows) for name, rows in source.items()}
    assert copied["company"] == 2 and copied["user"] == 2 and copied["hours_log"] == 1
    engine = sa.create_engine(target.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:  # PostgreSQL's own values, not the models' reading of them
        assert connection.exec_driver_sql(
            "SELECT name, code_of_care FROM company WHERE cvr = '12345678'").one() == ('Lager "Øst"\tApS\\', True)
        assert connection.exec_driver_sql("SELECT created_at FROM outbox_event").scalar_one() == MOMENT
    engine.dispose()


@pytest.mark.postgres
def test_the_next_insert_after_the_copy_gets_a_new_id(demo, target, tmp_path):
    postgres.copy_sqlite(demo, target)

    app = _app(target, tmp_path)
    with app.app_context():
        try:
            _insert_one_of_each()
        finally:
            db.session.remove()
            db.engine.dispose()


def _insert_one_of_each() -> None:
    """Add a row to tables with copied ids; each must get the copied maximum plus one."""
    highest = {model: db.session.scalar(sa.select(sa.func.max(model.id)))
               for model in (Team, Company, User, Citizen, OutboxEvent, AuditEvent)}
    added = [Team(name="Team Syd"), Company(name="Ny", cvr="11112222", postcode="8700"),
             User(email="ny@jc.dk", name="Ny", role="admin"),
             Citizen(name="Ny", postcode="8722", benefit_group="kontanthjaelp", hours_available=5,
                     readiness_group="i_gang", case_start=date(2026, 1, 1)),
             OutboxEvent(entity="opening", entity_id=1), AuditEvent(action="test")]
    db.session.add_all(added)
    db.session.commit()  # a sequence left at 1 would collide with a copied id here
    assert [row.id for row in added] == [highest[type(row)] + 1 for row in added]


@pytest.mark.postgres
@pytest.mark.parametrize("breakage, message", [
    # SQLite enforces foreign keys only when asked to: a row pointing nowhere (checked at the end)
    ("INSERT INTO job_goal (citizen_id, title, position) VALUES (999, 'Forældreløs', 0)",
     "fk_job_goal_citizen_id_citizen"),
    # ... and its CHECK constraints can be switched off: a value outside the vocabulary (in COPY)
    ("UPDATE citizen SET benefit_group = 'ukendt'", "citizen"),
])
def test_a_row_breaking_a_constraint_fails_the_whole_copy(demo, target, tmp_path, breakage, message):
    broken = tmp_path / "broken.sqlite"
    shutil.copy(demo, broken)
    with sqlite3.connect(broken) as conn:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute(breakage)

    before = _rows(target)  # empty, but for what a migration wrote (0041's deployment_fact)
    with pytest.raises(LoadTestError, match=f"into PostgreSQL failed: .*{message}"):
        postgres.copy_sqlite(broken, target)

    assert _rows(target) == before  # all or nothing
    engine = sa.create_engine(target.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:  # and the foreign keys are all still there
        assert connection.exec_driver_sql("SELECT count(*) FROM pg_constraint WHERE contype = 'f'").scalar() > 10
    engine.dispose()


@pytest.mark.postgres
def test_a_schema_at_another_revision_is_refused(demo, postgres_url, tmp_path):
    older = postgres.fresh_database(postgres_url, "load_older")
    _migrate(older, tmp_path, revision="0007")

    with pytest.raises(LoadTestError, match="schema revisions differ"):
        postgres.copy_sqlite(demo, older)


@pytest.mark.postgres
def test_the_server_is_stopped_and_deleted_also_when_the_set_up_fails(demo, tmp_path):
    def migrate(url):
        seen.append(url)
        raise LoadTestError("migration failed")

    seen: list[str] = []
    with pytest.raises(LoadTestError, match="migration failed"):
        with postgres.demo_on_postgres(demo, tmp_path / "pg", migrate):
            pass  # pragma: no cover - never reached

    assert seen and "host=" in seen[0] and "@/" in seen[0]  # a Unix socket, no TCP address
    assert not (tmp_path / "pg" / "data").exists()


def test_a_server_that_cannot_start_is_a_clear_error(monkeypatch, tmp_path):
    def refuse(parent):
        raise OSError("initdb: cannot be run as root")

    monkeypatch.setattr(postgres, "start_postgres", refuse)
    with pytest.raises(LoadTestError, match="embedded PostgreSQL could not start.*cannot be run as root"):
        with postgres.embedded_database(tmp_path):
            pass  # pragma: no cover - never reached


def test_the_runners_offer_sqlite_by_default_and_postgresql(capsys):
    assert run.DATABASES == ("sqlite", "postgresql")
    with pytest.raises(SystemExit):
        run.main(["--database", "mysql"])
    assert "invalid choice: 'mysql'" in capsys.readouterr().err
