"""The jobmål a company is shown for a candidate (shared_goal.shown_goal) is read with the page, not
one statement per candidate (review AB 10): the API's proposal list for a company, the company's
opening page and its candidate download cost as many statements for 3N candidates as for N."""
from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from store.models import Citizen, JobGoal, Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.conftest import PASSWORD
from tests.portal import proposal_fixtures
from tests.sql_statements import statements

pytestmark = pytest.mark.usefixtures("frozen_today")


def add_candidates(app, world, count: int) -> None:
    """``count`` approved candidates on the world's opening, each with a jobmål shown to the company."""
    with app.app_context():
        for n in range(count):
            citizen = Citizen(name=f"Kandidat {n}", postcode="8722", benefit_group="kontanthjaelp",
                              readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=10)
            citizen.job_goals.append(JobGoal(title="Kok"))
            citizen.job_goals.append(JobGoal(title="Lagerarbejder", position=1))
            db.session.add(citizen)
            db.session.flush()
            db.session.add(Proposal(citizen_id=citizen.id, opening_id=world["opening"], status="approved",
                                    explanation={"similarity_band": "Godt match", "matched_goals": ["Kok"]},
                                    shared_goal="Kok", decided_by_id=world["consultant"].id))
        db.session.commit()


def count(app, client, url: str, **kwargs) -> tuple[int, object]:
    with statements(app) as seen:
        answer = client.get(url, **kwargs)
    assert answer.status_code == 200, answer.status_code
    return len(seen), answer


def test_api_proposals_read_the_shown_jobmal_with_the_page(app, client, make_user):
    world = proposal_fixtures.build_world(app, make_user)
    raw = make_token(app, world["company"])
    add_candidates(app, world, 3)
    url, headers = "/api/v1/proposals/?limit=100", bearer(raw)
    count(app, client, url, headers=headers)  # the first call also notes the token's use
    few, answer = count(app, client, url, headers=headers)
    assert [item["shared_goal"] for item in answer.json["items"]] == ["Kok"] * 4
    add_candidates(app, world, 6)
    many, answer = count(app, client, url, headers=headers)
    assert len(answer.json["items"]) == 10
    assert many == few, (few, many)


@pytest.mark.parametrize("path", ["", "/kandidater.csv"])
def test_opening_page_and_download_read_the_shown_jobmal_with_the_page(app, client, auth, make_user, path):
    world = proposal_fixtures.build_world(app, make_user)
    auth.login(world["company"].email, PASSWORD)
    url = f"/opslag/{world['opening']}{path}"
    add_candidates(app, world, 3)
    count(app, client, url)
    few, answer = count(app, client, url)
    assert answer.get_data(as_text=True).count("Kok") >= 4
    add_candidates(app, world, 6)
    many, answer = count(app, client, url)
    assert answer.get_data(as_text=True).count("Kok") >= 10
    assert many == few, (few, many)
