"""The company writes again on a hotline request (review D3, D4).

Every company message notifies its contact at the job centre; the company says itself whether
it waits for an answer (no guessing from a question mark); a request that waits again gets a
target counted from the message that put it back, which neither an earlier note "til
orientering" nor a later message moves; nothing closes a request without its confirmation.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import sqlalchemy as sa
import time_machine

from portal.extensions import db
from portal.hotline import service
from store.models import HotlineRequest, MailMessage, Notification, User
from tests.portal import test_hotline as base
from tests.portal.test_hotline import MARKER, answered_request, csrf, file_request, login
from tests.portal import test_hotline_mail
from tests.sql_statements import statements

world = base.world  # the same people and placements as the main hotline tests
fake_smtp = test_hotline_mail.fake_smtp  # mails as the server gets them (the queue blanks sent bodies)


def notes(app, email: str) -> list[Notification]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(Notification).join(User, User.id == Notification.user_id)
                                        .where(User.email == email, Notification.kind == "hotline_message")
                                        .order_by(Notification.id)))
        db.session.expunge_all()
        return found


def mails(app, address: str) -> list[MailMessage]:
    """The queued hotline_message mails to ``address`` (the body is blanked once sent)."""
    with app.app_context():
        found = list(db.session.scalars(sa.select(MailMessage).where(
            MailMessage.to_address == address, MailMessage.kind == "hotline_message").order_by(MailMessage.id)))
        db.session.expunge_all()
        return found


def sent_to(smtp, address: str) -> list[tuple[str, str]]:
    """(subject, text) of the mails the fake server got for ``address``."""
    return [(m["Subject"], m.get_content()) for m in smtp.sent if m["To"] == address]


def send(client, req_id: int, body: str, waits: str | None):
    data = {"body": body, "csrf_token": csrf(client, f"/hotline/{req_id}")}
    if waits is not None:
        data["venter"] = waits
    return client.post(f"/hotline/{req_id}/besked", data=data, follow_redirects=True)


def status(app, req_id: int) -> str:
    with app.app_context():
        return db.session.get(HotlineRequest, req_id).status


def test_a_note_for_information_stays_answered_even_with_a_question_mark_and_notifies(app, client, auth, world,
                                                                                       fake_smtp):
    req_id, _ = answered_request(app, world)
    login(client, auth, "a@firma.dk")
    page = client.get(f"/hotline/{req_id}").get_data(as_text=True)
    assert 'data-testid="send-waits"' in page and 'data-testid="send-info"' in page
    shown = send(client, req_id, "Tak. Skal vi gøre mere?", "nej").get_data(as_text=True)
    assert status(app, req_id) == "answered"  # the "?" is no longer read as a wish for an answer
    assert "Beskeden er sendt til orientering." in shown and "står stadig som besvaret" in shown
    [note] = notes(app, "vk@jc.dk")  # the placed citizen's VK, who has the request
    assert note.text.endswith("(til orientering)") and note.link == f"/hotline/{req_id}"
    [(subject, text)] = [m for m in sent_to(fake_smtp, "vk@jc.dk") if "ny besked" in m[0]]
    assert subject == f"Hotline: ny besked på henvendelse #{req_id} (til orientering)"
    assert "venter ikke på svar" in text and "Svarfrist" not in text
    login(client, auth, "vk@jc.dk")
    waiting, answered = client.get("/hotline/").get_data(as_text=True).split('data-testid="hotline-answered"')
    assert f'data-request-id="{req_id}"' not in waiting
    row = re.search(rf'data-request-id="{req_id}".*?</tr>', answered, re.DOTALL).group(0)
    assert 'data-testid="new-message"' in row


def test_waiting_for_an_answer_needs_no_question_mark_and_reaches_the_queue_and_start_page(app, client, auth,
                                                                                            world, fake_smtp):
    req_id, _ = answered_request(app, world)
    login(client, auth, "a@firma.dk")
    shown = send(client, req_id, "Han er heller ikke mødt i dag. Det haster", "ja").get_data(as_text=True)
    assert status(app, req_id) == "open"
    assert "har fået besked. Jobcentret svarer senest" in shown
    [note] = notes(app, "vk@jc.dk")
    assert note.text.endswith("(venter på svar)")
    [(_, text)] = [m for m in sent_to(fake_smtp, "vk@jc.dk") if "ny besked" in m[0]]
    with app.app_context():
        due = service.rows([db.session.get(HotlineRequest, req_id)])[0].due
    assert "venter på svar fra jobcentret" in text
    assert f"Svarfrist: {service.sla.to_local(due):%d.%m.%Y kl. %H.%M}" in text  # the new target, not the first
    login(client, auth, "vk@jc.dk")
    waiting = client.get("/hotline/").get_data(as_text=True).split('data-testid="hotline-answered"')[0]
    row = re.search(rf'data-request-id="{req_id}".*?</tr>', waiting, re.DOTALL).group(0)
    assert 'data-testid="follow-up"' in row
    start = client.get("/").get_data(as_text=True)
    queue = start.split('data-testid="queue-hotline"')[1].split("</section>")[0]
    assert "Uenighed" in queue  # the start page's "Hotline: venter på svar" lists it, so its count does


def test_a_form_without_the_choice_waits(app, client, auth, world):
    """A page from before the choice (or a missing value) errs on the side of an answer."""
    req_id, _ = answered_request(app, world)
    login(client, auth, "a@firma.dk")
    send(client, req_id, "Han kom ikke", None)
    assert status(app, req_id) == "open"


def test_every_company_message_notifies_once_also_before_the_first_answer(app, client, auth, world):
    login(client, auth, "a@firma.dk")
    file_request(client, placement=str(world["ids"]["active"]))
    [req] = base.all_requests(app)
    page = client.get(f"/hotline/{req.id}").get_data(as_text=True)
    assert 'data-testid="send-info"' not in page  # it waits already: one button, no choice
    assert "Henvendelsen venter på svar senest" in page
    send(client, req.id, "Nu er han her alligevel.", "nej")  # »kun til orientering« can't unwait it
    send(client, req.id, "Han gik igen.", "ja")
    assert status(app, req.id) == "open"
    assert [n.text.endswith("(venter på svar)") for n in notes(app, "vk@jc.dk")] == [True, True]
    assert len(mails(app, "vk@jc.dk")) == 2


def test_the_notice_goes_to_the_responsible_vk_when_the_assignee_has_left(app, client, auth, world):
    req_id, _ = answered_request(app, world)
    with app.app_context():
        db.session.get(HotlineRequest, req_id).assigned_to_id = world["other"].id
        db.session.get(User, world["other"].id).active = False
        db.session.commit()
    login(client, auth, "a@firma.dk")
    send(client, req_id, "Hallo", "ja")
    assert notes(app, "anden@jc.dk") == [] and len(notes(app, "vk@jc.dk")) == 1


def test_the_notice_and_mail_carry_no_free_text_or_citizen_data(app, client, auth, world, fake_smtp):
    req_id, _ = answered_request(app, world)
    login(client, auth, "a@firma.dk")
    send(client, req_id, f"{MARKER}navn har fået en diagnose.", "ja")
    [note], [(subject, body)] = notes(app, "vk@jc.dk"), sent_to(fake_smtp, "vk@jc.dk")[-1:]
    for text in (note.text, subject, body):
        assert MARKER not in text and "diagnose" not in text and "Uenighed" not in text


def test_the_target_counts_from_the_message_that_asked_and_nothing_else_moves_it(app, world):
    """A note "til orientering" on Monday doesn't start the clock; Tuesday's wish for an answer
    does; Wednesday's "hallo?" doesn't move it."""
    req_id, _ = answered_request(app, world)  # answered Monday 23 Nov 2026 10:00 local
    moments = {"note": datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc),    # Monday 11:00 local
               "waits": datetime(2026, 11, 24, 13, 0, tzinfo=timezone.utc),   # Tuesday 14:00: akut → Wed 12:00
               "nudge": datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)}    # Wednesday 10:00
    with app.app_context():
        company = db.session.get(User, world["a"].id)
        for what, moment in moments.items():
            with time_machine.travel(moment, tick=False):
                req = db.session.get(HotlineRequest, req_id)
                service.add_message(req, company, what, awaits_answer=what != "note")
                assert req.status == ("answered" if what == "note" else "open")
        row = service.rows([req], now=datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc))[0]
        assert row.follow_up and row.due == datetime(2026, 11, 25, 11, 0, tzinfo=timezone.utc)
        assert not row.overdue and row.in_time is True  # the first answer's measure is unchanged
        assert service.sla.as_utc(req.due_at) == datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
        assert service.rows([req], now=datetime(2026, 11, 25, 11, 1, tzinfo=timezone.utc))[0].overdue
        # the next answer ends it; the next wish for one gets a target of its own again
        with time_machine.travel(datetime(2026, 11, 25, 11, 30, tzinfo=timezone.utc), tick=False):
            service.add_message(req, db.session.get(User, world["vk"].id), "Jeg ringer nu.")
        assert req.status == "answered" and not service.rows([req])[0].follow_up
        with time_machine.travel(datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc), tick=False):
            service.add_message(req, company, "Igen", awaits_answer=True)
        assert service.rows([req])[0].due == datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc)


def test_the_lists_read_the_targets_in_a_fixed_number_of_statements(app, world):
    ids = [answered_request(app, world)[0] for _ in range(3)]
    with app.app_context():
        company = db.session.get(User, world["a"].id)
        for req_id in ids:
            service.add_message(db.session.get(HotlineRequest, req_id), company, "Igen", awaits_answer=True)
        requests = [db.session.get(HotlineRequest, req_id) for req_id in ids]
        with statements(app) as seen:
            found = service.rows(requests)
        assert all(row.follow_up for row in found) and len(seen) <= 3


def test_send_and_close_is_gone_and_closing_needs_its_confirmation(app, client, auth, world):
    """Review D4: one tap next to »Send« no longer closes for good; only the confirmed form does."""
    req_id, _ = answered_request(app, world)
    login(client, auth, "a@firma.dk")
    page = client.get(f"/hotline/{req_id}").get_data(as_text=True)
    assert "Send og luk" not in page and 'name="og_luk"' not in page
    form = page.split('data-testid="message-form"')[1].split("</form>")[0]
    assert "luk" not in re.sub(r"<[^>]+>", " ", form.split("<button", 1)[1]).lower()  # no close among the sends
    assert 'data-testid="close-confirm"' in page
    client.post(f"/hotline/{req_id}/besked", data={
        "body": "Tak for hjælpen", "og_luk": "1", "venter": "nej", "csrf_token": csrf(client, f"/hotline/{req_id}")})
    assert status(app, req_id) == "answered"  # an old page's »Send og luk« sends, never closes
    client.post(f"/hotline/{req_id}/luk", data={"csrf_token": csrf(client, f"/hotline/{req_id}")})
    assert status(app, req_id) == "closed"


def test_the_api_says_it_the_same_way(app, client, world):
    """POST /api/v1/hotline/<id>/messages: ``awaits_answer`` (default true) instead of a "?"."""
    from tests.api.api_fixtures import bearer, make_token

    req_id, _ = answered_request(app, world)
    company = bearer(make_token(app, world["a"]))
    noted = client.post(f"/api/v1/hotline/{req_id}/messages", headers=company,
                        json={"body": "Tak. Noget mere?", "awaits_answer": False})
    assert noted.status_code == 201 and noted.json["status"] == "answered"
    waits = client.post(f"/api/v1/hotline/{req_id}/messages", headers=company, json={"body": "Han kom ikke igen"})
    assert waits.status_code == 201 and waits.json["status"] == "open"
    assert [n.text.rsplit("(", 1)[1] for n in notes(app, "vk@jc.dk")] == ["til orientering)", "venter på svar)"]


def test_the_company_start_page_names_a_follow_up_past_its_own_target(app, client, auth, world):
    """The banner's "er over svarfristen" reads the same target as the lists (portal.main.overview)."""
    req_id, _ = answered_request(app, world)  # 23 Nov 2026
    with app.app_context(), time_machine.travel(datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc), tick=False):
        service.add_message(db.session.get(HotlineRequest, req_id), db.session.get(User, world["a"].id),
                            "Igen", awaits_answer=True)  # akut, Tuesday 09:00 local → 16:00 the same day
    login(client, auth, "a@firma.dk")
    banner = client.get("/").get_data(as_text=True).split('data-testid="hotline-waiting"')[1].split("</p>")[0]
    assert f'href="/hotline/{req_id}">#{req_id}</a> er over svarfristen' in banner


def test_a_follow_up_answered_late_is_shown_as_late(app, client, auth, world):
    """The company waits again; the answer comes after that wait's own target. The first answer's
    record stays, and the latest answer shows with its place against its own target (review AI 3)."""
    from datetime import timedelta

    req_id, created = answered_request(app, world)  # akut, Monday 09:00, answered 10:00 (target 16:00)
    with app.app_context():
        req = db.session.get(HotlineRequest, req_id)
        author, vk = db.session.get(User, world["a"].id), db.session.get(User, world["vk"].id)
        service.add_message(req, author, "Det er sket igen.", now=created + timedelta(hours=6),
                            awaits_answer=True)  # Monday 15:00: akut after 14:00, due Tuesday 12:00
        service.add_message(req, vk, "Undskyld ventetiden.", now=created + timedelta(days=2, hours=1))  # Wed 10:00
        db.session.expire_all()
        req = db.session.get(HotlineRequest, req_id)
        assert service.sla.to_local(req.follow_up_due_at) == datetime(2026, 11, 24, 12, tzinfo=service.sla.LOCAL)
        assert service.sla.as_utc(req.follow_up_answered_at) == created + timedelta(days=2, hours=1)
        row = service.rows([req])[0]
        assert (row.in_time, row.response) == (True, "6 timer før fristen")
        assert (row.latest_in_time, row.latest_response) == (False, "6 timer efter fristen")
    for email in ("a@firma.dk", "vk@jc.dk"):
        login(client, auth, email)
        for page in ("/hotline/", f"/hotline/{req_id}"):
            html = client.get(page).get_data(as_text=True)
            assert ("Ja, 6 timer før fristen. <span data-testid=\"latest-response\">"
                    "Seneste svar: 6 timer efter fristen</span>") in html, (email, page)
