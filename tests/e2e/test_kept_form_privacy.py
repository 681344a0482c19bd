"""What session.js keeps in a tab never outlives its user there, and health details are never
kept (review M 2).

A form kept after an idle log-out is dropped as soon as a page of another user loads in the
same tab, sent or not; the skånehensyn form (data-jobbro-no-keep) is not kept at all, neither
when the time runs out nor as it is sent. Playwright's clock makes 31 minutes pass at once; the
server's session is ended the way the browser ends it, by dropping the cookie.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, user_factory
from tests.e2e.helpers import settled
from tests.e2e.test_roles import login
from tests.portal.citizen_fixtures import make_citizen

pytestmark = pytest.mark.e2e

KEEP_KEY = "jobbro-kept-form"
TEXT = "Han er ikke mødt i dag, og vi kan ikke få fat i ham."
HEALTH = "Diagnose: epilepsi og svær depression"


def _kept(page):
    """The kept form once the page's deferred session.js has run (it may drop it on load)."""
    settled(page)
    return page.evaluate(f"sessionStorage.getItem('{KEEP_KEY}')")


def _time_runs_out(page) -> None:
    page.clock.fast_forward("31:00")
    warning = page.get_by_test_id("session-warning")
    expect(warning).to_contain_text("Du er logget ud")


def test_a_kept_form_is_gone_once_another_users_page_loads_in_the_tab(live_app, password_hash, page):
    make = user_factory(live_app, password_hash)
    first, second = make("company"), make("company")
    page.clock.install()
    login(page, first.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto("/hotline/ny")
    page.get_by_label("Beskriv situationen").fill(TEXT)
    _time_runs_out(page)
    expect(page.get_by_test_id("session-warning")).to_contain_text("denne browser har husket det")
    assert TEXT in page.evaluate(f"sessionStorage.getItem('{KEEP_KEY}')")

    page.context.clear_cookies()  # the browser drops the expired session cookie
    login(page, second.email)  # the next person, in the same tab
    page.get_by_test_id("start-page").wait_for()
    assert _kept(page) is None
    page.goto("/hotline/ny")
    settled(page)
    assert page.get_by_test_id("kept-form-restored").count() == 0
    assert page.get_by_label("Beskriv situationen").input_value() == ""


def test_the_skaanehensyn_form_is_never_kept(live_app, password_hash, page):
    consultant = user_factory(live_app, password_hash)("consultant")
    citizen_id = make_citizen(live_app, vk_id=consultant.id)
    page.clock.install()
    login(page, consultant.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto(f"/borgere/{citizen_id}/skaanehensyn")
    form = page.get_by_test_id("limitations-form")
    form.get_by_label("Beskrivelse").fill(HEALTH)

    _time_runs_out(page)  # not kept when the time runs out, and the dialog says it is lost
    warning = page.get_by_test_id("session-warning")
    expect(warning).to_contain_text("browseren har ikke husket det")
    assert "husket det: log ind igen, så" not in warning.inner_text()
    assert page.evaluate(f"sessionStorage.getItem('{KEEP_KEY}')") is None

    warning.get_by_role("button", name="Luk").click()
    page.context.clear_cookies()
    form.get_by_role("button", name="Gem skånehensyn").click()  # nor as it is sent
    page.get_by_test_id("expired-explanation").wait_for()
    assert _kept(page) is None
    expect(page.locator("[data-jobbro-kept-note]")).to_be_hidden()
    expect(page.get_by_test_id("expired-redo")).to_be_visible()  # nothing kept: »gør det igen« is true

    page.goto("/")
    page.get_by_label("E-mail").fill(consultant.email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_test_id("start-page").wait_for()
    page.goto(f"/borgere/{citizen_id}/skaanehensyn")
    settled(page)
    assert page.get_by_test_id("kept-form-restored").count() == 0
    assert HEALTH not in page.get_by_test_id("limitations-form").get_by_label("Beskrivelse").input_value()
