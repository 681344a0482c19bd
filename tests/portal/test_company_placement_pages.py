"""A company's start page and /forloeb/ do not read its whole placement history (review AB 12):
the start page reads the running and planned placements (the rest are counted, one link away),
and /forloeb/ pages through every placement, 50 a page, running and planned first, with the
partner's results still of all of them."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.placements.service import PER_PAGE
from store.models import Citizen, HoursLog, Placement

pytestmark = pytest.mark.usefixtures("frozen_today")

ACTIVE = 2


@pytest.fixture
def partner(app, make_user):
    return make_user("company", code_of_care=True)


def add_history(app, company_id: int, ended: int) -> None:
    """``ended`` placements that ended long ago (each with an hour logged), beside the ACTIVE ones
    the first call adds (running since October, 10 hours logged each)."""
    with app.app_context():
        citizen = db.session.scalar(sa.select(Citizen)) or Citizen(
            name="Borger Historik", postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
            case_start=date(2020, 1, 5), hours_available=20)
        if citizen.id is None:
            for _ in range(ACTIVE):
                running = Placement(citizen=citizen, company_id=company_id, kind="smaajob",
                                    start_date=date(2026, 10, 1), weekly_hours=10)
                running.hours.append(HoursLog(month=date(2026, 10, 1), hours=Decimal(10)))
                db.session.add(running)
        base = db.session.scalar(sa.select(sa.func.count()).select_from(Placement))
        for n in range(ended):
            start = date(2021, 1, 1) + timedelta(days=base + n)
            done = Placement(citizen=citizen, company_id=company_id, kind="smaajob", start_date=start,
                             end_date=start + timedelta(days=20), end_reason="forloeb_slut", weekly_hours=5)
            done.hours.append(HoursLog(month=start.replace(day=1), hours=Decimal(1)))
            db.session.add(done)
        db.session.commit()


@contextmanager
def placements_loaded(app):
    """How many Placement rows the ORM builds inside the block (a list of their ids)."""
    loaded: list[int] = []

    def record(target, _context):
        loaded.append(target.id)

    sa.event.listen(Placement, "load", record)
    try:
        yield loaded
    finally:
        sa.event.remove(Placement, "load", record)


def _get(app, client, url: str) -> tuple[str, list[int]]:
    with app.app_context():
        db.session.expire_all()
    with placements_loaded(app) as loaded:
        response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True), loaded


def test_the_start_page_reads_the_running_placements_and_counts_the_rest(app, client, auth, partner):
    add_history(app, partner.company_id, 3)
    auth.login(partner.email)
    html, few = _get(app, client, "/")
    add_history(app, partner.company_id, 40)
    html, many = _get(app, client, "/")
    assert html.count('data-testid="start-placement-row"') == ACTIVE
    assert len(many) == len(few) <= ACTIVE + 2, (len(few), len(many))  # not the ended ones
    figures = dict((label, value) for value, label in re.findall(
        r'<p class="figure"[^>]*>([^<]+)</p><p><a href="/forloeb/">([^<]+)</a>', html))
    assert figures["forløb i alt"] == str(ACTIVE + 43)
    assert figures["igangværende eller planlagte forløb"] == str(ACTIVE)
    assert figures["timer registreret i alt"] == str(ACTIVE * 10 + 43)
    assert f'data-testid="all-placements">Alle {ACTIVE + 43} forløb, også de afsluttede</a>' in html


def test_forloeb_pages_through_the_whole_history_running_ones_first(app, client, auth, partner):
    add_history(app, partner.company_id, 60)
    total = ACTIVE + 60
    auth.login(partner.email)
    first, loaded = _get(app, client, "/forloeb/")
    rows = re.findall(r'data-testid="placement-row" data-placement-id="(\d+)"', first)
    assert len(rows) == PER_PAGE and len(set(loaded)) <= PER_PAGE
    statuses = re.findall(r'data-testid="placement-status">([^<]+)<', first)
    assert statuses[:ACTIVE] == ["Igangværende"] * ACTIVE and "Igangværende" not in statuses[ACTIVE:]
    assert f"Viser 1–{PER_PAGE} af {total} forløb · side 1 af 2." in first
    facts = dict(re.findall(r'<td data-testid="summary-([a-z-]+)">([^<]+)<', first))
    assert (facts["placements"], facts["active"], facts["ended"], facts["hours"]) == (
        str(total), str(ACTIVE), "60", str(ACTIVE * 10 + 60))  # of every placement, not the page's
    following = re.search(r'<a href="([^"]+)" rel="next">', first).group(1)
    assert following == "/forloeb/?side=2"
    second, _ = _get(app, client, following)
    more = re.findall(r'data-testid="placement-row" data-placement-id="(\d+)"', second)
    assert len(more) == total - PER_PAGE and not set(more) & set(rows)
    with app.app_context():
        every = {str(i) for i in db.session.scalars(sa.select(Placement.id))}
    assert set(rows) | set(more) == every
    assert re.findall(r'data-testid="placement-row" data-placement-id="(\d+)"',
                      client.get("/forloeb/?side=9").get_data(as_text=True)) == more  # past the end: the last page
    huge, _ = _get(app, client, "/forloeb/?side=99999999999999999999")  # no OFFSET overflow (review AH 2)
    assert re.findall(r'data-testid="placement-row" data-placement-id="(\d+)"', huge) == more


def test_the_months_hours_page_reads_that_months_hours_not_each_placements_history(app, client, auth, partner):
    add_history(app, partner.company_id, 0)
    with app.app_context():
        for placement in db.session.scalars(sa.select(Placement)):  # two years of hours before October
            placement.start_date = date(2024, 10, 1)
            placement.hours.extend(HoursLog(month=date(2024 + (10 + m) // 12, (9 + m) % 12 + 1, 1), hours=Decimal(5))
                                   for m in range(24))
        db.session.commit()
    auth.login(partner.email)
    loaded: list[int] = []

    def record(target, _context):
        loaded.append(target.id)

    sa.event.listen(HoursLog, "load", record)
    try:
        with app.app_context():
            db.session.expire_all()
        html = client.get("/forloeb/timer?maaned=2026-10").get_data(as_text=True)
    finally:
        sa.event.remove(HoursLog, "load", record)
    assert html.count('name="timer-') == ACTIVE
    assert re.findall(r'name="vist-\d+" value="([^"]*)"', html) == ["10.00"] * ACTIVE
    assert len(loaded) == ACTIVE, loaded  # October's row of each, not 25 each
