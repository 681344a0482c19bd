"""A company user posts an opening through the real form, finds it in the list and edits it."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from store.models import Opening, OutboxEvent
from store.clock import today
from tests.conftest import user_factory
from tests.e2e.helpers import settled
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e


def fill_opening_form(page, start: date) -> None:
    """A virksomhedspraktik with three standing seats in Tørring."""
    page.get_by_label("Type").select_option(label="Virksomhedspraktik")
    page.get_by_label("Titel").fill("Praktik på lageret")
    page.get_by_label("Beskrivelse").fill("Modtagelse af varer.\nPluk og pak.")
    page.get_by_label("Timer pr. uge, mindst").fill("10")
    page.get_by_label("Timer pr. uge, højst").fill("20")
    page.get_by_label("Postnummer for arbejdsstedet").fill("7160")
    page.get_by_label("Startdato").fill(start.isoformat())
    page.get_by_label("Varighed i uger").fill("8")
    page.get_by_label("B – almindelig bil").check()
    page.get_by_label("Sprogkrav").fill("dansk")
    page.get_by_label("Antal pladser").fill("3")


@pytest.fixture
def company_user(live_app, password_hash):
    return user_factory(live_app, password_hash)("company")


def test_company_creates_lists_and_edits_an_opening(page, live_app, company_user):
    login(page, company_user.email)
    page.get_by_test_id("start-page").wait_for()
    page.get_by_role("link", name="Opslag", exact=True).click()
    page.get_by_test_id("no-openings").wait_for()
    page.get_by_test_id("new-opening").click()

    start = today() + timedelta(days=14)
    fill_opening_form(page, start)
    page.get_by_role("button", name="Opret opslag").click()

    page.get_by_text("Opslaget »Praktik på lageret« er oprettet.").wait_for()
    settled(page)  # the facts table below the message is parsed whole
    assert page.get_by_test_id("opening-title").inner_text() == "Praktik på lageret"
    facts = page.get_by_test_id("opening-facts").inner_text()
    assert "7160 Tørring" in facts and start.strftime("%d.%m.%Y") in facts and "8 uger" in facts

    page.get_by_role("link", name="Alle opslag").click()
    row = page.get_by_test_id("opening-row").filter(has_text="Praktik på lageret")
    expect(row).to_contain_text("Virksomhedspraktik", use_inner_text=True)  # the row: maybe parsed in part
    expect(row).to_contain_text("Åben", use_inner_text=True)

    row.get_by_role("link", name="Praktik på lageret").click()
    page.get_by_role("link", name="Ret opslag").click()
    page.get_by_label("Timer pr. uge, mindst").fill("25")  # above the maximum: refused
    page.get_by_role("button", name="Gem ændringer").click()
    page.get_by_test_id("form-has-errors").wait_for()  # at the top: the fields may not be parsed yet
    expect(page.locator(".form-error-message").get_by_text(
        "Det højeste timetal skal være mindst det mindste timetal.")).to_be_visible()

    page.get_by_label("Timer pr. uge, mindst").fill("12,5")
    page.get_by_label("Titel").fill("Praktik på lager og i butik")
    page.get_by_role("button", name="Gem ændringer").click()
    page.get_by_text("Ændringerne i »Praktik på lager og i butik« er gemt.").wait_for()
    settled(page)
    assert "12,5–20 timer/uge" in page.get_by_test_id("opening-facts").inner_text()

    page.get_by_role("link", name="Alle opslag").click()
    page.get_by_test_id("opening-row").first.wait_for()
    settled(page)  # every row, not only those parsed so far
    assert page.get_by_test_id("opening-row").filter(has_text="Praktik på lager og i butik").count() == 1

    with live_app.app_context():
        opening = db.session.scalars(sa.select(Opening)).one()
        assert (opening.company_id, opening.capacity, opening.hours_min) == (company_user.company_id, 3, 12.5)
        assert db.session.scalar(sa.select(sa.func.count(OutboxEvent.id))) == 2
