"""Closing a case ends the citizen's live proposals (portal.citizens.case_endings).

Consent withdrawn, future interviews cancelled with a calendar CANCEL, the company told "no
longer relevant" without the reason, the hire kept; all in the closing's one transaction.
Reopening the case does not bring the proposals back.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from portal import consents, proposals
from portal.citizens import case, case_endings
from portal.extensions import db
from store.models import (AuditEvent, Citizen, Consent, Interview, MailMessage, Notification, Opening,
                          Proposal, User)
from tests.clock import TODAY
from tests.portal.proposal_fixtures import IN_90_DAYS, MARKER, build_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    """Keep queued mails in the queue: the mail worker blanks an .ics once it has sent it."""
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


def _interview(proposal_id: int, start: datetime, status: str, by: int, uid: str) -> Interview:
    return Interview(proposal_id=proposal_id, starts_at=start, duration_minutes=45, location="Kantinen",
                     offered_by="company", offered_by_id=by, status=status, uid=uid)


@pytest.fixture
def world(app, make_user):
    """The citizen (VK: the consultant) with: a disclosed proposal to the company, sharing phone and
    CV, with a booked and an offered future interview and an offered past one (one booked time per
    pair, migration 0028); a "proposed" one on
    the company's second opening; a hired one on the other company's opening."""
    world = build_world(app, make_user)
    company, other = world["company"], world["other"]
    now = datetime.now(timezone.utc)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id, citizen.phone = world["consultant"].id, "+45 11 22 33 44"
        disclosed = db.session.get(Proposal, world["proposal"])
        disclosed.status, disclosed.decided_at = "disclosed", now - timedelta(days=10)
        disclosed.shared_profile, disclosed.share_cv = {"phone": citizen.phone, "experience": "Kok"}, True
        db.session.add(Consent(proposal=disclosed, text_version=consents.CONSENT_TEXT_VERSION,
                               channel="telefon", deadline=IN_90_DAYS, recorded_by_id=world["consultant"].id))
        proposed = Proposal(citizen_id=citizen.id, opening_id=world["opening2"], status="proposed")
        third = Opening(company_id=other.company_id, kind="smaajob", title="Opvasker", hours_min=5.0,
                        hours_max=10.0, postcode="7130", status="open")
        db.session.add_all([proposed, third])
        db.session.flush()
        hired = Proposal(citizen_id=citizen.id, opening_id=third.id, status="disclosed",
                         company_response="hired", decided_at=now - timedelta(days=20),
                         decided_by_id=world["consultant"].id)
        db.session.add(hired)
        db.session.add_all([
            _interview(disclosed.id, now + timedelta(days=2), "booked", company.id, "booked@jobbro"),
            _interview(disclosed.id, now + timedelta(days=3), "offered", company.id, "offered@jobbro"),
            _interview(disclosed.id, now - timedelta(days=2), "offered", company.id, "past@jobbro"),
        ])
        db.session.commit()
        return world | {"proposed": proposed.id, "hired": hired.id, "third": third.id}


def close(client, auth, world, reason="ordinaert_job"):
    auth.switch_to(world["consultant"].email)
    token = auth.csrf_token(f"/borgere/{world['citizen']}")
    return client.post(f"/borgere/{world['citizen']}/afslut",
                       data={"csrf_token": token, "closed_on": TODAY.isoformat(), "reason": reason})


def statuses(app, world) -> dict[str, str]:
    with app.app_context():
        return {key: db.session.get(Proposal, world[key]).status for key in ("proposal", "proposed", "hired")}


def interview_rows(app, world) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(sa.select(Interview.uid, Interview.status)).all())


def test_closing_ends_live_proposals_hides_the_name_and_cancels_future_interviews(app, client, auth, world):
    assert close(client, auth, world).status_code == 302
    assert statuses(app, world) == {"proposal": "ended", "proposed": "ended", "hired": "disclosed"}
    assert interview_rows(app, world) == {"booked@jobbro": "cancelled", "offered@jobbro": "cancelled",
                                          "past@jobbro": "offered"}  # what happened stays as it was
    with app.app_context():
        ended = db.session.get(Proposal, world["proposal"])
        assert ended.ended_on == TODAY and ended.share_cv is False
        assert ended.shared_profile == {"experience": "Kok"}  # the contact went with the consent
        assert all(c.withdrawn_at is not None for c in ended.consents)
        assert not proposals.identity_released(ended)
        assert ended.decided_at is not None and ended.company_response is None  # the history is kept
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "proposal_ended")
                                    .order_by(AuditEvent.id)).all()
        assert [(e.opening_id, e.user_id, e.purpose) for e in events] == [
            (world["opening"], world["consultant"].id, f"case closed {TODAY.isoformat()}"),
            (world["opening2"], world["consultant"].id, f"case closed {TODAY.isoformat()}")]
        assert db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.action == "interview_cancelled")).all() == ["interview_cancelled"] * 2


def test_the_company_gets_the_calendar_cancel_and_a_notice_without_the_reason(app, client, auth, world):
    """One step, one notice per company user (review AE 8): the »ikke længere aktuel« notice says
    the booked interview is cancelled and its mail carries the calendar CANCEL; no separate
    »Samtalen … er aflyst« notice or mail reaches the company."""
    from portal.interviews import common

    close(client, auth, world, reason="flyttet")
    company = world["company"]
    with app.app_context():
        assert [n.kind for n in db.session.scalars(sa.select(Notification).where(
            Notification.user_id == company.id))] == ["candidate_ended"]
        assert not db.session.scalars(sa.select(MailMessage).where(
            MailMessage.kind == "interview_booked", MailMessage.user_id == company.id)).all()
        notices = db.session.scalars(sa.select(Notification).where(
            Notification.kind == "candidate_ended")).all()
        assert [n.user_id for n in notices] == [company.id]  # not the hiring company, not for "proposed"
        notice = notices[0]
        when = common.spoken_time(db.session.scalar(sa.select(Interview.starts_at).where(
            Interview.uid == "booked@jobbro")))
        assert notice.text.endswith(f"til »Praktik i kantinen« er ikke længere aktuel, og samtalen {when} er aflyst.")
        assert notice.link == f"/opslag/{world['opening']}/kandidat/{world['proposal']}"
        mail = db.session.scalars(sa.select(MailMessage).where(MailMessage.kind == "candidate_ended")).one()
        # the booked time only; an offered time never was in a calendar
        calendar = Calendar.from_ical(mail.ics)
        assert calendar.get("method") == "CANCEL"
        assert str(next(iter(calendar.walk("VEVENT")))["UID"]) == "booked@jobbro"
        assert f"Den aftalte samtale {when} er aflyst (aflysningen til kalenderen er vedhæftet)" in mail.body
        for text in (notice.text, mail.subject, mail.body):
            assert MARKER not in text and "Flyttet" not in text and "sag" not in text.casefold()


def test_the_company_sees_no_longer_relevant_and_cannot_act(app, client, auth, world):
    close(client, auth, world)
    auth.switch_to(world["company"].email)
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Kandidaten er ikke længere aktuel" in html
    assert MARKER not in html and "+45 11 22 33 44" not in html and "Ordinært job" not in html
    detail = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    assert 'data-testid="shared-candidate"' not in detail  # out of the live candidates
    assert 'data-testid="ended-candidates"' in detail and MARKER not in detail
    assert client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/cv").status_code == 404
    token = auth.csrf_token(f"/opslag/{world['opening']}")
    client.post(f"/opslag/{world['opening']}/kandidat/{world['proposal']}/svar",
                data={"csrf_token": token, "response": "interested"})
    client.post(f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/tider",
                data={"csrf_token": token, "duration": "45", "location": "Kantinen",
                      "date1": (TODAY + timedelta(days=5)).isoformat(), "time1": "10:00"})
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        assert proposal.company_response is None
        assert len(db.session.scalars(sa.select(Interview).where(Interview.proposal_id == proposal.id)).all()) == 3
    # a proposal the company was never shown stays a 404 once it ended
    assert client.get(f"/opslag/{world['opening2']}/kandidat/{world['proposed']}").status_code == 404


def test_reopening_does_not_revive_ended_proposals(app, client, auth, world):
    close(client, auth, world)
    token = auth.csrf_token(f"/borgere/{world['citizen']}")
    response = client.post(f"/borgere/{world['citizen']}/genaabn", data={"csrf_token": token, "reason": "Mistede jobbet"},
                           follow_redirects=True)
    assert "forbliver afsluttede" in response.get_data(as_text=True)
    assert statuses(app, world)["proposal"] == "ended"
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        user = db.session.get(User, world["consultant"].id)
        assert proposals.allowed_next(proposal) == frozenset()
        with pytest.raises(proposals.TransitionError):
            proposals.record_consent(proposal, user, channel="telefon", deadline=IN_90_DAYS)
        with pytest.raises(proposals.TransitionError):
            proposals.end(proposal, user, TODAY)
        assert db.session.get(Proposal, world["proposal"]).ended_on == TODAY


def test_a_failure_while_ending_writes_nothing(app, world, monkeypatch):
    def broken(proposal, name_was_shown, interview=None):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(case_endings, "_tell_company", broken)
    with app.test_request_context():
        citizen = db.session.get(Citizen, world["citizen"])
        user = db.session.get(User, world["consultant"].id)
        with pytest.raises(RuntimeError):
            case.close_case(citizen, TODAY, "ordinaert_job", today=TODAY, user=user)
        db.session.rollback()
    assert statuses(app, world) == {"proposal": "disclosed", "proposed": "proposed", "hired": "disclosed"}
    assert interview_rows(app, world)["booked@jobbro"] == "booked"
    with app.app_context():
        assert db.session.get(Citizen, world["citizen"]).case_closed is None
        assert db.session.get(Proposal, world["proposal"]).consents[0].withdrawn_at is None
        assert not db.session.scalars(sa.select(Notification)).all()
        assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.in_(
            ("proposal_ended", "case_closed", "interview_cancelled")))).all()


def test_a_refused_close_ends_nothing(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    token = auth.csrf_token(f"/borgere/{world['citizen']}")
    response = client.post(f"/borgere/{world['citizen']}/afslut", data={
        "csrf_token": token, "closed_on": (TODAY + timedelta(days=1)).isoformat(), "reason": "ordinaert_job"})
    assert response.status_code == 400
    assert statuses(app, world) == {"proposal": "disclosed", "proposed": "proposed", "hired": "disclosed"}


def test_the_close_form_says_beforehand_what_ends_and_who_is_told(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    ending = html.split('data-testid="close-ending"', 1)[1].split("</div></div>", 1)[0]
    assert "afsluttes 2 aktive forslag" in ending  # the disclosed and the proposed; not the hire
    with app.app_context():
        company = db.session.get(User, world["company"].id).company.name
        other = db.session.get(User, world["other"].id).company.name
    assert other not in ending and "ikke hvorfor" in ending
    items = ending.split("<li>")[1:]
    assert f'href="/kandidater/forslag/{world["proposal"]}">Praktik i kantinen</a> hos {company}' in items[0]
    assert "virksomheden får besked" in items[0]
    assert f'href="/kandidater/forslag/{world["proposed"]}"' in items[1] and "får ingen besked" in items[1]
    response = close(client, auth, world)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"2 forslag er afsluttet; {company} har fået besked" in html
    assert 'data-testid="close-ending"' not in html
    assert "De 2 forslag, der blev afsluttet med sagen, forbliver afsluttede" in html


def test_a_citizen_without_live_proposals_gets_no_warning(app, client, auth, world):
    with app.app_context():
        for key in ("proposal", "proposed"):
            db.session.get(Proposal, world[key]).status = "rejected"
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    assert 'data-testid="close-ending"' not in client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)


def test_the_consultants_proposal_page_says_it_ended_with_the_case_and_links_there(app, client, auth, world):
    close(client, auth, world)
    html = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="proposal-status">Afsluttet – borgerens sag er lukket<' in html
    ended = html.split('data-testid="proposal-ended"', 1)[1].split("</div>", 1)[0]
    assert f'href="/borgere/{world["citizen"]}#sag"' in ended and f"lukket {TODAY:%d.%m.%Y}" in ended
    assert "ser kun, at kandidaten ikke længere er aktuel, ikke hvorfor" in ended
    # The way to propose again seeks the citizen on the ranking (widened until they are on it).
    assert (f'href="/kandidater/opslag/{world["opening"]}?borger={world["citizen"]}#borger-{world["citizen"]}"'
            in html.split('data-testid="proposal-ended"', 1)[1].split("</div></div>", 1)[0])
    assert 'data-testid="shared-goal-form"' not in html and 'data-testid="shared-profile"' not in html
    assert 'data-testid="interview-panel"' not in html  # nothing to book any more
    proposed = client.get(f"/kandidater/forslag/{world['proposed']}").get_data(as_text=True)
    assert "ser kun" not in proposed.split('data-testid="proposal-ended"', 1)[1].split("</div>", 1)[0]


def test_the_companys_candidate_export_lists_the_ended_candidate_as_no_longer_current(app, client, auth, world):
    """As the opening's page (review AM 7): by pseudonym, no name, no facts and never why."""
    from portal.pseudonyms import pseudonym

    with app.app_context():
        who = pseudonym(world["citizen"], world["opening"])
    auth.switch_to(world["company"].email)
    assert who in client.get(f"/opslag/{world['opening']}/kandidater.csv").get_data(as_text=True)
    close(client, auth, world)
    auth.switch_to(world["company"].email)
    rows = [line.split(";") for line in client.get(f"/opslag/{world['opening']}/kandidater.csv")
            .get_data(as_text=True).splitlines() if line.startswith(who)]
    assert rows == [[who, "Nej", "", "Ikke længere aktuel.", "", "", "", ""]]  # no »Match« column (review BG 5)


def test_a_booked_interview_leaves_the_calendars_even_when_the_consent_had_lapsed(app, client, auth, world):
    with app.app_context():
        consent = db.session.get(Proposal, world["proposal"]).consents[0]
        consent.deadline = TODAY - timedelta(days=1)  # the name is no longer shown; the booking stands
        db.session.commit()
    close(client, auth, world)
    assert interview_rows(app, world)["booked@jobbro"] == "cancelled"
    with app.app_context():
        # one mail to the company, the ending's, carries the CANCEL (review AE 8)
        cancel = db.session.scalars(sa.select(MailMessage).where(
            MailMessage.ics.is_not(None), MailMessage.user_id == world["company"].id)).one()
        assert cancel.kind == "candidate_ended" and Calendar.from_ical(cancel.ics).get("method") == "CANCEL"


def test_another_company_gets_404_for_an_ended_candidate(app, client, auth, world):
    close(client, auth, world)
    auth.switch_to(world["other"].email)
    assert client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").status_code == 404
    # its own opening, another opening's proposal id: 404 too
    assert client.get(f"/opslag/{world['third']}/kandidat/{world['proposal']}").status_code == 404


def _reopen(client, auth, world):
    token = auth.csrf_token(f"/borgere/{world['citizen']}")
    return client.post(f"/borgere/{world['citizen']}/genaabn", data={"csrf_token": token, "reason": "Mistede jobbet"})


def test_after_a_reopen_the_pair_takes_a_new_decision_and_the_company_meets_the_candidate_afresh(
        app, client, auth, world):
    from portal.candidates import service as candidates

    close(client, auth, world)
    with app.app_context():  # closed: the ended pair counts as decided, no new decision
        assert world["citizen"] in candidates.decided_citizens(world["opening"])
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.company_response, proposal.company_response_note = "interested", "Ring gerne"
        db.session.commit()
        with pytest.raises(ValueError, match="allerede truffet en beslutning"):
            candidates.record_decision(db.session.get(Opening, world["opening"]),
                                       db.session.get(Citizen, world["citizen"]), True, "",
                                       None, db.session.get(User, world["consultant"].id))
    assert _reopen(client, auth, world).status_code == 302
    with app.app_context():
        assert world["citizen"] not in candidates.decided_citizens(world["opening"])  # ranked again
        renewed = candidates.record_decision(db.session.get(Opening, world["opening"]),
                                             db.session.get(Citizen, world["citizen"]), True, "Passer igen",
                                             None, db.session.get(User, world["consultant"].id),
                                             shared_goal="Kok")
        assert renewed.id == world["proposal"]  # one proposal per pair
        assert (renewed.status, renewed.decision_reason, renewed.shared_goal) == ("approved", "Passer igen", "Kok")
        assert (renewed.company_response, renewed.company_response_note, renewed.ended_on) == (None, "", None)
        assert renewed.shared_profile == {} and renewed.profile_approved_at is None
        assert world["citizen"] in candidates.decided_citizens(world["opening"])
        assert db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.opening_id == world["opening"], AuditEvent.action.in_(
                ("proposal_renewed", "proposal_approved")))).all() == ["proposal_renewed", "proposal_approved"]
        with pytest.raises(ValueError, match="allerede truffet en beslutning"):  # and only once
            candidates.record_decision(db.session.get(Opening, world["opening"]),
                                       db.session.get(Citizen, world["citizen"]), False, "",
                                       None, db.session.get(User, world["consultant"].id))
    auth.switch_to(world["company"].email)
    detail = client.get(f"/opslag/{world['opening']}").get_data(as_text=True)
    assert 'data-testid="ended-candidates"' not in detail and "Ring gerne" not in detail


def test_an_ended_proposal_takes_no_profile_approval(app, client, auth, world):
    from portal.candidates import profile

    close(client, auth, world)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        with pytest.raises(proposals.TransitionError, match="afsluttet"):
            profile.approve(proposal, db.session.get(User, world["consultant"].id),
                            profile.Profile("Kok i 5 år", "", None, (), "", None))


@pytest.mark.parametrize("change, says", [
    ("declined", "virksomheden har sagt nej til kandidaten og får ingen besked"),
    ("opening_closed", "opslaget er ikke længere åbent, så virksomheden får ingen besked"),
])
def test_a_company_that_would_not_care_is_not_told_but_the_proposal_still_ends(app, client, auth, world,
                                                                                change, says):
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        if change == "declined":
            proposal.company_response = "declined"
        else:
            proposal.opening.status = "closed"
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    ending = html.split('data-testid="close-ending"', 1)[1].split("</div></div>", 1)[0]
    first = ending.split("<li>")[1]
    assert f'href="/kandidater/forslag/{world["proposal"]}"' in first and says in first
    assert "virksomheden får besked" not in ending
    response = close(client, auth, world)
    assert response.status_code == 302
    assert statuses(app, world)["proposal"] == "ended"
    with app.app_context():
        assert not db.session.scalars(sa.select(Notification).where(Notification.kind == "candidate_ended")).all()
        assert not db.session.scalars(sa.select(MailMessage).where(MailMessage.kind == "candidate_ended")).all()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "har fået besked" not in page and "2 forslag er afsluttet." in page


def test_the_reopen_form_and_the_reopened_case_link_to_the_ended_proposals(app, client, auth, world):
    close(client, auth, world)
    html = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    listed = html.split('data-testid="ended-proposals"', 1)[1].split("</ul>", 1)[0]
    for key in ("proposal", "proposed"):
        assert f'href="/kandidater/forslag/{world[key]}"' in listed
    assert f'/kandidater/forslag/{world["hired"]}"' not in listed
    _reopen(client, auth, world)
    html = client.get(f"/borgere/{world['citizen']}").get_data(as_text=True)
    listed = html.split('data-testid="ended-proposals"', 1)[1].split("</ul>", 1)[0]
    assert f'href="/kandidater/forslag/{world["proposal"]}"' in listed
    assert f'href="/kandidater/opslag/{world["opening"]}"' in listed  # where to propose again


def test_after_a_new_decision_the_page_dates_the_match_by_the_decision(app, client, auth, world):
    from portal.candidates import service as candidates

    with app.app_context():
        db.session.get(Proposal, world["proposal"]).created_at = datetime(2026, 1, 2, 9, tzinfo=timezone.utc)
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert "da forslaget blev lavet den 02.01.2026" in page
    close(client, auth, world)
    _reopen(client, auth, world)
    with app.app_context():
        renewed = candidates.record_decision(db.session.get(Opening, world["opening"]),
                                             db.session.get(Citizen, world["citizen"]), True, "Passer igen",
                                             None, db.session.get(User, world["consultant"].id), shared_goal="Kok")
        renewed.explanation = {"similarity_band": "Stærkt match", "matched_goals": ["Kok"]}  # as the ranking stores it
        decided = renewed.decided_at
        db.session.commit()
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    when = re.search(r'data-testid="matched-when">(.*?)</p>', page, re.DOTALL).group(1)
    assert "da den nye beslutning blev truffet" in when and "02.01.2026" not in when
    assert decided.strftime("%d.%m.%Y") in when


def test_a_pair_decided_anew_and_ended_again_tells_the_company_again(app, world):
    """The company's notice is one per ending: a repeated run tells nobody twice, and the same
    pair decided anew and ended again (a case closed, reopened, the pair proposed again and the
    case closed once more) is told again (its key carries the decision's time)."""
    def told() -> int:
        return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.kind == "candidate_ended"))

    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        case_endings._tell_company(proposal, True)
        once = told()
        case_endings._tell_company(proposal, True)
        assert once >= 1 and told() == once
        proposal.decided_at = (proposal.decided_at or datetime(2026, 1, 1)) + timedelta(days=3)
        case_endings._tell_company(proposal, True)
        assert told() == 2 * once
        db.session.rollback()


@pytest.mark.parametrize("status, consent, name_was_shown", [
    ("approved", False, False), ("consented", True, False), ("disclosed", True, True)])
def test_the_mail_says_the_name_is_no_longer_shown_only_when_the_company_saw_it(
        app, client, auth, make_user, status, consent, name_was_shown):
    """Review AE 3: an approved or consented candidate was only ever a pseudonym to the company."""
    world = build_world(app, make_user)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.status = status
        if consent:
            db.session.add(Consent(proposal=proposal, text_version=consents.CONSENT_TEXT_VERSION,
                                   channel="telefon", deadline=IN_90_DAYS,
                                   recorded_by_id=world["consultant"].id))
        db.session.commit()
    assert close(client, auth, world).status_code == 302
    with app.app_context():
        mail = db.session.scalars(sa.select(MailMessage).where(MailMessage.kind == "candidate_ended")).one()
    assert "Jobcentret har taget kandidaten ud af jeres opslag." in mail.body
    assert ("navn og kontaktoplysninger vises ikke længere" in mail.body) is name_was_shown
