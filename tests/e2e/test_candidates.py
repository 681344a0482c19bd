"""A consultant opens an opening's ranking in the browser, reads the reasons and approves."""
from __future__ import annotations

from datetime import date

import pytest

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
    assert "Bente Bager" in card.inner_text()
    assert "Jobmål der matcher: Bagermedhjælper" in card.inner_text()
    card.get_by_placeholder("Begrundelse").first.fill("Stærk match og klar til start")
    card.get_by_role("button", name="Godkend og foreslå").click()
    page.get_by_text("Bente Bager er godkendt og foreslået").wait_for()
    with live_app.app_context():
        proposal = db.session.query(Proposal).one()
        assert (proposal.status, proposal.decision_reason) == ("approved", "Stærk match og klar til start")
