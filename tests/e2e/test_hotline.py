"""A company files an urgent hotline request; its VK sees it and replies; the company reads the reply."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
import sqlalchemy as sa

from portal.extensions import db
from store.models import Citizen, Company, HotlineRequest, Opening, Placement
from tests.conftest import user_factory
from tests.e2e.helpers import settled
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e

SUBJECT = "Mødte ikke op i morges"
REPLY = "Jeg ringer til borgeren nu og vender tilbage inden frokost."


@pytest.fixture
def people(live_app, password_hash):
    """A company user with one active placement whose citizen has ``vk`` as VK."""
    make = user_factory(live_app, password_hash)
    company_user, vk = make("company"), make("consultant")
    with live_app.app_context():
        company = db.session.get(Company, company_user.company_id)
        citizen = Citizen(name="Hemmelig Borgersen", postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=date(2025, 1, 1),
                          vk_id=vk.id)
        opening = Opening(company=company, kind="smaajob", title="Lagerhjælp", postcode="8722",
                          hours_min=1, hours_max=5, status="open")
        placement = Placement(citizen=citizen, company=company, opening=opening, kind="smaajob",
                              start_date=date(2026, 1, 1), weekly_hours=5)
        db.session.add_all([citizen, opening, placement])
        db.session.commit()
        placement_id = placement.id
    return company_user, vk, placement_id


def logout(page) -> None:
    page.get_by_role("button", name="Log ud").click()
    page.get_by_role("heading", name="Log ind").wait_for()


def test_urgent_request_is_answered_by_the_vk(page, live_app, people):
    company_user, vk, placement_id = people

    login(page, company_user.email)
    page.get_by_role("link", name="Hotline", exact=True).click()
    page.get_by_test_id("no-requests").wait_for()
    page.get_by_test_id("new-request").click()
    page.get_by_label("Emne").wait_for()
    settled(page)  # the whole form: a page just committed holds nothing, secret or not
    assert "Hemmelig" not in page.content()
    page.get_by_label("Hvad drejer det sig om?").select_option(label="Fravær")
    page.get_by_label("Hvor haster det?").select_option(label="Akut – samme arbejdsdag")
    page.get_by_label("Forløb (valgfrit)").select_option(value=str(placement_id))
    page.get_by_label("Emne").fill(SUBJECT)
    page.get_by_label("Beskriv situationen").fill("Hun er ikke mødt og svarer ikke telefonen.")
    page.get_by_role("button", name="Send henvendelse").click()
    page.get_by_text("Henvendelsen er sendt.").wait_for()
    assert page.get_by_test_id("request-subject").inner_text() == SUBJECT
    logout(page)

    login(page, vk.email)
    page.get_by_test_id("start-page").wait_for()
    settled(page)  # the start page's heading is there before its lists
    assert SUBJECT in page.content()  # the start page lists it at once
    page.get_by_role("link", name="Hotline", exact=True).click()
    row = page.get_by_test_id("hotline-row").filter(has_text=SUBJECT)
    expect(row).to_contain_text("Akut", use_inner_text=True)  # the row: maybe parsed in part
    expect(row).to_contain_text("Ny", use_inner_text=True)
    row.get_by_role("link", name=SUBJECT).click()
    page.get_by_label("Besked").fill(REPLY)
    page.get_by_role("button", name="Send svar").click()
    page.get_by_text("Beskeden er sendt.").wait_for()
    expect(page.get_by_test_id("request-facts")).to_contain_text("Besvaret", use_inner_text=True)
    logout(page)

    login(page, company_user.email)
    page.get_by_role("link", name="Hotline", exact=True).click()
    row = page.get_by_test_id("hotline-row").filter(has_text=SUBJECT)
    expect(row).to_contain_text("før fristen", use_inner_text=True)  # office time to the target
    row.get_by_role("link", name=SUBJECT).click()
    assert page.get_by_test_id("message").nth(1).inner_text().endswith(REPLY)
    settled(page)
    assert "Hemmelig" not in page.content()
    # closing asks first: the first click only opens the confirmation with the consequence
    page.get_by_test_id("close-confirm").locator("summary").click()
    assert "kan ikke åbnes igen" in page.get_by_test_id("close-confirm").inner_text()
    with live_app.app_context():
        assert db.session.scalar(sa.select(HotlineRequest)).status != "closed"
    page.get_by_role("button", name="Ja, luk henvendelsen").click()
    page.get_by_test_id("closed-note").wait_for()

    with live_app.app_context():
        request = db.session.scalar(sa.select(HotlineRequest))
        assert request.assigned_to_id == vk.id and request.status == "closed"
        assert request.first_response_at is not None
