"""The citizen list's page is read along ``ix_citizen_name_danish`` (migration 0037), not sorted
whole: the page statement the list runs, with its parameters as it binds them, planned on a
migrated database: the first page and a later one of »Alle«, and »Team« on PostgreSQL; »Mine«
reads a consultant's own citizens by the VK and adviser indexes, and SQLite a team's by its. On PostgreSQL a generic plan (a prepared statement
after a few runs) uses the index too: the key's letters are literals, not parameters."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.citizens import danish_order, queries
from portal.extensions import db
from store.models import Citizen, Team, User
from tests.portal.migration_helpers import DATABASES, database_url, migrated

INDEX = "ix_citizen_name_danish"
FILTERS = {"scope": "all", "q": "", "readiness": "", "benefit": "", "incomplete": False, "closed": False,
           "vk": None, "raadgiver": None, "begraenset": ""}
NAMES = ["Åse Ørsted", "Zahra Hosseini", "Ærlige Åberg", "anna Berg", "Øjvind Holm", "Émile Dupont", "Ole Hansen"]


@pytest.fixture(params=DATABASES)
def migrated_app(request, tmp_path):
    with migrated(database_url(request, tmp_path, "danish_index")) as app:
        team = Team(name="Team")
        vk = User(email="vk@jc.dk", name="VK", role="consultant", password_hash="x", team=team)
        admin = User(email="admin@jc.dk", name="Admin", role="admin", password_hash="x", team=team)
        db.session.add_all([vk, admin])
        db.session.commit()
        with db.engine.begin() as connection:
            connection.execute(sa.insert(Citizen), [
                {"name": name, "postcode": "8722", "benefit_group": "kontanthjaelp", "hours_available": 10,
                 "readiness_group": "paa_vej", "case_start": date(2026, 1, 1), "vk_id": vk.id if i % 2 else None,
                 "team_id": team.id} for i, name in enumerate(NAMES * 3)])
        yield app


def _page_statement(user_email: str, filters: dict) -> tuple[str, object, list[str]]:
    """The list's page statement (the one with ORDER BY ... LIMIT) as it went to the driver,
    its parameters and the names it listed."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        user = db.session.scalar(sa.select(User).where(User.email == user_email))
        listed = [c.name for c in queries.list_citizens(user, {**FILTERS, **filters}, per_page=3).page.items]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    statement, parameters = next((s, p) for s, p in seen if "ORDER BY" in s and "LIMIT" in s)
    return statement, parameters, listed


def _plan(statement: str, parameters) -> str:
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        return " | ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    connection.exec_driver_sql("SET LOCAL enable_sort = off")  # a few rows: the planner must prefer the index
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return " | ".join(connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())


def _reads_the_index(plan: str) -> bool:
    sqlite = db.engine.dialect.name == "sqlite"
    return (f"INDEX {INDEX}" in plan and "TEMP B-TREE" not in plan) if sqlite else (
        f"Scan using {INDEX}" in plan and "Sort" not in plan)


@pytest.mark.parametrize("filters", [{"page": 1}, {"page": 4}], ids=["first page", "later page"])
def test_the_list_pages_along_the_index(migrated_app, filters):
    with migrated_app.test_request_context():
        statement, parameters, listed = _page_statement("admin@jc.dk", filters)
        assert listed  # a page with citizens on it
        plan = _plan(statement, parameters)
        assert _reads_the_index(plan), plan


def test_team_pages_along_the_index_on_postgresql_and_by_team_on_sqlite(migrated_app):
    """»Team«: PostgreSQL, knowing how many citizens a team holds, reads the name index; SQLite
    (no statistics: the portal never runs ANALYZE) finds the team's citizens by ``team_id`` and
    sorts them, a cost of the team's size, not of every citizen."""
    with migrated_app.test_request_context():
        statement, parameters, listed = _page_statement("admin@jc.dk", {"page": 2, "scope": "team"})
        assert listed == sorted(NAMES * 3, key=lambda n: (danish_order.sort_key(n), n))[3:6]
        plan = _plan(statement, parameters)
        if db.engine.dialect.name == "sqlite":
            assert "ix_citizen_team_id" in plan, plan
        else:
            assert _reads_the_index(plan), plan


def test_mine_reads_the_consultants_citizens_by_vk_and_adviser(migrated_app):
    """A consultant's own caseload is found by the VK and adviser indexes and its few rows
    sorted (cheaper than walking every citizen along the name index); in the Danish order."""
    with migrated_app.test_request_context():
        statement, parameters, listed = _page_statement("vk@jc.dk", {"page": 1, "scope": "mine"})
        theirs = [name for i, name in enumerate(NAMES * 3) if i % 2]
        assert listed == sorted(theirs, key=lambda n: (danish_order.sort_key(n), n))[:3]
        if db.engine.dialect.name == "sqlite":
            plan = _plan(statement, parameters)
            assert "ix_citizen_vk_id" in plan and "ix_citizen_adviser_id" in plan, plan


@pytest.mark.postgres
@pytest.mark.parametrize("migrated_app", ["postgresql"], indirect=True)
def test_a_generic_plan_on_postgresql_uses_the_index_too(migrated_app):
    """A prepared statement's generic plan knows no parameter's value; with the letters as
    parameters the index, built on literals, would not serve it."""
    with migrated_app.test_request_context():
        statement, parameters, _ = _page_statement("admin@jc.dk", {"page": 2})
        names = list(parameters)
        numbered = statement
        for number, name in enumerate(names, start=1):
            numbered = numbered.replace(f"%({name})s", f"${number}")
        connection = db.session.connection()
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        connection.exec_driver_sql("SET LOCAL enable_sort = off")
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql(f"PREPARE list_page AS {numbered}")
        values = ", ".join(str(int(parameters[name])) for name in names)
        plan = " | ".join(connection.exec_driver_sql(f"EXPLAIN EXECUTE list_page({values})").scalars())
        connection.exec_driver_sql("DEALLOCATE list_page")
        assert _reads_the_index(plan), plan
