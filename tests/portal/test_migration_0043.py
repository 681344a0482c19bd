"""Migration 0043: ``team.name_key`` and ``user.integration_name_key``, the names folded by the
portal's one fold (``store.models.citizens.external_id_key``) and unique (teams) or unique among
the active integrations, on SQLite and PostgreSQL. Names already alike under folding are renamed
(» (2)«, logged), so the upgrade never fails and no row is lost; the downgrade drops both."""
from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from store.models.citizens import external_id_key
from tests.portal.migration_helpers import DATABASES, database_url, migrated

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0043_folded_team_and_integration_names.py"


@pytest.fixture(params=DATABASES)
def at_0042(request, tmp_path):
    with migrated(database_url(request, tmp_path, "0043"), revision="0042") as app:
        yield app


TEAM = sa.table("team", sa.column("id", sa.Integer), sa.column("name", sa.String))
USER = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String), sa.column("name", sa.String),
                sa.column("role", sa.String), sa.column("active", sa.Boolean), sa.column("created_at", sa.DateTime))


def _team(name: str) -> int:
    """A team as the schema of 0042 stores it (a Core insert on the table as it was)."""
    with db.engine.begin() as connection:
        return connection.execute(sa.insert(TEAM).values(name=name).returning(TEAM.c.id)).scalar_one()


def _user(name: str, role: str = "integration", active: bool = True) -> int:
    with db.engine.begin() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(USER)).scalar_one()
        return connection.execute(sa.insert(USER).values(
            email=f"u{count}@integration.invalid", name=name, role=role, active=active,
            created_at=datetime(2026, 1, 1)).returning(USER.c.id)).scalar_one()


def _rows(sql: str) -> dict[int, tuple]:
    with db.engine.connect() as connection:
        return {row[0]: tuple(row[1:]) for row in connection.execute(sa.text(sql))}


def test_0043_renames_the_later_of_names_alike_folded_then_makes_them_unique(at_0042, capfd):
    syd = _team("Team Ø")
    same = _team("team ø")  # exact case differed: 0042 let both in
    third = _team(" TEAM  Ø ")
    taken_two = _team("Team Ø (2)")  # the first free number is taken: »(3)« and on
    other = _team("Team Straße")
    ss = _team("team strasse")  # ß folds to ss
    long_name = _team("x" * 120)
    long_again = _team("X" * 120)
    fagsystem = _user("Fagsystem")
    fagsystem_again = _user("FAGSYSTEM")
    inactive = _user("fagsystem", active=False)  # the index covers active integrations only
    person = _user("Fagsystem", role="consultant")  # people's names are not unique
    person_two = _user("fagsystem", role="consultant")

    upgrade(revision="0043")

    teams = _rows("SELECT id, name, name_key FROM team")
    assert teams == {
        syd: ("Team Ø", "team ø"),
        same: ("team ø (3)", "team ø (3)"),
        third: (" TEAM  Ø (4)", "team ø (4)"),
        taken_two: ("Team Ø (2)", "team ø (2)"),
        other: ("Team Straße", "team strasse"),
        ss: ("team strasse (2)", "team strasse (2)"),
        long_name: ("x" * 120, "x" * 120),
        long_again: ("X" * 116 + " (2)", "x" * 116 + " (2)"),
    }
    users = _rows('SELECT id, name, integration_name_key FROM "user"')
    assert users == {fagsystem: ("Fagsystem", "fagsystem"), fagsystem_again: ("FAGSYSTEM (2)", "fagsystem (2)"),
                     inactive: ("fagsystem", "fagsystem"), person: ("Fagsystem", None), person_two: ("fagsystem", None)}
    log = capfd.readouterr().err
    assert f"team {same} renamed from 'team ø' to 'team ø (3)'" in log
    assert f"integration {fagsystem_again} renamed from 'FAGSYSTEM' to 'FAGSYSTEM (2)'" in log
    assert log.count("renamed from") == 5

    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:  # the index holds now
        connection.execute(sa.text("INSERT INTO team (name, name_key) VALUES ('TEAM Ø', 'team ø')"))
    with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
        connection.execute(sa.text(
            "UPDATE \"user\" SET active = :on WHERE id = :id"), {"on": True, "id": inactive})
    with db.engine.begin() as connection:  # a second inactive one with the name is fine
        connection.execute(sa.text('UPDATE "user" SET active = :off WHERE id = :id'),
                           {"off": False, "id": fagsystem})
        connection.execute(sa.text('UPDATE "user" SET active = :on WHERE id = :id'), {"on": True, "id": inactive})


def test_0043_adds_in_place_and_goes_back_and_up_again(at_0042):
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as connection:
            before = dict(connection.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE tbl_name IN ('team', 'user') AND type = 'index'")).all())
    first = _team("Team Syd")
    _team("team syd")
    upgrade(revision="0043")
    indexes = {index["name"]: (index["column_names"], bool(index["unique"]))
               for table in ("team", "user") for index in sa.inspect(db.engine).get_indexes(table)}
    assert indexes["ix_team_name_key"] == (["name_key"], True)
    assert indexes["uq_user_integration_name_key"] == (["integration_name_key"], True)
    if db.engine.dialect.name == "sqlite":  # no table copy: the old indexes are there as they were
        with db.engine.connect() as connection:
            after = dict(connection.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE tbl_name IN ('team', 'user') AND type = 'index'")).all())
        assert {name: sql for name, sql in after.items() if name in before} == before
    db.session.remove()
    downgrade(revision="0042")
    assert "name_key" not in {c["name"] for c in sa.inspect(db.engine).get_columns("team")}
    assert "integration_name_key" not in {c["name"] for c in sa.inspect(db.engine).get_columns("user")}
    assert _rows("SELECT id, name FROM team")[first] == ("Team Syd",)  # the rename stays; no row lost
    assert sorted(name for name, in _rows("SELECT id, name FROM team").values()) == ["Team Syd", "team syd (2)"]
    upgrade(revision="0043")
    assert sorted(key for _, key in _rows("SELECT id, name, name_key FROM team").values()) == [
        "team syd", "team syd (2)"]


@pytest.mark.parametrize("name", ["Team Østjylland", "ＴＥＡＭ　ÅRHUS", "Straße  Nord", "A\u030angström", "ﬁskeri"])
def test_the_migrations_copy_of_the_fold_matches_the_portals(name):
    spec = importlib.util.spec_from_file_location("migration_0043", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module._fold(name) == external_id_key(name)
