"""After an erasure nothing points at another person: ids are never reused, and an erased
case-system id is not created again by the next sync (review A, items 2 and 3)."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from portal import create_app
from portal.extensions import db
from portal.imports import service as imports
from portal.imports.citizens import validate_citizen
from portal.privacy.blocklist import external_id_hash, forget_erasure, was_erased
from portal.privacy.erasure import erase_citizen
from store.models import AuditEvent, Citizen, Company, Opening, Placement, Proposal
from store.models.citizens import ErasedExternalId

ROW = {"name": "Sofie Andersen", "benefit_group": "kontanthjaelp", "hours_available": "12", "postcode": "8722",
       "languages": "dansk", "readiness_group": "i_gang", "case_start": "2026-01-05", "job_goals": ["Kok"]}


def _citizen(name: str = "Anna", external_id: str | None = None) -> Citizen:
    citizen = Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                      readiness_group="paa_vej", case_start=date(2026, 1, 1), external_id=external_id)
    db.session.add(citizen)
    db.session.flush()
    return citizen


def _citizen_id(name: str) -> int:
    """A citizen inserted with the columns an old schema has (a Core insert: the columns added
    later, e.g. 0024's case_close_reason, have no default and are left out)."""
    return db.session.execute(sa.insert(Citizen).values(
        name=name, postcode="8722", benefit_group="kontanthjaelp", hours_available=10, readiness_group="paa_vej",
        case_start=date(2026, 1, 1)).returning(Citizen.id)).scalar_one()


def _erase(app, citizen_id: int) -> None:
    assert erase_citizen(db.session, citizen_id, purpose="test")
    db.session.commit()


def test_an_erased_citizens_ids_are_never_given_to_the_next_rows(app):
    with app.app_context():
        company = Company(name="Firma", cvr="11112222", postcode="8722")
        opening = Opening(company=company, kind="smaajob", title="Lager", postcode="8722", hours_min=5,
                          hours_max=10, status="open")
        _citizen("Bo")
        gone = _citizen("Anna")  # the highest id: the one SQLite without AUTOINCREMENT hands out again
        proposal = Proposal(citizen=gone, opening=opening, score=0.5)
        placement = Placement(citizen=gone, opening=opening, company=company, kind="smaajob",
                              start_date=date(2026, 1, 5))
        db.session.add_all([proposal, placement])
        db.session.commit()
        old = {"citizen": gone.id, "proposal": proposal.id, "placement": placement.id}
        _erase(app, gone.id)

        new = _citizen("Carl")
        db.session.add_all([Proposal(citizen=new, opening=opening, score=0.5),
                            Placement(citizen=new, opening=opening, company=company, kind="smaajob",
                                      start_date=date(2026, 1, 5))])
        db.session.commit()
        assert new.id > old["citizen"]
        assert db.session.scalar(sa.select(Proposal.id).where(Proposal.citizen_id == new.id)) > old["proposal"]
        assert db.session.scalar(sa.select(Placement.id).where(Placement.citizen_id == new.id)) > old["placement"]


@pytest.fixture
def migrated(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite'}", "SECRET_KEY": "t",
                      "PSEUDONYM_KEY": "p", "INSTANCE_PATH": str(tmp_path / "instance"),
                      "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_migration_0015_stops_sqlite_reusing_ids_even_those_erased_before_it(migrated):
    upgrade(revision="0014")
    _citizen_id("Bo")
    top = _citizen_id("Anna")
    db.session.add(AuditEvent(action="citizen_erased", citizen_id=top + 5))  # erased before 0015
    db.session.commit()
    upgrade(revision="0015")
    tables = dict(db.session.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
    for table in ("citizen", "proposal", "placement", "interview"):
        assert "AUTOINCREMENT" in tables[table], table
    assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 2  # the rows were copied
    after = _citizen_id("Carl")
    assert after == top + 6
    db.session.commit()
    upgrade()  # erase with today's code on today's schema (0024 copies citizen and keeps its counter)
    _erase(migrated, after)
    assert _citizen("Dorte").id == top + 7


def test_an_erased_external_id_is_kept_as_a_keyed_hash_and_refused_until_the_block_is_lifted(app):
    with app.app_context():
        citizen = _citizen(external_id="SAG-17")
        db.session.commit()
        _erase(app, citizen.id)
        stored = db.session.scalars(sa.select(ErasedExternalId.key_hash)).all()
        assert stored == [external_id_hash("sag-17")] and "SAG-17" not in stored[0]  # the folded id (0035)
        assert external_id_hash("SAG-17", key="another key") != stored[0]
        assert was_erased(db.session, "SAG-17") and was_erased(db.session, "sag-17")
        assert not was_erased(db.session, "SAG-18")

        record = validate_citizen(dict(ROW, external_id="SAG-17"))
        with pytest.raises(imports.ErasedRecord, match="art. 17"):
            imports.upsert_citizen(db.session, record, actor=None)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count(Citizen.id))) == 0

        assert forget_erasure(db.session, "SAG-17")
        db.session.commit()
        assert not forget_erasure(db.session, "SAG-17")
        assert imports.upsert_citizen(db.session, record, actor=None).status == "created"
        assert db.session.scalar(sa.select(AuditEvent.action).where(
            AuditEvent.action == "erasure_block_lifted")) == "erasure_block_lifted"


def test_an_anonymised_external_id_is_refused_with_the_anonymisation_reason(app):
    """Retention drops the id as erasure does; the import says which of the two happened."""
    from portal.privacy.blocklist import block_external_id

    with app.app_context():
        citizen = _citizen(external_id="SAG-99")
        block_external_id(db.session, citizen, "anonymised")
        db.session.commit()
        record = validate_citizen(dict(ROW, external_id="SAG-99"))
        with pytest.raises(imports.ErasedRecord, match="er anonymiseret") as refused:
            imports.upsert_citizen(db.session, record, actor=None)
        assert "art. 17" not in str(refused.value)


def test_the_refusal_names_the_column_as_the_import_report_does(app):
    """Review BE 3: the report's column is »Eksternt id«, as every other error names it."""
    with app.app_context():
        citizen = _citizen(external_id="SAG-98")
        from portal.privacy.blocklist import block_external_id

        block_external_id(db.session, citizen, "erased")
        db.session.commit()
        with pytest.raises(imports.ErasedRecord) as refused:
            imports.upsert_citizen(db.session, validate_citizen(dict(ROW, external_id="sag-98")), actor=None)
        assert refused.value.column == "Eksternt id"
