"""Review BK 1: over the API, a company acting on its own candidate that is no longer current
(case ended, opening done, consent withdrawn) got 404 »Findes ikke … eller du har ikke adgang«
and an ``authorisation_denied`` row from every write, while GET said 410 and the web (BH 4) tells
the company the candidate is no longer current and logs nothing.

Now every company-side endpoint on one proposal goes through ``portal.api.proposals.shown_proposal``:
410 with GET's text, no audit row, nothing saved. Another company's proposal, or one never shown,
stays 404 and logged; the OpenAPI document declares the 410 on every write.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.api.proposals import NO_LONGER_RELEVANT
from portal.extensions import db
from store import clock
from store.models import AuditEvent, Interview, Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.portal.proposal_fixtures import MARKER, add_interview, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

TIMES = {"times": ["2026-11-25T10:00:00+01:00"], "duration_minutes": 45, "location": "Kantinen, Fabriksvej 1"}
# Each write on one proposal: (name, path after /api/v1/proposals/{id}, body); {interview} is a booked
# interview of the proposal.
WRITES = [
    ("answer", "/answer", {"response": "interested", "note": "Vi ringer mandag"}),
    ("offer", "/interviews", TIMES),
    ("move", "/interviews/{interview}/move", TIMES),
    ("outcome", "/outcome", {"outcome": "declined", "reason": "Vi valgte en anden"}),
    ("book", "/interviews/{interview}/book", None),
    ("cancel", "/interviews/{interview}/cancel", None),
]


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    world = disclosed_world(app, make_user)
    world["interview"] = add_interview(app, world, hours_from_now=48)
    return world


def _end(app, proposal_id: int, status: str, *, decided: bool = True) -> None:
    """The job centre's change while the company's system worked (as proposals.end / withdraw leave it)."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.status = status
        proposal.decided_at = clock.utcnow() if decided else None
        db.session.commit()


def _state(app, world) -> tuple:
    """What a write could change: the proposal's answer and step, and its interviews."""
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        interviews = [(i.id, i.status, i.starts_at, i.location) for i in db.session.scalars(
            sa.select(Interview).where(Interview.proposal_id == proposal.id).order_by(Interview.id))]
        return proposal.status, proposal.company_response, proposal.company_response_note, interviews


def _denied(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.purpose)
                                       .where(AuditEvent.action == "authorisation_denied")))


def _post(client, raw, world, path, body):
    url = f"/api/v1/proposals/{world['proposal']}" + path.format(interview=world["interview"])
    return client.post(url, json=body, headers=bearer(raw))


@pytest.mark.parametrize("status", ["ended", "opening_done", "withdrawn"])
@pytest.mark.parametrize(("name", "path", "body"), WRITES, ids=[w[0] for w in WRITES])
def test_a_write_on_the_companys_own_candidate_no_longer_current_is_410_not_logged(
        app, client, world, status, name, path, body):
    raw = make_token(app, world["company"])
    _end(app, world["proposal"], status)
    before = _state(app, world)
    answer = _post(client, raw, world, path, body)
    assert answer.status_code == 410, (name, answer.status_code, answer.get_json())
    assert answer.mimetype == "application/problem+json"
    # the same text as GET gives, and nothing about the citizen
    read = client.get(f"/api/v1/proposals/{world['proposal']}", headers=bearer(raw))
    assert read.status_code == 410 and answer.json["detail"] == read.json["detail"] == NO_LONGER_RELEVANT
    assert MARKER not in answer.get_data(as_text=True)
    assert _denied(app) == []  # an ordinary moment, not an authorisation failure
    assert _state(app, world) == before  # nothing saved


@pytest.mark.parametrize(("name", "path", "body"), WRITES, ids=[w[0] for w in WRITES])
def test_another_companys_or_a_never_shown_candidate_stays_404_and_logged(app, client, world, name, path, body):
    _end(app, world["proposal"], "ended")
    before = _state(app, world)
    other = _post(client, make_token(app, world["other"]), world, path, body)
    assert other.status_code == 404, (name, other.get_json())
    assert _denied(app) == [f"Proposal:{world['proposal']}"]
    _end(app, world["proposal"], "ended", decided=False)  # ended before any approval: never shown
    never = _post(client, make_token(app, world["company"]), world, path, body)
    assert never.status_code == 404, (name, never.get_json())
    assert _denied(app) == [f"Proposal:{world['proposal']}"] * 2
    assert _state(app, world)[1:] == before[1:]


def test_a_current_candidate_is_still_answered(app, client, world):
    """The check lets a live candidate through: the answer is saved as before."""
    answer = _post(client, make_token(app, world["company"]), world, "/answer",
                   {"response": "interested", "note": "Vi ringer mandag"})
    assert answer.status_code == 200, answer.json
    assert _state(app, world)[1:3] == ("interested", "Vi ringer mandag")
    assert _denied(app) == []


def test_every_write_on_a_proposal_declares_the_410(app, client, world):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, world["consultant"]))).json
    for name, path, _body in WRITES:
        operation = spec["paths"]["/api/v1/proposals/{proposal_id}"
                                  + path.replace("{interview}", "{interview_id}")]["post"]
        assert "410" in operation["responses"], name
        assert "ikke længere aktuel" in operation["responses"]["410"]["description"], name
        assert "Intet er gemt" in operation["responses"]["410"]["description"], name
    assert "410" in spec["paths"]["/api/v1/proposals/{proposal_id}"]["get"]["responses"]
