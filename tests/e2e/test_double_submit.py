"""A form is sent once (review Q 5): a double click posts once, the clicked button's value still
goes with it, and Back to a sent form and send again creates nothing new."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.hotline import service as hotline_service
from portal.openings import service as openings_service
from store.clock import today
from store.models import HotlineMessage, HotlineRequest, Opening
from tests.conftest import user_factory
from tests.e2e.helpers import settled
from tests.e2e.test_openings import fill_opening_form
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def company_user(live_app, password_hash):
    return user_factory(live_app, password_hash)("company")


def posts_to(page, path: str) -> list:
    """The POST requests the page sends to ``path`` from now on."""
    sent = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" and r.url.endswith(path) else None)
    return sent


def click_twice(page, button) -> None:
    """Click ``button``, and again like an impatient user while the answer is on its way (raw
    mouse clicks: a disabled button is clicked too, and then does nothing)."""
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)


def count(live_app, model) -> int:
    with live_app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_double_click_sends_the_opening_once_and_back_creates_nothing(page, live_app, company_user, monkeypatch):
    real = openings_service.create_opening

    def slow(*args, **kwargs):  # the second click lands while the first is being answered
        time.sleep(0.8)
        return real(*args, **kwargs)

    monkeypatch.setattr(openings_service, "create_opening", slow)
    login(page, company_user.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto("/opslag/ny")
    settled(page)
    fill_opening_form(page, today() + timedelta(days=14))
    sent = posts_to(page, "/opslag/ny")
    click_twice(page, page.get_by_role("button", name="Opret opslag"))
    page.get_by_text("Opslaget »Praktik på lageret« er oprettet.").wait_for()
    assert len(sent) == 1 and count(live_app, Opening) == 1

    # Back to the filled form (loaded anew: pages are no-store; the browser puts back what was
    # typed, not the hours, autocomplete="off") and send it again
    page.go_back()
    button = page.get_by_role("button", name="Opret opslag")
    expect(button).to_be_enabled()
    expect(page.get_by_label("Titel")).to_have_value("Praktik på lageret")
    settled(page)
    page.get_by_label("Timer pr. uge, mindst").fill("10")
    page.get_by_label("Timer pr. uge, højst").fill("20")
    button.click()
    page.get_by_text("Opslaget er allerede oprettet.").wait_for()
    assert count(live_app, Opening) == 1
    with live_app.app_context():
        opening_id = db.session.scalar(sa.select(Opening.id))
    assert page.url.endswith(f"/opslag/{opening_id}")


def test_the_clicked_buttons_value_is_sent_once(page, live_app, company_user, monkeypatch):
    real = hotline_service.add_message

    def slow(*args, **kwargs):
        time.sleep(0.8)
        return real(*args, **kwargs)

    monkeypatch.setattr(hotline_service, "add_message", slow)
    login(page, company_user.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto("/hotline/ny")
    page.get_by_label("Emne").fill("Nøgler mangler")
    page.get_by_label("Beskriv situationen").fill("Borgeren har ikke fået nøgler.")
    page.get_by_role("button", name="Send henvendelse").click()
    page.get_by_text("Henvendelsen er sendt.").wait_for()
    with live_app.app_context():
        db.session.scalar(sa.select(HotlineRequest)).status = "answered"
        db.session.commit()
    page.reload()
    page.get_by_label("Besked").fill("Tak, det er løst nu.")
    settled(page)
    sent = posts_to(page, "/besked")
    click_twice(page, page.get_by_role("button", name="Send – kun til orientering"))
    page.get_by_text("Beskeden er sendt til orientering.").wait_for()
    assert len(sent) == 1 and "venter=nej" in sent[0].post_data
    assert count(live_app, HotlineMessage) == 2  # the request's first message and this one
    with live_app.app_context():
        assert db.session.scalar(sa.select(HotlineRequest)).status == "answered"
