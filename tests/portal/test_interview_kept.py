"""Review AR 4: a booked interview kept although the pair has stopped is not asked about again.

The company that reports »Ansat / startet« (or says no) and chooses »Behold samtalen« on the
confirmation page has decided: the choice is stored (a mark on the proposal, audited), and the
consultant's start page lists the interview as agreed, with who keeps it, instead of asking to
cancel or keep it. The consultant's proposal page offers »Behold samtalen« for a standing
interview nobody has kept yet, which clears the question the same way.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.interviews import answers, booking, keeping, slots
from portal.main import queue
from portal.proposals import respond
from store.models import AuditEvent, Consent, Interview, Notification, Proposal, User
from tests.api.api_fixtures import bearer, make_token
from tests.portal.proposal_fixtures import disclosed_world
from tests.portal.test_candidates_held import hold

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    """The citizen disclosed under a live consent, with an interview booked in two days."""
    world = disclosed_world(app, make_user)
    with app.app_context():
        row = Interview(proposal_id=world["proposal"], starts_at=datetime.now(timezone.utc) + timedelta(days=2),
                        duration_minutes=45, location="Kantinen", offered_by="company",
                        offered_by_id=world["company"].id, status="booked", uid="kept@jobbro")
        db.session.add(row)
        db.session.commit()
        world["interview"] = row.id
    return world


def listed(app, world) -> dict[int, tuple[str, str]]:
    with app.app_context():
        user = db.session.get(User, world["consultant"].id)
        return {i.proposal.id: (i.action, i.note)
                for i in queue.interviews_to_arrange(user, datetime.now(timezone.utc))}


def start_page_row(client, auth, world) -> str:
    auth.switch_to(world["consultant"].email)
    page = client.get("/").get_data(as_text=True)
    section = page[page.index('data-testid="queue-samtaler"'):]
    return section[:section.index("</section>")]


def proposal_panel(client, auth, world) -> str:
    auth.switch_to(world["consultant"].email)
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    section = page[page.index('data-testid="interview-panel"'):]
    return section[:section.index("</section>")]


def answer_on_the_web(client, auth, world, response: str, note: str = "") -> None:
    auth.switch_to(world["company"].email)
    done = client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                       data={"csrf_token": auth.csrf_token("/"), "response": response, "note": note,
                             "next": "candidate", "confirmed": "1", "interview": "keep"})
    assert done.status_code == 302


def kept_events(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(AuditEvent.user_id, AuditEvent.purpose).where(AuditEvent.action == "interview_kept")
            .order_by(AuditEvent.id))]


def keep_as_consultant(client, auth, world):
    auth.switch_to(world["consultant"].email)
    page = f"/kandidater/forslag/{world['proposal']}"
    return client.post(f"/samtaler/{world['interview']}/behold", data={"csrf_token": auth.csrf_token(page)},
                       follow_redirects=True)


def test_a_hire_that_keeps_the_interview_asks_the_consultant_nothing(app, client, auth, world):
    answer_on_the_web(client, auth, world, "hired")
    with app.app_context():
        assert db.session.get(Interview, world["interview"]).status == "booked"
    assert listed(app, world) == {world["proposal"]: ("Samtale aftalt", queue.KEPT_BY_COMPANY_HIRE)}
    row = start_page_row(client, auth, world)
    assert "aflys eller behold" not in row
    assert "(virksomheden beholder den som første møde)" in row and "Samtale aftalt" in row
    assert kept_events(app) == [(world["company"].id,
                                 f"interview:{world['interview']};reason:hired;side:company")]
    panel = proposal_panel(client, auth, world)
    assert "Virksomheden beholder samtalen som et første møde." in panel
    assert 'data-testid="interview-keep"' not in panel  # nothing left to decide
    assert 'data-testid="interview-cancel"' in panel  # it can still be cancelled


def test_a_no_that_keeps_the_interview_asks_the_consultant_nothing(app, client, auth, world):
    answer_on_the_web(client, auth, world, "declined")
    assert listed(app, world) == {world["proposal"]: ("Samtale aftalt", queue.KEPT_BY_COMPANY)}
    assert "Virksomheden vil gerne mødes alligevel" in proposal_panel(client, auth, world)


def test_the_api_keep_is_stored_as_the_webs(app, client, world):
    done = client.post(f"/api/v1/proposals/{world['proposal']}/answer",
                       json={"response": "hired", "booked_interview": "keep"},
                       headers=bearer(make_token(app, world["company"])))
    assert done.status_code == 200, done.json
    assert listed(app, world) == {world["proposal"]: ("Samtale aftalt", queue.KEPT_BY_COMPANY_HIRE)}


def test_a_cancelled_interview_stores_no_keep(app, client, auth, world):
    auth.switch_to(world["company"].email)
    client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                data={"csrf_token": auth.csrf_token("/"), "response": "hired", "note": "", "next": "candidate",
                      "confirmed": "1", "interview": "cancel"})
    with app.app_context():
        assert keeping.KEPT not in db.session.get(Proposal, world["proposal"]).explanation
    assert kept_events(app) == [] and listed(app, world) == {}


def test_the_consultant_keeps_a_standing_interview_from_the_proposal_page(app, client, auth, world):
    with app.app_context():  # a hire answered before the keep was stored (or through no choice)
        respond(db.session.get(Proposal, world["proposal"]), db.session.get(User, world["company"].id), "hired")
        db.session.commit()
    assert listed(app, world) == {world["proposal"]: (queue.STANDING_HIRED, "")}
    panel = proposal_panel(client, auth, world)
    assert 'data-testid="interview-keep"' in panel and "Behold samtalen" in panel
    with app.app_context():
        told = db.session.scalar(sa.select(sa.func.count(Notification.id)))

    page = keep_as_consultant(client, auth, world).get_data(as_text=True)
    assert "er beholdt, selv om kandidaten er meldt ansat" in page
    assert listed(app, world) == {world["proposal"]: ("Samtale aftalt", queue.KEPT_BY_JOBCENTER)}
    assert "aflys eller behold" not in start_page_row(client, auth, world)
    assert kept_events(app) == [(world["consultant"].id,
                                 f"interview:{world['interview']};reason:hired;side:jobcenter")]
    with app.app_context():  # the calendars are as they were: nobody is told
        assert db.session.get(Interview, world["interview"]).status == "booked"
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == told
    panel = proposal_panel(client, auth, world)
    assert "Jobcentret har valgt at beholde samtalen, selv om kandidaten er meldt ansat." in panel
    assert 'data-testid="interview-keep"' not in panel

    again = keep_as_consultant(client, auth, world).get_data(as_text=True)
    assert keeping.ALREADY_KEPT in again and len(kept_events(app)) == 1


@pytest.mark.parametrize("stop", ["hold", "closed"])
def test_a_held_candidates_or_closed_openings_interview_can_be_kept(app, client, auth, world, stop):
    if stop == "hold":
        hold(app, world)
    else:
        with app.app_context():
            db.session.get(Proposal, world["proposal"]).opening.status = "closed"
            db.session.commit()
    assert 'data-testid="interview-keep"' in proposal_panel(client, auth, world)
    keep_as_consultant(client, auth, world)
    assert listed(app, world) == {world["proposal"]: ("Samtale aftalt", queue.KEPT_BY_JOBCENTER)}


def test_a_new_reason_asks_again(app, client, auth, world):
    answer_on_the_web(client, auth, world, "hired")
    with app.app_context():  # kept as a first meeting; now the consent lapses: a new question
        consent = db.session.scalar(sa.select(Consent))
        consent.withdrawn_at = datetime.now(timezone.utc)
        db.session.commit()
    assert listed(app, world) == {world["proposal"]: (queue.STANDING_HIDDEN, "")}
    assert 'data-testid="interview-keep"' in proposal_panel(client, auth, world)


def test_an_interview_with_nothing_to_decide_is_not_kept(app, client, auth, world):
    assert listed(app, world) == {world["proposal"]: ("Samtale aftalt", "")}
    assert 'data-testid="interview-keep"' not in proposal_panel(client, auth, world)
    page = keep_as_consultant(client, auth, world).get_data(as_text=True)
    assert keeping.NOTHING_TO_KEEP in page and kept_events(app) == []


def test_a_company_user_cannot_use_the_job_centres_keep(app, client, auth, world):
    with app.app_context():
        respond(db.session.get(Proposal, world["proposal"]), db.session.get(User, world["company"].id), "hired")
        db.session.commit()
    auth.switch_to(world["company"].email)
    refused = client.post(f"/samtaler/{world['interview']}/behold", data={"csrf_token": auth.csrf_token("/")})
    assert refused.status_code == 403 and kept_events(app) == []
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="interview-keep"' not in page


def test_a_kept_interview_moved_to_a_new_time_stays_kept(app, world):
    answer_on_the_web_service(app, world)
    with app.test_request_context():
        company = db.session.get(User, world["company"].id)
        consultant = db.session.get(User, world["consultant"].id)
        start = (datetime.now(timezone.utc) + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
        (new,) = booking.move(db.session.get(Interview, world["interview"]), company,
                                 [slots.Slot(start, 60, "Kontoret")])
        booking.book(new, consultant)
        mark = db.session.get(Proposal, world["proposal"]).explanation[keeping.KEPT]
        assert mark["interview"] == new.id and mark["side"] == "company"
    assert listed(app, world) == {world["proposal"]: ("Samtale aftalt", queue.KEPT_BY_COMPANY_HIRE)}


def answer_on_the_web_service(app, world) -> None:
    """The company's hire with the interview kept, through the service the web and the API call."""
    with app.test_request_context():
        answers.answer(db.session.get(Proposal, world["proposal"]), db.session.get(User, world["company"].id),
                          "hired", booked_interview="keep")
