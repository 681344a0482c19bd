"""The consultant's list of open openings reads the companies with the openings: the number of
queries does not grow with the number of openings (it was one query per company)."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from store.models import Company, Opening


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
