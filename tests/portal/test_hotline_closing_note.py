"""Staff close a hotline request with a note to the company: required when it waits for an
answer, optional when answered; kept in the thread (author, time), shown to the company and
carried by the »hotline_closed« notice and mail; refused in Danish at its field, text kept."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.hotline import service
from portal.hotline.forms import NOTE_MAX, CloseForm
from store.models import AuditEvent, Citizen, HotlineMessage, HotlineRequest, MailMessage, Notification, User
from tests.conftest import AuthActions
from tests.portal import test_hotline_fallback as base
from tests.portal.test_hotline_fallback import MONDAY, file, told

world = base.world  # the same people as the fallback tests

NOTE = "Vi har talt med jer i telefonen og aftalt, at I ringer igen i næste uge."


def _close(client, request_id: int, email: str, **data):
    auth = AuthActions(client)
    auth.switch_to(email)
    token = auth.csrf_token(f"/hotline/{request_id}")
    return client.post(f"/hotline/{request_id}/luk", data={"csrf_token": token, **data})


def _request(app, request_id: int) -> HotlineRequest:
    with app.app_context():
        found = db.session.get(HotlineRequest, request_id)
        found.messages  # noqa: B018 - loaded for the caller
        db.session.expunge(found)
        return found


def _error(html: str) -> str:
    """The error text shown at the note field (tags left out)."""
    if 'id="note-error' not in html:
        return ""
    return re.sub(r"<[^>]+>", "", html.split('id="note-error', 1)[1].split("</textarea>", 1)[0])


def test_closing_a_waiting_request_without_a_note_is_refused_at_the_field(app, client, world):
    request_id = file(app, world)
    for note in ("", "   \n "):
        refused = _close(client, request_id, "nord@jc.dk", note=note)
        html = refused.get_data(as_text=True)
        assert refused.status_code == 400
        assert "Skriv kort til virksomheden, hvorfor henvendelsen lukkes uden svar." in _error(html)
        assert 'data-testid="close-confirm" open' in html  # the step is shown open, at the error
    assert _request(app, request_id).status == "open"
    assert told(app, request_id, "hotline_closed") == []


def test_a_too_long_note_is_refused_and_the_typed_text_kept(app, client, world):
    request_id = file(app, world)
    long_note = "Lang begrundelse. " * 80
    assert len(long_note.strip()) > NOTE_MAX
    refused = _close(client, request_id, "nord@jc.dk", note=long_note)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert f"Begrundelsen må højst være {NOTE_MAX} tegn" in _error(html)
    assert long_note.strip() in html  # what was typed is in the field again
    assert _request(app, request_id).status == "open"


def test_a_note_with_health_details_is_refused_as_it_goes_by_mail(app, client, world):
    request_id = file(app, world)
    refused = _close(client, request_id, "nord@jc.dk", note="Borgeren har fået en diagnose.")
    assert refused.status_code == 400
    assert "sendes også som mail" in _error(refused.get_data(as_text=True))
    assert _request(app, request_id).status == "open"


def test_the_note_may_not_name_the_citizen(app, world):
    with app.app_context(), app.test_request_context(method="POST", data={"note": "Borger Nord er stoppet."}):
        citizen = db.session.scalar(sa.select(Citizen))
        form = CloseForm(meta={"csrf": False}, citizen=citizen)
        assert not form.validate()
        assert "borgerens navn" in form.note.errors[0]
        assert CloseForm(meta={"csrf": False}, citizen=None).validate()  # the same words about nobody in particular


def test_the_note_is_kept_in_the_thread_shown_to_the_company_and_carried_by_notice_and_mail(app, client, world):
    request_id = file(app, world)
    closed = _close(client, request_id, "nord@jc.dk", note=NOTE)
    assert closed.status_code == 302
    found = _request(app, request_id)
    assert found.status == "closed"
    note = found.messages[-1]
    assert (note.kind, note.body, note.author_id) == ("closing_note", NOTE, world["nord"])
    assert note.created_at == found.closed_at
    with app.app_context():
        notice = db.session.scalar(sa.select(Notification).where(Notification.kind == "hotline_closed"))
        assert notice.user_id == world["contact"] and notice.text.endswith(f"»{NOTE}«")
        purposes = db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == "hotline_closed"))
        assert list(purposes) == [f"hotline:{request_id} message:{note.id}"]
        author = db.session.get(User, world["nord"]).name
    AuthActions(client).switch_to("kontakt@firma.dk")
    page = client.get(f"/hotline/{request_id}").get_data(as_text=True)
    entry = page.split('data-testid="closing-note"', 1)[1].split("</li>", 1)[0]
    assert NOTE in entry and "Begrundelse for lukning" in entry and author in entry


def test_the_mail_about_the_closing_carries_the_note(app, world):
    request_id = file(app, world)
    with app.app_context():  # no web request: the mail stays in the queue to be read
        service.close_request(db.session.get(HotlineRequest, request_id), now=MONDAY + timedelta(hours=1),
                              by=db.session.get(User, world["nord"]), note=NOTE)
        mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.kind == "hotline_closed"))
        assert mail.to_address == "kontakt@firma.dk"
        assert f"Jobcentrets begrundelse for lukningen:\n{NOTE}" in mail.body


def test_an_answered_request_closes_without_a_note(app, client, world):
    request_id = file(app, world)
    with app.app_context():
        service.add_message(db.session.get(HotlineRequest, request_id), db.session.get(User, world["nord"]),
                            "Her er svaret.", now=MONDAY + timedelta(hours=1))
    AuthActions(client).switch_to("nord@jc.dk")
    form = client.get(f"/hotline/{request_id}").get_data(as_text=True).split('data-testid="close-form"', 1)[1]
    assert "(valgfri)" in form.split("</form>", 1)[0]
    assert _close(client, request_id, "nord@jc.dk", note="").status_code == 302
    found = _request(app, request_id)
    assert found.status == "closed" and [m.kind for m in found.messages] == ["message", "message"]
    with app.app_context():
        notice = db.session.scalar(sa.select(Notification).where(Notification.kind == "hotline_closed"))
        assert notice.text == f"Jobcentret har lukket jeres henvendelse #{request_id} til hotline"


def test_the_company_closes_without_a_note_field_and_a_posted_note_is_not_read(app, client, world):
    request_id = file(app, world)
    AuthActions(client).switch_to("kontakt@firma.dk")
    page = client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert 'name="note"' not in page
    assert _close(client, request_id, "kontakt@firma.dk", note="Skrevet af virksomheden").status_code == 302
    found = _request(app, request_id)
    assert found.status == "closed" and all(m.kind == "message" for m in found.messages)


def test_a_note_for_a_request_closed_meanwhile_is_shown_to_copy(app, client, world):
    request_id = file(app, world)
    auth = AuthActions(client)
    auth.switch_to("nord@jc.dk")
    token = auth.csrf_token(f"/hotline/{request_id}")
    with app.app_context():
        service.close_request(db.session.get(HotlineRequest, request_id), by=db.session.get(User, world["contact"]))
    late = client.post(f"/hotline/{request_id}/luk", data={"csrf_token": token, "note": NOTE})
    assert late.status_code == 409 and NOTE in late.get_data(as_text=True)
    assert all(m.kind == "message" for m in _request(app, request_id).messages)


def test_only_the_job_centre_writes_a_closing_note(app, world):
    request_id = file(app, world)
    with app.app_context():
        found = db.session.get(HotlineRequest, request_id)
        with pytest.raises(ValueError):
            service.close_request(found, by=db.session.get(User, world["contact"]), note="Løst")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HotlineMessage)
                                 .where(HotlineMessage.kind == "closing_note")) == 0
