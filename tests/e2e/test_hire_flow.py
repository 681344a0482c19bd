"""From match to hire in the browser (issue 9): disclose → profile → interview with .ics → hired → placement."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from portal import consents
from portal.extensions import db
from portal.interviews.common import spoken_time
from store import clock
from store.clock import LOCAL
from store.models import Citizen, Consent, Interview, MailMessage, Opening, Proposal
from tests.conftest import user_factory
from tests.e2e.helpers import settled
from tests.e2e.test_proposals import log_out
from tests.e2e.test_roles import login

pytestmark = pytest.mark.e2e
NAME = "Qzvwxy Ansættesen"


@pytest.fixture
def consented(live_app, password_hash, monkeypatch):
    """A consented proposal with a consultant-approved profile (the consent/profile UI is another page)."""
    from portal.notifications import mailer

    # Keep queued mails queued: the worker blanks the .ics once a mail is sent.
    monkeypatch.setattr(mailer, "kick", lambda app: None)
    make = user_factory(live_app, password_hash)
    consultant, company = make("consultant"), make("company")
    today = clock.today()
    with live_app.app_context():
        citizen = Citizen(name=NAME, phone="20 30 40 50", postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=today - timedelta(days=200),
                          hours_available=15, vk_id=consultant.id)
        opening = Opening(company_id=company.company_id, kind="smaajob", title="Opvasker i kantinen",
                          hours_min=5.0, hours_max=15.0, postcode="8722", status="open")
        db.session.add_all([citizen, opening])
        db.session.flush()
        proposal = Proposal(
            citizen_id=citizen.id, opening_id=opening.id, status="consented", decided_by_id=consultant.id,
            explanation={"similarity_band": "Stærkt match"}, shared_goal="Opvasker",
            shared_profile={"experience": "Tre år som opvasker på hotel", "goals": "Opvasker", "hours": 15,
                            "licences": ["B"], "languages": "dansk", "start": "", "phone": "20 30 40 50"},
            profile_approved_by_id=consultant.id, profile_approved_at=datetime.now(timezone.utc))
        proposal.consents.append(Consent(text_version=consents.CONSENT_TEXT_VERSION, channel="telefon",
                                         deadline=today + timedelta(days=60), recorded_by_id=consultant.id))
        db.session.add(proposal)
        db.session.commit()
        return consultant, company, opening.id, proposal.id


def mails(app, user_id: int, kind: str) -> list[MailMessage]:
    with app.app_context():
        return db.session.scalars(sa.select(MailMessage).where(
            MailMessage.user_id == user_id, MailMessage.kind == kind)).all()


def test_disclose_profile_interview_hired_placement(page, live_app, consented):
    consultant, company, opening_id, proposal_id = consented
    today = clock.today()
    interview_day = today + timedelta(days=3)

    # the consultant shares the name and offers a time
    login(page, consultant.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto(f"/kandidater/forslag/{proposal_id}")
    page.get_by_test_id("disclose-confirm").locator("summary").click()  # the second step
    page.get_by_test_id("disclose").click()
    page.get_by_text("er nu delt med virksomheden", exact=False).wait_for()
    form = page.get_by_test_id("interview-offer-form")
    form.get_by_label("Dato 1").fill(interview_day.isoformat())
    form.get_by_label("Klokkeslæt 1").fill("10:00")
    form.get_by_label("Sted").fill("Kantinen, Vestergade 1")
    form.get_by_role("button", name="Send tider").click()
    page.get_by_text("Tiderne er sendt til", exact=False).wait_for()  # the company, by name
    log_out(page)

    # the company was told, sees the profile and books the time
    assert mails(live_app, company.id, "candidate_shared")
    assert mails(live_app, company.id, "interview_offered")
    login(page, company.email)
    page.get_by_test_id("start-page").wait_for()
    page.goto(f"/opslag/{opening_id}")
    page.get_by_test_id("candidate-link").click()
    assert page.get_by_test_id("candidate-name").inner_text() == NAME
    settled(page)  # the profile and the contact below the name are parsed too
    profile = page.get_by_test_id("candidate-profile").inner_text()
    assert "Tre år som opvasker på hotel" in profile and "20 30 40 50" in profile
    assert consultant.email in page.get_by_test_id("jobcentre-contact").inner_text()
    page.get_by_test_id("interview-book").click()
    flashed = page.locator("main .alert[role=status], main .alert[role=alert]").first
    flashed.wait_for()  # the portal's answer, success or not: a failure then says which
    assert "Samtalen er aftalt." in flashed.inner_text(), flashed.inner_text()
    settled(page)
    booked = page.get_by_test_id("interview-booked").inner_text()
    at_ten = datetime.combine(interview_day, datetime.min.time().replace(hour=10), tzinfo=LOCAL)
    assert f"Samtale aftalt {spoken_time(at_ten)}" in booked  # "fredag 11. december 2026 kl. 10.00"

    # both sides have a mail with the same calendar invitation (the company, who booked it, gets
    # it for its calendar, but not as news: nobody is told about their own step), and the page
    # offers the same invitation
    (own_mail,) = mails(live_app, company.id, "interview_booked")
    (sent,) = mails(live_app, consultant.id, "interview_booked")
    assert Calendar.from_ical(own_mail.ics).walk("VEVENT")[0]["UID"] == Calendar.from_ical(sent.ics).walk("VEVENT")[0]["UID"]
    mailed = Calendar.from_ical(sent.ics).walk("VEVENT")[0]
    assert str(mailed["SUMMARY"]) == "Jobsamtale: Opvasker i kantinen"
    with page.expect_download() as download:
        page.get_by_test_id("interview-ics").click()
    own = Calendar.from_ical(Path(download.value.path()).read_bytes()).walk("VEVENT")[0]
    assert str(own["UID"]) == str(mailed["UID"])

    # the interview has been held (moved into the past here); the company reports "Ansat"
    with live_app.app_context():
        db.session.execute(sa.update(Interview).where(Interview.status == "booked").values(
            starts_at=datetime.now(timezone.utc) - timedelta(hours=2)))
        db.session.commit()
    page.reload()
    page.get_by_label("Ansat", exact=True).check()
    page.get_by_test_id("outcome-submit").click()
    page.get_by_test_id("answer-confirm").click()  # the second step before "hired" is sent
    page.get_by_text("Tak, udfaldet er gemt.").wait_for()
    log_out(page)

    # the consultant was told and starts the placement
    with live_app.app_context():
        assert mails(live_app, consultant.id, "company_answered")
    login(page, consultant.email)
    page.get_by_test_id("start-page").wait_for()
    page.get_by_test_id("queue-svar").get_by_role("link", name="Start forløbet").click()
    page.get_by_test_id("start-placement").click()
    page.get_by_label("Startdato").fill(today.isoformat())
    page.get_by_label("Timer pr. uge").fill("10")
    page.get_by_role("button", name="Start forløb").click()
    page.get_by_text("Forløbet er startet.", exact=False).first.wait_for()
    log_out(page)

    # the company sees the name on its placements
    login(page, company.email)
    page.get_by_role("link", name="Forløb", exact=True).click()
    page.get_by_role("link", name=f"{NAME} · Opvasker i kantinen").wait_for()
    page.wait_for_load_state("networkidle")
