"""The error summary names a refused optional field by its label alone (review H 8): not
"Beskrivelse (valgfri): Højst 5000 tegn." (static/js/jobbro.js)."""
from __future__ import annotations

import pytest

from tests.conftest import user_factory
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e


def test_the_summary_names_an_optional_field_without_valgfri(page, live_app, password_hash):
    company = user_factory(live_app, password_hash)("company")
    login(page, company.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto("/opslag/ny")
    page.get_by_label("Titel").fill("Lagermedarbejder")
    page.get_by_label("Beskrivelse").fill("x" * 5001)
    page.get_by_label("Timer pr. uge, mindst").fill("5")
    page.get_by_label("Timer pr. uge, højst").fill("10")
    page.get_by_label("Postnummer for arbejdsstedet").fill("7160")
    page.get_by_label("Startdato").fill("2026-01-01")
    page.get_by_role("button", name="Opret opslag").click()
    summary = page.locator(".jobbro-error-summary")
    summary.wait_for()
    links = summary.get_by_role("link")
    texts = [links.nth(i).inner_text() for i in range(links.count())]
    assert any(t.startswith("Beskrivelse: ") for t in texts), texts
    assert any(t.startswith("Startdato: ") for t in texts), texts
    assert not any("valgfri" in t for t in texts), texts
    # the label on the field itself still says it is optional
    assert page.get_by_text("Beskrivelse (valgfri)").count() == 1
