"""Glemt adgangskode through the browser: ask, follow the mailed link, set a password, log in."""
from __future__ import annotations

import logging
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, user_factory

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Rød-trillebør-i-haven-8"
LINK = re.compile(r"https?://\S+(/auth/set-password/[A-Za-z0-9_\-]+)")


@pytest.fixture
def mailed_paths(caplog):
    """Mail capture: without MAIL_SERVER the portal logs each mail (portal.mail, INFO).

    Returns a function giving the set-password paths mailed so far, in order.
    """
    caplog.set_level(logging.INFO, logger="portal.mail")
    return lambda: LINK.findall(caplog.text)


@pytest.fixture
def make_user_live(live_app, password_hash):
    return user_factory(live_app, password_hash)


def test_forgot_password_from_the_login_page_to_a_new_password(page, make_user_live, mailed_paths):
    user = make_user_live("company")
    page.goto("/auth/login")
    page.get_by_role("link", name="Glemt adgangskode?").click()
    page.get_by_role("heading", name="Glemt adgangskode").wait_for()
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_role("button", name="Send link").click()
    page.get_by_text("Hvis e-mailen hører til en aktiv bruger, har vi sendt et link").wait_for()
    [path] = mailed_paths()

    page.goto(path)
    assert page.url.endswith("/auth/set-password")  # the token left the address bar at once (review AZ 2)
    page.get_by_label("Ny adgangskode").fill(NEW_PASSWORD)
    page.get_by_label("Gentag adgangskoden").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Gem adgangskode").click()
    page.get_by_text("Din adgangskode er gemt").wait_for()

    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Adgangskode").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_test_id("start-page").wait_for()

    page.goto(path)  # the link is used up
    assert page.get_by_text("Linket er brugt eller udløbet").is_visible()


def test_unknown_e_mail_gets_the_same_answer_and_no_mail(page, make_user_live, mailed_paths):
    make_user_live("company", email="findes@firma.dk")
    page.goto("/glemt-adgangskode")
    page.get_by_label("E-mail").fill("findes.ikke@firma.dk")
    page.get_by_role("button", name="Send link").click()
    page.get_by_text("Hvis e-mailen hører til en aktiv bruger, har vi sendt et link").wait_for()
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()  # after the message: maybe not parsed yet
    assert mailed_paths() == []
    # The old password is untouched by anyone's request.
    page.get_by_label("E-mail").fill("findes@firma.dk")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_test_id("start-page").wait_for()
