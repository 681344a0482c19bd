"""The ranking marks the citizen a consultant searched for, and a jump to the card shows it whole."""
from __future__ import annotations

from datetime import date

import pytest

from indexer.rebuild import rebuild
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.models import Citizen, Company, CvDocument, JobGoal, Opening
from tests.conftest import user_factory
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e


@pytest.fixture
def ranking(live_app, password_hash):
    """An opening with two citizens who both match it; returns (consultant, opening id)."""
    make_user = user_factory(live_app, password_hash)
    consultant = make_user("consultant", email="vk@jobcenter.dk")
    owner = make_user("company", email="chef@bageri.dk")
    with live_app.app_context():
        company = db.session.get(Company, owner.company_id)
        opening = Opening(company=company, kind="smaajob", title="Bagermedhjælper om morgenen",
                          description="Hjælp til bagning af brød og kager.", hours_min=4, hours_max=10,
                          postcode="8722", status="open")
        citizens = []
        for name in ("Bente Bager", "Søren Søgt"):
            citizen = Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                              readiness_group="paa_spring", case_start=date(2025, 3, 1), vk_id=consultant.id)
            citizen.job_goals.append(JobGoal(title="Bagermedhjælper"))
            citizen.cv_documents.append(CvDocument(text="Erfaring med bagning af brød i bageri."))
            citizens.append(citizen)
        db.session.add_all([opening, *citizens])
        db.session.commit()
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
        return consultant, opening.id


def test_the_sought_card_is_marked_and_not_hidden_when_jumped_to(page, ranking):
    consultant, opening_id = ranking
    login(page, consultant.email)
    page.goto(f"/kandidater/opslag/{opening_id}")
    sought = page.locator("li.jobbro-match").nth(1).get_attribute("data-citizen")
    # Asked for one, the second is sought: the list is widened to reach it, and it is marked.
    page.goto(f"/kandidater/opslag/{opening_id}?k=1&borger={sought}#borger-{sought}")
    page.get_by_test_id("sought").wait_for()
    card = page.locator(f"#borger-{sought}")
    assert card.evaluate("el => el.matches('.jobbro-sought:target')")
    style = "el => { const s = getComputedStyle(el); return [s.borderLeftWidth, s.borderLeftStyle, " \
            "s.borderLeftColor, s.backgroundColor, s.scrollMarginTop]; }"
    width, line, colour, background, margin = card.evaluate(style)
    assert (width, line, colour) == ("6px", "solid", "rgb(0, 89, 179)")
    assert background != "rgba(0, 0, 0, 0)" and float(margin.removesuffix("px")) >= 16
    other = page.locator("li.jobbro-match:not(.jobbro-sought)").first
    assert other.evaluate(style)[:3] != ["6px", "solid", "rgb(0, 89, 179)"]  # only the sought card
    assert card.bounding_box()["y"] >= 16  # jumped to, with room above it
