"""Review W 4, on the company's openings: the candidate's card on the opening's page says when the
job centre has offered interview times to choose among and when an interview is booked, linked to
the candidate's interview panel; the /opslag list counts them per opening (as the start page)."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from portal.extensions import db
from portal.interviews.common import spoken_time
from portal.pseudonyms import pseudonym
from store.models import Interview, Proposal
from tests.conftest import AuthActions
from tests.portal.proposal_fixtures import MARKER, add_interview, disclosed_world


def _offer(app, world, hours_from_now: float, side: str = "jobcenter") -> datetime:
    """A time offered by ``side`` for the world's proposal; returns its start."""
    starts = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=hours_from_now)
    with app.app_context():
        db.session.add(Interview(proposal_id=world["proposal"], status="offered", duration_minutes=60,
                                 starts_at=starts, location="Jobcentret", offered_by=side,
                                 offered_by_id=world["consultant"].id, uid=f"{uuid.uuid4()}@jobbro"))
        db.session.commit()
    return starts


def _get(app, client, world, path: str) -> str:
    with app.app_context():
        email = db.session.get(type(world["company"]), world["company"].id).email
    AuthActions(client).switch_to(email)
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _card(html: str) -> str:
    return re.search(r'data-testid="shared-candidate"(.*?)</li>', html, re.S).group(1)


def _row(html: str, title: str) -> str:
    [row] = [r for r in re.findall(r'data-testid="opening-row".*?</tr>', html, re.S) if title in r]
    return row


def test_card_says_the_job_centre_offered_times_to_choose(app, client, make_user):
    world = disclosed_world(app, make_user)
    later, sooner = _offer(app, world, 50), _offer(app, world, 26)
    past = _offer(app, world, -5)  # nothing to choose any more
    own = _offer(app, world, 30, side="company")  # the company's own offer waits for the job centre
    card = _card(_get(app, client, world, f"/opslag/{world['opening']}"))
    choose = re.search(r'data-testid="candidate-interview-choose">(.*?)</p>', card, re.S).group(1)
    assert "Jobcentret har foreslået tider – vælg en" in choose
    assert f'href="/opslag/{world["opening"]}/kandidat/{world["proposal"]}#samtale"' in choose
    with app.app_context():
        assert choose.index(spoken_time(sooner)) < choose.index(spoken_time(later))
        assert spoken_time(past) not in choose and spoken_time(own) not in choose
        assert pseudonym(db.session.get(Proposal, world["proposal"]).citizen_id, world["opening"]) in choose
    assert MARKER not in choose and 'data-testid="candidate-interview-booked"' not in card


def test_card_says_when_the_interview_is_booked(app, client, make_user):
    world = disclosed_world(app, make_user)
    held = add_interview(app, world, hours_from_now=-48)  # held: not ahead
    assert "candidate-interview-booked" not in _card(_get(app, client, world, f"/opslag/{world['opening']}"))
    with app.app_context():  # one booked time per pair (migration 0028): a new one replaces the held one
        db.session.execute(sa.update(Interview).where(Interview.id == held)
                           .values(status="cancelled", sequence=Interview.sequence + 1))
        db.session.commit()
    add_interview(app, world, hours_from_now=48)
    card = _card(_get(app, client, world, f"/opslag/{world['opening']}"))
    booked = re.search(r'data-testid="candidate-interview-booked">(.*?)</p>', card, re.S).group(1)
    assert "Samtale aftalt:" in booked and booked.count(" kl. ") == 1
    assert f'href="/opslag/{world["opening"]}/kandidat/{world["proposal"]}#samtale"' in booked
    assert 'data-testid="candidate-interview-choose"' not in card


def test_card_says_nothing_without_an_interview_ahead(app, client, make_user):
    world = disclosed_world(app, make_user)
    add_interview(app, world, hours_from_now=-48)
    _offer(app, world, 30, side="company")
    card = _card(_get(app, client, world, f"/opslag/{world['opening']}"))
    assert "candidate-interview-" not in card


def test_openings_list_counts_times_to_choose_and_booked_interviews(app, client, make_user):
    world = disclosed_world(app, make_user)
    _offer(app, world, 26)
    _offer(app, world, 50)  # one candidate, two times: counted once
    add_interview(app, world, hours_from_now=72)
    html = _get(app, client, world, "/opslag/")
    row = _row(html, "Praktik i kantinen")
    assert "1 kandidat: vælg en samtaletid" in row and "1 samtale aftalt" in row
    assert f'href="/opslag/{world["opening"]}#kandidater" data-testid="opening-interviews-to-choose"' in row
    assert "opening-interviews" not in _row(html, "Praktik på lageret")
    assert MARKER not in html


def test_openings_list_counts_nothing_once_the_name_is_no_longer_shared(app, client, make_user):
    world = disclosed_world(app, make_user)
    _offer(app, world, 26)
    add_interview(app, world, hours_from_now=72)
    with app.app_context():
        db.session.execute(sa.update(Proposal).where(Proposal.id == world["proposal"]).values(status="ended"))
        db.session.commit()
    assert "opening-interviews" not in _get(app, client, world, "/opslag/")


def _listed(app, world) -> tuple[list[int], list[int]]:
    """(proposal ids with times to choose, with booked interviews ahead) for the company."""
    from portal.openings.interview_times import interviews_for_company

    with app.app_context():
        company_id = db.session.get(Proposal, world["proposal"]).opening.company_id
        to_choose, booked = interviews_for_company(company_id, datetime.now(timezone.utc))
    return [i.proposal_id for i in to_choose], [i.proposal_id for i in booked]


def _both(app, world) -> None:
    _offer(app, world, 30)
    add_interview(app, world, hours_from_now=60)


def _hold(app, world) -> None:
    """Put the world's candidate on hold as a requirement change does: the mark, and an opening
    that asks more hours than the citizen has."""
    from portal import proposals_hold

    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.explanation = {**(proposal.explanation or {}),
                                proposals_hold.MARK: {"on": "2026-12-01", "fields": ["hours_min"]}}
        proposal.opening.hours_min = float(proposal.citizen.hours_available or 0) + 5
        db.session.commit()


def test_a_held_candidates_interviews_are_no_to_do_of_the_company(app, make_user):
    """Review Z 1: a candidate on hold after a requirement change has no interview panel; its
    offered times and booked interview were still the company's to-dos."""
    world = disclosed_world(app, make_user)
    _both(app, world)
    assert _listed(app, world) == ([world["proposal"]], [world["proposal"]])
    _hold(app, world)
    assert _listed(app, world) == ([], [])


def test_the_company_list_reads_the_rules_of_a_hold_once(app, make_user, monkeypatch):
    """The holds of a company's whole list are read in one pass (one read of the eligibility
    rules), not pair by pair for each interview row."""
    from portal import proposals_hold

    world = disclosed_world(app, make_user)
    _both(app, world)  # two rows (a time to choose, a booked interview) of the one pair
    _hold(app, world)
    reads = []
    real = proposals_hold.load_rules
    monkeypatch.setattr(proposals_hold, "load_rules", lambda session: reads.append(1) or real(session))
    assert _listed(app, world) == ([], [])
    assert len(reads) == 1


def test_a_closed_openings_offered_times_are_no_to_do_but_its_booked_interview_is(app, make_user):
    """Review Z 5: the booking refuses a time on a closed opening, so it is not asked for; a
    booked interview still stands (and can be cancelled from the candidate's page)."""
    world = disclosed_world(app, make_user)
    _both(app, world)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).opening.status = "closed"
        db.session.commit()
    assert _listed(app, world) == ([], [world["proposal"]])


def test_a_lapsed_consents_interviews_are_no_to_do(app, make_user):
    """Review Z 6: a consent past its deadline hides the name and the interview panel."""
    from store.models import Consent

    world = disclosed_world(app, make_user)
    _both(app, world)
    with app.app_context():
        consent = db.session.scalar(sa.select(Consent).where(Consent.proposal_id == world["proposal"]))
        consent.deadline = datetime.now(timezone.utc).date() - timedelta(days=2)
        db.session.commit()
    assert _listed(app, world) == ([], [])


def test_the_candidate_page_offers_no_choice_of_time_on_a_closed_opening(app, client, make_user):
    """Review Z 5: »Vælg denne tid« on a closed opening was refused on pressing; now the page
    says why instead of offering it."""
    world = disclosed_world(app, make_user)
    _offer(app, world, 30)
    path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}"
    assert 'data-testid="interview-book"' in _get(app, client, world, path)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).opening.status = "closed"
        db.session.commit()
    page = _get(app, client, world, path)
    assert 'data-testid="interview-book"' not in page
    assert "Opslaget er lukket, så der aftales ikke samtaler om det." in page
