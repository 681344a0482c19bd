"""At phone width (390 px) list tables scroll inside their own box; the page never scrolls sideways.

A reviewer found every list table pushing the whole page wider than the screen (the hours inputs
half off-screen). ``jobbro.js`` wraps each ``table.table`` in a ``.table--responsive-scroll`` box,
a focusable, named region when its table scrolls (and only then: a fitting table is no extra Tab
stop); ``jobbro.css`` keeps the header and the rest within the width.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.placements import monthly
from store.models import Citizen, Company, HoursLog, Opening, Placement
from store.clock import today
from tests.conftest import user_factory
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 800}


def wide_company(live_app, password_hash, *, code_of_care: bool = False) -> tuple:
    """A company with wide rows (a long name, long opening titles) and three placements with
    hours in the default month; returns the company user and the placement ids."""
    user = user_factory(live_app, password_hash)("company", code_of_care=code_of_care)
    month = monthly.default_month(today())
    with live_app.app_context():
        company = db.session.get(Company, user.company_id)
        company.name = "Jakobsen Fragt & Lager ApS med et temmelig langt firmanavn"
        citizen = Citizen(name="Bredde Borger", postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=30, readiness_group="paa_vej",
                          case_start=month - timedelta(days=400))
        ids = []
        for n, kind in enumerate(("smaajob", "virksomhedspraktik", "loentilskud")):
            opening = Opening(company=company, kind=kind, postcode="8722", hours_min=1, hours_max=30,
                              title=f"Lagermedarbejder til varemodtagelse og pluk nummer {n}",
                              status="open", start_date=today() + timedelta(days=30), capacity=2)
            placement = Placement(citizen=citizen, company=company, opening=opening, kind=kind,
                                  start_date=month, weekly_hours=10)
            db.session.add_all([opening, placement])
            db.session.flush()
            db.session.add(HoursLog(placement_id=placement.id, month=month, hours=Decimal("12.5")))
            ids.append(placement.id)
        db.session.commit()
    return user, ids


@pytest.fixture
def busy_company(live_app, password_hash):
    """A Code of Care company with wide rows: long opening titles, placements with hours."""
    return wide_company(live_app, password_hash, code_of_care=True)[0]


@pytest.mark.parametrize("path", ["/", "/opslag/", "/forloeb/", "/forloeb/timer", "/hotline/",
                                  "/profil/adgangsnoegler"])
def test_page_fits_a_phone_and_its_tables_scroll_in_a_named_box(browser, live_app, busy_company, path):
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK", viewport=PHONE)
    page = context.new_page()
    try:
        login(page, busy_company.email)
        page.get_by_test_id("start-page").wait_for()
        page.goto(path)
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # A table that scrolls is in a focusable, named region; one that fits has no Tab stop.
        wrong = page.evaluate(
            "[...document.querySelectorAll('table.table')].filter(t => {"
            " const box = t.parentElement;"
            " if (!box.matches('.table--responsive-scroll')) return true;"
            " const region = box.matches('[role=region][tabindex=\"0\"][aria-label]');"
            " return (box.scrollWidth > box.clientWidth + 1) !== region; }).length")
        assert wrong == 0
        # The header's button and links stay on one line each (two lines would be 60+ px high).
        for name in ("Log ud", "API-nøgler"):
            box = page.get_by_text(name, exact=True).first.bounding_box()
            assert box is not None and box["height"] <= 48, name
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_menu_folds_behind_a_button_on_a_phone_only(browser, live_app, password_hash, width):
    """An administrator's 15 menu items filled the first phone screen; at phone width they fold
    behind "Menu: <page>" (open/close by click, Escape closes and returns focus), and on a wide
    screen the menu is open with no button."""
    admin = user_factory(live_app, password_hash)("admin")
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK",
                                  viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        login(page, admin.email)
        page.get_by_test_id("start-page").wait_for()
        page.wait_for_load_state("load")
        toggle = page.get_by_test_id("nav-toggle")
        menu_item = page.locator("#jobbro-nav-list").get_by_role("link", name="Brugere", exact=True)
        if width > 640:
            assert not toggle.is_visible() and menu_item.is_visible()
            return
        assert toggle.is_visible() and not menu_item.is_visible()
        assert toggle.inner_text().strip() == "Menu: Forside" and toggle.get_attribute("aria-expanded") == "false"
        # What jobbro.js does on a click or a key: waited for, not read at once.
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(menu_item).to_be_visible()
        menu_item.focus()
        page.keyboard.press("Escape")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        expect(menu_item).to_be_hidden()
        expect(toggle).to_be_focused()
        toggle.click()
        menu_item.click()
        page.wait_for_url("**/admin/users**")
        assert page.get_by_test_id("nav-toggle").inner_text().strip() == "Menu: Brugere"
    finally:
        context.close()
