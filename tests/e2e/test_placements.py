"""A company logs 12,5 hours for the current month of a placement and sees the totals."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from portal.extensions import db
from store.models import Citizen, Company, HoursLog, Opening, Placement
from store import clock
from portal.placements import monthly, service
from portal.placements.forms import month_label
from tests.conftest import user_factory
from tests.e2e.helpers import loaded, settled
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e

SECRET_NAME = "Hemmelig Forløbsborger"


@pytest.fixture
def placement(live_app, password_hash):
    """A company user and its placement (started last month, 10 hours logged then)."""
    company_user = user_factory(live_app, password_hash)("company")
    today = clock.today()
    last_month = service.add_months(service.month_start(today), -1)
    with live_app.app_context():
        company = db.session.get(Company, company_user.company_id)
        citizen = Citizen(name=SECRET_NAME, postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=today - timedelta(days=400))
        opening = Opening(company=company, kind="smaajob", title="Lagerhjælp", postcode="8722",
                          hours_min=1, hours_max=5, status="open")
        placement = Placement(citizen=citizen, company=company, opening=opening, kind="smaajob",
                              start_date=last_month, weekly_hours=5)
        db.session.add_all([citizen, opening, placement])
        db.session.flush()
        db.session.add(HoursLog(placement_id=placement.id, month=last_month, hours=Decimal(10)))
        db.session.commit()
        placement_id = placement.id
    return company_user, placement_id


def test_company_logs_hours_for_the_current_month(page, live_app, placement):
    company_user, placement_id = placement
    this_month = month_label(service.month_start(clock.today()))
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)

    login(page, company_user.email)
    page.get_by_role("link", name="Forløb", exact=True).click()
    row = page.locator(f'[data-testid="placement-row"][data-placement-id="{placement_id}"]')
    assert row.get_by_role("link").inner_text().startswith("Lagerhjælp, start ")  # not disclosed: no name
    assert row.get_by_test_id("hours-total").inner_text() == "10"
    row.get_by_role("link").click()

    page.get_by_label("Måned", exact=True).select_option(label=this_month)
    page.get_by_label("Timer i måneden").fill("12,5")
    page.get_by_role("button", name="Gem timer").click()
    page.get_by_text(f"Timer for {this_month} er gemt: 12,5 timer.").wait_for()
    assert page.get_by_test_id("hours-total").inner_text() == "22,5"
    assert page.get_by_test_id("hours-last-12").inner_text() == "22,5"
    settled(page)  # the whole page, before reading what it must not say
    assert SECRET_NAME not in page.content()

    page.get_by_role("link", name="← Alle forløb").click()
    row = page.locator(f'[data-testid="placement-row"][data-placement-id="{placement_id}"]')
    # the list shows the month companies are asked for: last month (10 hours) until the 10th,
    # then the current one (review AG 7)
    asked_last_month = monthly.default_month(clock.today()) != service.month_start(clock.today())
    assert row.get_by_test_id("hours-this-month").inner_text() == ("10" if asked_last_month else "12,5")
    assert row.get_by_test_id("hours-total").inner_text() == "22,5"
    loaded(page)  # the whole page and its scripts and files, before reading what must not be there
    assert SECRET_NAME not in page.content()
    assert console_errors == []
