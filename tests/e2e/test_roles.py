"""Each role logs in through the real login form and lands on its own start page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, user_factory

pytestmark = pytest.mark.e2e


def login(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(password)
    page.get_by_role("button", name="Log ind").click()


@pytest.mark.parametrize("role, partner, expected_role, heading_part", [
    ("company", False, "company", "Firma"),
    ("company", True, "partner", "Code of Care-partner"),
    ("consultant", False, "consultant", "Goddag"),
    ("admin", False, "admin", "Administration"),
])
def test_role_sees_its_start_page(page, live_app, make_user_live, role, partner, expected_role, heading_part):
    user = make_user_live(role, code_of_care=partner)
    login(page, user.email)
    start = page.get_by_test_id("start-page")
    start.wait_for()
    assert start.get_attribute("data-role") == expected_role
    expect(start).to_contain_text(heading_part)  # found by its opening tag: the text may follow
    assert user.name in page.get_by_test_id("current-user").inner_text()
    # The DKFDS Virk theme is really loaded (not a bare page). Waited for: on a loaded machine the
    # style sheet, from the cache after the log-in's redirect, can apply a moment after the page.
    # (expect polls from Playwright's own script; a wait_for_function string needs eval, which the
    # portal's Content-Security-Policy rightly refuses once the page's policy is in force.)
    expect(page.locator("body")).to_have_css("font-family", re.compile("ibm plex", re.IGNORECASE),
                                             timeout=10_000)
    page.get_by_role("button", name="Log ud").click()
    page.get_by_role("heading", name="Log ind").wait_for()


def test_wrong_password_shows_the_generic_message(page, make_user_live):
    user = make_user_live("consultant")
    login(page, user.email, "Forkert-kode-123")
    # The click returns once the answer has committed, before it is parsed: wait for the text.
    expect(page.get_by_text("Forkert e-mail eller adgangskode.")).to_be_visible()


@pytest.fixture
def make_user_live(live_app, password_hash):
    return user_factory(live_app, password_hash)


def test_pages_load_without_console_or_csp_errors(page, make_user_live):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, make_user_live("admin").email)
    page.get_by_test_id("start-page").wait_for()
    for path in ("/admin/users", "/admin/regler", "/kandidater/", "/borgere/"):
        page.goto(path)
    assert errors == []
