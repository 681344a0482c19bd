"""Interview booking: offer, book, move, cancel, the .ics invitation, notifications, privacy."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from portal.extensions import db
from portal.interviews import booking, common, slots
from store.clock import LOCAL
from store.models import Citizen, Interview, MailMessage, Notification, Proposal, User
from tests.clock import TODAY
from tests.portal.proposal_fixtures import MARKER, actions, build_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")

DAY = (TODAY + timedelta(days=2)).isoformat()
DAY2 = (TODAY + timedelta(days=3)).isoformat()


@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    """Keep queued mails in the queue: the mail worker blanks an .ics once it has sent it."""
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user):
    world = build_world(app, make_user)
    adviser = make_user("consultant")
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id, citizen.adviser_id = world["consultant"].id, adviser.id
        db.session.commit()
    set_status(app, world["proposal"], "disclosed", consent=True)
    return world | {"adviser": adviser}


def offer_as(client, auth, email, world, times=((DAY, "10:00"),), **extra):
    auth.switch_to(email)
    data = {"csrf_token": auth.csrf_token("/"), "duration": "45", "location": "Kantinen, Vestergade 1"}
    for n, (day, time) in enumerate(times, start=1):
        data[f"date{n}"], data[f"time{n}"] = day, time
    data.update(extra)
    return client.post(f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/tider", data=data)


def post(client, auth, path):
    return client.post(path, data={"csrf_token": auth.csrf_token("/")})


def rows(app, proposal_id):
    with app.app_context():
        return [(i.id, i.status, i.offered_by, i.sequence) for i in db.session.scalars(
            sa.select(Interview).where(Interview.proposal_id == proposal_id).order_by(Interview.id))]


def notes(app, kind):
    """Who was told (an unread notification); one's own step is added as already read."""
    with app.app_context():
        return sorted(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.kind == kind, Notification.read_at.is_(None))))


def latest_is_read(app, user_id, kind) -> bool:
    """Whether ``user_id``'s newest notification of ``kind`` came already read (their own step)."""
    with app.app_context():
        newest = db.session.scalars(sa.select(Notification).where(
            Notification.user_id == user_id, Notification.kind == kind).order_by(Notification.id.desc())).first()
        return newest is not None and newest.read_at is not None


def mails(app, kind):
    with app.app_context():
        return [(m.user_id, m.ics) for m in db.session.scalars(
            sa.select(MailMessage).where(MailMessage.kind == kind).order_by(MailMessage.id))]


def test_company_offers_consultant_books_both_get_an_ics(app, client, auth, world):
    response = offer_as(client, auth, world["company"].email, world,
                        times=((DAY, "10:00"), (DAY2, "13:30")))
    assert response.status_code == 302
    assert [(s, side) for _, s, side, _ in rows(app, world["proposal"])] == [("offered", "company")] * 2
    # the job-centre side (VK and adviser) is told about the offer, the company is not
    assert notes(app, "interview_offered") == sorted([world["consultant"].id, world["adviser"].id])

    first, second = (i for i, *_ in rows(app, world["proposal"]))
    # the company cannot book its own offer
    auth.switch_to(world["company"].email)
    post(client, auth, f"/samtaler/{first}/vaelg")
    assert {s for _, s, *_ in rows(app, world["proposal"])} == {"offered"}

    auth.switch_to(world["consultant"].email)
    assert post(client, auth, f"/samtaler/{second}/vaelg").status_code == 302
    assert [s for _, s, *_ in rows(app, world["proposal"])] == ["declined", "booked"]
    booked_to = notes(app, "interview_booked")
    # everyone but the consultant who booked: nobody is told about their own step
    assert sorted(booked_to) == sorted([world["company"].id, world["adviser"].id])
    sent = mails(app, "interview_booked")
    assert len(sent) == 3 and all(ics for _, ics in sent)  # the booker's calendar too

    event = _event(sent[0][1])
    assert event.method == "REQUEST"
    with app.app_context():
        interview = db.session.get(Interview, second)
        assert str(event["UID"]) == interview.uid and int(event["SEQUENCE"]) == 0
    start = datetime.fromisoformat(f"{DAY2}T13:30").replace(tzinfo=LOCAL)
    assert event.decoded("DTSTART") == start.astimezone(timezone.utc)
    assert event.decoded("DTSTART").tzinfo is not None and event["DTSTART"].to_ical().endswith(b"Z")
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    assert str(event["SUMMARY"]) == "Jobsamtale: Praktik i kantinen"
    assert str(event["LOCATION"]) == "Kantinen, Vestergade 1"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    attendees = {str(a).removeprefix("mailto:") for a in event["ATTENDEE"]}
    assert world["company"].email in attendees and world["consultant"].email in attendees
    assert MARKER not in sent[0][1]  # the calendar entry names no citizen

    # the company's page says it is booked and offers the download
    auth.switch_to(world["company"].email)
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    # with the weekday, as people say it (review finding: a Sunday did not show as one)
    weekday = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")[start.weekday()]
    months = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
              "oktober", "november", "december")
    spoken = f"{weekday} {start.day}. {months[start.month - 1]} {start.year} kl. 13.30"
    assert "Samtale aftalt " + spoken in page
    with app.app_context():
        told = db.session.scalars(sa.select(Notification.text).where(Notification.kind == "interview_booked")).first()
    assert spoken in told
    download = client.get(f"/samtaler/{second}/samtale.ics")
    assert download.status_code == 200 and download.mimetype == "text/calendar"
    assert str(_event(download.get_data(as_text=True))["UID"]) == str(event["UID"])
    assert {"interview_offered", "interview_booked"} <= set(actions(app))


def test_move_keeps_the_booking_until_a_new_time_is_booked(app, client, auth, world):
    """Review finding: "Flyt samtalen" cancelled the booking before anything new was agreed, said
    "Samtalen er flyttet", and told the mover about their own step."""
    offer_as(client, auth, world["consultant"].email, world)
    (first, *_), = rows(app, world["proposal"])
    assert notes(app, "interview_offered") == [world["company"].id]
    auth.switch_to(world["company"].email)
    post(client, auth, f"/samtaler/{first}/vaelg")
    response = offer_as(client, auth, world["company"].email, world, times=((DAY2, "09:00"),))
    assert response.status_code == 302  # refused: already booked, move instead
    assert [s for _, s, *_ in rows(app, world["proposal"])] == ["booked"]

    auth.switch_to(world["company"].email)
    data = {"csrf_token": auth.csrf_token("/"), "date1": DAY2, "time1": "09:00", "duration": "30",
            "location": "Online"}
    response = client.post(f"/samtaler/{first}/flyt", data=data)
    assert response.status_code == 302
    # nothing agreed yet: the booking stands beside the new offer, and nobody got a CANCEL
    assert [(s, side, seq) for _, s, side, seq in rows(app, world["proposal"])] == [
        ("booked", "jobcenter", 0), ("offered", "company", 0)]
    assert not [ics for _, ics in mails(app, "interview_booked") if ics and "CANCEL" in ics]
    page = client.get(response.location).get_data(as_text=True)
    assert "Den aftalte samtale gælder, indtil en af dem er valgt" in page
    assert 'data-testid="interview-booked"' in page and 'data-testid="interview-moving"' in page
    assert "er flyttet" not in page
    with app.app_context():
        mine = db.session.scalars(sa.select(Notification).where(Notification.user_id == world["company"].id)).all()
        # the first offer only, not the move (read: the company chose a time, so nothing is left
        # to choose); the company's own booking is there, already read
        assert sorted(n.kind for n in mine) == ["interview_booked", "interview_offered"]
        assert [n.kind for n in mine if n.read_at is None] == []
        (moved_offer,) = db.session.scalars(sa.select(Notification).where(Notification.kind == "interview_offered",
                                                                          Notification.user_id == world["consultant"].id))
        assert "Den aftalte tid gælder" in moved_offer.text

    # the job centre books the new time: only now is the old one cancelled, with its own UID
    _, second = (r[0] for r in rows(app, world["proposal"]))
    auth.switch_to(world["consultant"].email)
    response = post(client, auth, f"/samtaler/{second}/vaelg")
    assert [(s, seq) for _, s, _, seq in rows(app, world["proposal"])] == [("cancelled", 1), ("booked", 0)]
    cancels = [(uid, _event(ics)) for uid, ics in mails(app, "interview_booked") if ics and "CANCEL" in ics]
    # everyone's calendar, the consultant's who chose the new time too (as a read notification)
    assert sorted(uid for uid, _ in cancels) == sorted([world["company"].id, world["adviser"].id,
                                                         world["consultant"].id])
    assert latest_is_read(app, world["consultant"].id, "interview_booked")
    assert all(e.method == "CANCEL" and int(e["SEQUENCE"]) == 1 for _, e in cancels)
    assert "interview_moved" in actions(app)
    page = client.get(response.location).get_data(as_text=True)
    assert "Samtalen er flyttet, og den gamle tid er aflyst" in page
    # the page offers the old time's cancellation too (same UID)
    download = client.get(f"/samtaler/{first}/samtale.ics")
    event = _event(download.get_data(as_text=True))
    with app.app_context():
        assert event.method == "CANCEL" and str(event["UID"]) == db.session.get(Interview, first).uid
    assert f"/samtaler/{first}/samtale.ics" in page


def test_cancel_a_booked_interview_tells_both_sides(app, client, auth, world):
    offer_as(client, auth, world["company"].email, world)
    (interview, *_), = rows(app, world["proposal"])
    auth.switch_to(world["consultant"].email)
    post(client, auth, f"/samtaler/{interview}/vaelg")
    auth.switch_to(world["company"].email)
    assert post(client, auth, f"/samtaler/{interview}/aflys").status_code == 302
    assert rows(app, world["proposal"])[0][1:] == ("cancelled", "company", 1)
    last = mails(app, "interview_booked")[-3:]
    # every calendar, the company user's who cancelled too; only the job-centre side is told
    assert {uid for uid, _ in last} == {world["consultant"].id, world["adviser"].id, world["company"].id}
    assert latest_is_read(app, world["company"].id, "interview_booked")
    assert all(_event(ics).method == "CANCEL" for _, ics in last)
    # cancelled twice: refused, nothing changes
    post(client, auth, f"/samtaler/{interview}/aflys")
    assert rows(app, world["proposal"])[0][3] == 1


@pytest.mark.parametrize("times, extra", [
    (((TODAY - timedelta(days=1)).isoformat(), "10:00"), {}),  # in the past
    ((TODAY.isoformat(), "08:00"), {}),  # earlier today
    (("2026-02-31", "10:00"), {}),  # no such date
    ((DAY, "25:00"), {}),  # no such time
    ((DAY, ""), {}),  # date without time
    (("", ""), {}),  # nothing
    ((DAY, "10:00"), {"duration": "0"}),
    ((DAY, "10:00"), {"duration": "600"}),
    ((DAY, "10:00"), {"location": ""}),
    ((DAY, "10:00"), {"location": "x" * 201}),
    ((DAY, "10:00"), {"location": "Kantinen\x00"}),
])
def test_bad_offers_are_refused_in_danish(app, client, auth, world, times, extra):
    response = offer_as(client, auth, world["company"].email, world, times=(times,), **extra)
    assert response.status_code == 302
    assert rows(app, world["proposal"]) == []
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ikke gemt" in page or "fortiden" in page


def _offer_form_html(page: str) -> str:
    return re.search(r'data-testid="interview-offer-form"(.*?)</form>', page, re.DOTALL).group(1)


def _field_error(form: str, field: str) -> str | None:
    found = re.search(rf'id="{field}-error"><span class="sr-only">Fejl:</span> ([^<]*)</span>', form)
    return found.group(1) if found else None


@pytest.mark.parametrize("side", ["company", "consultant"])
def test_a_refused_offer_comes_back_with_every_error_at_its_field_and_everything_typed(
        app, client, auth, world, side):
    response = offer_as(client, auth, world[side].email, world, times=((DAY, "10:00"), (DAY2, "")),
                        location="")
    assert response.status_code == 302 and response.headers["Location"].endswith("#samtale")
    assert rows(app, world["proposal"]) == []
    form = _offer_form_html(client.get(response.headers["Location"]).get_data(as_text=True))
    # both errors at once, each at its field
    assert _field_error(form, "time2") == "Tid 2: angiv både dato og klokkeslæt."
    assert _field_error(form, "location") == "Angiv stedet for samtalen."
    for field, value in (("date1", DAY), ("time1", "10:00"), ("date2", DAY2), ("duration", "45")):
        assert re.search(rf'<input[^>]*id="{field}"[^>]*value="{value}"', form), field
    # the form is kept for the page right after the refusal only
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _field_error(_offer_form_html(page), "time2") is None


def test_no_time_and_no_place_are_both_reported(app, client, auth, world):
    response = offer_as(client, auth, world["company"].email, world, times=(("", ""),), location="")
    form = _offer_form_html(client.get(response.headers["Location"]).get_data(as_text=True))
    assert _field_error(form, "date1") == "Foreslå mindst én tid (dato og klokkeslæt)."
    assert _field_error(form, "location") == "Angiv stedet for samtalen."


def test_a_refused_offer_keeps_the_place(app, client, auth, world):
    response = offer_as(client, auth, world["company"].email, world, times=((DAY, "10:00"), (DAY2, "")))
    form = _offer_form_html(client.get(response.headers["Location"]).get_data(as_text=True))
    assert _field_error(form, "time2") == "Tid 2: angiv både dato og klokkeslæt."
    assert re.search(r'<input[^>]*id="location"[^>]*value="Kantinen, Vestergade 1"', form)
    assert _field_error(form, "location") is None


def test_a_past_time_is_marked_at_its_field_and_keeps_what_was_typed(app, client, auth, world):
    """Review finding: the past-time error came only as a flash far above the form."""
    past = (TODAY - timedelta(days=1)).isoformat()
    response = offer_as(client, auth, world["company"].email, world, times=((DAY, "10:00"), (past, "10:00")))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    form = _offer_form_html(page)
    assert _field_error(form, "date2") == "Tid 2 ligger i fortiden. Vælg en dato og et klokkeslæt frem i tiden."
    assert _field_error(form, "date1") is None
    assert "<details class=\"jobbro-offer\" open>" in page  # the form is open at the error
    assert re.search(rf'<input[^>]*id="date2"[^>]*value="{past}"', form)
    assert re.search(r'<input[^>]*id="location"[^>]*value="Kantinen, Vestergade 1"', form)


def test_four_times_are_refused_by_the_service(app, world):
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        user = db.session.get(User, world["company"].id)
        start = datetime.combine(TODAY + timedelta(days=2), datetime.min.time(), tzinfo=LOCAL)
        times = [slots.Slot(start + timedelta(hours=h), 60, "Kantinen") for h in range(4)]
        with pytest.raises(common.InterviewError, match="mellem 1 og 3"):
            booking.offer(proposal, user, times)
    assert rows(app, world["proposal"]) == []


@pytest.mark.parametrize("status, consent", [("approved", False), ("consented", True), ("withdrawn", False)])
def test_no_booking_before_the_identity_is_released(app, client, auth, world, status, consent):
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        for c in proposal.consents:
            c.withdrawn_at = datetime.now(timezone.utc)
        db.session.commit()
    set_status(app, world["proposal"], status, consent=consent)
    for who in ("company", "consultant"):
        offer_as(client, auth, world[who].email, world)
    assert rows(app, world["proposal"]) == []
    assert notes(app, "interview_offered") == []


def test_another_company_gets_404_everywhere(app, client, auth, world):
    offer_as(client, auth, world["consultant"].email, world)
    (interview, *_), = rows(app, world["proposal"])
    auth.switch_to(world["other"].email)
    assert offer_as(client, auth, world["other"].email, world).status_code == 404
    for path in (f"/samtaler/{interview}/vaelg", f"/samtaler/{interview}/aflys",
                 f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/udfald"):
        assert post(client, auth, path).status_code == 404, path
    assert client.get(f"/samtaler/{interview}/samtale.ics").status_code == 404
    assert client.get("/samtaler/999999/samtale.ics").status_code == 404
    assert [s for _, s, *_ in rows(app, world["proposal"])] == ["offered"]
    # the company's own other opening with this proposal's id: 404 too
    wrong = world | {"opening": world["opening2"]}
    assert offer_as(client, auth, world["company"].email, wrong).status_code == 404
    assert [s for _, s, *_ in rows(app, world["proposal"])] == ["offered"]


def test_company_cannot_download_the_ics_after_consent_is_withdrawn(app, client, auth, world):
    offer_as(client, auth, world["consultant"].email, world)
    (interview, *_), = rows(app, world["proposal"])
    set_status(app, world["proposal"], "withdrawn")
    auth.switch_to(world["company"].email)
    assert client.get(f"/samtaler/{interview}/samtale.ics").status_code == 404


def _book_past_interview(app, world) -> int:
    """A booked interview that ended an hour ago (written directly: offers must be in the future)."""
    with app.app_context():
        start = datetime.now(timezone.utc) - timedelta(hours=2)
        interview = Interview(proposal_id=world["proposal"], starts_at=start, duration_minutes=60,
                              location="Kantinen", offered_by="company", offered_by_id=world["company"].id,
                              status="booked", uid="past@jobbro")
        db.session.add(interview)
        db.session.commit()
        return interview.id


def test_outcome_hired_notifies_the_consultants_with_the_start_link(app, client, auth, world):
    auth.switch_to(world["company"].email)
    path = f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/udfald"
    client.post(path, data={"csrf_token": auth.csrf_token("/"), "outcome": "hired"})
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response is None  # no interview yet
    _book_past_interview(app, world)
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="outcome-form"' in page
    assert client.post(path, data={"csrf_token": auth.csrf_token("/"), "outcome": "hired",
                                   "confirmed": "1"}).status_code == 302
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response == "hired"
        sent = db.session.scalars(sa.select(Notification).where(Notification.kind == "company_answered")).all()
        assert sorted(n.user_id for n in sent) == sorted([world["consultant"].id, world["adviser"].id])
        assert {n.link for n in sent} == {f"/forloeb/ny/{world['proposal']}"}  # placements.start
    page = client.get(f"/opslag/{world['opening']}/kandidat/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="interview-finished"' in page and 'data-testid="interview-offer-form"' not in page
    auth.switch_to(world["consultant"].email)
    link = notes_link(app, world["consultant"].id)
    assert client.get(link).status_code == 200


def notes_link(app, user_id):
    with app.app_context():
        return db.session.scalars(sa.select(Notification.link).where(
            Notification.user_id == user_id, Notification.kind == "company_answered")).one()


def test_outcome_not_hired_needs_a_reason(app, client, auth, world):
    _book_past_interview(app, world)
    auth.switch_to(world["company"].email)
    path = f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/udfald"
    client.post(path, data={"csrf_token": auth.csrf_token("/"), "outcome": "declined", "reason": "  "})
    with app.app_context():
        assert db.session.get(Proposal, world["proposal"]).company_response is None
    client.post(path, data={"csrf_token": auth.csrf_token("/"), "outcome": "declined",
                            "reason": "Valgte en anden med truckcertifikat"})
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        assert (proposal.company_response, proposal.company_response_note) == (
            "declined", "Valgte en anden med truckcertifikat")
    assert notes(app, "company_answered") == sorted([world["consultant"].id, world["adviser"].id])


def test_staff_panel_on_the_proposal_page(app, client, auth, world):
    offer_as(client, auth, world["company"].email, world)
    auth.switch_to(world["consultant"].email)
    page = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert 'data-testid="interview-panel"' in page and 'data-testid="interview-book"' in page
    assert re.search(r"foreslået af virksomheden", page)


def _event(text: str):
    cal = Calendar.from_ical(text)
    event = cal.walk("VEVENT")[0]
    event.method = str(cal["METHOD"])
    return event


def test_the_move_form_is_prefilled_with_the_booked_place_and_length(app, client, auth, world):
    offer_as(client, auth, world["consultant"].email, world)  # 45 minutes, "Kantinen, Vestergade 1"
    (first, *_), = rows(app, world["proposal"])
    auth.switch_to(world["company"].email)
    page_path = f"/opslag/{world['opening']}/kandidat/{world['proposal']}"
    before = client.get(page_path).get_data(as_text=True)
    form = re.search(r'data-testid="interview-offer-form"(.*?)</form>', before, re.DOTALL).group(1)
    assert not re.search(r'<input[^>]*id="location"[^>]*value="Kantinen', form)  # nothing booked: blank
    post(client, auth, f"/samtaler/{first}/vaelg")
    page = client.get(page_path).get_data(as_text=True)
    form = re.search(r'data-testid="interview-offer-form"(.*?)</form>', page, re.DOTALL).group(1)
    assert f'action="/samtaler/{first}/flyt"' in page
    assert re.search(r'<input[^>]*id="location"[^>]*value="Kantinen, Vestergade 1"', form)
    assert re.search(r'<input[^>]*id="duration"[^>]*value="45"', form)
    assert not re.search(r'<input[^>]*id="date1"[^>]*value="\d', form)  # the new time is the user's to pick
    auth.switch_to(world["consultant"].email)  # the staff side sees the same
    staff = client.get(f"/kandidater/forslag/{world['proposal']}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="location"[^>]*value="Kantinen, Vestergade 1"', staff)


def test_offered_times_fit_the_notice_and_the_mail_says_them_in_full(app, client, auth, world):
    """Review H 10: a long title and three times cut the subject at 200 characters mid-sentence
    and the notice at 300, possibly inside the times."""
    from store.models import Opening

    title = "Småjob: Chauffør (C/CE) 10 timer om ugen, gerne med erfaring i kølevogne og ADR-bevis " * 2
    with app.app_context():
        db.session.get(Opening, world["opening"]).title = title.strip()
        db.session.commit()
    times = ((DAY, "10:00"), (DAY2, "13:15"), (DAY2, "15:30"))
    assert offer_as(client, auth, world["consultant"].email, world, times=times).status_code == 302
    with app.app_context():
        note = db.session.scalars(sa.select(Notification).where(Notification.kind == "interview_offered",
                                                                Notification.user_id == world["company"].id)).one()
        mail = db.session.scalars(sa.select(MailMessage).where(MailMessage.kind == "interview_offered",
                                                               MailMessage.user_id == world["company"].id)).one()
        spoken = [common.spoken_time(datetime.fromisoformat(f"{d}T{t}").replace(tzinfo=LOCAL)) for d, t in times]
    assert len(note.text) <= 300 and all(when in note.text for when in spoken), note.text
    assert "…«" in note.text  # the title gave way, not the times
    assert mail.subject.startswith("Forslag til samtaletider om »") and len(mail.subject) <= 200
    assert not any(when in mail.subject for when in spoken)
    for when in spoken:
        assert f"\n- {when}" in mail.body
    assert f"/opslag/{world['opening']}/kandidat/{world['proposal']}" in mail.body


def test_a_long_text_is_cut_at_a_word_with_an_ellipsis():
    from portal.notifications.service import shorten

    assert shorten("kort", 10) == "kort"
    cut = shorten("Den aftalte tid gælder, indtil I vælger en ny tid til samtalen", 30)
    assert cut == "Den aftalte tid gælder…" and len(cut) <= 30  # no half word


def _mail_to(app, user_id, kind) -> str:
    with app.app_context():
        return db.session.scalars(sa.select(MailMessage.body).where(
            MailMessage.kind == kind, MailMessage.user_id == user_id).order_by(MailMessage.id.desc())).first()


def _line_before_link(body: str, link: str) -> tuple[str, str]:
    """The last content line before the link line, and the link line itself."""
    lines = [line for line in body.splitlines() if line.strip()]
    at = next(n for n, line in enumerate(lines) if line.endswith(link))
    return lines[at - 1], lines[at]


def test_a_mail_offering_times_ends_its_sentences_and_the_link_line_says_what_to_do(app, client, auth, world):
    """Review AE 4: the body ended »Vælg en af tiderne i portalen:« / »Vælg i portalen:«, a colon
    leading nowhere, and then the frame's own »Se det i Jobbro: …« line."""
    link = f"/opslag/{world['opening']}/kandidat/{world['proposal']}"
    assert offer_as(client, auth, world["consultant"].email, world).status_code == 302
    before, link_line = _line_before_link(_mail_to(app, world["company"].id, "interview_offered"), link)
    assert not before.endswith(":") and "i portalen" not in before, before
    assert link_line == f"Vælg en af tiderne her: {link}"

    (first, *_), = rows(app, world["proposal"])
    auth.switch_to(world["company"].email)
    assert post(client, auth, f"/samtaler/{first}/vaelg").status_code == 302
    auth.switch_to(world["consultant"].email)
    assert client.post(f"/samtaler/{first}/flyt", data={
        "csrf_token": auth.csrf_token("/"), "date1": DAY2, "time1": "11:00", "duration": "45",
        "location": "Kantinen, Vestergade 1"}).status_code == 302
    before, link_line = _line_before_link(_mail_to(app, world["company"].id, "interview_offered"), link)
    assert before == "Den aftalte tid gælder, indtil I vælger en af de nye tider."
    assert link_line == f"Vælg en af de nye tider her: {link}"


def test_a_move_tells_staff_who_proposed_for_whom_and_says_du(app, client, auth, world):
    """Review BI 8: the move mail said »indtil I vælger« to consultants too, and never said who
    proposed or which candidate's interview it was (several can be on one opening)."""
    from store.models import Company

    offer_as(client, auth, world["consultant"].email, world)
    (first, *_), = rows(app, world["proposal"])
    auth.switch_to(world["company"].email)
    assert post(client, auth, f"/samtaler/{first}/vaelg").status_code == 302
    assert client.post(f"/samtaler/{first}/flyt", data={
        "csrf_token": auth.csrf_token("/"), "date1": DAY2, "time1": "11:00", "duration": "45",
        "location": "Kantinen, Vestergade 1"}).status_code == 302
    with app.app_context():
        company = db.session.get(Company, world["company"].company_id).name
        when = common.spoken_time(db.session.get(Interview, first).starts_at)
        note = db.session.scalars(sa.select(Notification.text).where(
            Notification.kind == "interview_offered", Notification.user_id == world["consultant"].id)).one()
    body = _mail_to(app, world["consultant"].id, "interview_offered")
    assert f"{company} har foreslået nye tider til samtalen med {MARKER} {when} om »Praktik i kantinen«:" in body
    assert "Den aftalte tid gælder, indtil du vælger en af de nye tider." in body and "indtil I " not in body
    assert note.startswith(f"{company} foreslår at flytte samtalen med {MARKER} {when}")
    assert note.endswith("Den aftalte tid gælder, indtil du vælger en ny.")


def test_a_first_offer_says_who_proposed(app, client, auth, world):
    assert offer_as(client, auth, world["consultant"].email, world).status_code == 302
    assert "Jobcentret har foreslået tider til en samtale om »Praktik i kantinen«:" in _mail_to(
        app, world["company"].id, "interview_offered")


def test_an_offered_time_withdrawn_says_so_and_promises_no_notice(app, client, auth, world):
    """»Træk tiden tilbage« said »Samtalen er aflyst. Jobcentret får besked.«: nobody is told of a
    withdrawn offer (only a booked time is in a calendar), and no interview was agreed."""
    offer_as(client, auth, world["company"].email, world, times=((DAY, "10:00"), (DAY2, "13:30")))
    first, second = (i for i, *_ in rows(app, world["proposal"]))
    with app.app_context():
        told_before = db.session.scalar(sa.select(sa.func.count(Notification.id)))
        when = common.spoken_time(db.session.get(Interview, first).starts_at)
    withdrawn = client.post(f"/samtaler/{first}/aflys", data={"csrf_token": auth.csrf_token("/"), "status": "offered"})
    page = client.get(withdrawn.location).get_data(as_text=True)
    assert f"Tiden {when} er trukket tilbage og kan ikke længere vælges." in page
    assert "får besked" not in page and "Samtalen er aflyst" not in page
    assert [status for _id, status, *_ in rows(app, world["proposal"])] == ["cancelled", "offered"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == told_before
