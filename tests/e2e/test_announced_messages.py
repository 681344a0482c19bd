"""What a step did is read out (review AT 5, 6): a refused log-in focuses its error box and the
title starts "Fejl:"; a success message takes the focus, and an answer saved on an opening's
page shows its message in the candidate's card, where the page opens, not at the top."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from store.models import Citizen, Opening, Proposal
from tests.conftest import user_factory
from tests.imports.files import citizen_row, csv_bytes
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e


def test_a_refused_log_in_takes_the_focus_and_the_title(page, live_app, password_hash):
    company = user_factory(live_app, password_hash)("company")
    login(page, company.email, password="forkert-adgangskode")
    box = page.locator("main [data-jobbro-form-error]")
    expect(box).to_contain_text("Forkert e-mail eller adgangskode")
    expect(box).to_be_focused()
    assert page.title().startswith("Fejl: Log ind")
    assert page.get_by_label("Adgangskode").get_attribute("aria-invalid") == "true"


@pytest.fixture
def candidates(live_app, password_hash):
    """An opening with six approved candidates, so the last card is far down a phone's page."""
    make = user_factory(live_app, password_hash)
    consultant, company = make("consultant"), make("company")
    with live_app.app_context():
        opening = Opening(company_id=company.company_id, kind="virksomhedspraktik", title="Praktik i kantinen",
                          hours_min=10.0, hours_max=20.0, postcode="7130", status="open")
        db.session.add(opening)
        db.session.flush()
        ids = []
        for n in range(6):
            citizen = Citizen(name=f"Kandidat {n}", postcode="8722", benefit_group="kontanthjaelp",
                              readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=10)
            db.session.add(citizen)
            db.session.flush()
            proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status="approved",
                                explanation={}, decided_by_id=consultant.id)
            db.session.add(proposal)
            db.session.flush()
            ids.append(proposal.id)
        db.session.commit()
        return company, opening.id, ids


def test_an_answer_saved_is_confirmed_in_its_card_with_the_focus(browser, live_app, candidates):
    company, opening_id, proposal_ids = candidates
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK",
                                  viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        login(page, company.email)
        page.get_by_test_id("start-page").wait_for()
        page.goto(f"/opslag/{opening_id}")
        title = page.title()
        card = page.locator(f"#kandidat-{proposal_ids[-1]}")
        card.get_by_label(re.compile(r"^Svar om ")).select_option(label="Interesseret")
        card.get_by_role("button", name=re.compile(r"^Gem svar om ")).click()
        page.wait_for_url(re.compile(rf"#kandidat-{proposal_ids[-1]}$"))
        messages = card.get_by_test_id("flash-messages")
        expect(messages).to_contain_text("Jeres svar er gemt.")
        expect(messages).to_be_focused()
        expect(messages).to_be_in_viewport()
        assert page.title() == title  # a success is no "Fejl:"
        # Tab goes on inside the card: to its own answer form, not back to the top of the page.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('li.card') && document.activeElement"
                             ".closest('li.card').id") == f"kandidat-{proposal_ids[-1]}"
    finally:
        context.close()


def test_an_answer_without_a_choice_is_refused_in_danish_at_the_field(page, live_app, candidates):
    company, opening_id, proposal_ids = candidates
    login(page, company.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto(f"/opslag/{opening_id}")
    card = page.locator(f"#kandidat-{proposal_ids[0]}")
    card.get_by_role("button", name=re.compile(r"^Gem svar om ")).click()  # nothing chosen: sent all the same
    summary = card.locator(".jobbro-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Vælg et svar.")
    assert page.title().startswith("Fejl: ")


def test_a_success_message_at_the_top_takes_the_focus(page, live_app, password_hash):
    company = user_factory(live_app, password_hash)("company")
    login(page, company.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto("/opslag/ny")
    page.get_by_label("Titel").fill("Lagermedarbejder 10 timer")
    page.get_by_label("Timer pr. uge, mindst").fill("5")
    page.get_by_label("Timer pr. uge, højst").fill("10")
    page.get_by_label("Postnummer for arbejdsstedet").fill("8722")
    page.get_by_role("button", name="Opret opslag").click()
    messages = page.get_by_test_id("flash-messages")
    expect(messages).to_contain_text("er oprettet")
    expect(messages).to_be_focused()
    assert not page.title().startswith("Fejl")


def test_an_import_refused_or_reported_is_read_out(page, live_app, password_hash, tmp_path):
    """Review BM 2a: a refused file's box takes the focus and the title starts »Fejl:«; a dry run's
    report takes the focus at its heading, the title unchanged."""
    admin = user_factory(live_app, password_hash)("admin")
    login(page, admin.email)
    page.get_by_test_id("start-page").wait_for()
    bad, good = tmp_path / "forkert.csv", tmp_path / "borgere.csv"
    bad.write_text("navn;foo\nHans;1\n", encoding="utf-8")
    good.write_bytes(csv_bytes([citizen_row("A1")]))
    form = page.get_by_test_id("import-citizens")
    for path, refused in ((bad, True), (good, False)):
        page.goto("/admin/import/")
        title = page.title()
        form.get_by_label("Fil (CSV UTF-8 eller Excel .xlsx)").set_input_files(path)
        form.get_by_role("button", name="Kør").click()
        page.get_by_test_id("import-report").wait_for()
        if refused:
            box = page.get_by_test_id("import-refused")
            expect(box).to_contain_text("Filen er afvist. Intet er gemt.")
            expect(box).to_be_focused()
            assert page.title() == f"Fejl: {title}"
        else:
            expect(page.locator("#report-heading")).to_be_focused()
            expect(page.locator("#report-heading")).to_have_text("Tørkørsel af borgere.csv")
            assert page.title() == title
