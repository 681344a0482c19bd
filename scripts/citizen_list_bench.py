"""Time the citizen list's query (``/borgere/``) at scale, in Danish order (review AV 10).

    python -m scripts.citizen_list_bench --citizens 10000 [--database sqlite|postgresql] [--repeats 7]

Builds a throw-away database (SQLite in a temporary folder, or a database on an embedded
PostgreSQL 18, see ``loadtest/postgres.py``) at the migrations' head, with ``--citizens``
open cases (Danish and foreign names from the demo's name lists, one in 50 with Æ/Ø/Å first,
four in five with a jobmål and a CV, a VK per 60 citizens, a team per 2,500), runs ``ANALYZE``
on PostgreSQL (as its autovacuum does; the portal never runs it on SQLite, so neither does the
bench there), and times :func:`portal.citizens.queries.list_citizens` as an administrator sees
the list (scope "Alle", every open case), in-process:

* ``first``: page 1; ``middle``: the page in the middle; ``last``: the last page;
* ``search``: page 1 of a name search (``q=han``: Hansen, Johansen, Johanne, ...);
* ``mine``: page 1 of one consultant's own caseload (60 citizens), for comparison;
* ``team``: page 1 of the administrator's team (»Team«, 2,500 citizens).

For each: the median wall time of the whole call (its four statements), of the page's own
statement (the one with ORDER BY ... LIMIT) and of the totals' count, after one warm-up call,
and the CPU time of this process (``list_cpu_ms``, ``page_statement_cpu_ms``, ``cpu_ms``:
SQLite's work included, as it runs in-process, so a busy machine barely changes them;
PostgreSQL's work is in its server, so there they are the client's share only).
Then, for the first and the middle page, the page statement alone four ways: ordered by the
Danish key (:func:`portal.citizens.danish_order.citizen_name_order`, what the list does, served
by the index ``ix_citizen_name_danish`` of migration 0037), by the same key with its letters as
bound parameters (how it was written before 0037: no index matches it on SQLite), by the plain
name (the byte order the list had before review AV 10), and by a stored sort key with an index
(a column ``bench_name_key`` filled with :func:`danish_order.sort_key` and indexed, added to the
bench database only: the alternative to 0037). The keyed orders must give the same rows. Prints
the plans of the list's page statement (first and middle page, »Mine«, »Team«, with the list's
parameters bound) and, last, one JSON line.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

SEARCH = "han"
CASELOAD = 60  # citizens per VK
TEAM_SIZE = 2_500  # citizens per team
CHUNK = 5_000


def _names(rng: random.Random, count: int) -> list[str]:
    from portal.demo import names

    firsts = names.FIRST_NAMES_F + names.FIRST_NAMES_M
    lasts = names.LAST_NAMES
    foreign = [(f + m, last) for f, m, last in names.FOREIGN_ORIGINS.values()]
    danish_first = ("Åse", "Ærle", "Øjvind", "Åge", "Ømer", "Émile")
    out = []
    for i in range(count):
        if i % 50 == 0:
            first = rng.choice(danish_first)
        elif i % 7 == 0:
            first = rng.choice(rng.choice(foreign)[0])
        else:
            first = rng.choice(firsts)
        last = rng.choice(rng.choice(foreign)[1]) if i % 7 == 0 else rng.choice(lasts)
        out.append(f"{first} {last}" if i % 3 else f"{first} {rng.choice(firsts)} {last}")
    return out


def _fill(count: int, seed: int) -> tuple[int, int]:
    """Insert the users and ``count`` citizens; return (an administrator's id, a VK's id)."""
    from portal.extensions import db
    from store.models import Citizen, CvDocument, JobGoal, Team, User

    rng = random.Random(seed)
    teams = [Team(name=f"Bench {i}") for i in range(max(1, count // TEAM_SIZE))]
    team = teams[0]
    admin = User(email="admin@bench.example", name="Admin Bench", role="admin", team=team)
    vks = [User(email=f"vk{i}@bench.example", name=f"VK {i}", role="consultant", team=team)
           for i in range(max(1, count // CASELOAD))]
    db.session.add_all([admin, *teams, *vks])
    db.session.commit()
    vk_ids = [vk.id for vk in vks]
    team_ids = [t.id for t in teams]
    names = _names(rng, count)
    for start in range(0, count, CHUNK):
        rows = [{"name": names[i], "postcode": "8722", "benefit_group": "kontanthjaelp", "hours_available": 15.0,
                 "readiness_group": "paa_vej", "case_start": date(2025, 3, 1), "languages": "dansk",
                 "vk_id": vk_ids[i % len(vk_ids)], "team_id": team_ids[i % len(team_ids)]}
                for i in range(start, min(start + CHUNK, count))]
        ids = db.session.scalars(sa.insert(Citizen).returning(Citizen.id, sort_by_parameter_order=True),
                                 rows).all()
        complete = [cid for n, cid in enumerate(ids) if (start + n) % 5]
        if complete:
            db.session.execute(sa.insert(JobGoal), [{"citizen_id": c, "title": "Lagermedarbejder", "position": 0}
                                                    for c in complete])
            db.session.execute(sa.insert(CvDocument), [{"citizen_id": c, "text": "Lager og truck.",
                                                        "content_type": "txt"} for c in complete])
        db.session.commit()
    return admin.id, vk_ids[0]


class _Clock:
    """Wall and CPU time (this process's) of each statement on the engine, by its SQL."""

    def __init__(self, engine):
        self.times: list[tuple[str, float, float]] = []
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_t0"] = time.perf_counter(), time.process_time()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        wall, cpu = conn.info.pop("bench_t0")
        self.times.append((statement, time.perf_counter() - wall, time.process_time() - cpu))


def _page_ms(times: list[tuple[str, float, float]], which: int = 1) -> float:
    return sum(t[which] for t in times if "ORDER BY" in t[0] and "LIMIT" in t[0]) * 1000


def _median_ms(run, repeats: int) -> dict:
    run()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return {"ms": round(statistics.median(wall), 2), "cpu_ms": round(statistics.median(cpu), 2)}


def _list_case(user, filters: dict, repeats: int, clock: _Clock) -> dict:
    from portal.citizens import queries
    from portal.extensions import db

    def run():
        result = queries.list_citizens(user, filters)
        db.session.expunge_all()
        return result

    run()
    totals, cpu, pages, pages_cpu, counts = [], [], [], [], []
    for _ in range(repeats):
        clock.times.clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = run()
        totals.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        pages.append(_page_ms(clock.times))
        pages_cpu.append(_page_ms(clock.times, 2))
        counts.append(sum(t[1] for t in clock.times if t[0].lstrip().startswith("SELECT count(")) * 1000)
    return {"page": filters["page"], "rows": len(result.page.items), "total": result.total,
            "list_ms": round(statistics.median(totals), 2), "list_cpu_ms": round(statistics.median(cpu), 2),
            "page_statement_ms": round(statistics.median(pages), 2),
            "page_statement_cpu_ms": round(statistics.median(pages_cpu), 2),
            "count_statement_ms": round(statistics.median(counts), 2)}


def _add_stored_key(dialect: str) -> None:
    """The stored, indexed sort key a migration could add (bench database only)."""
    from portal.citizens import danish_order
    from portal.extensions import db

    collate = ' COLLATE "C"' if dialect == "postgresql" else ""
    db.session.execute(sa.text("ALTER TABLE citizen ADD COLUMN bench_name_key VARCHAR(400)"))
    keys = [{"i": cid, "k": danish_order.sort_key(name)}
            for cid, name in db.session.execute(sa.text("SELECT id, name FROM citizen"))]
    db.session.execute(sa.text("UPDATE citizen SET bench_name_key = :k WHERE id = :i"), keys)
    db.session.execute(sa.text(f"CREATE INDEX ix_bench_name_key ON citizen (bench_name_key{collate}, name, id)"))
    db.session.commit()


def _key_with_parameters(dialect: str) -> sa.ColumnElement:
    """The Danish key as it was written before 0037: its letters bound as parameters."""
    from store.danish_key import REPLACEMENTS
    from store.models import Citizen

    postgresql = dialect == "postgresql"
    key = sa.func.lower(Citizen.name.collate("C") if postgresql else Citizen.name)
    for letter, replacement in REPLACEMENTS:
        key = sa.func.replace(sa.func.replace(key, letter, replacement), letter.upper(), replacement)
    return key


def _statements(user, page: int, dialect: str):
    """The list's page statement (filters "Alle", open cases) under the four orders."""
    from portal.citizens import danish_order, queries
    from store.models import Citizen

    filters = {"scope": "all", "q": "", "readiness": "", "benefit": "", "incomplete": False, "closed": False,
               "vk": None, "raadgiver": None, "begraenset": ""}
    base = (queries._filtered(user, filters).with_only_columns(Citizen.id, *queries._LIST_COLUMNS)
            .limit(queries.PER_PAGE).offset((page - 1) * queries.PER_PAGE))
    stored = sa.literal_column("citizen.bench_name_key")
    return {"danish_key": base.order_by(*danish_order.citizen_name_order()),
            "danish_key_as_parameters": base.order_by(_key_with_parameters(dialect), Citizen.name, Citizen.id),
            "plain_name": base.order_by(Citizen.name, Citizen.id),
            "stored_key_indexed": base.order_by(stored.collate("C") if dialect == "postgresql" else stored,
                                                Citizen.name, Citizen.id)}


def _plan(stmt, dialect: str) -> list[str]:
    """The plan of ``stmt`` as the list runs it: with its parameters bound, not written out."""
    from portal.extensions import db

    compiled = stmt.compile(db.engine)
    params = (tuple(compiled.params[name] for name in compiled.positiontup) if compiled.positional
              else compiled.params)
    return _explain(str(compiled), params, dialect)


def _explain(sql: str, params, dialect: str) -> list[str]:
    from portal.extensions import db

    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    rows = db.session.connection().exec_driver_sql(prefix + sql, params)
    return [" ".join(str(c) for c in row) for row in rows]


def _list_plan(user, filters: dict, dialect: str) -> list[str]:
    """The plan of the page statement :func:`list_citizens` runs for ``filters``, as it ran it."""
    from portal.citizens import queries
    from portal.extensions import db

    seen: list = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        queries.list_citizens(user, filters)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    db.session.expunge_all()
    statement, parameters = next((s, p) for s, p in seen if "ORDER BY" in s and "LIMIT" in s)
    return _explain(statement, parameters, dialect)


def measure(url: str, citizens: int, repeats: int, seed: int) -> dict:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.citizens import queries
    from portal.extensions import db
    from store.models import User

    folder = Path(tempfile.mkdtemp(prefix="jobbro-list-bench-app-"))
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(folder / "instance"), "DATABASE_URL": url,
                      "SECRET_KEY": "bench", "PSEUDONYM_KEY": "bench", "MATCHING_ENCODER": "hashing",
                      "MATCHING_BACKEND": "memory", "UPLOAD_FOLDER": str(folder / "uploads")})
    dialect = sa.engine.make_url(url).get_backend_name()
    result: dict = {"database": dialect, "citizens": citizens, "repeats": repeats}
    try:
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            admin_id, vk_id = _fill(citizens, seed)
            result["fill_s"] = round(time.perf_counter() - start, 1)
            if dialect == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("ANALYZE")
            clock = _Clock(db.engine)
            with app.test_request_context():
                admin, vk = db.session.get(User, admin_id), db.session.get(User, vk_id)
                pages = -(-citizens // queries.PER_PAGE)
                everyone = {"scope": "all", "q": "", "readiness": "", "benefit": "", "incomplete": False,
                            "closed": False, "vk": None, "raadgiver": None, "begraenset": "", "page": 1}
                result["list"] = {
                    "first": _list_case(admin, everyone, repeats, clock),
                    "middle": _list_case(admin, {**everyone, "page": pages // 2}, repeats, clock),
                    "last": _list_case(admin, {**everyone, "page": pages}, repeats, clock),
                    "search": _list_case(admin, {**everyone, "q": SEARCH}, repeats, clock),
                    "mine": _list_case(vk, {**everyone, "scope": "mine"}, repeats, clock),
                    "team": _list_case(admin, {**everyone, "scope": "team"}, repeats, clock),
                }
                plans = {"first": (admin, everyone), "middle": (admin, {**everyone, "page": pages // 2}),
                         "mine": (vk, {**everyone, "scope": "mine"}), "team": (admin, {**everyone, "scope": "team"})}
                result["plans"] = {}
                for label, (user, filters) in plans.items():
                    plan = _list_plan(user, filters, dialect)
                    result["plans"][label] = plan
                    print(f"-- plan of the list's page statement, {dialect}, {label}:")
                    print("\n".join(plan))
                _add_stored_key(dialect)
                if dialect == "postgresql":
                    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                        connection.exec_driver_sql("ANALYZE")
                orders: dict = {}
                for label, page in (("first", 1), ("middle", pages // 2)):
                    stmts = _statements(admin, page, dialect)
                    same = {name: db.session.execute(stmt).all() for name, stmt in stmts.items()}
                    assert same["danish_key"] == same["danish_key_as_parameters"] == same["stored_key_indexed"], \
                        "a keyed order differs from the list's"
                    orders[label] = {name: _median_ms(lambda s=stmt: db.session.execute(s).all(), repeats)
                                     for name, stmt in stmts.items()}
                    if label == "first":
                        for name, stmt in stmts.items():
                            print(f"-- plan, {dialect}, {name}, page 1:")
                            print("\n".join(_plan(stmt, dialect)))
                result["page_statement_by_order_ms"] = orders
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="jobbro-list-bench-"))
    try:
        with contextlib.ExitStack() as stack:
            if args.database == "postgresql":
                from loadtest.postgres import embedded_database

                url = stack.enter_context(embedded_database(folder / "pg", "jobbro_list_bench"))
            else:
                url = f"sqlite:///{folder / 'bench.sqlite'}"
            result = measure(url, args.citizens, args.repeats, args.seed)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
