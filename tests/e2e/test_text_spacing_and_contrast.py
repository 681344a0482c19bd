"""Two things the axe scan cannot see (review BM 4, 5):

* WCAG 1.4.12 text spacing at 320 px (400 % zoom): the page never scrolls sideways. The header's
  links and »Log ud« once made every page 352 px wide, »Log ud« partly off the screen; now the
  button goes below them when they leave no room, and stays beside them when they do. A long
  word in a heading (a citizen's name) breaks instead of widening the page.
* Forced colours (a Windows contrast theme): the citizen's sub-navigation shows which tab is
  open, which the primary button's fill alone did not (forced colours take it away).
"""
from __future__ import annotations

import pytest

from tests.conftest import user_factory
from tests.e2e.test_roles import login
from tests.portal.citizen_fixtures import make_citizen

pytestmark = pytest.mark.e2e

# The WCAG 1.4.12 bookmarklet's values.
TEXT_SPACING = ("* { line-height: 1.5 !important; letter-spacing: 0.12em !important;"
                " word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }")
LONG_NAME = "Kristoffersenvestergaard Hansen"


@pytest.fixture
def consultant_and_citizen(live_app, password_hash):
    consultant = user_factory(live_app, password_hash)("consultant")
    return consultant, make_citizen(live_app, name=LONG_NAME, vk_id=consultant.id)


def _log_out_box(page) -> dict:
    return page.locator(".jobbro-user").get_by_role("button", name="Log ud").bounding_box()


def test_text_spacing_at_320_px_keeps_every_page_within_the_screen(browser, live_app, consultant_and_citizen):
    consultant, citizen_id = consultant_and_citizen
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK",
                                  viewport={"width": 320, "height": 800}, bypass_csp=True)  # the overrides are inline
    page = context.new_page()
    try:
        login(page, consultant.email)
        page.get_by_test_id("start-page").wait_for()
        for path in ("/", f"/borgere/{citizen_id}/cv"):
            page.goto(path)
            page.wait_for_load_state("load")
            beside = _log_out_box(page)  # without the overrides it fits beside the links
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
            page.add_style_tag(content=TEXT_SPACING)
            page.wait_for_function("getComputedStyle(document.body).wordSpacing !== 'normal'")
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
            below = _log_out_box(page)
            assert below["x"] >= 0 and below["x"] + below["width"] <= 320, path
            assert below["y"] > beside["y"] and below["x"] < beside["x"], path  # it moved down, not off
    finally:
        context.close()


def test_the_open_tab_of_a_citizen_shows_in_forced_colours(browser, live_app, consultant_and_citizen):
    consultant, citizen_id = consultant_and_citizen
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK", forced_colors="active")
    page = context.new_page()
    try:
        login(page, consultant.email)
        page.get_by_test_id("start-page").wait_for()
        page.goto(f"/borgere/{citizen_id}/cv")
        tabs = page.get_by_role("navigation", name="Borgerens sider").get_by_role("link")
        looks = tabs.evaluate_all("links => links.map(a => [a.getAttribute('aria-current'),"
                                  " getComputedStyle(a).backgroundColor, getComputedStyle(a).color])")
        (current,) = [tuple(look[1:]) for look in looks if look[0] == "page"]
        (other,) = {tuple(look[1:]) for look in looks if look[0] != "page"}  # the other tabs all alike
        assert current[0] != other[0] and current[1] != other[1], looks  # neither fill nor text alike
    finally:
        context.close()
