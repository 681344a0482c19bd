"""»Opret borger« for a person already in the portal (review BM 2b): nothing is saved, so the
warning takes the focus and the title starts »Fejl:«, and »Opret alligevel« is described by it."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from store.models import Citizen
from tests.conftest import user_factory
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e


def test_a_likely_duplicate_takes_the_focus_and_the_title(page, live_app, password_hash):
    consultant = user_factory(live_app, password_hash)("consultant")
    with live_app.app_context():
        db.session.add(Citizen(name="Kirsten Jørgensen", email="kirsten@example.com", postcode="8722",
                               benefit_group="kontanthjaelp", readiness_group="i_gang",
                               case_start=date(2026, 1, 5), hours_available=10))
        db.session.commit()
    login(page, consultant.email)
    page.goto("/borgere/ny")
    page.fill("[name=name]", "Kirsten Jørgensen")
    page.fill("[name=email]", "kirsten@example.com")
    page.fill("[name=hours_available]", "20")
    page.fill("[name=postcode]", "8722")
    page.select_option("[name=benefit_group]", "kontanthjaelp")
    page.select_option("[name=readiness_group]", "i_gang")
    page.get_by_role("button", name="Opret borger").click()
    box = page.locator("main [data-jobbro-form-error]")
    expect(box).to_contain_text("Borgeren findes måske allerede")
    expect(box).to_be_focused()
    assert page.title().startswith("Fejl: Opret borger")
    assert page.locator("#create-anyway").get_attribute("aria-describedby") == box.get_attribute("id")
