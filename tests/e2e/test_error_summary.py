"""A refused form gets an error summary at its top (review D7): each error a link named by its
field, focus on the summary, the page title starting "Fejl:"; optional fields are marked (D8)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import user_factory
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}])
def test_the_opening_form_lists_every_error_and_leads_to_each_field(browser, live_app, password_hash, viewport):
    company = user_factory(live_app, password_hash)("company")
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK", viewport=viewport)
    page = context.new_page()
    try:
        login(page, company.email)
        page.get_by_test_id("start-page").wait_for()
        page.goto("/opslag/ny")
        assert page.get_by_text("Beskrivelse (valgfri)").count() == 1
        assert page.get_by_text("Titel (valgfri)").count() == 0
        page.get_by_label("Beskrivelse").fill("Varemodtagelse og pluk.")
        page.get_by_label("Titel").fill("")
        page.get_by_label("Timer pr. uge, mindst").fill("")
        page.get_by_label("Timer pr. uge, højst").fill("")
        page.get_by_role("button", name="Opret opslag").click()
        summary = page.locator(".jobbro-error-summary")
        summary.wait_for()
        assert page.title().startswith("Fejl: ")
        expect(summary).to_be_focused()
        links = summary.get_by_role("link")
        texts = [links.nth(i).inner_text() for i in range(links.count())]
        assert any(t.startswith("Titel: ") for t in texts), texts
        assert any(t.startswith("Postnummer for arbejdsstedet: ") for t in texts), texts
        assert len(texts) == page.locator("main .form-error-message").count()
        summary.get_by_role("link", name="Postnummer for arbejdsstedet: Udfyld postnummeret.").click()
        expect(page.locator("#postcode")).to_be_focused()  # moved there by the link's script
        assert page.locator("main .alert-error").count() == 1  # the server's box got the links
    finally:
        context.close()
