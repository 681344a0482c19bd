"""Hotline requests about a placement on a need-to-know basis (review AI 2).

The company's own words about a placed person's health ("Borgeren har diabetes") are read
without asking only by the request's assignee, the citizen's VK, adviser and team, and a
consultant about to take an unassigned request; anyone else, administrators too, gives a
purpose first (the skånehensyn rule), which is checked and logged with ``hotline_viewed``.
On the staff's lists such a request shows its category, not its free-text subject.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from portal.hotline import need_to_know, service
from store.models import AuditEvent, Citizen, HotlineRequest, Team, User
from tests.portal import test_hotline as base
from tests.portal.test_hotline import MARKER, all_requests, csrf, file_request, login

world = base.world  # the same people and placements as the main hotline tests

SUBJECT = "Ondt efter løft SUBJMARK"
BODY = "Borgeren har diabetes og epilepsi BODYMARK"
PURPOSE = "Dækker for en kollega på ferie"


def health_request(app, client, auth, world, placement: str = "active") -> int:
    """A »Helbred« request about the citizen placed at company A (assigned to the citizen's VK)."""
    login(client, auth, "a@firma.dk")
    response = file_request(client, category="helbred", subject=SUBJECT, message=BODY,
                            placement=str(world["ids"][placement]))
    assert response.status_code == 302
    return all_requests(app)[-1].id


def views(app, request_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.purpose).where(
            AuditEvent.action == "hotline_viewed", AuditEvent.purpose.like(f"hotline:{request_id}%"))
            .order_by(AuditEvent.id)))


def shows_nothing(html: str) -> bool:
    return ("SUBJMARK" not in html and "BODYMARK" not in html and MARKER not in html
            and "borgerens side" not in html and "/konsulent" not in html)


def read_with(client, request_id: int, purpose: str):
    return client.post(f"/hotline/{request_id}/begrundelse",
                       data={"purpose": purpose, "csrf_token": csrf(client, f"/hotline/{request_id}")})


@pytest.mark.parametrize("email", ["anden@jc.dk", "firma-vk@jc.dk", "admin@jc.dk"])
def test_staff_outside_the_case_get_the_purpose_step_and_nothing_of_the_thread(app, client, auth, world, email):
    req_id = health_request(app, client, auth, world)
    login(client, auth, email)
    response = client.get(f"/hotline/{req_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="break-glass-form"' in html
    assert shows_nothing(html) and "Helbred" in html and f"Henvendelse #{req_id}" in html
    assert views(app, req_id) == []


def _set(app, model, row_id: int, **values) -> None:
    with app.app_context():
        row = db.session.get(model, row_id)
        for key, value in values.items():
            setattr(row, key, value)
        db.session.commit()


@pytest.mark.parametrize("basis", ["vk", "assignee", "adviser", "team", "unassigned"])
def test_the_case_s_people_and_a_consultant_taking_an_unassigned_request_read_it_directly(
        app, client, auth, world, basis):
    req_id = health_request(app, client, auth, world)
    reader = "vk@jc.dk" if basis == "vk" else "anden@jc.dk"
    other = world["other"].id
    with app.app_context():
        citizen_id = db.session.get(HotlineRequest, req_id).placement.citizen_id
    if basis == "assignee":
        _set(app, HotlineRequest, req_id, assigned_to_id=other)
    elif basis == "adviser":
        _set(app, Citizen, citizen_id, adviser_id=other)
    elif basis == "team":
        with app.app_context():
            team = Team(name="Team Nord")
            db.session.add(team)
            db.session.commit()
            team_id = team.id
        _set(app, Citizen, citizen_id, team_id=team_id)
        _set(app, User, other, team_id=team_id)
    elif basis == "unassigned":
        _set(app, User, world["vk"].id, active=False)  # the VK has left: the request is anyone's to take
    login(client, auth, reader)
    html = client.get(f"/hotline/{req_id}").get_data(as_text=True)
    assert "SUBJMARK" in html and "BODYMARK" in html and 'data-testid="break-glass-form"' not in html
    assert views(app, req_id) == [f"hotline:{req_id}"]
    assert SUBJECT in client.get("/hotline/?vis=alle").get_data(as_text=True)


def test_an_unassigned_request_is_not_free_for_an_administrator_nor_once_closed(app, client, auth, world):
    req_id = health_request(app, client, auth, world)
    _set(app, HotlineRequest, req_id, assigned_to_id=None)
    login(client, auth, "admin@jc.dk")
    assert shows_nothing(client.get(f"/hotline/{req_id}").get_data(as_text=True))
    login(client, auth, "anden@jc.dk")
    assert "BODYMARK" in client.get(f"/hotline/{req_id}").get_data(as_text=True)
    _set(app, HotlineRequest, req_id, status="closed")  # nobody takes a closed request
    assert shows_nothing(client.get(f"/hotline/{req_id}").get_data(as_text=True))


def test_a_request_without_a_placement_is_open_to_all_staff(app, client, auth, world):
    login(client, auth, "a@firma.dk")
    file_request(client, category="helbred", subject=SUBJECT, message=BODY)
    req_id = all_requests(app)[-1].id
    for email in ("anden@jc.dk", "admin@jc.dk"):
        login(client, auth, email)
        assert "BODYMARK" in client.get(f"/hotline/{req_id}").get_data(as_text=True)


def test_a_purpose_is_logged_first_and_shows_the_thread_once(app, client, auth, world):
    req_id = health_request(app, client, auth, world)
    login(client, auth, "anden@jc.dk")
    response = read_with(client, req_id, PURPOSE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "BODYMARK" in html and "SUBJMARK" in html
    assert 'data-testid="break-glass-shown"' in html and PURPOSE in html
    assert views(app, req_id) == [f"hotline:{req_id} break-glass: {PURPOSE}"]
    assert shows_nothing(client.get(f"/hotline/{req_id}").get_data(as_text=True))  # the next visit asks again


@pytest.mark.parametrize("purpose, message", [
    ("", "Skriv, hvorfor"),
    ("abc", "mindst 5 tegn"),
    (f"Om {MARKER}navn", "navn"),
    ("Hun har diabetes", "helbred"),
    ("Svarer for en syg kollega", "helbred"),
    ("x" * 151, "højst 150 tegn"),
    ("Kollega\u202e syg", "usynlige tegn"),
])
def test_a_refused_purpose_shows_nothing_and_logs_nothing(app, client, auth, world, purpose, message):
    req_id = health_request(app, client, auth, world)
    login(client, auth, "anden@jc.dk")
    html = read_with(client, req_id, purpose).get_data(as_text=True)
    assert shows_nothing(html.replace(f"{MARKER}navn", "")) and 'data-testid="break-glass-form"' in html
    assert message.casefold() in html.casefold()
    assert views(app, req_id) == []


def test_the_purpose_step_fails_closed_when_the_log_cannot_be_written(app, client, auth, world, monkeypatch):
    req_id = health_request(app, client, auth, world)
    login(client, auth, "anden@jc.dk")
    token = csrf(client, f"/hotline/{req_id}")

    def failing(action, **kwargs):
        raise audit.AuditWriteError("audit log write failed: OperationalError")

    monkeypatch.setattr(audit, "record_now", failing)
    response = client.post(f"/hotline/{req_id}/begrundelse", data={"purpose": PURPOSE, "csrf_token": token})
    assert response.status_code >= 500 and shows_nothing(response.get_data(as_text=True))


def test_the_case_s_people_need_no_purpose_step(app, client, auth, world):
    req_id = health_request(app, client, auth, world)
    login(client, auth, "vk@jc.dk")
    token = csrf(client, f"/hotline/{req_id}")
    response = client.post(f"/hotline/{req_id}/begrundelse", data={"purpose": PURPOSE, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/hotline/{req_id}")
    assert views(app, req_id) == [f"hotline:{req_id}"]  # the page read for the token: no purpose logged


def test_a_reply_from_outside_the_case_needs_the_thread_read_with_a_purpose(app, client, auth, world):
    req_id = health_request(app, client, auth, world)
    login(client, auth, "anden@jc.dk")
    token = csrf(client, f"/hotline/{req_id}")
    refused = client.post(f"/hotline/{req_id}/besked", data={"body": "Jeg ringer", "csrf_token": token})
    assert refused.status_code == 403 and shows_nothing(refused.get_data(as_text=True))
    assert client.post(f"/hotline/{req_id}/luk", data={"csrf_token": token}).status_code == 403
    assert len(all_requests(app)[0].messages) == 1 and all_requests(app)[0].status == "open"
    page = read_with(client, req_id, PURPOSE).get_data(as_text=True)
    form = page.split('data-testid="message-form"', 1)[1].split("</form>", 1)[0]
    assert re.search(rf'name="purpose" value="{PURPOSE}"', form)
    empty = client.post(f"/hotline/{req_id}/besked", data={"body": " ", "purpose": PURPOSE, "csrf_token": token})
    assert empty.status_code == 400 and "BODYMARK" in empty.get_data(as_text=True)  # shown again, logged again
    assert views(app, req_id) == [f"hotline:{req_id} break-glass: {PURPOSE}"] * 2
    sent = client.post(f"/hotline/{req_id}/besked", data={"body": "Jeg ringer", "purpose": PURPOSE, "csrf_token": token})
    assert sent.status_code == 302 and len(all_requests(app)[0].messages) == 2
    closed = client.post(f"/hotline/{req_id}/luk", data={"purpose": PURPOSE, "csrf_token": token})
    assert closed.status_code == 302 and all_requests(app)[0].status == "closed"


def test_lists_show_the_category_instead_of_the_subject_outside_the_case(app, client, auth, world):
    req_id = health_request(app, client, auth, world)
    login(client, auth, "anden@jc.dk")
    html = client.get("/hotline/?vis=alle").get_data(as_text=True)
    row = re.search(rf'data-request-id="{req_id}".*?</tr>', html, re.DOTALL).group(0)
    assert "SUBJMARK" not in html and 'data-testid="subject-hidden">Helbred' in row
    assert "SUBJMARK" not in client.get(f"/hotline/?ansvarlig={world['vk'].id}").get_data(as_text=True)
    login(client, auth, "vk@jc.dk")
    assert SUBJECT in client.get("/hotline/").get_data(as_text=True)
    assert SUBJECT in client.get("/").get_data(as_text=True)


def test_the_start_page_shows_the_category_for_a_request_outside_the_case(app, client, auth, world, monkeypatch):
    """The start page lists the reader's own and unassigned requests, free to read today; its
    subject line asks the same rule as the hotline lists (:func:`need_to_know.hidden_subjects`)."""
    health_request(app, client, auth, world)
    login(client, auth, "vk@jc.dk")
    monkeypatch.setattr(need_to_know, "free_ids", lambda user, requests: set())
    start = client.get("/").get_data(as_text=True)
    assert "SUBJMARK" not in start and 'data-testid="subject-hidden">Helbred' in start


def test_the_rule_reads_a_list_in_the_same_statements_however_long(app, world, make_user):
    from tests.sql_statements import statements

    with app.app_context():
        author = db.session.get(User, world["a"].id)
        for i in range(6):
            service.create_request(author, service.RequestData("helbred", "normal", f"Sag {i}", "x",
                                                               world["ids"]["active"]))
        other = db.session.get(User, world["other"].id)
        requests = list(db.session.scalars(sa.select(HotlineRequest).order_by(HotlineRequest.id)))
        with statements(app) as one:
            assert need_to_know.hidden_subjects(other, requests[:1]) == {requests[0].id}
        with statements(app) as six:
            assert need_to_know.hidden_subjects(other, requests) == {r.id for r in requests}
        assert len(one) == len(six) <= 2


def test_those_an_escalation_asks_to_step_in_read_it_without_a_purpose(app, client, auth, world):
    """Review AL 3: the escalation mail asks the assignee's team colleagues (or the
    administrators) to help, and each of them landed on the purpose step."""
    req_id = health_request(app, client, auth, world)
    with app.app_context():
        north = Team(name="Team Nord")
        db.session.add(north)
        users = {u.email: u for u in db.session.scalars(sa.select(User))}
        users["firma-vk@jc.dk"].team = users["anden@jc.dk"].team = north
        db.session.get(HotlineRequest, req_id).assigned_to_id = users["firma-vk@jc.dk"].id
        db.session.commit()
    for email in ("anden@jc.dk", "admin@jc.dk"):
        login(client, auth, email)
        assert shows_nothing(client.get(f"/hotline/{req_id}").get_data(as_text=True))  # not escalated
    with app.app_context():
        db.session.get(HotlineRequest, req_id).escalated_at = db.func.now()
        db.session.commit()
    for email in ("anden@jc.dk", "admin@jc.dk"):
        login(client, auth, email)
        assert "BODYMARK" in client.get(f"/hotline/{req_id}").get_data(as_text=True), email
    with app.app_context():
        db.session.get(HotlineRequest, req_id).status = "answered"  # helped: the rule is back
        db.session.commit()
    assert shows_nothing(client.get(f"/hotline/{req_id}").get_data(as_text=True))


def test_an_empty_purpose_is_refused_in_the_hotline_s_words(app, client, auth, world):
    """Review AL 5: the skånehensyn form's message, and a 200 for a refused form."""
    req_id = health_request(app, client, auth, world)
    login(client, auth, "anden@jc.dk")
    refused = read_with(client, req_id, "")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Skriv, hvorfor du skal læse henvendelsen." in html
    assert "skånehensyn" not in html.split('data-testid="break-glass-form"')[1].split("</form>")[0]
    assert shows_nothing(html) and views(app, req_id) == []
