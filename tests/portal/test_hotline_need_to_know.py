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
from portal.hotline import need_to_know, reminders, service, sla
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


def escalate(app, request_id: int) -> None:
    """As the reminder job's claim (:func:`portal.hotline.reminders._claim`): escalated now, for
    the current assignee."""
    with app.app_context():
        assert reminders._claim("escalated_at", request_id, sla.utc_now())


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
    escalate(app, req_id)
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


# --- review BD: a take-over moves no escalation, and an act through the glass logs its purpose ------

def _teams(app, world, make_user) -> dict[str, int]:
    """Team Nord: the citizen's VK (the assignee) and the company's consultant, whom an
    escalation asks; Team Vest: »anden« and a colleague of hers, both outside the citizen's case."""
    colleague = make_user("consultant", email="kollega@jc.dk")
    with app.app_context():
        north, south = Team(name="Team Nord"), Team(name="Team Vest")
        db.session.add_all([north, south])
        for user, team in ((world["vk"], north), (world["company_vk"], north), (world["other"], south),
                           (colleague, south)):
            db.session.get(User, user.id).team = team
        db.session.commit()
        return {"north": north.id, "south": south.id, "colleague": colleague.id}


def audit_rows(app, request_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.action, e.purpose) for e in db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.purpose.like(f"hotline:{request_id} %")
                                        | (AuditEvent.purpose == f"hotline:{request_id}"))
            .order_by(AuditEvent.id))]


def test_a_take_over_from_outside_the_case_does_not_open_an_escalated_thread_to_the_taker_s_team(
        app, client, auth, world, make_user):
    """Review BD 1: »anden« (Team Vest, outside the case) takes an escalated request over with a
    purpose; her Team Vest colleague was never asked and still gets the purpose step, while the
    assignee's colleague the escalation asked keeps reading it freely until it is answered."""
    req_id = health_request(app, client, auth, world)
    teams = _teams(app, world, make_user)
    escalate(app, req_id)
    with app.app_context():
        assert db.session.get(HotlineRequest, req_id).escalated_for_id == world["vk"].id
    login(client, auth, "kollega@jc.dk")
    assert shows_nothing(client.get(f"/hotline/{req_id}").get_data(as_text=True))
    login(client, auth, "anden@jc.dk")
    page = read_with(client, req_id, PURPOSE).get_data(as_text=True)
    assert "de kolleger, der blev bedt om at hjælpe, kan stadig læse og besvare den" in page
    taken = client.post(f"/hotline/{req_id}/overtag",
                        data={"purpose": PURPOSE, "csrf_token": csrf(client, "/hotline/")})
    assert taken.status_code == 302
    with app.app_context():
        request = db.session.get(HotlineRequest, req_id)
        assert request.assigned_to_id == world["other"].id and request.status == "open"
        assert request.escalated_at is not None and request.escalated_for_id == world["vk"].id
        colleague = db.session.get(User, teams["colleague"])
        assert need_to_know.hidden_subjects(colleague, [request]) == {req_id}
        # the escalation still asks whom it asked: not the taker's team
        assert [u.email for u in reminders.escalation_recipients(request)] == ["firma-vk@jc.dk"]
    assert "BODYMARK" in client.get(f"/hotline/{req_id}").get_data(as_text=True)  # the assignee now
    login(client, auth, "kollega@jc.dk")
    html = client.get(f"/hotline/{req_id}").get_data(as_text=True)
    assert shows_nothing(html) and 'data-testid="break-glass-form"' in html
    assert "SUBJMARK" not in client.get("/hotline/?vis=alle").get_data(as_text=True)
    refused = client.post(f"/hotline/{req_id}/overtag", data={"csrf_token": csrf(client, "/hotline/")})
    assert refused.status_code == 403
    login(client, auth, "firma-vk@jc.dk")  # asked by the escalation: as before the take-over
    assert "BODYMARK" in client.get(f"/hotline/{req_id}").get_data(as_text=True)


def test_an_escalation_s_stand_ins_stay_those_it_asked_after_a_take_over(app, client, auth, world, make_user):
    """The fallback branch (review BC 1) too: the only administrator, without a team, is the
    assignee; the escalation asks the team closest to the case (the citizen's VK's, Team Nord).
    After »anden« (Team Vest) takes it over, the team closest is still worked out for the
    administrator, not for her."""
    req_id = health_request(app, client, auth, world)
    _teams(app, world, make_user)
    _set(app, HotlineRequest, req_id, assigned_to_id=world["admin"].id)
    with app.app_context():
        db.session.get(User, world["vk"].id).active = False  # the citizen's VK has left; their team remains
        db.session.commit()
    escalate(app, req_id)
    login(client, auth, "anden@jc.dk")
    read_with(client, req_id, PURPOSE)
    assert client.post(f"/hotline/{req_id}/overtag", data={"purpose": PURPOSE, "csrf_token": csrf(
        client, "/hotline/")}).status_code == 302
    with app.app_context():
        request = db.session.get(HotlineRequest, req_id)
        assert [u.email for u in reminders.escalation_recipients(request)] == ["firma-vk@jc.dk"]
    login(client, auth, "kollega@jc.dk")
    assert shows_nothing(client.get(f"/hotline/{req_id}").get_data(as_text=True))
    login(client, auth, "firma-vk@jc.dk")
    assert "BODYMARK" in client.get(f"/hotline/{req_id}").get_data(as_text=True)


def test_a_take_over_from_outside_the_case_logs_its_purpose_with_it(app, client, auth, world):
    """Review BD 2: posted straight to /overtag (no read through /begrundelse first), the purpose
    is logged as a read through the glass, in the take-over's commit, and the take-over's row
    says it was outside the case."""
    req_id = health_request(app, client, auth, world)
    login(client, auth, "anden@jc.dk")
    token = csrf(client, "/hotline/")
    before = audit_rows(app, req_id)
    assert client.post(f"/hotline/{req_id}/overtag", data={"purpose": PURPOSE, "csrf_token": token}).status_code == 302
    new = audit_rows(app, req_id)[len(before):]
    vk, other = world["vk"].id, world["other"].id
    assert new[:2] == [("hotline_viewed", f"hotline:{req_id} break-glass: {PURPOSE}"),
                       ("hotline_taken_over", f"hotline:{req_id} fra user:{vk} til user:{other} taken_over outside_case")]
    with app.app_context():
        from portal.admin.audit_labels import purpose_label
        assert purpose_label("hotline_taken_over", new[1][1]).endswith("med »Overtag henvendelsen« uden for sagen")


def test_a_take_over_inside_the_case_logs_no_purpose(app, client, auth, world):
    req_id = health_request(app, client, auth, world)
    _set(app, HotlineRequest, req_id, assigned_to_id=world["other"].id)
    login(client, auth, "vk@jc.dk")  # the citizen's VK: inside the case
    assert client.post(f"/hotline/{req_id}/overtag", data={"purpose": PURPOSE, "csrf_token": csrf(
        client, "/hotline/")}).status_code == 302
    assert [row for row in audit_rows(app, req_id) if row[0] == "hotline_taken_over"] == [
        ("hotline_taken_over", f"hotline:{req_id} fra user:{world['other'].id} til user:{world['vk'].id} taken_over")]
    assert not any("break-glass" in purpose for _, purpose in audit_rows(app, req_id))


def test_a_reply_and_a_closing_from_outside_the_case_log_their_purpose(app, client, auth, world):
    """Review BD 2 (the message route, and the close route alike): the purpose posted with the
    reply is logged with it, also when the thread was not read through /begrundelse first."""
    req_id = health_request(app, client, auth, world)
    login(client, auth, "anden@jc.dk")
    token = csrf(client, "/hotline/")
    sent = client.post(f"/hotline/{req_id}/besked", data={"body": "Jeg ringer", "purpose": PURPOSE,
                                                          "csrf_token": token})
    assert sent.status_code == 302
    rows = audit_rows(app, req_id)
    glass = ("hotline_viewed", f"hotline:{req_id} break-glass: {PURPOSE}")
    assert rows[-2:] == [glass, ("hotline_replied", f"hotline:{req_id} outside_case")]
    closed = client.post(f"/hotline/{req_id}/luk", data={"purpose": PURPOSE, "note": "Aftalt i telefonen.",
                                                         "csrf_token": token})
    assert closed.status_code == 302
    rows = audit_rows(app, req_id)
    assert rows[-2][0] == "hotline_viewed" and rows[-2] == glass
    assert rows[-1][0] == "hotline_closed" and rows[-1][1].endswith(" outside_case")
    login(client, auth, "vk@jc.dk")  # inside the case: nothing of a purpose
    with app.app_context():
        assert db.session.get(HotlineRequest, req_id).status == "closed"


def test_the_claim_keeps_whom_the_escalation_is_for_and_a_new_wait_or_a_release_clears_it(app, client, auth, world):
    req_id = health_request(app, client, auth, world)
    now = sla.utc_now()
    with app.app_context():
        assert reminders._claim("escalated_at", req_id, now)
        assert db.session.get(HotlineRequest, req_id).escalated_for_id == world["vk"].id
        reminders._release("escalated_at", req_id, now)
        request = db.session.get(HotlineRequest, req_id)
        db.session.refresh(request)
        assert request.escalated_at is None and request.escalated_for_id is None
        assert reminders._claim("reminded_at", req_id, now)
        db.session.refresh(request)
        assert request.escalated_for_id is None  # a reminder is for nobody else
        assert reminders._claim("escalated_at", req_id, now)
        vk = db.session.get(User, world["vk"].id)
        service.add_message(request, vk, "Vi ringer i dag.")
        service.add_message(request, db.session.get(User, world["a"].id), "Det er ikke løst.")
        db.session.refresh(request)
        assert request.status == "open" and request.escalated_at is None and request.escalated_for_id is None
