"""A consultant opens an opening's ranking in the browser, reads the reasons and approves."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from indexer.rebuild import rebuild
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.models import Citizen, Company, CvDocument, JobGoal, Opening, Proposal
from tests.conftest import user_factory
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e


def test_consultant_ranks_and_approves(page, live_app, password_hash):
    make_user = user_factory(live_app, password_hash)
    consultant = make_user("consultant", email="vk@jobcenter.dk")
    owner = make_user("company", email="chef@bageri.dk")
    with live_app.app_context():
        company = db.session.get(Company, owner.company_id)
        company.consultant_id = consultant.id
        db.session.add(Opening(company=company, kind="smaajob", title="Bagermedhjælper om morgenen",
                               description="Hjælp til bagning af brød og kager.", hours_min=4,
                               hours_max=10, postcode="8722", status="open"))
        citizen = Citizen(name="Bente Bager", postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_spring", case_start=date(2025, 3, 1),
                          vk_id=consultant.id)
        citizen.job_goals.append(JobGoal(title="Bagermedhjælper"))
        citizen.cv_documents.append(CvDocument(text="Erfaring med bagning af brød i bageri."))
        db.session.add(citizen)
        db.session.commit()
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)

    login(page, consultant.email)
    page.get_by_role("link", name="Opslag og kandidater").click()
    page.get_by_role("link", name="Se kandidater").click()
    card = page.locator("li.jobbro-match").first
    # Found by its opening tag, the card may not be parsed whole yet: wait for the text.
    expect(card).to_contain_text("Bente Bager", use_inner_text=True)
    expect(card).to_contain_text("Jobmål der matcher: Bagermedhjælper", use_inner_text=True)
    card.get_by_label("Begrundelse for at godkende").fill("Stærk match og klar til start")
    card.get_by_role("button", name="Godkend og foreslå").click()
    page.get_by_text("Bente Bager er godkendt og foreslået").wait_for()
    with live_app.app_context():
        proposal = db.session.query(Proposal).one()
        assert (proposal.status, proposal.decision_reason) == ("approved", "Stærk match og klar til start")


def _ranked_names(page) -> list[str]:
    return page.locator("li.jobbro-match h3 a").all_inner_texts()


def test_the_first_ten_are_the_same_whether_ten_or_fifty_are_asked_for(page, live_app, password_hash):
    """Issue 8: a pair's score does not depend on k or on who else is in the pool."""
    make_user = user_factory(live_app, password_hash)
    consultant = make_user("consultant", email="vk@jobcenter.dk")
    owner = make_user("company", email="chef@lager.dk")
    goals = [("Lagermedarbejder", "Pluk og pak på lager, truckcertifikat."),
             ("Truckfører", "Kører truck på et stort lager."), ("Chauffør", "Varebil og udbringning."),
             ("Rengøringsassistent", "Rengøring af kontorer."), ("Butiksassistent", "Kasse og varer på lager."),
             ("Kok", "Køkken og kantine.")]
    postcodes = ["8722", "8723", "7130", "7160", "8700", "8783"]
    with live_app.app_context():
        company = db.session.get(Company, owner.company_id)
        company.consultant_id = consultant.id
        opening = Opening(company=company, kind="smaajob", title="Lagerhjælper med truck",
                          description="Plukning, pakning og truckkørsel på vores lager.",
                          hours_min=4, hours_max=15, postcode="8722", status="open")
        db.session.add(opening)
        for i in range(64):
            goal, cv = goals[i % len(goals)]
            citizen = Citizen(name=f"Borger {i:02d}", postcode=postcodes[i % len(postcodes)],
                              benefit_group="kontanthjaelp", hours_available=5 + i % 20,
                              readiness_group=("paa_spring", "paa_vej", "i_gang")[i % 3],
                              case_start=date(2024 + i % 3, 1 + i % 12, 1), vk_id=consultant.id,
                              max_commute_km=40)
            citizen.job_goals.append(JobGoal(title=goal))
            citizen.cv_documents.append(CvDocument(text=f"{cv} Erfaring fra {i % 7 + 1} arbejdspladser."))
            db.session.add(citizen)
        db.session.commit()
        opening_id = opening.id
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)

    login(page, consultant.email)
    page.goto(f"/kandidater/opslag/{opening_id}")
    orders = {}
    for k in ("10", "50"):
        page.locator("summary", has_text="Filtre").click()
        page.get_by_label("Antal kandidater").fill(k)
        page.get_by_role("button", name="Opdatér").click()
        page.wait_for_url(f"**k={k}**")
        orders[k] = _ranked_names(page)
    assert len(orders["10"]) == 10 and len(orders["50"]) == 50
    assert orders["50"][:10] == orders["10"]
