"""No hours for a restricted citizen's placement (GDPR art. 18), by anyone, by any path.

While the citizen's processing is restricted nothing new is registered about the person: the
company's placement page and month page offer no input for the placement, a post sent anyway
(or from a page loaded before the restriction) is refused with why, the API answers 409, and
:func:`portal.placements.service.log_hours` itself refuses (the one guard). Nothing asks for
the hours meanwhile: no »mangler timer« count, reminder or staff list counts the placement.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.placements import followup, monthly, service
from store.models import AuditEvent, Citizen, HoursLog, Placement, User
from tests.api.api_fixtures import bearer, make_token
from tests.clock import travel

TODAY = date(2026, 11, 23)  # October's hours are asked for (due in November)
OCTOBER = date(2026, 10, 1)
GROUNDS = "ZQXGRUND"  # the citizen's grounds: never shown to the company
PAUSED = "Der registreres ikke timer for forløbet for nu"


@pytest.fixture(autouse=True)
def fixed_today():
    with travel(TODAY):
        yield TODAY


@pytest.fixture
def world(app, make_user):
    """Company A: a restricted citizen's running placement and an ordinary one, neither with October's hours."""
    company = make_user("company", email="a@firma.dk")
    consultant = make_user("consultant", email="vk@jc.dk")
    with app.app_context():
        held = Citizen(name="Begrænset Borger", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                       readiness_group="paa_vej", case_start=date(2025, 1, 1), vk_id=consultant.id)
        free = Citizen(name="Fri Borger", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                       readiness_group="paa_vej", case_start=date(2025, 1, 1), vk_id=consultant.id)
        restricted = Placement(citizen=held, company_id=company.company_id, kind="smaajob",
                               start_date=date(2026, 3, 2), weekly_hours=5)
        restricted.hours = [HoursLog(month=date(2026, 9, 1), hours=Decimal("20"))]
        ordinary = Placement(citizen=free, company_id=company.company_id, kind="smaajob",
                             start_date=date(2026, 3, 2), weekly_hours=5)
        db.session.add_all([restricted, ordinary])
        db.session.commit()
        return {"company": company, "consultant": consultant, "restricted": restricted.id,
                "ordinary": ordinary.id, "citizen": held.id}


def restrict(app, world, on: bool = True) -> None:
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).restricted = on
        db.session.commit()


def stored(app, placement_id: int, month: date = OCTOBER):
    with app.app_context():
        return db.session.scalar(sa.select(HoursLog.hours).where(HoursLog.placement_id == placement_id,
                                                                 HoursLog.month == month))


def test_log_hours_itself_refuses_whoever_calls_it(app, world):
    """The one guard: any caller (company page, month page, API, a consultant's code) is refused."""
    restrict(app, world)
    with app.test_request_context():
        placement = db.session.get(Placement, world["restricted"])
        user = db.session.get(User, world["consultant"].id)
        for expected in ({}, {"expected": None}):
            with pytest.raises(service.HoursPaused) as refused:
                service.log_hours(placement, OCTOBER, Decimal("7"), user, **expected)
            assert "begrænset" in str(refused.value) and GROUNDS not in str(refused.value)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action.in_(("hours_logged", "hours_updated")))) == 0
    assert stored(app, world["restricted"]) is None


def test_the_placement_page_offers_no_form_and_refuses_a_post(app, client, auth, world):
    auth.login("a@firma.dk")
    path = f"/forloeb/{world['restricted']}"
    token = auth.csrf_token(path)  # the page as loaded before the restriction: the form is there
    restrict(app, world)
    html = client.get(path).get_data(as_text=True)
    assert 'data-testid="hours-form"' not in html and 'data-testid="hours-paused"' in html
    assert PAUSED in html and "mangler" not in html and "?maaned=" not in html  # no »Ret« either
    response = client.post(f"{path}/timer", data={"csrf_token": token, "month": "2026-10", "hours": "7"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "er gemt" not in page and "Timerne er ikke gemt." in page and PAUSED in page
    assert stored(app, world["restricted"]) is None
    restrict(app, world, on=False)  # lifted: the form is back and saves
    assert 'data-testid="hours-form"' in client.get(path).get_data(as_text=True)
    client.post(f"{path}/timer", data={"csrf_token": token, "month": "2026-10", "hours": "7"})
    assert stored(app, world["restricted"]) == Decimal("7")


def test_the_month_page_shows_the_row_without_an_input_and_saves_none_for_it(app, client, auth, world):
    auth.login("a@firma.dk")
    token = auth.csrf_token("/forloeb/timer?maaned=2026-09")
    restrict(app, world)
    html = client.get("/forloeb/timer?maaned=2026-09").get_data(as_text=True)
    assert f'name="timer-{world["ordinary"]}"' in html and f'name="timer-{world["restricted"]}"' not in html
    assert 'data-testid="hours-paused"' in html and "20" in html  # September's figure stays shown
    # a page loaded before the restriction posts the row anyway: refused, nothing saved
    data = {"csrf_token": token, f"timer-{world['restricted']}": "7", f"vist-{world['restricted']}": "20.00",
            f"timer-{world['ordinary']}": "9", f"vist-{world['ordinary']}": ""}
    response = client.post("/forloeb/timer?maaned=2026-09", data=data)
    assert response.status_code == 400
    assert "Timerne er ikke gemt." in response.get_data(as_text=True)
    assert stored(app, world["restricted"], date(2026, 9, 1)) == Decimal("20")
    assert stored(app, world["ordinary"], date(2026, 9, 1)) is None
    # posted again from the page now shown (no input for the row): the other row saves
    del data[f"timer-{world['restricted']}"]
    assert client.post("/forloeb/timer?maaned=2026-09", data=data).status_code == 302
    assert stored(app, world["ordinary"], date(2026, 9, 1)) == Decimal("9")
    assert stored(app, world["restricted"], date(2026, 9, 1)) == Decimal("20")


def test_a_restriction_between_the_check_and_the_write_is_refused_on_the_month_page(app, world):
    """:func:`.monthly.save` meets the guard of log_hours itself: nothing of the page is saved."""
    with app.test_request_context():
        rows = monthly.month_rows(world["company"].company_id, OCTOBER, TODAY)
        assert not any(row.paused for row in rows)
        db.session.get(Citizen, world["citizen"]).restricted = True
        db.session.commit()
        user = db.session.get(User, world["company"].id)
        changes = {world["restricted"]: Decimal("7"), world["ordinary"]: Decimal("8")}
        assert monthly.save(rows, changes, OCTOBER, user) is None
        row = next(r for r in rows if r.placement.id == world["restricted"])
        assert row.paused and "Timerne er ikke gemt." in row.error
    assert stored(app, world["restricted"]) is None and stored(app, world["ordinary"]) is None


def test_the_api_answers_409_and_offers_no_month(app, client, world):
    headers = bearer(make_token(app, world["company"]))
    path = f"/api/v1/placements/{world['restricted']}"
    assert client.get(path, headers=headers).json["loggable_months"]
    restrict(app, world)
    assert client.get(path, headers=headers).json["loggable_months"] == []
    response = client.put(f"{path}/hours", json={"month": "2026-10", "hours": 7}, headers=headers)
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert "Timerne er ikke gemt." in response.json["detail"] and "begrænset" in response.json["detail"]
    assert stored(app, world["restricted"]) is None
    restrict(app, world, on=False)
    assert client.put(f"{path}/hours", json={"month": "2026-10", "hours": 7}, headers=headers).status_code == 200


def test_no_count_reminder_or_list_asks_for_a_restricted_placements_hours(app, client, auth, runner, world):
    company_id = world["company"].company_id
    with app.app_context():
        assert monthly.missing_hours(OCTOBER) == {company_id: 2}
    restrict(app, world)
    with app.app_context():
        assert monthly.missing_hours(OCTOBER) == {company_id: 1}
        assert all(c[company_id] <= 1 for c in monthly.missing_by_month(monthly.asked_months(TODAY)).values())
        consultant = db.session.get(User, world["consultant"].id)
        listed = followup.list_followups(consultant, "mine", TODAY, missing_hours=True)
        assert [row.placement.id for row in listed] == [world["ordinary"]]
    auth.login("a@firma.dk")
    assert "1 forløb mangler timer for oktober 2026" in client.get("/").get_data(as_text=True)
    with travel(date(2026, 11, 5)):
        result = runner.invoke(args=["hours-reminders"])
    assert result.exit_code == 0, result.output
    assert "2026-10: 1 placements without hours" in result.output


def test_the_consultants_placement_page_asks_for_no_hours_while_restricted(app, client, auth, world):
    auth.login("vk@jc.dk")
    assert 'data-testid="hours-missing"' in client.get(f"/forloeb/{world['restricted']}/konsulent").get_data(as_text=True)
    restrict(app, world)
    assert 'data-testid="hours-missing"' not in client.get(
        f"/forloeb/{world['restricted']}/konsulent").get_data(as_text=True)
