"""store.database.column_rows: a SELECT of columns on the session's connection, without the
ORM's loading, reads what session.execute reads, pending changes included."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from store.database import column_rows
from store.models import Citizen


def _citizen(name):
    return Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", hours_available=12.5,
                   readiness_group="paa_vej", case_start=date(2025, 6, 1))


def test_column_rows_reads_what_session_execute_reads_pending_changes_included(app):
    with app.app_context():
        db.session.add(_citizen("Gemt Borger"))
        db.session.commit()
        db.session.add(_citizen("Ikke flushet"))  # pending: autoflush writes it first
        statement = (sa.select(Citizen.id, Citizen.name, Citizen.benefit_group, Citizen.case_start)
                     .order_by(Citizen.id))
        rows = column_rows(db.session, statement).all()
        assert [tuple(r) for r in rows] == [tuple(r) for r in db.session.execute(statement)]
        assert [r.name for r in rows] == ["Gemt Borger", "Ikke flushet"]
        assert rows[0].case_start == date(2025, 6, 1)  # the column types still convert
        db.session.rollback()


def test_column_rows_leaves_pending_changes_alone_inside_no_autoflush(app):
    with app.app_context():
        db.session.add(_citizen("Gemt Borger"))
        db.session.commit()
        with db.session.no_autoflush:
            db.session.add(_citizen("Ikke flushet"))
            names = [r.name for r in column_rows(db.session, sa.select(Citizen.name))]
        assert names == ["Gemt Borger"]
        db.session.rollback()
