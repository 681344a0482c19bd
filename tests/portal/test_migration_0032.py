"""Migration 0032: a deleted CV's id is never handed out again (review AP 1).

The ``cv_deleted`` audit entry, old links and a delete form open in another tab name a CV by
its id; on SQLite ``cv_document`` gets AUTOINCREMENT, with the counter above every id the audit
names, and every row, the index and the foreign keys kept. PostgreSQL is left as it is.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from store.models import AuditEvent, Citizen, CvDocument
from tests.postgres_server import fresh_database

SAVED = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def _app_at_0031(url: str):
    """An app whose database is at 0031, the revision before this one."""
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p"})
    with app.app_context():
        upgrade(revision="0031")
        yield app
        db.session.remove()
        db.engine.dispose()


def _postgres_url(request) -> str:
    return fresh_database(request.getfixturevalue("postgres_url"), f"t_{abs(hash(request.node.name)) % 10**8}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def at_0031(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite'}" if request.param == "sqlite" else _postgres_url(request)
    yield from _app_at_0031(url)


@pytest.fixture
def postgres_at_0031(request):
    yield from _app_at_0031(_postgres_url(request))


def _sql(statement: str, **values):
    with db.engine.begin() as connection:
        return connection.execute(sa.text(statement), values)


def _insert(statement) -> int:
    with db.engine.begin() as connection:
        return connection.execute(statement).scalar_one()


def _citizen() -> int:
    return _insert(sa.insert(Citizen).values(
        name="Borger", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
        readiness_group="paa_vej", case_start=date(2026, 1, 1)).returning(Citizen.id))


def _cv(citizen_id: int, text: str) -> int:
    return _insert(sa.insert(CvDocument).values(citizen_id=citizen_id, text=text, created_at=SAVED)
                   .returning(CvDocument.id))


def _audit(action: str, purpose: str) -> None:
    _insert(sa.insert(AuditEvent).values(at=SAVED, action=action, purpose=purpose).returning(AuditEvent.id))


def _rows() -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(
            "SELECT id, citizen_id, text FROM cv_document ORDER BY id")).all()]


def _table_sql() -> str:
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'cv_document'")).scalar()


def _shape() -> tuple:
    inspector = sa.inspect(db.engine)
    return ({(c["name"], c["nullable"]) for c in inspector.get_columns("cv_document")},
            {(tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes("cv_document")},
            {(tuple(f["constrained_columns"]), f["referred_table"], f["options"].get("ondelete"))
             for f in inspector.get_foreign_keys("cv_document")})


def test_a_deleted_cv_id_is_not_handed_out_again_after_the_migration(at_0031):
    citizen = _citizen()
    kept = [_cv(citizen, "Kok"), _cv(citizen, "Tjener")]
    top = _cv(citizen, "Forkert persons CV")
    _sql("DELETE FROM cv_document WHERE id = :i", i=top)  # deleted before 0032, named in the audit
    _audit("cv_deleted", f"cv {top}: Forkert fil")
    _audit("cv_deleted", f"cv {top + 4} gemt 01.12.2026 10:00:00: Anden persons CV")  # the newer wording
    _audit("citizen_viewed", f"cv {top + 90}: not a deletion")  # another action: not a CV id
    rows, shape = _rows(), _shape()
    upgrade(revision="0032")

    assert _rows() == rows  # every row kept, ids unchanged
    assert _shape() == shape  # columns, the index and the foreign keys kept
    if db.engine.dialect.name == "sqlite":
        assert "AUTOINCREMENT" in _table_sql()
    after = _cv(citizen, "Rigtige CV")
    # SQLite counts on from the highest audited id; a PostgreSQL sequence never went back.
    assert after == (top + 5 if db.engine.dialect.name == "sqlite" else top + 1)
    _sql("DELETE FROM cv_document WHERE id = :i", i=after)  # the top version deleted now
    assert _cv(citizen, "Næste CV") == after + 1
    assert [row[0] for row in _rows()] == [*kept, after + 1]

    downgrade(revision="0031")  # rows kept; SQLite's table is plain again
    assert [row[0] for row in _rows()] == [*kept, after + 1]
    assert _shape() == shape
    if db.engine.dialect.name == "sqlite":
        assert "AUTOINCREMENT" not in _table_sql()


def test_the_counter_stays_above_the_rows_kept_when_the_audit_names_lower_ids(at_0031):
    citizen = _citizen()
    ids = [_cv(citizen, str(n)) for n in range(3)]
    _audit("cv_deleted", "cv 1: Forkert fil")  # below the rows kept
    upgrade(revision="0032")
    assert _cv(citizen, "Ny") == ids[-1] + 1


@pytest.mark.postgres
def test_on_postgresql_the_migration_changes_nothing(postgres_at_0031):
    """PostgreSQL's sequences never hand out an id twice: 0032 leaves the table as it is."""
    with db.engine.connect() as connection:
        before = connection.execute(sa.text("SELECT pg_get_serial_sequence('cv_document', 'id')")).scalar()
    shape = _shape()
    upgrade(revision="0032")
    with db.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT pg_get_serial_sequence('cv_document', 'id')")).scalar() == before
    assert _shape() == shape


def test_a_cv_deleted_by_the_app_leaves_its_id_unused(app):
    """The model (the schema the tests and db.create_all build) has AUTOINCREMENT too."""
    with app.app_context():
        citizen = Citizen(name="Borger", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                          readiness_group="paa_vej", case_start=date(2026, 1, 1))
        citizen.cv_documents.extend([CvDocument(text="Kok"), CvDocument(text="Forkert")])
        db.session.add(citizen)
        db.session.commit()
        top = citizen.cv_documents[-1]
        gone = top.id
        citizen.cv_documents.remove(top)
        db.session.commit()
        citizen.cv_documents.append(CvDocument(text="Rigtige"))
        db.session.commit()
        assert citizen.cv_documents[-1].id == gone + 1
