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
from portal.placements import service
from store.models import AuditEvent, Citizen, HoursLog, Placement, User
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
