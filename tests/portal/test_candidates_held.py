"""A candidate a change of the opening's requirements put on hold (portal.openings.requirements),
on the consultant's side: the proposal page and the opening's candidate page say so and lead to
the opening, and the consultant ends the proposal while the opening is still open
(portal.candidates.opening_done)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.openings import requirements
from portal.pseudonyms import pseudonym
from store.models import AuditEvent, Citizen, Interview, MailMessage, Notification, Opening, Proposal
from tests.clock import TODAY
from tests.portal.proposal_fixtures import MARKER, disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


def hold(app, world) -> None:
    """The company makes its opening a fleksjob, which the citizen (kontanthjælp) may not take:
    the candidate is marked as the opening's edit marks it."""
    with app.app_context():
        opening = db.session.get(Opening, world["opening"])
        opening.kind = "fleksjob"
        assert [p.id for p in requirements.remark(opening, ["kind"], TODAY)[0]] == [world["proposal"]]
        db.session.commit()
        assert requirements.is_held(db.session.get(Proposal, world["proposal"]))


@pytest.fixture
def world(app, make_user):
    """The citizen disclosed under a live consent with a booked interview, then held."""
    world = disclosed_world(app, make_user)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).decided_at = datetime.now(timezone.utc) - timedelta(days=3)
        db.session.add(Interview(proposal_id=world["proposal"], starts_at=datetime.now(timezone.utc) + timedelta(days=2),
                                 duration_minutes=45, location="Kantinen", offered_by="company",
                                 offered_by_id=world["company"].id, status="booked", uid="held@jobbro"))
        db.session.commit()
    hold(app, world)
    return world


def test_the_proposal_page_shows_the_hold_links_the_opening_and_ends_it_while_the_opening_is_open(
        app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    page_url = f"/kandidater/forslag/{world['proposal']}"
    html = client.get(page_url).get_data(as_text=True)
    notice = html.split('data-testid="opening-changed"')[1].split("</div></div>")[0]
    assert "Opslagets krav er ændret" in notice and "(type)" in notice
    # Who changed them is not said: the company, or the job centre's import of its openings.
    assert " har ændret" not in notice and "fra Firma" in notice
    assert f'href="/kandidater/opslag/{world["opening"]}" data-testid="held-opening-link"' in notice
    assert "»ikke aktuel lige nu«" in notice and 'data-testid="end-with-opening"' in notice
    assert 'data-testid="proposal-held"' in html

    ended = client.post(f"{page_url}/afslut", data={"csrf_token": auth.csrf_token(page_url)},
                        follow_redirects=True).get_data(as_text=True)
    assert "Forslaget er afsluttet, fordi opslagets krav er ændret" in ended
    assert "Afsluttet, fordi opslagets krav blev ændret" in ended
    assert 'data-testid="proposal-status">Afsluttet – opslagets krav er ændret' in ended
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        assert (proposal.status, proposal.ended_on) == ("opening_done", TODAY)
        assert db.session.get(Opening, world["opening"]).status == "open"
        assert db.session.scalar(sa.select(Interview.status).where(Interview.uid == "held@jobbro")) == "cancelled"
        assert db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == "proposal_ended")).all() \
            == [f"opening requirements changed {TODAY.isoformat()}"]
    # the company reads only that the candidate is no longer relevant
    auth.switch_to(world["company"].email)
    company_page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    assert "Kandidaten er ikke længere aktuel" in company_page and MARKER not in company_page


def test_the_openings_candidate_page_names_the_held_candidates(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening']}").get_data(as_text=True)
    notice = html.split('data-testid="held-proposals"')[1].split("</div></div>")[0]
    assert "Én kandidat opfylder ikke længere opslagets krav" in notice
    assert f'href="/kandidater/forslag/{world["proposal"]}">{MARKER}</a>' in notice
    row = html.split('data-testid="decided-proposals"')[1].split("</tr>")[1]
    assert MARKER in row and 'data-testid="held-mark"' in row


def test_a_candidate_the_opening_fits_again_is_not_held_nor_endable(app, client, auth, world):
    from portal.candidates import opening_done

    with app.app_context():
        db.session.get(Citizen, world["citizen"]).benefit_group = "ledighedsydelse"  # may take a fleksjob
        db.session.commit()
        proposal = db.session.get(Proposal, world["proposal"])
        assert not opening_done.endable(proposal) and opening_done.hold(proposal) is None
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="opening-changed"' not in html and 'data-testid="end-with-opening"' not in html


def _company_notices(app, world) -> list[Notification]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Notification).where(
            Notification.user_id == world["company"].id, Notification.kind == "candidate_ended")))


def test_ending_a_held_candidate_tells_the_company_by_pseudonym_and_the_link_reads_the_notice(
        app, client, auth, world):
    page_url = f"/kandidater/forslag/{world['proposal']}"
    auth.switch_to(world["consultant"].email)
    client.post(f"{page_url}/afslut", data={"csrf_token": auth.csrf_token(page_url)})
    with app.app_context():
        who = pseudonym(world["citizen"], world["opening"])
        mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.user_id == world["company"].id,
                                                              MailMessage.kind == "candidate_ended"))
        assert mail is not None and who in mail.subject and MARKER not in mail.body
        assert mail.subject == f"{who} er ikke længere aktuel"  # short (review AD 6)
    [notice] = _company_notices(app, world)
    candidate_page = f"/opslag/{world['opening']}/kandidat/{world['proposal']}"
    # the booked interview the ending cancelled is said in the same notice (review AE 8)
    assert notice.text == f"{who} til »Praktik i kantinen« er ikke længere aktuel, og samtalen {_booked_at(app)} er aflyst."
    assert MARKER not in notice.text and notice.link == candidate_page and notice.read_at is None
    auth.switch_to(world["company"].email)
    page = client.get(notice.link)
    assert page.status_code == 200 and "Kandidaten er ikke længere aktuel" in page.get_data(as_text=True)
    [notice] = _company_notices(app, world)
    assert notice.read_at is not None


def _booked_at(app) -> str:
    from portal.interviews import common

    with app.app_context():
        return common.spoken_time(db.session.scalar(sa.select(Interview.starts_at).where(Interview.uid == "held@jobbro")))


def test_ending_a_held_candidate_with_a_booked_interview_tells_each_company_user_once(
        app, client, auth, world, make_user):
    """Review AE 8: each company user got »Samtalen … er aflyst« and »… ikke længere aktuel«,
    two notices and two mails, for the one step. Now one notice says both, and its mail carries
    the calendar cancellation; the job centre's side is told of the cancellation as before."""
    from types import SimpleNamespace

    from icalendar import Calendar

    colleague = make_user("company", company=SimpleNamespace(id=world["company"].company_id))
    adviser = make_user("consultant")
    with app.app_context():
        db.session.get(Citizen, world["citizen"]).adviser_id = adviser.id
        db.session.commit()
    page_url = f"/kandidater/forslag/{world['proposal']}"
    auth.switch_to(world["consultant"].email)
    client.post(f"{page_url}/afslut", data={"csrf_token": auth.csrf_token(page_url)})
    when = _booked_at(app)
    with app.app_context():
        for user_id in (world["company"].id, colleague.id):
            notices = db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id)).all()
            assert [(n.kind, n.read_at) for n in notices] == [("candidate_ended", None)]
            assert f"og samtalen {when} er aflyst" in notices[0].text
            [mail] = db.session.scalars(sa.select(MailMessage).where(MailMessage.user_id == user_id)).all()
            assert mail.kind == "candidate_ended"
            assert f"Den aftalte samtale {when} er aflyst (aflysningen til kalenderen er vedhæftet)." in mail.body
            calendar = Calendar.from_ical(mail.ics)
            event = next(iter(calendar.walk("VEVENT")))
            assert str(calendar["METHOD"]) == "CANCEL" and str(event["UID"]) == "held@jobbro"
            assert int(event["SEQUENCE"]) == 1
        # the job centre's side: the cancellation as before (the consultant's own step comes read)
        staff = {(n.user_id, n.kind, n.read_at is None) for n in db.session.scalars(
            sa.select(Notification).where(Notification.user_id.in_((world["consultant"].id, adviser.id))))}
        assert staff == {(world["consultant"].id, "interview_booked", False), (adviser.id, "interview_booked", True)}


def test_a_company_user_without_the_ended_mail_still_gets_the_calendar_cancellation(app, client, auth, world):
    with app.app_context():
        from store.models import User

        db.session.get(User, world["company"].id).mail_opt_out = ["candidate_ended"]
        db.session.commit()
    page_url = f"/kandidater/forslag/{world['proposal']}"
    auth.switch_to(world["consultant"].email)
    client.post(f"{page_url}/afslut", data={"csrf_token": auth.csrf_token(page_url)})
    with app.app_context():
        notices = db.session.scalars(sa.select(Notification).where(
            Notification.user_id == world["company"].id).order_by(Notification.id)).all()
        assert [(n.kind, n.read_at is None) for n in notices] == [("candidate_ended", True), ("interview_booked", False)]
        [mail] = db.session.scalars(sa.select(MailMessage).where(MailMessage.user_id == world["company"].id)).all()
        assert mail.kind == "interview_booked" and "METHOD:CANCEL" in mail.ics


def test_a_held_candidate_the_company_declined_is_ended_without_telling_it(app, client, auth, world, monkeypatch):
    from portal.webhooks import events

    told = []
    monkeypatch.setattr(events, "proposal_ended", lambda session, proposal: told.append(proposal.id))
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).company_response = "declined"
        db.session.commit()
    page_url = f"/kandidater/forslag/{world['proposal']}"
    auth.switch_to(world["consultant"].email)
    client.post(f"{page_url}/afslut", data={"csrf_token": auth.csrf_token(page_url)})
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).status == "opening_done"
    assert told == [] and _company_notices(app, world) == []  # as proposal.ended: neither


def test_a_change_back_lifts_the_mark_and_says_whom_it_lifted(app, world):
    """``remark`` returns both lists (review BN 6: the public one returned only the marked, the
    production path a private twin with both)."""
    with app.app_context():
        opening = db.session.get(Opening, world["opening"])
        opening.kind = "virksomhedspraktik"
        marked, lifted = requirements.remark(opening, ["kind"], TODAY)
        assert marked == [] and [p.id for p in lifted] == [world["proposal"]]
        db.session.commit()
        assert not requirements.is_held(db.session.get(Proposal, world["proposal"]))
