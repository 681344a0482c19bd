"""Review: an old »… har ansat …: start forløbet« notice after the placement was started.

It stops counting as a to-do once the pair has a placement (:func:`portal.notifications.service.mark_seen`),
and opening its start form leads to that placement whatever else is true (a consent withdrawn
since: :func:`portal.placements.lifecycle.start_refusal` names the placement first).
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from store.models import Notification, Placement, Proposal
from tests.clock import TODAY
from tests.portal.proposal_fixtures import disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")


def _notice(app, user_id: int, link: str, text: str = "Firma har ansat Borger (Titel): start forløbet") -> int:
    with app.app_context():
        note = Notification(user_id=user_id, kind="company_answered", text=text, link=link)
        db.session.add(note)
        db.session.commit()
        return note.id


def _read(app, note_id: int) -> bool:
    with app.app_context():
        return db.session.get(Notification, note_id).read_at is not None


def _place(app, world, **changes) -> int:
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).company_response = "hired"
        placement = Placement(**{"citizen_id": world["citizen"], "opening_id": world["opening"],
                                 "company_id": world["company"].company_id, "kind": "virksomhedspraktik",
                                 "start_date": TODAY + timedelta(days=3), "weekly_hours": 12, **changes})
        db.session.add(placement)
        db.session.commit()
        return placement.id


@pytest.fixture
def world(app, make_user):
    return disclosed_world(app, make_user)


def test_the_hire_notice_is_done_once_the_placement_is_started(app, client, auth, world):
    start = _notice(app, world["consultant"].id, f"/forloeb/ny/{world['proposal']}")
    answer = _notice(app, world["consultant"].id, f"/kandidater/forslag/{world['proposal']}#svar",
                     text="Firma har ændret sit svar om Borger (Titel) fra »Ansat / startet« til »Nej«: start ikke forløbet")
    auth.login(world["consultant"].email)
    client.get("/")
    assert not _read(app, start), "no placement yet: the start is still to do"
    _place(app, world)
    client.get("/")
    assert _read(app, start)
    assert not _read(app, answer), "only the hire's start form is done by a start"


def test_a_placement_cancelled_before_its_start_does_not_do_it(app, client, auth, world):
    start = _notice(app, world["consultant"].id, f"/forloeb/ny/{world['proposal']}")
    _place(app, world, end_reason="aflyst", end_date=TODAY + timedelta(days=3))
    auth.login(world["consultant"].email)
    client.get("/")
    assert not _read(app, start)


def test_the_start_form_leads_to_the_placement_after_a_withdrawal(app, client, auth, world):
    placement = _place(app, world)
    auth.login(world["consultant"].email)
    token = auth.csrf_token(f"/kandidater/forslag/{world['proposal']}")
    assert client.post(f"/kandidater/forslag/{world['proposal']}/tilbagekald",
                       data={"csrf_token": token}).status_code == 302
    response = client.get(f"/forloeb/ny/{world['proposal']}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/forloeb/{placement}/konsulent")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Borgeren har allerede et forløb på dette opslag: forløb nr. {placement} fra" in page
    assert "identitet er delt" not in page


def test_the_start_refusal_names_the_placement_first(app, world):
    from portal.placements import lifecycle

    placement = _place(app, world)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.status = "withdrawn"
        assert lifecycle.start_refusal(proposal, TODAY).startswith(
            f"Borgeren har allerede et forløb på dette opslag: forløb nr. {placement} fra ")
        assert lifecycle.pair_placement(proposal, TODAY).id == placement


def test_a_placement_that_ended_before_a_second_hire_does_not_do_it(app, client, auth, world):
    from store.models.base import utcnow

    _place(app, world, start_date=TODAY - timedelta(days=90), end_date=TODAY - timedelta(days=30),
           end_reason="afbrudt", created_at=utcnow() - timedelta(days=91))
    start = _notice(app, world["consultant"].id, f"/forloeb/ny/{world['proposal']}")  # hired again (review BV 1)
    auth.login(world["consultant"].email)
    client.get("/")
    assert not _read(app, start), "the second start is still to do"
    assert client.get(f"/forloeb/ny/{world['proposal']}").status_code == 200
    _place(app, world)
    client.get("/")
    assert _read(app, start)
