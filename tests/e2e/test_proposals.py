"""A consultant records consent and discloses; the company then sees the name and answers."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from portal.extensions import db
from store.models import Citizen, Opening, Proposal
from store.clock import today
from tests.conftest import user_factory
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e
NAME = "Qzvwxy Markersen"


def log_out(page) -> None:
    # Let fonts and styles finish loading first: a request cut off mid-file leaves the
    # server's file handle to the garbage collector (a ResourceWarning, an error here).
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Log ud").click()
    page.get_by_role("heading", name="Log ind").wait_for()


@pytest.fixture
def seeded(live_app, password_hash):
    make = user_factory(live_app, password_hash)
    consultant, company = make("consultant"), make("company")
    with live_app.app_context():
        citizen = Citizen(name=NAME, postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=10)
        opening = Opening(company_id=company.company_id, kind="virksomhedspraktik", title="Praktik i kantinen",
                          hours_min=10.0, hours_max=20.0, postcode="7130", status="open")
        db.session.add_all([citizen, opening])
        db.session.flush()
        proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status="approved",
                            explanation={"similarity_band": "Stærkt match", "matched_goals": ["Kok"]},
                            decided_by_id=consultant.id)
        db.session.add(proposal)
        db.session.commit()
        return consultant, company, opening.id, proposal.id


def test_consent_disclosure_and_company_response(page, live_app, seeded):
    consultant, company, opening_id, proposal_id = seeded
    login(page, company.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto(f"/opslag/{opening_id}")
    page.get_by_test_id("shared-candidate").wait_for()
    assert NAME not in page.content()
    log_out(page)

    login(page, consultant.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto(f"/kandidater/forslag/{proposal_id}")
    page.get_by_label("Hvordan gav borgeren samtykke?").select_option(label="Telefon")
    page.get_by_label("Samtykket gælder til og med").fill((today() + timedelta(days=60)).isoformat())
    page.get_by_label("Borgeren har fået samtykketeksten", exact=False).check()
    page.get_by_role("button", name="Registrér samtykke").click()
    page.get_by_text("Samtykket er registreret.", exact=False).wait_for()
    page.get_by_label("Erfaring (kort resumé)").fill("Kok i kantine i 5 år.")
    page.get_by_role("button", name="Godkend profilen").click()
    page.get_by_text("Profilen til virksomheden er godkendt.", exact=False).wait_for()
    page.get_by_test_id("disclose-confirm").locator("summary").click()  # the second step
    page.get_by_test_id("disclose").click()
    page.get_by_text("Borgerens navn og profil er nu delt med virksomheden", exact=False).wait_for()
    assert page.get_by_test_id("proposal-status").inner_text() == "Navn og profil delt med virksomheden"
    log_out(page)

    login(page, company.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto(f"/opslag/{opening_id}")
    assert page.get_by_test_id("candidate-name").inner_text() == NAME
    # the label and button name the candidate to a screen reader (review AT 2): »Svar om <kaldenavn>«
    page.get_by_label(re.compile(r"^Svar om ")).select_option(label="Interesseret")
    page.get_by_label(re.compile(r"^Kort note om .*\(valgfri\)$")).fill("Ring på mandag")
    page.get_by_role("button", name=re.compile(r"^Gem svar om ")).click()
    page.get_by_text("Jeres svar er gemt.").wait_for()
    assert "Interesseret: Ring på mandag" in page.get_by_test_id("candidate-response").inner_text()
    page.wait_for_load_state("networkidle")
