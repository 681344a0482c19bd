"""A month just ended is provisional until its hours are in (review L 3).

Companies register a month's hours until the 9th of the next month (the hours page defaults to
it, ``portal.dates.YOUNG_UNTIL_DAY``), so November's figures are computed from today's data on
1–9 December and said to be provisional, and frozen at the first view from 10 December.
"""
from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from portal.extensions import db
from store.models import FigureSnapshot, HoursLog
from tests.clock import travel
from tests.portal.dashboard_fixtures import World

LONG_CASE = date(2024, 1, 1)
NOVEMBER = date(2026, 11, 1)
PROVISIONAL = "Foreløbig: virksomhederne skal registrere timerne for november 2026 senest 09.12.2026."


@pytest.fixture
def world(app):
    return World(app)


def flat(html: str) -> str:
    return " ".join(html.split())


def focus_card(client, month: str = "2026-11") -> str:
    html = flat(client.get(f"/maal/?maaned={month}").get_data(as_text=True))
    # the card links both numbers to their lists (review T 4): the paragraph's text
    return re.sub(r"<[^>]+>", "", re.search(r'data-testid="count-focus">(.*?)</p>', html).group(1))


def goal_rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="goal-row" data-citizen-id="(\d+)"', html)]


def snapshots(app) -> list[tuple[date, date]]:
    """(month, day computed) of November's kept snapshots (the trend's earlier months are final)."""
    with app.app_context():
        return [(s.month, s.computed_at.date()) for s in db.session.query(FigureSnapshot).filter_by(month=NOVEMBER)]


def add_hours(app, placement_id: int, month: date, hours: str) -> None:
    with app.app_context():
        db.session.add(HoursLog(placement_id=placement_id, month=month, hours=Decimal(hours)))
        db.session.commit()


def short_of_hours(world) -> tuple[int, int]:
    """A citizen in November's focus population with 90 wage hours by October (10 short of the
    goal), and a småjob with no November hours yet; and one who meets the goal with løntilskud."""
    short = world.citizen(LONG_CASE, name="Henrik Timer")
    job = world.placement(short, "smaajob", date(2026, 1, 1), hours={date(2026, 10, 1): "90"})
    placed = world.citizen(LONG_CASE, name="Lise Løntilskud")
    world.placement(placed, "loentilskud", date(2026, 2, 1))
    return short, job


@pytest.mark.parametrize("today, final", [
    (date(2026, 12, 1), False), (date(2026, 12, 5), False), (date(2026, 12, 9), False),
    (date(2026, 12, 10), True), (date(2026, 12, 31), True), (date(2027, 1, 9), True)])
def test_november_is_final_from_the_10th_of_december(today, final):
    from portal.dashboard.snapshots import is_final, provisional_until

    assert is_final(NOVEMBER, today) is final
    assert provisional_until(date(2026, 11, 30), today) == (None if final else date(2026, 12, 9))
    assert provisional_until(date(2026, 12, 1), date(2026, 12, 5)) is None  # the month in progress: partial


def test_the_deadline_is_the_hours_pages_day():
    """One function (portal.dates.hours_due): the hours page defaults to last month up to its
    deadline, and the month is frozen from the day after, also when the deadline moves off a
    weekend or holiday (December 2026: Saturday 9 January 2027 -> Monday 11 January)."""
    from datetime import timedelta

    from portal.dashboard import snapshots
    from portal.placements import monthly

    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        last = date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)
        asked_last = monthly.default_month(day) == last
        assert asked_last is not snapshots.is_final(last, day), day
        day += timedelta(days=1)
    december = date(2026, 12, 1)
    assert monthly.default_month(date(2027, 1, 11)) == december and not snapshots.is_final(december, date(2027, 1, 11))
    assert monthly.default_month(date(2027, 1, 12)) == date(2027, 1, 1) and snapshots.is_final(december, date(2027, 1, 12))
    assert snapshots.provisional_until(december, date(2027, 1, 10)) == date(2027, 1, 11)


def test_on_the_5th_of_december_november_is_provisional_and_counts_hours_registered_today(
        app, client, auth, make_user, world):
    short, job = short_of_hours(world)
    with travel(date(2026, 12, 5)):
        auth.login(make_user("consultant").email)
        html = flat(client.get("/maal/").get_data(as_text=True))  # the default month: November
        assert "nøgletal for november 2026 for hele jobcentret, opgjort pr. 30.11.2026 (foreløbige tal)." in html
        note = html.split('data-testid="provisional-month">')[1].split("</div>")[0]
        assert PROVISIONAL in note and "derefter står de fast" in note
        assert "besparelsen nederst regnes altid ud fra dagens data" in note  # review N 7, the page too
        assert 'data-testid="savings-live"' in html
        assert 'data-testid="frozen-note"' not in html and "står fast, også hvis" not in html
        assert ('<option selected value="2026-11">november 2026 (foreløbig – timerne skal registreres senest '
                '09.12.2026)</option>') in html
        assert focus_card(client) == "1 af 2"
        listed = flat(client.get("/maal/borgere?maal=fokus&omfang=all&maaned=2026-11").get_data(as_text=True))
        assert PROVISIONAL in listed.split('data-testid="provisional-note">')[1].split("</div>")[0]
        assert "står fast:" not in listed and 'data-testid="basis-note"' not in listed
        assert goal_rows(listed) == [short]
        for figure in ("udfald", "besparelse"):  # the lists behind the other figures say the same
            rows = flat(client.get(f"/maal/grundlag?tal={figure}&omfang=all&maaned=2026-11").get_data(as_text=True))
            assert PROVISIONAL in rows and "står fast:" not in rows
        assert snapshots(app) == []  # nothing kept while the hours may still come in

        add_hours(app, job, NOVEMBER, "24")  # the company registers November's hours today
        assert focus_card(client) == "2 af 2"
        listed = client.get("/maal/borgere?maal=fokus&omfang=all&maaned=2026-11").get_data(as_text=True)
        assert goal_rows(listed) == []
        export = client.get("/maal/eksport.csv?maaned=2026-11").get_data(as_text=True)
        assert "Måned;november 2026 (foreløbig – timerne skal registreres senest 09.12.2026)" in export
        assert snapshots(app) == []


def test_on_the_10th_november_is_frozen_and_stays(app, client, auth, make_user, world):
    short, job = short_of_hours(world)
    with travel(date(2026, 12, 10)):
        auth.login(make_user("consultant").email)
        html = flat(client.get("/maal/?maaned=2026-11").get_data(as_text=True))
        assert "Tallene for november 2026 blev opgjort 10.12.2026 og står fast" in html
        assert 'data-testid="provisional-month"' not in html and "Foreløbig" not in html
        assert "nøgletal for november 2026 for hele jobcentret, opgjort pr. 30.11.2026." in html
        assert focus_card(client) == "1 af 2"
        assert snapshots(app) == [(NOVEMBER, date(2026, 12, 10))]
        add_hours(app, job, NOVEMBER, "24")  # too late: the month is reported
        assert focus_card(client) == "1 af 2"
        listed = flat(client.get("/maal/borgere?maal=fokus&omfang=all&maaned=2026-11").get_data(as_text=True))
        assert "Tallet for november 2026 blev opgjort 10.12.2026 og står fast" in listed
        assert 'data-testid="provisional-note"' not in listed and goal_rows(listed) == [short]
        export = client.get("/maal/eksport.csv?maaned=2026-11").get_data(as_text=True)
        assert "Måned;november 2026\r\n" in export


def test_a_snapshot_kept_on_the_1st_is_dropped_and_november_frozen_anew_on_the_10th(
        app, client, auth, make_user, world):
    """The rule before froze November at the first view from 1 December: that snapshot never
    shows; the month is computed from today's data until the 10th and kept then."""
    from portal.dashboard.metrics import Metric

    _short, job = short_of_hours(world)
    early = Metric("focus", "Fokusmål", 0.0, "share", "d", numerator=0, denominator=2, target=0.7)
    with app.app_context():
        db.session.add(FigureSnapshot(month=NOVEMBER, scope="all", computed_at=datetime(2026, 12, 1, 9, tzinfo=timezone.utc),
                                      metrics=json.dumps({"metrics": [dataclasses.asdict(early)], "ids": None})))
        db.session.commit()
    with travel(date(2026, 12, 5)):
        auth.login(make_user("consultant").email)
        assert focus_card(client) == "1 af 2"  # today's data, not the early 0 af 2
        assert snapshots(app) == []
    add_hours(app, job, NOVEMBER, "24")
    with travel(date(2026, 12, 10)):
        auth.login(make_user("consultant").email)
        assert focus_card(client) == "2 af 2"
        assert snapshots(app) == [(NOVEMBER, date(2026, 12, 10))]


def test_a_provisional_month_cannot_be_recomputed(app, client, auth, make_user, world):
    """Nothing is frozen before the 10th: the administrator's button is not offered, a post is 400."""
    with travel(date(2026, 12, 5)):
        auth.login(make_user("admin").email)
        html = client.get("/maal/?maaned=2026-11").get_data(as_text=True)
        assert 'data-testid="recompute-form"' not in html
        token = auth.csrf_token("/maal/?maaned=2026-10")  # October is final: its form is offered
        response = client.post("/maal/genberegn", data={"maaned": "2026-11", "omfang": "all", "csrf_token": token})
        assert response.status_code == 400
        response = client.post("/maal/genberegn", data={"maaned": "2026-10", "omfang": "all", "csrf_token": token})
        assert response.status_code == 302
