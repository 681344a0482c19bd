"""A form sent with a stale token while logged in (logged out and in again in another tab): the
portal answers »Det, du sendte, er ikke gemt« with the logged-in layout, and the form's page puts
back what was typed from the tab's kept copy (static/js/session.js), saying why: the user was not
logged out in this tab. Nothing is sent again on its own.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.auth.relogin import MAX_HELD_CHARS
from portal.extensions import db
from store.models import HotlineRequest
from tests.conftest import PASSWORD, user_factory
from tests.e2e.helpers import settled
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e

KEEP_KEY = "jobbro-kept-form"
FORM = "/hotline/ny"
SUBJECT = "Kørekort til truck"
TEXT = "Må praktikanten køre truck, når han har certifikatet, men ikke har kørt i et år?"
LONG = " ".join([TEXT] * 40)  # more than the server holds for a re-login (MAX_HELD_CHARS)


def _open_and_fill(page, email: str) -> None:
    login(page, email)
    page.get_by_test_id("start-page").wait_for()
    page.goto(FORM)
    page.get_by_label("Emne").fill(SUBJECT)
    page.get_by_label("Beskriv situationen").fill(TEXT)


def _log_out_and_in_in_another_tab(page, email: str) -> None:
    """Another tab of the same browser (the same cookies): log out, and log in as ``email``."""
    other = page.context.new_page()
    try:
        other.goto("/")
        other.get_by_role("button", name="Log ud").click()
        other.get_by_label("E-mail").wait_for()
        login(other, email)
        other.get_by_test_id("start-page").wait_for()
    finally:
        other.close()


def _requests(live_app) -> int:
    with live_app.app_context():
        return db.session.query(HotlineRequest).count()


def test_a_stale_form_gets_the_logged_in_page_and_its_text_back(live_app, password_hash, page):
    user = user_factory(live_app, password_hash)("company")
    _open_and_fill(page, user.email)
    _log_out_and_in_in_another_tab(page, user.email)

    page.get_by_role("button", name="Send henvendelse").click()
    page.get_by_test_id("form-not-sent").wait_for()
    settled(page)
    # the logged-in layout: the user's name, the log-out and the navigation
    expect(page.get_by_test_id("current-user")).to_contain_text(user.name)
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()
    expect(page.get_by_role("navigation", name="Hovedmenu")).to_be_visible()
    expect(page.get_by_test_id("form-not-sent-kept")).to_be_visible()  # session.js: the copy is kept
    assert TEXT in page.evaluate(f"sessionStorage.getItem('{KEEP_KEY}')")
    assert _requests(live_app) == 0

    page.get_by_test_id("back-to-form").click()
    restored = page.get_by_test_id("kept-form-restored")
    restored.wait_for()
    assert page.url.endswith(FORM)
    expect(restored).to_contain_text("før du sidst loggede ind")
    expect(restored).not_to_contain_text("logget ud")
    expect(restored).to_contain_text("Det er ikke sendt")
    assert page.get_by_label("Emne").input_value() == SUBJECT
    assert page.get_by_label("Beskriv situationen").input_value() == TEXT
    assert page.evaluate(f"sessionStorage.getItem('{KEEP_KEY}')") is None  # put back once
    assert _requests(live_app) == 0  # nothing sent on its own

    page.get_by_role("button", name="Send henvendelse").click()  # the user sends it again
    page.get_by_test_id("request-subject").wait_for()
    assert _requests(live_app) == 1


def test_a_stale_form_of_another_users_tab_is_not_kept_for_the_user_now_logged_in(live_app, password_hash,
                                                                                 page):
    """Logged out and in as someone else in another tab: the page is theirs, and the first user's
    text is dropped from this tab, not promised nor put back."""
    make = user_factory(live_app, password_hash)
    first, second = make("company"), make("company")
    _open_and_fill(page, first.email)
    _log_out_and_in_in_another_tab(page, second.email)

    page.get_by_role("button", name="Send henvendelse").click()
    page.get_by_test_id("form-not-sent").wait_for()
    settled(page)
    expect(page.get_by_test_id("current-user")).to_contain_text(second.name)
    expect(page.get_by_test_id("form-not-sent-kept")).to_be_hidden()
    assert page.evaluate(f"sessionStorage.getItem('{KEEP_KEY}')") is None

    page.get_by_test_id("back-to-form").click()
    page.get_by_label("Beskriv situationen").wait_for()
    settled(page)
    assert page.get_by_test_id("kept-form-restored").count() == 0
    assert page.get_by_label("Beskriv situationen").input_value() == ""
    assert _requests(live_app) == 0


def test_a_form_sent_after_logging_out_in_another_tab_says_it_was_logged_out(live_app, password_hash, page):
    """The other case, for contrast: logged out (and not in again) in another tab, the form's text
    comes back after the log-in with »før du blev logget ud«, which is true here."""
    assert len(LONG) > MAX_HELD_CHARS  # the tab's copy puts it back, not the server's hold
    user = user_factory(live_app, password_hash)("company")
    _open_and_fill(page, user.email)
    page.get_by_label("Beskriv situationen").fill(LONG)
    other = page.context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Log ud").click()
    other.get_by_label("E-mail").wait_for()
    other.close()

    page.get_by_role("button", name="Send henvendelse").click()
    page.get_by_test_id("login-kept-note").wait_for()
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    restored = page.get_by_test_id("kept-form-restored")
    restored.wait_for()
    assert page.url.endswith(FORM)
    expect(restored).to_contain_text("Det, du skrev, før du blev logget ud, er sat ind igen.")
    expect(restored).not_to_contain_text("før du sidst loggede ind")
    assert page.get_by_label("Beskriv situationen").input_value() == LONG
    assert _requests(live_app) == 0
