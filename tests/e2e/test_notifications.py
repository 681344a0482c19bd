"""Beskeder in the browser: a company writes to the hotline, the VK sees the unread badge, opens
the item where it is handled, and the badge goes; the pages pass axe and fit 320 px."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import AXE, _serious_violations, _too_wide_at_320px
from tests.e2e.test_hotline import logout, people  # noqa: F401 - the fixture is used below
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def a11y_page(browser, live_app):
    # bypass_csp: the injected axe script is inline, which the portal's CSP forbids.
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK", bypass_csp=True)
    yield context.new_page()
    context.close()


def test_the_vk_is_told_about_a_hotline_request_and_opens_it(a11y_page, live_app, people):  # noqa: F811
    page = a11y_page
    company_user, vk, placement_id = people
    login(page, company_user.email)
    page.goto("/hotline/ny")
    page.get_by_label("Hvad drejer det sig om?").select_option(label="Fravær")
    page.get_by_label("Hvor haster det?").select_option(label="Akut – samme arbejdsdag")
    page.get_by_label("Forløb (valgfrit)").select_option(value=str(placement_id))  # its VK is told
    page.get_by_label("Emne").fill("Mødte ikke op")
    page.get_by_label("Beskriv situationen").fill("Ikke mødt i dag.")
    page.get_by_role("button", name="Send henvendelse").click()
    page.get_by_text("Henvendelsen er sendt.").wait_for()
    logout(page)

    login(page, vk.email)
    assert page.get_by_test_id("unread-count").inner_text().startswith("1")
    page.get_by_test_id("notifications-link").click()
    item = page.get_by_test_id("notification").first
    expect(item).to_have_attribute("data-unread", "true")
    expect(item).to_contain_text("Ny henvendelse", use_inner_text=True)  # found by its opening tag
    assert not _serious_violations(page, str(AXE))
    assert not _too_wide_at_320px(page)
    item.get_by_test_id("open-notification").click()
    page.wait_for_url("**/hotline/*")
    assert "Mødte ikke op" in page.content()
    assert page.get_by_test_id("unread-count").count() == 0

    page.goto("/beskeder/indstillinger")
    assert page.get_by_label("Ny henvendelse til hotline").is_checked()
    assert not _serious_violations(page, str(AXE))
    assert not _too_wide_at_320px(page)
    page.get_by_label("Ny henvendelse til hotline").uncheck()
    page.get_by_test_id("save-mail-choices").click()
    page.get_by_text("Dine valg er gemt.").wait_for()
    assert not page.get_by_label("Ny henvendelse til hotline").is_checked()
