"""Hours are registered only for days that have begun (review AR 1).

A company could log the start month before the start day; the consultant then could not cancel a
placement that never happened, and the page hid why. Now no month is offered or accepted before
the start day (web, the month page and the API share :func:`portal.placements.service.allowed_months`),
the consultant's page says why a placement cannot be cancelled, hours found on a placement that
never started (older data) are named on the confirmation and removed with the cancellation
(audited), and the focus goal counts no hours of a placement not started by its day.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from portal.admin.audit_labels import purpose_label
from portal.extensions import db
from portal.placements import service
from portal.placements.forms import NO_MONTHS
from store.models import AuditEvent, HoursLog, Placement
from tests.api.api_fixtures import bearer, make_token
from tests.clock import travel
from tests.portal.dashboard_figures import focus_goal
from tests.portal.dashboard_fixtures import AS_OF, World
from tests.portal.test_placement_cancel import REASON, post_cancel, start, world  # noqa: F401 - the fixture

TODAY = date(2026, 11, 23)
START = "2026-11-28"  # five days ahead, in this month


@pytest.fixture
def today():
    with travel(TODAY):
        yield TODAY


def _hours(app, pid: int) -> list[tuple[date, Decimal]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(HoursLog.month, HoursLog.hours).where(HoursLog.placement_id == pid))]


def test_no_month_is_offered_or_accepted_before_the_start_day(app, client, auth, world, today):  # noqa: F811
    pid = start(client, auth, world, START)
    auth.switch_to(world["company"].email)
    detail = client.get(f"/forloeb/{pid}").get_data(as_text=True)
    assert 'data-testid="hours-form"' not in detail
    assert "Timer kan registreres fra startdagen, 28.11.2026." in detail
    refused = client.post(f"/forloeb/{pid}/timer", data={"month": "2026-11", "hours": "6",
                                                         "csrf_token": auth.csrf_token("/")})
    assert refused.status_code == 400 and _hours(app, pid) == []
    month_page = client.get("/forloeb/timer?maaned=2026-11").get_data(as_text=True)
    assert f'name="timer-{pid}"' not in month_page
    client.post("/forloeb/timer?maaned=2026-11", data={f"timer-{pid}": "6", f"vist-{pid}": "",
                                                       "csrf_token": auth.csrf_token("/forloeb/timer")})
    assert _hours(app, pid) == []
    with app.app_context():
        assert service.allowed_months(db.session.get(Placement, pid), TODAY) == []
    # the API: the same rule, refused with a clear problem
    raw = make_token(app, world["company"])
    item = client.get(f"/api/v1/placements/{pid}", headers=bearer(raw)).json
    assert item["loggable_months"] == [] and item["status"] != "cancelled"
    problem = client.put(f"/api/v1/placements/{pid}/hours", json={"month": "2026-11", "hours": 6}, headers=bearer(raw))
    assert problem.status_code == 422 and problem.json["errors"]["month"] == [NO_MONTHS]
    assert "fra startdagen" in NO_MONTHS and _hours(app, pid) == []


def test_from_the_start_day_the_start_month_is_offered(app, client, auth, world):  # noqa: F811
    with travel(TODAY):
        pid = start(client, auth, world, START)
    with travel(date(2026, 11, 28)):
        auth.switch_to(world["company"].email)
        with app.app_context():
            assert service.allowed_months(db.session.get(Placement, pid), date(2026, 11, 28)) == [date(2026, 11, 1)]
        assert f'name="timer-{pid}"' in client.get("/forloeb/timer?maaned=2026-11").get_data(as_text=True)
        saved = client.post(f"/forloeb/{pid}/timer", data={"month": "2026-11", "hours": "2,5",
                                                           "csrf_token": auth.csrf_token("/")})
        assert saved.status_code == 302 and _hours(app, pid) == [(date(2026, 11, 1), Decimal("2.5"))]


def test_a_started_placement_says_why_it_cannot_be_cancelled(client, auth, world, today):  # noqa: F811
    pid = start(client, auth, world, TODAY.isoformat())
    page = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    section = page.split('<h2 id="aflys">Aflys forløbet</h2>')[1].split("<h2")[0]
    assert 'data-testid="cancel-form"' not in section
    refusal = re.search(r'<p data-testid="cancel-refusal">([^<]+)</p>', section).group(1)
    assert unescape(refusal).startswith("Forløbet startede 23.11.2026 og kan ikke aflyses. Afslut det i stedet")


def test_hours_typed_before_the_start_are_named_and_removed_with_the_cancellation(app, client, auth, world, today):  # noqa: F811
    pid = start(client, auth, world, START)
    with app.app_context():  # typed before the rule (older data): the start month, before the start day
        db.session.add(HoursLog(placement_id=pid, month=date(2026, 11, 1), hours=Decimal("6")))
        db.session.commit()
    page = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    assert 'data-testid="cancel-form"' in page and 'data-testid="cancel-hours"' in page
    assert "før startdagen (6 timer i alt)" in page
    ask = post_cancel(client, auth, pid, confirmed=None).get_data(as_text=True)
    named = re.sub(r"\s+", " ", ask.split('data-testid="cancel-hours-removed"')[1].split("</div>")[0])
    assert "før det startede: november 2026: 6 timer." in named and "slettes med aflysningen" in named
    token = re.search(r'name="timer" value="([^"]*)"', ask).group(1)
    assert token == "2026-11=6.00" and _hours(app, pid) != []
    # confirmed without the hours it named (an old page, or other hours since): nothing happens
    refused = post_cancel(client, auth, pid)
    assert refused.status_code == 302
    assert "ikke dem, du bekræftede" in unescape(client.get(refused.headers["Location"]).get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Placement, pid).end_reason is None
    assert _hours(app, pid) == [(date(2026, 11, 1), Decimal("6"))]
    done = client.post(f"/forloeb/{pid}/aflys", data={"reason": REASON, "confirmed": "y", "timer": token,
                                                      "csrf_token": auth.csrf_token("/")})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Placement, pid).end_reason == "aflyst"
        removed = db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == "hours_removed")).all()
    assert _hours(app, pid) == [] and removed == [f"forloeb:{pid} 2026-11 6.00->removed"]
    assert purpose_label("hours_removed", removed[0]) == f"forløb {pid} november 2026 6,00 timer slettet"


def test_one_hour_typed_before_the_start_reads_1_time(app, client, auth, world, today):  # noqa: F811
    """Review BI 1: »(1 time i alt)«, not »1 timer«."""
    pid = start(client, auth, world, START)
    with app.app_context():
        db.session.add(HoursLog(placement_id=pid, month=date(2026, 11, 1), hours=Decimal("1")))
        db.session.commit()
    assert "før startdagen (1 time i alt)" in client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)


@pytest.mark.parametrize("start_day, counts", [(date(2026, 6, 20), False), (date(2026, 6, 10), True)])
def test_the_focus_goal_counts_no_hours_of_a_placement_not_started_by_its_day(app, start_day, counts):
    """120 småjob hours logged for June: they count on 15.06 only if the småjob had started then."""
    built = World(app)
    cid = built.citizen()
    built.placement(cid, "smaajob", start_day, hours={date(2026, 6, 1): "120"})
    assert AS_OF == date(2026, 6, 15)
    assert (built.metric(focus_goal).numerator == 1) is counts


def test_an_ended_placement_has_no_cancel_section(app, client, auth, world, today):  # noqa: F811
    pid = start(client, auth, world, "2026-11-02")
    client.post(f"/forloeb/{pid}/afslut", data={"end_date": "2026-11-20", "end_reason": "afbrudt",
                                                "csrf_token": auth.csrf_token("/")})
    with app.app_context():
        assert db.session.get(Placement, pid).end_reason == "afbrudt"
    page = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    assert 'id="aflys"' not in page and 'data-testid="cancel-refusal"' not in page
