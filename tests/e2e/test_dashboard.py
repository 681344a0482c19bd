"""A consultant opens the goals dashboard: figure cards and chart.js charts really render, and the
focus card leads to the citizens who miss the goal and on to each citizen's page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.demo.loader import load_demo
from portal.extensions import db
from store.clock import today
from tests.conftest import user_factory
from tests.e2e.helpers import loaded, settled
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e


def test_consultant_sees_cards_and_rendered_charts(page, live_app, password_hash):
    with live_app.app_context():
        load_demo(db.session, today(), citizen_count=120)
    consultant = user_factory(live_app, password_hash)("consultant")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"{msg.text} @ {msg.location}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, consultant.email)
    page.get_by_test_id("start-page").wait_for()
    errors.clear()  # only this page's errors (the start page is not ours)
    page.get_by_role("link", name="Mål", exact=True).click()  # not »… jobmål …« of a key figure
    page.get_by_role("heading", name="Mål og opfølgning").wait_for()
    settled(page)  # the cards below the heading are parsed and dashboard.js has drawn the charts
    focus = page.get_by_test_id("card-focus")
    assert "Fokusmål" in focus.inner_text()
    assert "%" in page.get_by_test_id("value-focus").inner_text()
    focus.get_by_text("Sådan er tallet regnet").click()
    expect(focus.get_by_text("100 ordinære løntimer")).to_be_visible()
    chart = page.locator('canvas[data-testid="chart-focus"][data-rendered="true"]')
    chart.wait_for()
    assert chart.bounding_box()["width"] > 100
    # chart.js drew something: the canvas is not blank.
    painted = page.evaluate("""() => {
        const c = document.querySelector('canvas[data-testid="chart-focus"]');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return px.some(v => v !== 0);
    }""")
    assert painted
    assert page.locator("canvas[data-rendered='true']").count() == 6  # all drawn in one step
    loaded(page)  # the page's files too: a refused one is reported when it is refused
    assert not errors, errors  # e.g. a CSP violation would show up here
    # The last complete month is shown by default, not the running one.
    # (From the 1st to the 9th that month is provisional, »foreløbig – timerne skal registreres senest …«,
    # never »måneden er ikke slut«.)
    assert "måneden er ikke slut" not in page.get_by_test_id("period").inner_text()
    assert page.get_by_test_id("partial-month").count() == 0

    focus.get_by_test_id("misses-focus").click()
    page.get_by_role("heading", name=re.compile("Borgere der ikke når målet")).wait_for()
    settled(page)  # every row, not only those parsed so far
    listed = page.get_by_test_id("goal-row")
    count = int(page.get_by_test_id("goal-count").locator("strong").inner_text().replace(".", ""))
    assert count > 0 and listed.count() == min(count, 50)
    first = listed.first.get_by_role("link")
    name = first.inner_text()
    first.click()
    page.get_by_role("heading", name=name).first.wait_for()
    assert "/borgere/" in page.url
    loaded(page)  # this page's scripts and files have run and loaded: their errors are in
    assert not errors, errors


def test_goal_lists_have_no_serious_accessibility_violations(browser, live_app, password_hash):
    """axe-core (WCAG 2.1 A/AA) on the goal lists, as tests/e2e/test_accessibility.py checks pages."""
    from tests.e2e.test_accessibility import AXE, _report, _serious_violations

    with live_app.app_context():
        load_demo(db.session, today(), citizen_count=120)
    consultant = user_factory(live_app, password_hash)("consultant")
    # bypass_csp: the injected axe script is inline, which the portal's CSP forbids.
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK", bypass_csp=True)
    try:
        page = context.new_page()
        login(page, consultant.email)
        page.get_by_test_id("start-page").wait_for()
        for goal in ("fokus", "aktiv", "cv"):
            page.goto(f"/maal/borgere?maal={goal}&omfang=all")
            assert page.get_by_test_id("goal-row").count() > 0
            serious = _serious_violations(page, str(AXE))
            assert not serious, f"{goal}:\n{_report(serious)}"
    finally:
        context.close()
