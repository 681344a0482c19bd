"""In the browser: consent → confirm the password → the consent is recorded; then the profile is
approved and "Del" → confirm → the name is shared and the company is told, without a second click."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import Citizen, JobGoal, MailMessage, Notification, Opening, Proposal
from store.clock import today
from tests.conftest import PASSWORD, user_factory
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e
NAME = "Qzvwxy Markersen"
PHONE = "21 34 56 78"


@pytest.fixture
def seeded(live_app, password_hash):
    # Every password entry is stale at once: each sensitive step goes through /auth/confirm.
    live_app.config["FRESH_LOGIN_MINUTES"] = 0
    make = user_factory(live_app, password_hash)
    consultant, company = make("consultant"), make("company")
    with live_app.app_context():
        citizen = Citizen(name=NAME, phone=PHONE, email="qz@example.dk", postcode="8722",
                          benefit_group="kontanthjaelp", readiness_group="i_gang",
                          case_start=date(2026, 1, 5), hours_available=10, languages="dansk")
        opening = Opening(company_id=company.company_id, kind="virksomhedspraktik", title="Praktik i kantinen",
                          hours_min=10.0, hours_max=20.0, postcode="7130", status="open")
        db.session.add_all([citizen, opening])
        db.session.flush()
        db.session.add(JobGoal(citizen_id=citizen.id, title="Kok", position=0))
        proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status="approved",
                            explanation={"similarity_band": "Stærkt match", "matched_goals": ["Kok"]},
                            decided_by_id=consultant.id)
        db.session.add(proposal)
        db.session.commit()
        return consultant, company, proposal.id


def _status(live_app, proposal_id: int) -> tuple[str, dict]:
    with live_app.app_context():
        item = db.session.get(Proposal, proposal_id)
        return item.status, dict(item.shared_profile)


def _confirm(page) -> None:
    page.get_by_role("heading", name="Bekræft din adgangskode").wait_for()
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Bekræft").click()


def test_the_clicked_action_is_carried_out_after_the_password(page, live_app, seeded):
    consultant, company, proposal_id = seeded
    login(page, consultant.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto(f"/kandidater/forslag/{proposal_id}")
    assert "Firma" in page.get_by_test_id("consent-text").inner_text()
    assert PHONE in page.get_by_test_id("citizen-contact").inner_text()

    page.get_by_label("Hvordan gav borgeren samtykke?").select_option(label="Telefon")
    page.get_by_label("Samtykket gælder til og med").fill((today() + timedelta(days=60)).isoformat())
    page.get_by_label("Virksomheden må få borgerens telefonnummer").check()
    page.get_by_label("Borgeren har fået samtykketeksten", exact=False).check()
    page.get_by_role("button", name="Registrér samtykke").click()
    assert "Borgerens samtykke registreres" in page.get_by_test_id("waiting-action").inner_text()
    _confirm(page)
    page.get_by_text("Samtykket er registreret.", exact=False).wait_for()
    assert _status(live_app, proposal_id) == ("consented", {"phone": PHONE})

    page.get_by_test_id("disclose-blocked").wait_for()
    page.get_by_label("Erfaring (kort resumé)").fill("Kok i kantine i 5 år.")
    page.get_by_role("button", name="Godkend profilen").click()
    page.get_by_text("Profilen til virksomheden er godkendt.", exact=False).wait_for()

    page.get_by_test_id("disclose-confirm").locator("summary").click()  # the second step
    page.get_by_test_id("disclose").click()
    _confirm(page)
    page.get_by_text("Borgerens navn og profil er nu delt med virksomheden", exact=False).wait_for()
    assert page.get_by_test_id("proposal-status").inner_text() == "Navn og profil delt med virksomheden"
    assert _status(live_app, proposal_id)[0] == "disclosed"
    with live_app.app_context():
        assert db.session.scalar(sa.select(Notification.user_id)) == company.id
        assert db.session.scalar(sa.select(MailMessage.to_address)) == company.email
    page.wait_for_load_state("networkidle")
