"""A consultant closes and reopens a case; an administrator erases a citizen (browser)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from store.models import Citizen
from store.clock import today
from tests.conftest import PASSWORD, user_factory
from tests.e2e.helpers import settled
from tests.portal.citizen_fixtures import make_citizen

pytestmark = pytest.mark.e2e


def login(page, email: str) -> None:
    page.goto("/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.get_by_test_id("start-page").wait_for()


def test_consultant_closes_and_reopens_a_case(page, live_app, password_hash):
    consultant = user_factory(live_app, password_hash)("consultant")
    citizen_id = make_citizen(live_app, name="Maja Holm", vk_id=consultant.id)
    login(page, consultant.email)

    page.get_by_role("link", name="Borgere", exact=True).click()
    page.get_by_test_id("citizen-row").filter(has_text="Maja Holm").get_by_role("link", name="Maja Holm").click()
    page.get_by_label("Afslutningsdato").fill(today().isoformat())
    page.get_by_label("Årsag").select_option(label="Ordinært job")
    page.get_by_role("button", name="Afslut sag").click()
    page.get_by_text("Sagen er afsluttet.").wait_for()
    expect(page.get_by_test_id("closed-banner")).to_be_visible()

    page.get_by_role("link", name="Borgere", exact=True).click()
    page.get_by_label("Vis afsluttede sager").wait_for()
    settled(page)  # the whole list is there: only then does "no row" mean anything
    assert page.get_by_test_id("citizen-row").filter(has_text="Maja Holm").count() == 0
    page.get_by_label("Vis afsluttede sager").check()
    page.get_by_role("button", name="Vis", exact=True).click()
    row = page.get_by_test_id("citizen-row").filter(has_text="Maja Holm")
    expect(row).to_contain_text("Afsluttet", use_inner_text=True)  # the row: maybe parsed in part
    row.get_by_role("link", name="Maja Holm").click()

    page.get_by_label("Hvorfor genåbnes sagen?").fill("Mistede jobbet")
    page.get_by_role("button", name="Genåbn sag").click()
    page.get_by_text("Sagen er genåbnet.").wait_for()
    settled(page)
    assert page.get_by_test_id("closed-banner").count() == 0
    with live_app.app_context():
        assert db.session.get(Citizen, citizen_id).case_closed is None


def test_admin_erases_a_citizen(page, live_app, password_hash):
    admin = user_factory(live_app, password_hash)("admin")
    citizen_id = make_citizen(live_app, name="Emil Vestergaard")
    login(page, admin.email)

    page.goto(f"/borgere/{citizen_id}")
    page.get_by_role("link", name="Slet borger").click()
    expect(page.get_by_test_id("erase-scope")).to_contain_text("Uploadede CV-filer", use_inner_text=True)  # a list
    page.get_by_label(re.compile("^Formål")).fill("J.nr. 2026-0042")
    page.get_by_label(re.compile("fulde navn")).fill("Emil Vestergård")
    page.get_by_role("button", name="Slet borgeren").click()
    page.locator(".form-error-message").get_by_text("Navnet svarer ikke til borgerens navn. Intet er slettet.").wait_for()

    page.get_by_label(re.compile("fulde navn")).fill("Emil Vestergaard")
    page.get_by_role("button", name="Slet borgeren").click()
    page.get_by_text(f"Borger nr. {citizen_id} er slettet").wait_for()
    assert page.url.endswith("/borgere/")
    with live_app.app_context():
        assert db.session.get(Citizen, citizen_id) is None


def test_closing_a_case_ends_the_proposal_and_the_company_is_told(page, live_app, password_hash):
    from datetime import timedelta

    from portal import consents
    from store.models import Consent, Opening, Proposal, User
    from store.models.base import utcnow

    make = user_factory(live_app, password_hash)
    consultant, company_user = make("consultant"), make("company")
    citizen_id = make_citizen(live_app, name="Jonas Lund", vk_id=consultant.id)
    with live_app.app_context():
        opening = Opening(company_id=company_user.company_id, kind="smaajob", title="Lagerhjælp", hours_min=5.0,
                          hours_max=10.0, postcode="7130", status="open")
        db.session.add(opening)
        db.session.flush()
        proposal = Proposal(citizen_id=citizen_id, opening_id=opening.id, status="disclosed",
                            decided_by_id=consultant.id, decided_at=utcnow())
        proposal.consents.append(Consent(text_version=consents.CONSENT_TEXT_VERSION, channel="telefon",
                                         deadline=today() + timedelta(days=60), recorded_by_id=consultant.id))
        db.session.add(proposal)
        db.session.commit()
        company_name = db.session.get(User, company_user.id).company.name
    login(page, consultant.email)
    page.goto(f"/borgere/{citizen_id}")
    warning = page.get_by_test_id("close-ending")
    assert "afsluttes 1 aktivt forslag" in warning.inner_text() and company_name in warning.inner_text()
    assert warning.get_by_role("link", name="Lagerhjælp").is_visible()
    page.get_by_label("Årsag").select_option(label="Flyttet fra kommunen")
    page.get_by_role("button", name="Afslut sag").click()
    page.get_by_text("Et forslag er afsluttet").wait_for()

    page.get_by_role("button", name="Log ud").click()
    login(page, company_user.email)
    page.goto("/beskeder")
    page.get_by_text("er ikke længere aktuel").first.click()
    page.get_by_test_id("candidate-ended").wait_for()
    settled(page)  # the whole page, before reading what it must not say
    body = page.locator("main").inner_text()
    assert "Kandidaten er ikke længere aktuel" in body and "Jonas Lund" not in body and "Flyttet" not in body
