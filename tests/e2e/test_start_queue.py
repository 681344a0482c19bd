"""The consultant's start page as a work queue, in the browser: each item leads to where it is handled."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.demo.loader import load_demo
from portal.extensions import db
from store import clock
from tests.e2e.helpers import loaded, settled
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e
CONSULTANT = "konsulent@demo.jobbro.dk"


def _count(page, key: str) -> int:
    return int(page.get_by_test_id(f"count-{key}").inner_text().replace(".", ""))


def test_consultant_works_through_the_queue(page, live_app, password_hash):
    with live_app.app_context():
        load_demo(db.session, clock.today(), citizen_count=150, password_hash=password_hash)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, CONSULTANT)
    page.get_by_test_id("start-page").wait_for()
    settled(page)  # the heading is found before the queues below it are parsed

    for key in ("forslag", "svar", "del-navnet", "hotline", "kan-ikke-matches", "opfoelgning", "samtykker"):
        rows = page.get_by_test_id(f"queue-{key}").get_by_test_id("queue-row")
        # The placements to follow up show the first ten and link to all (portal.main.queue.FOLLOWUPS_SHOWN).
        assert rows.count() == (min(_count(page, key), 10) if key == "opfoelgning" else _count(page, key)), key
        assert page.get_by_test_id(f"figure-{key}").inner_text() == page.get_by_test_id(f"count-{key}").inner_text()

    # "N forslag venter på din vurdering" → the list → one proposal → decide it there.
    waiting = _count(page, "forslag")
    assert waiting > 0
    page.get_by_test_id("figure-forslag").click()
    expect(page).to_have_url(re.compile(r"#forslag$"))  # a jump within the page, reported a moment later
    page.get_by_test_id("queue-forslag").get_by_test_id("queue-row").first.get_by_role("link").click()
    expect(page.get_by_test_id("next-steps")).to_contain_text("venter på din vurdering", use_inner_text=True)
    reject = page.get_by_test_id("assess-reject")
    reject.get_by_label("Begrundelse for at fravælge").fill("Passer ikke til opslaget lige nu")
    reject.get_by_label("Jeg ved, at fravalget er endeligt").check()
    reject.get_by_role("button", name="Fravælg").click()
    page.get_by_text("Forslaget er fravalgt.").wait_for()
    assert page.get_by_test_id("proposal-status").inner_text() == "Fravalgt af konsulent"
    settled(page)  # the next steps may come after the status
    assert page.get_by_test_id("next-steps").get_by_role("link").count() >= 1  # no dead end

    page.goto("/")
    assert _count(page, "forslag") == waiting - 1

    # A hotline request opens its thread; a missing CV opens the CV page of that citizen.
    if _count(page, "hotline"):
        page.get_by_test_id("queue-hotline").get_by_test_id("queue-row").first.get_by_role("link").click()
        page.get_by_test_id("message-form").wait_for()
        page.goto("/")
    if _count(page, "kan-ikke-matches"):
        fix = page.get_by_test_id("queue-kan-ikke-matches").get_by_test_id("fix").first
        fix.click()
        page.wait_for_load_state()
        assert "/borgere/" in page.url
        page.goto("/")
    if _count(page, "opfoelgning"):
        page.get_by_test_id("queue-opfoelgning").get_by_test_id("queue-row").first.get_by_role("link").click()
        # A running placement offers a follow-up; one that ended in a job, its retention check.
        page.locator("[data-testid=followup-form], [data-testid^=retention-form-]").first.wait_for()
    loaded(page)  # the last page's scripts and files have run and loaded: their errors are in
    assert errors == []
