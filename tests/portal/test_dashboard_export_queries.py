"""The goal pages' CSVs and lists read the database a fixed number of times, whatever their rows
(review AB 1, 2, 3): an export loads its rows once, never once per page of 50, and a page of a
list loads the records of its own rows only.

``frozen_today`` is 23 November 2026; the month asked for is November, in progress, so nothing is
frozen between the two measurements and both count today's rows.
"""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import Citizen, Company, Placement
from tests.sql_statements import statements

pytestmark = pytest.mark.usefixtures("frozen_today")

N = 120  # citizens: 2 pages of the half with an open case, 3 of the outcomes; 3 N: 4 and 8 pages
MONTH = "omfang=all&maaned=2026-11"
EXPORTS = [f"/maal/grundlag.csv?tal={figure}&{MONTH}" for figure in ("udfald", "besparelse", "varighed")] + [
    f"/maal/borgere.csv?maal={goal}&vis=alle&{MONTH}" for goal in ("fokus", "aktiv", "cv")]


def add_citizens(app, count: int, first: int) -> None:
    """``count`` citizens on benefit since 2024, every other one's case closed on 30 September
    2026, each with a placement that ended on 1 September 2026 in a job or broken off."""
    with app.app_context():
        companies = [Company(name=f"Virksomhed {first + i}", cvr=f"{30000000 + first + i}", postcode="8722")
                     for i in range(3)]
        db.session.add_all(companies)
        for i in range(first, first + count):
            citizen = Citizen(name=f"Borger {i:04d}", postcode="8722", benefit_group="kontanthjaelp",
                              readiness_group="paa_vej", case_start=date(2024, 1, 1),
                              case_closed=date(2026, 9, 30) if i % 2 else None)
            db.session.add(Placement(citizen=citizen, company=companies[i % 3], kind="smaajob",
                                     start_date=date(2026, 2, 1), end_date=date(2026, 9, 1),
                                     end_reason="ordinaert_job" if i % 3 else "afbrudt"))
        db.session.commit()


def measure(app, client, urls: list[str]) -> dict[str, tuple[int, int]]:
    """Per URL: (statements run, lines of the response)."""
    out = {}
    for url in urls:
        client.get(url)  # warm: the same request twice runs the same statements
        with statements(app) as seen:
            response = client.get(url)
        assert response.status_code == 200, url
        out[url] = (len(seen), response.get_data(as_text=True).count("\n"))
    return out


@contextmanager
def loaded(model):
    """Counts the ``model`` records the ORM builds inside the block (by class name)."""
    built: Counter[str] = Counter()

    def count(target, _context):
        built[type(target).__name__] += 1

    sa.event.listen(model, "load", count)
    try:
        yield built
    finally:
        sa.event.remove(model, "load", count)


def test_an_export_runs_the_same_statements_for_three_times_the_rows(app, client, auth, make_user):
    """Before review AB, each CSV was built page by page: per page of 50 one more load of every
    outcome (AB 1), of every savings citizen twice (AB 2), or one more sort of all ids (AB 3)."""
    add_citizens(app, N, 0)
    auth.login(make_user("admin").email)
    small = measure(app, client, EXPORTS)
    add_citizens(app, 2 * N, N)
    large = measure(app, client, EXPORTS)
    assert all(large[url][1] > small[url][1] + N / 2 for url in EXPORTS)  # the rows are there: pages more
    grown = {url: f"{small[url][0]} statements for N rows, {large[url][0]} for 3 N"
             for url in EXPORTS if large[url][0] != small[url][0]}
    assert not grown


@pytest.mark.parametrize(("url", "model"), [
    (f"/maal/grundlag?tal=udfald&{MONTH}&side=2", Placement),
    (f"/maal/grundlag?tal=besparelse&{MONTH}&side=2", Citizen),
])
def test_a_page_of_a_figures_list_loads_only_its_own_rows(app, client, auth, make_user, url, model):
    """Before review AB, a page of the outcomes loaded every placement behind the figure (with
    citizen and company) and a page of the savings every citizen in it, to show 50."""
    add_citizens(app, 3 * N, 0)
    auth.login(make_user("admin").email)
    with loaded(model) as built:
        response = client.get(url)
    assert response.status_code == 200 and response.get_data(as_text=True).count('data-testid="figure-row"') == 50
    assert 0 < built[model.__name__] <= 50  # the records of the page's own rows


# Tables a list of citizens by name or of closed cases does not read (review AB 9): they are the
# placements, hours, contacts and openings the dashboard's other figures are computed from.
OTHER_TABLES = ("FROM placement", "FROM hours_log", "FROM proposal", "FROM interview", "FROM opening")


@pytest.mark.parametrize("url", [f"/maal/borgere?maal=cv&vis=alle&{MONTH}", f"/maal/grundlag?tal=varighed&{MONTH}",
                                 f"/maal/borgere.csv?maal=cv&vis=alle&{MONTH}"])
def test_a_list_reads_only_the_tables_its_figure_needs(app, client, auth, make_user, url):
    """Before review AB 9, every list read the whole scope's placements, hours, contacts and openings."""
    add_citizens(app, 10, 0)
    auth.login(make_user("admin").email)
    client.get(url)
    with statements(app) as seen:
        assert client.get(url).status_code == 200
    assert not [s for s in seen if any(table in " ".join(s.split()) for table in OTHER_TABLES)]


@pytest.mark.parametrize("url", ["/maal/borgere?maal=cv&omfang=all", "/maal/grundlag?tal=varighed&omfang=all",
                                 "/maal/borgere?maal=fokus&omfang=all", "/maal/grundlag?tal=udfald&omfang=all"])
def test_a_month_first_shown_in_a_list_is_frozen_with_every_figure_in_full(app, client, auth, make_user, url):
    """October 2026, final on 23 November, is frozen by the first page that shows it: a list that
    reads fewer tables keeps the same figures and ids as the dashboard would."""
    from store.models import FigureSnapshot

    add_citizens(app, 12, 0)
    auth.login(make_user("admin").email)

    def kept() -> tuple[str, ...]:
        with app.app_context():
            return tuple(db.session.scalars(sa.select(FigureSnapshot.metrics).where(
                FigureSnapshot.month == date(2026, 10, 1)).order_by(FigureSnapshot.id)))

    assert client.get(url).status_code == 200
    from_list = kept()
    with app.app_context():
        db.session.execute(sa.delete(FigureSnapshot))
        db.session.commit()
    assert client.get("/maal/?omfang=all").status_code == 200
    assert len(from_list) == 1 and '"outcomes":{"hit":[' in from_list[0] and from_list == kept()
