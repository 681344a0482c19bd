"""The consultant's candidate pages read what they show in a fixed number of queries: the open
openings with their companies, the ranking with the decided citizens' names (it was one query
per company and per decided citizen)."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from store.models import Company, Opening
from tests.portal import test_candidates


world = test_candidates.world  # the indexed opening and its citizens


def _add_openings(n: int, start: int) -> None:
    for i in range(start, start + n):
        company = Company(name=f"Virksomhed {i}", cvr=f"{10000000 + i}", postcode="8722")
        db.session.add(Opening(company=company, kind="smaajob", title=f"Lagerjob {i}", postcode="8722",
                               hours_min=5, hours_max=10, status="open"))
    db.session.commit()


def _queries_for_index(app, client) -> tuple[int, str]:
    seen = []
    with app.app_context():
        listen = lambda *args, **kw: seen.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listen)
        try:
            html = client.get("/kandidater/?alle=1").get_data(as_text=True)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listen)
    return len(seen), html


def test_the_open_openings_page_costs_the_same_queries_for_2_or_12_openings(app, client, auth, make_user):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    with app.app_context():
        _add_openings(2, 0)
    few, html = _queries_for_index(app, client)
    assert "Virksomhed 1" in html
    with app.app_context():
        _add_openings(10, 2)
    many, html = _queries_for_index(app, client)
    assert all(f"Virksomhed {i}" in html and f"Lagerjob {i}" in html for i in range(12))
    assert many == few


def _ranking_queries(app, client, opening_id: int) -> tuple[int, str]:
    seen = []
    with app.app_context():
        listen = lambda *args, **kw: seen.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listen)
        try:
            html = client.get(f"/kandidater/opslag/{opening_id}").get_data(as_text=True)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listen)
    return len(seen), html


def test_the_ranking_page_names_decided_citizens_without_a_query_each(app, client, auth, world):
    from store.models import Proposal
    _citizen = test_candidates._citizen

    auth.login(world["consultant"].email)

    def decide(names: list[str]) -> None:
        with app.app_context():
            citizens = [_citizen(n, "Lagermedarbejder", "Lager.", world["consultant"].id) for n in names]
            db.session.add_all(citizens)
            db.session.flush()
            db.session.add_all(Proposal(citizen_id=c.id, opening_id=world["opening_id"], status="rejected",
                                        decision_reason="Ikke nu") for c in citizens)
            db.session.commit()

    decide(["Frida Fravalgt"])
    _ranking_queries(app, client, world["opening_id"])  # the pairs scored and cached once
    few, html = _ranking_queries(app, client, world["opening_id"])
    assert "Frida Fravalgt" in html
    decide([f"Fravalgt {i}" for i in range(6)])
    many, html = _ranking_queries(app, client, world["opening_id"])
    assert all(f"Fravalgt {i}" in html for i in range(6))
    assert many == few


def test_the_ranking_writes_its_audit_event_last_so_no_writer_waits_for_the_page(app, client, auth, world):
    """On SQLite the first write of a transaction takes the database's write lock until the
    commit: the ranking's audit event is its only write, so it must come after every query
    (the rendering's included), right before the commit."""
    auth.login(world["consultant"].email)
    _ranking_queries(app, client, world["opening_id"])  # pairs scored and vectors cached once
    seen = []
    with app.app_context():
        listen = lambda *args, **kw: seen.append(args[2].lstrip().split(None, 1)[0].upper())  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listen)
        try:
            html = client.get(f"/kandidater/opslag/{world['opening_id']}").get_data(as_text=True)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert "Anna Lagerbæk" in html
    writes = [i for i, verb in enumerate(seen) if verb in ("INSERT", "UPDATE", "DELETE")]
    assert writes == [len(seen) - 1], seen
