"""Steps with consequences for the other side take a second step: cancelling a booked interview
(company and job centre) and an answer into or out of "Ansat / startet"."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import Notification, Proposal
from tests.portal.proposal_fixtures import add_interview, disclosed_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    return disclosed_world(app, make_user)


def response_of(app, world) -> str | None:
    with app.app_context():
        return db.session.get(Proposal, world["proposal"]).company_response


def told(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.kind == "company_answered"))


def candidate_page(client, world) -> str:
    return client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)


@pytest.mark.parametrize("who, path", [
    ("company", "/opslag/{opening}/kandidat/{proposal}"),
    ("consultant", "/kandidater/forslag/{proposal}"),
])
def test_cancelling_a_booked_interview_sits_behind_a_confirmation(app, client, auth, world, who, path):
    interview = add_interview(app, world, hours_from_now=48)
    auth.switch_to(world[who].email)
    html = client.get(path.format(opening=world["opening"], proposal=world["proposal"])).get_data(as_text=True)
    confirm = re.search(r'<details class="jobbro-confirm" data-testid="interview-cancel-confirm">(.*?)</details>',
                        html, re.S)
    assert confirm, "the cancel button must sit in a second step"
    assert f'/samtaler/{interview}/aflys' in confirm.group(1)
    assert html.count(f'/samtaler/{interview}/aflys') == 1  # no one-click cancel beside it
    assert "får besked" in confirm.group(1) and "Ja, aflys samtalen" in confirm.group(1)


def test_answer_hired_is_saved_only_after_the_confirmation(app, client, auth, world):
    auth.switch_to(world["company"].email)
    path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar"
    data = {"csrf_token": auth.csrf_token("/"), "response": "hired", "note": "Start mandag", "next": "candidate"}
    page = client.post(path, data=data)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "ansat / startet?" in html and "Jobcentret får besked med det samme" in html
    assert 'name="confirmed" value="1"' in html and 'value="Start mandag"' in html
    assert (response_of(app, world), told(app)) == (None, 0)

    done = client.post(path, data=data | {"confirmed": "1"})
    assert done.status_code == 302 and "/kandidat/" in done.location
    assert (response_of(app, world), told(app)) == ("hired", 1)


def test_an_ordinary_answer_needs_no_confirmation(app, client, auth, world):
    auth.switch_to(world["company"].email)
    path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar"
    assert client.post(path, data={"csrf_token": auth.csrf_token("/"), "response": "interested"}).status_code == 302
    assert response_of(app, world) == "interested"


def test_a_refused_hire_gets_no_confirmation_page(app, client, auth, world):
    set_status(app, world["proposal"], "consented")  # the name is not shared
    auth.switch_to(world["company"].email)
    path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar"
    response = client.post(path, data={"csrf_token": auth.csrf_token("/"), "response": "hired"})
    assert response.status_code == 302 and response_of(app, world) is None


def test_outcome_hired_is_saved_only_after_the_confirmation(app, client, auth, world):
    add_interview(app, world, hours_from_now=-3)
    auth.switch_to(world["company"].email)
    path = f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/udfald"
    data = {"csrf_token": auth.csrf_token("/"), "outcome": "hired"}
    page = client.post(path, data=data)
    assert page.status_code == 200 and "ansat / startet?" in page.get_data(as_text=True)
    assert f'action="{path}"' in page.get_data(as_text=True)
    assert (response_of(app, world), told(app)) == (None, 0)
    assert client.post(path, data=data | {"confirmed": "1"}).status_code == 302
    assert (response_of(app, world), told(app)) == ("hired", 1)


def test_outcome_declined_with_a_reason_needs_no_confirmation(app, client, auth, world):
    add_interview(app, world, hours_from_now=-3)
    auth.switch_to(world["company"].email)
    path = f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/udfald"
    client.post(path, data={"csrf_token": auth.csrf_token("/"), "outcome": "declined", "reason": "For langt væk"})
    assert response_of(app, world) == "declined"


def hired(app, world) -> None:
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).company_response = "hired"
        db.session.commit()


def test_changing_a_hire_warns_confirms_and_tells_the_consultant(app, client, auth, world):
    hired(app, world)
    auth.switch_to(world["company"].email)
    assert "Vælger I et andet svar, får jobcentret besked om det ændrede svar" in candidate_page(client, world)
    path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar"
    data = {"csrf_token": auth.csrf_token("/"), "response": "declined", "next": "candidate"}
    html = client.post(path, data=data).get_data(as_text=True)
    assert "Ændre jeres svar" in html and "jobcentret har fået besked om at starte forløbet" in html
    assert (response_of(app, world), told(app)) == ("hired", 0)

    done = client.post(path, data=data | {"confirmed": "1"}, follow_redirects=True)
    assert "Jeres svar er ændret til »Ikke interesseret«" in done.get_data(as_text=True)
    assert response_of(app, world) == "declined"
    with app.app_context():
        (note,) = db.session.scalars(sa.select(Notification).where(Notification.kind == "company_answered"))
    assert note.user_id == world["consultant"].id
    assert "har ændret sit svar" in note.text and "»Ansat / startet« til »Ikke interesseret«" in note.text
    assert "start ikke forløbet" in note.text and note.link == f"/kandidater/forslag/{world['proposal']}"


def test_a_hire_with_a_started_placement_cannot_be_changed(app, client, auth, world):
    from store.models import Placement
    hired(app, world)
    with app.app_context():
        db.session.add(Placement(citizen_id=world["citizen"], opening_id=world["opening"],
                                 company_id=world["company"].company_id, kind="virksomhedspraktik",
                                 start_date=datetime.now(timezone.utc).date(), weekly_hours=10))
        db.session.commit()
    auth.switch_to(world["company"].email)
    for page in (candidate_page(client, world),
                 client.get(f"/opslag/{world['opening']}").get_data(as_text=True)):
        assert 'data-testid="answer-locked"' in page and f"/kandidat/{world['proposal']}/svar" not in page
    path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar"
    response = client.post(path, data={"csrf_token": auth.csrf_token("/"), "response": "declined",
                                       "confirmed": "1"}, follow_redirects=True)
    assert "Jobcentret har allerede startet forløbet" in response.get_data(as_text=True)
    assert (response_of(app, world), told(app)) == ("hired", 0)
