"""A consultant starts a placement from a disclosed proposal, the company logs hours, the consultant ends it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal import consents
from portal.extensions import db
from store.models import Citizen, Consent, Opening, Proposal
from store import clock
from portal.placements import service
from portal.placements.forms import month_label
from tests.conftest import user_factory
from tests.e2e.test_proposals import log_out
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e
NAME = "Qzvwxy Forløbsen"


@pytest.fixture
def disclosed(live_app, password_hash):
    """A consultant, a company and a proposal whose identity is released (live consent)."""
    make = user_factory(live_app, password_hash)
    consultant, company = make("consultant"), make("company")
    today = clock.today()
    with live_app.app_context():
        citizen = Citizen(name=NAME, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                          case_start=today - timedelta(days=300), hours_available=15, vk_id=consultant.id)
        opening = Opening(company_id=company.company_id, kind="virksomhedspraktik", title="Praktik i kantinen",
                          hours_min=10.0, hours_max=20.0, postcode="7130", status="open")
        db.session.add_all([citizen, opening])
        db.session.flush()
        proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status="disclosed",
                            decided_by_id=consultant.id)
        proposal.consents.append(Consent(text_version=consents.CONSENT_TEXT_VERSION, channel="telefon",
                                         deadline=today + timedelta(days=60), recorded_by_id=consultant.id))
        db.session.add(proposal)
        db.session.commit()
        return consultant, company, proposal.id


def test_consultant_starts_company_logs_hours_consultant_ends(page, live_app, disclosed):
    consultant, company, proposal_id = disclosed
    today = clock.today()
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)

    login(page, consultant.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto(f"/kandidater/forslag/{proposal_id}")
    page.get_by_role("link", name="Start forløb").click()
    assert page.get_by_label("Type forløb").input_value() == "virksomhedspraktik"
    assert page.get_by_label("Markér opslaget som besat").is_checked()
    page.get_by_label("Startdato").fill((today - timedelta(days=10)).isoformat())
    page.get_by_label("Timer pr. uge").fill("12,5")
    page.get_by_role("button", name="Start forløb").click()
    page.get_by_text("Forløbet er startet. Opslaget er markeret som besat.").wait_for()
    placement_label = page.get_by_test_id("placement-label").inner_text()
    placement_id = int(placement_label.split("nr. ")[1].split(" ")[0])
    log_out(page)

    login(page, company.email)
    page.get_by_role("link", name="Forløb", exact=True).click()
    company_label = f"{NAME} · Praktik i kantinen"  # disclosed: the company knows the name
    page.get_by_role("link", name=company_label).click()
    this_month = month_label(service.month_start(today))
    page.get_by_label("Måned", exact=True).select_option(label=this_month)
    page.get_by_label("Timer i måneden").fill("12,5")
    page.get_by_role("button", name="Gem timer").click()
    page.get_by_text(f"Timer for {this_month} er gemt: 12,5 timer.").wait_for()
    assert page.get_by_test_id("placement-label").inner_text() == company_label
    log_out(page)

    login(page, consultant.email)
    page.get_by_role("link", name="Forløb", exact=True).click()
    row = page.get_by_test_id("followup-row").filter(has_text=NAME)
    row.get_by_role("link", name=f"Se forløb nr. {placement_id}").click()
    assert page.get_by_test_id("hours-total").inner_text() == "12,5"
    page.get_by_label("Slutdato").fill((today + timedelta(days=60)).isoformat())  # refused: too far ahead
    page.get_by_label("Årsag til afslutning").select_option(label="Ordinært job")
    page.get_by_role("button", name="Afslut forløb").click()
    page.get_by_text("Ikke gemt: ret det, der er markeret under »Afslut forløb« længere nede.").wait_for()
    # the error is far down the page: focus moves to the form's error summary, so it is on the
    # screen and read out; its link takes focus to the field
    summary = page.locator(".jobbro-error-summary")
    summary.wait_for()  # made by the page's script once it has loaded; focus and title in the same step
    expect(summary).to_be_focused()
    assert page.title().startswith("Fejl: ")
    summary.get_by_role("link", name="Slutdato: Slutdatoen kan højst ligge 31 dage frem.").click()
    expect(page.locator("#end_date")).to_be_focused()  # moved there by the link's script
    assert page.locator(".form-error-message").get_by_text("Slutdatoen kan højst ligge 31 dage frem.").is_visible()
    page.get_by_label("Slutdato").fill((today - timedelta(days=1)).isoformat())
    page.get_by_label("Note (valgfri, ses kun af jobcentret)").fill("Fastansat fra mandag")
    page.get_by_role("button", name="Afslut forløb").click()
    page.get_by_text("Forløbet er afsluttet.").wait_for()
    assert page.get_by_test_id("end-reason").inner_text() == "Ordinært job"
    expect(page.get_by_test_id("events")).to_contain_text("Fastansat fra mandag", use_inner_text=True)  # a list: maybe parsed in part
    log_out(page)

    login(page, company.email)
    page.get_by_role("link", name="Forløb", exact=True).click()
    row = page.get_by_test_id("placement-row").filter(has_text=company_label)
    assert row.get_by_test_id("placement-status").inner_text() == "Afsluttet: ordinært job"
    page.wait_for_load_state("networkidle")  # the whole page, before reading what it must not say
    assert "Fastansat" not in page.content()  # the consultant's note stays with the job centre
    refused = "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
    assert console_errors == [refused]  # the refused end only (a form error is a 400)
