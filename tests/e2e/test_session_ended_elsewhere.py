"""A form sent after the session was ended from another device (»Log ud på alle andre enheder«) comes
back after the log-in, however long it is (review H 2): static/js/session.js keeps every form
as it is sent, in this tab only, and drops the copy once a page answered it.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.relogin import MAX_HELD_CHARS
from store.clock import today
from tests.conftest import PASSWORD, user_factory
from tests.e2e.helpers import settled
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e

KEEP_KEY = "jobbro-kept-form"
DESCRIPTION = ("Vi søger en stabil kollega til lageret, som kan tage imod varer og pakke ordrer. " * 30).strip()


@pytest.fixture
def company_user(live_app, password_hash):
    return user_factory(live_app, password_hash)("company")


def _fill(page) -> None:
    page.get_by_label("Type").select_option(label="Løntilskud")
    page.get_by_label("Titel").fill("Lagermedarbejder")
    page.get_by_label("Beskrivelse").fill(DESCRIPTION)
    page.get_by_label("Timer pr. uge, mindst").fill("20")
    page.get_by_label("Timer pr. uge, højst").fill("30")
    page.get_by_label("Postnummer for arbejdsstedet").fill("7160")
    page.get_by_label("Startdato").fill((today() + timedelta(days=14)).isoformat())


def _log_out_other_devices(other) -> None:
    """From the account page of the other browser: »Log ud på alle andre enheder« (the first page's
    session among them); that browser stays logged in."""
    other.goto("/auth/skift-adgangskode")
    other.get_by_role("button", name="Log ud på alle andre enheder").click()
    other.get_by_text("Du er logget ud på 1 anden enhed.").wait_for()


def _kept_once_scripts_ran(page):
    """The kept form as the page's deferred session.js left it: an element can be found while the
    page is still parsed, before the script that drops a sent form's copy has run."""
    settled(page)
    return page.evaluate(f"sessionStorage.getItem('{KEEP_KEY}')")


def test_a_long_opening_form_survives_a_log_out_on_another_device(browser, live_app, page, company_user):
    assert len(DESCRIPTION) > MAX_HELD_CHARS  # more than the server holds for a re-login: the tab puts it back
    login(page, company_user.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto("/opslag/ny")
    _fill(page)

    office = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK")
    try:
        other = office.new_page()
        login(other, company_user.email)
        other.get_by_test_id("start-page").wait_for()
        _log_out_other_devices(other)
    finally:
        office.close()

    page.get_by_role("button", name="Opret opslag").click()
    page.get_by_test_id("login-kept-note").wait_for()  # the log-in page says the text is kept
    stored = page.evaluate(f"sessionStorage.getItem('{KEEP_KEY}')")
    assert DESCRIPTION in stored and "csrf_token" not in stored
    page.get_by_label("E-mail").fill(company_user.email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_test_id("kept-form-restored").wait_for()
    assert page.url.endswith("/opslag/ny")
    assert page.get_by_label("Beskrivelse").input_value() == DESCRIPTION
    assert page.get_by_label("Titel").input_value() == "Lagermedarbejder"
    assert page.get_by_label("Timer pr. uge, højst").input_value() == "30"
    assert page.evaluate(f"sessionStorage.getItem('{KEEP_KEY}')") is None  # put back once

    page.get_by_role("button", name="Opret opslag").click()
    page.get_by_test_id("opening-title").wait_for()
    assert _kept_once_scripts_ran(page) is None  # sent: nothing kept


def test_a_form_answered_by_the_server_is_not_kept_nor_put_back(page, company_user):
    login(page, company_user.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto("/hotline/ny")
    page.get_by_label("Emne").fill("Spørgsmål")
    page.get_by_label("Beskriv situationen").fill("Må praktikanten køre truck?")
    page.get_by_role("button", name="Send henvendelse").click()
    page.get_by_test_id("request-subject").wait_for()
    assert _kept_once_scripts_ran(page) is None
    page.goto("/hotline/ny")
    assert page.get_by_test_id("kept-form-restored").count() == 0
    assert page.get_by_label("Beskriv situationen").input_value() == ""


def test_a_kept_edit_meets_a_colleagues_save_with_the_conflict_page_not_over_it(browser, live_app, page,
                                                                               company_user):
    """The kept form carries the version its values were based on (review K 1): saved after the
    log-in, it is compared with what the user saw, so the colleague's title is named, not undone."""
    from portal.extensions import db
    from store.models import Opening

    with live_app.app_context():
        opening = Opening(company_id=company_user.company_id, kind="smaajob", title="Lagerhjælp",
                          description="Pluk og pak.", hours_min=5.0, hours_max=10.0, postcode="7130", status="open")
        db.session.add(opening)
        db.session.commit()
        opening_id = opening.id
    login(page, company_user.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto(f"/opslag/{opening_id}/rediger")
    page.get_by_label("Beskrivelse").fill(DESCRIPTION)  # more than the server can hold

    office = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK")
    try:
        other = office.new_page()
        login(other, company_user.email)
        other.get_by_test_id("start-page").wait_for()
        other.goto(f"/opslag/{opening_id}/rediger")
        other.get_by_label("Titel").fill("Lagerhjælp om morgenen")
        other.get_by_role("button", name="Gem ændringer").click()
        other.get_by_text("er gemt").first.wait_for()
        _log_out_other_devices(other)
    finally:
        office.close()

    page.get_by_role("button", name="Gem ændringer").click()
    page.get_by_test_id("login-kept-note").wait_for()
    page.get_by_label("E-mail").fill(company_user.email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_test_id("kept-form-restored").wait_for()
    page.get_by_role("button", name="Gem ændringer").click()
    page.get_by_text("Opslaget er blevet ændret af en anden").wait_for()
    settled(page)  # read once session.js has run: my kept copy put back here would undo theirs
    assert "Den anden ændrede Titel (»Lagerhjælp om morgenen«)" in page.content()
    assert page.get_by_label("Titel").input_value() == "Lagerhjælp om morgenen"  # theirs, merged in
    assert page.get_by_label("Beskrivelse").input_value() == DESCRIPTION  # and mine
    with live_app.app_context():
        assert db.session.get(Opening, opening_id).title == "Lagerhjælp om morgenen"


def test_a_log_out_in_another_tab_mid_form_says_only_that_the_text_is_kept(page, company_user):
    """Browser review: /hotline/ny filled in, »Log ud« in another tab, »Send henvendelse«: the
    log-in page said »… blev ikke gemt: … gør det igen« beside »Det, du skrev, er ikke tabt«.
    The tab kept the text, so only the latter shows, and the text is back after the log-in."""
    from portal.auth.relogin import LOST

    login(page, company_user.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto("/hotline/ny")
    page.get_by_label("Emne").fill("Truck")
    page.get_by_label("Beskriv situationen").fill("Må praktikanten køre truck?")
    other = page.context.new_page()  # another tab: the same cookie
    other.goto("/")
    other.get_by_role("button", name="Log ud").first.click()
    other.wait_for_load_state()
    other.close()

    page.get_by_role("button", name="Send henvendelse").click()
    page.get_by_test_id("login-kept-note").wait_for()
    assert page.get_by_test_id("login-sent-note").text_content() == LOST  # the server's line, hidden
    assert not page.get_by_test_id("login-sent-note").is_visible()
    page.get_by_label("E-mail").fill(company_user.email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_test_id("kept-form-restored").wait_for()
    assert page.get_by_label("Beskriv situationen").input_value() == "Må praktikanten køre truck?"
