"""The hours deadline (review AM 6): the 9th of the next month, moved to the next working day
when the 9th is a weekend day or a holiday, by the calendar the hotline counts with
(portal.workdays); every page and mail that states it reads portal.dates.hours_due."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import lxml.html
import pytest

from portal.dates import add_months, hours_due
from portal.extensions import db
from portal.hotline import sla
from portal import workdays
from store.models import Citizen, Company, HoursLog, Placement
from tests.clock import travel
from tests.conftest import AuthActions


@pytest.mark.parametrize("month, due", [
    (date(2026, 11, 1), date(2026, 12, 9)),   # ordinary: Wednesday the 9th
    (date(2026, 10, 15), date(2026, 11, 9)),  # any day of the month: Monday the 9th
    (date(2026, 12, 1), date(2027, 1, 11)),   # Saturday 09.01.2027 -> Monday 11.01.2027
    (date(2027, 4, 1), date(2027, 5, 10)),    # Sunday 09.05.2027 -> Monday
    (date(2027, 9, 1), date(2027, 10, 11)),   # Saturday 09.10.2027 -> Monday
    (date(2025, 5, 1), date(2025, 6, 10)),    # Monday 09.06.2025 is 2. pinsedag -> Tuesday
    (date(2024, 4, 1), date(2024, 5, 10)),    # Thursday 09.05.2024 is Kristi himmelfartsdag -> Friday
])
def test_hours_due(month, due):
    assert hours_due(month) == due


def test_the_deadline_is_the_9th_or_the_first_working_day_after_it():
    month = date(2024, 1, 1)
    while month < date(2041, 1, 1):
        ninth = add_months(month, 1).replace(day=9)
        due = hours_due(month)
        assert workdays.is_working_day(due)
        assert due == ninth if workdays.is_working_day(ninth) else (
            due > ninth and not any(workdays.is_working_day(ninth + timedelta(days=n)) for n in range((due - ninth).days)))
        month = add_months(month, 1)


def test_the_hotline_and_the_hours_deadline_share_one_calendar():
    assert sla.is_working_day is workdays.is_working_day
    assert sla.next_working_day is workdays.next_working_day
    assert sla.holidays is workdays.holidays


@pytest.fixture
def placement(app, make_user):
    """A company with a småjob running through December 2026, no hours logged."""
    user = make_user("company", email="frist@firma.dk")
    with app.app_context():
        company = db.session.get(Company, user.company_id)
        citizen = Citizen(name="Frist", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                          readiness_group="paa_vej", case_start=date(2025, 1, 1))
        found = Placement(citizen=citizen, company=company, kind="smaajob", start_date=date(2026, 10, 1),
                          weekly_hours=5)
        db.session.add_all([citizen, found])
        db.session.commit()
        return found.id


def _page(client, url: str, day: date) -> str:
    with travel(day):
        AuthActions(client).switch_to("frist@firma.dk")
        return " ".join(client.get(url).get_data(as_text=True).split())


def test_the_hours_pages_give_the_moved_deadline(app, client, placement):
    html = _page(client, "/forloeb/timer", date(2027, 1, 5))
    assert "Timer for december 2026" in html
    assert "Registrér timerne for december 2026 senest 11.01.2027; så tæller de med" in html
    assert "for december 2026 11.01.2027" in html  # the default rule names the same day
    assert "senest 11.01.2027" in _page(client, f"/forloeb/{placement}", date(2027, 1, 5))
    # Sunday the 10th and Monday the 11th: still December, still within the deadline
    for day in (date(2027, 1, 10), date(2027, 1, 11)):
        html = _page(client, "/forloeb/timer", day)
        assert "Timer for december 2026" in html and "senest 11.01.2027" in html
    html = _page(client, "/forloeb/timer?maaned=2026-12", date(2027, 1, 12))
    assert "Fristen for timerne for december 2026 var 11.01.2027." in html
    assert "står fast fra 12.01.2027" in html


def test_hours_saved_on_the_moved_deadline_are_in_time(app, client, placement):
    with travel(date(2027, 1, 11)):
        AuthActions(client).switch_to("frist@firma.dk")
        html = client.get("/forloeb/timer?maaned=2026-12").get_data(as_text=True)
        form = lxml.html.fromstring(html).xpath('//form[@data-testid="hours-month-form"]')[0]
        data = {i.name: i.value or "" for i in form.inputs if i.name}
        response = client.post("/forloeb/timer?maaned=2026-12", data={**data, f"timer-{placement}": "8"})
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "efter fristen" not in page
    with app.app_context():
        assert db.session.get(Placement, placement).hours[0].hours == Decimal("8")
        assert db.session.query(HoursLog).filter_by(placement_id=placement).one().month == date(2026, 12, 1)
