"""Who keeps a hotline request, and who hears of the company's next message (review BC 2 and 3).

* »Overtag henvendelsen«: staff who may read the thread make themselves its assignee (audited,
  the assignee until then told); the company then sees them as its contact, and its next
  message goes to them.
* A reply to an escalated request that still waits takes it over from the assignee, on the web
  and over the API.
* A company's message on a request without an active contact reaches those a new request
  without one reaches (the duty consultant, else the fallback group), and the flash says who.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.hotline import duty, reminders, service, sla
from store.models import AuditEvent, Citizen, Company, HotlineRequest, Notification, Placement, Team, User
from tests.api.api_fixtures import bearer, make_token
from tests.conftest import AuthActions

# Monday 7 December 2026, 09:00 in Copenhagen.
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=sla.LOCAL).astimezone(timezone.utc)
PURPOSE = "Dækker for en kollega på ferie"


@pytest.fixture
def world(app, make_user):
    """Solbakken (consultant Nikolaj, Team Syd) and Krogh Fragt (no consultant); Laura in Team
    Syd, Camilla in Team Nord and the VK of a citizen placed at Solbakken; one administrator."""
    people = {"solbakken": make_user("company", email="kontakt@solbakken.dk"),
              "krogh": make_user("company", email="kontakt@krogh.dk"),
              "nikolaj": make_user("consultant", email="nikolaj@jc.dk"),
              "laura": make_user("consultant", email="laura@jc.dk"),
              "camilla": make_user("consultant", email="camilla@jc.dk"),
              "admin": make_user("admin", email="admin@jc.dk")}
    names = {"nikolaj": "Nikolaj Damgaard", "laura": "Laura Rasmussen", "camilla": "Camilla Bak",
             "admin": "Maria Pedersen"}
    with app.app_context():
        for key, name in names.items():
            db.session.get(User, people[key].id).name = name
        db.session.get(User, people["camilla"].id).team = Team(name="Team Nord")
        solbakken = db.session.get(Company, people["solbakken"].company_id)
        solbakken.name, solbakken.consultant_id = "Solbakken", people["nikolaj"].id
        krogh = db.session.get(Company, people["krogh"].company_id)
        krogh.name, krogh.consultant_id = "Krogh Fragt", None
        citizen = Citizen(name="Borger Nord", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                          readiness_group="paa_vej", case_start=date(2025, 1, 1), vk_id=people["camilla"].id)
        placement = Placement(citizen=citizen, company=solbakken, kind="smaajob", start_date=date(2026, 1, 1),
                              weekly_hours=5)
        db.session.add_all([citizen, placement])
        db.session.commit()
        return {**{key: user.id for key, user in people.items()}, "placement": placement.id}


def file(app, world, company: str = "solbakken", *, placement: bool = False, now: datetime = MONDAY) -> int:
    with app.app_context():
        data = service.RequestData("fravaer", "akut", "Mødte ikke op", "Vi har ikke hørt noget.",
                                   world["placement"] if placement else None)
        return service.create_request(db.session.get(User, world[company]), data, now=now).id


def escalate(app, request_id: int) -> None:
    """The request's target has passed unanswered and the reminder job asked colleagues to step in."""
    with app.app_context():
        db.session.get(HotlineRequest, request_id).escalated_at = MONDAY + timedelta(hours=4)
        db.session.commit()


def assignee(app, request_id: int) -> int | None:
    with app.app_context():
        return db.session.get(HotlineRequest, request_id).assigned_to_id


def told(app, request_id: int, kind: str) -> list[int]:
    with app.app_context():
        return sorted(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.link == f"/hotline/{request_id}", Notification.kind == kind)))


def taken_over(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == "hotline_taken_over")
                                       .order_by(AuditEvent.id)))


def login(client, email: str) -> AuthActions:
    auth = AuthActions(client)
    auth.switch_to(email)
    return auth


def post(client, path: str, data: dict | None = None, page: str | None = None):
    token = AuthActions(client).csrf_token(page or path.rsplit("/", 1)[0])
    return client.post(path, data={"csrf_token": token, **(data or {})})


def company_writes(client, request_id: int, body: str = "Det er ikke løst endnu.", waits: str = "ja"):
    return post(client, f"/hotline/{request_id}/besked", {"body": body, "venter": waits, "form_id": ""})


# --- »Overtag henvendelsen« ---------------------------------------------------------------------

def test_a_colleague_takes_the_request_over_and_the_company_s_next_message_goes_to_them(app, client, world):
    request_id = file(app, world)
    assert assignee(app, request_id) == world["nikolaj"]
    login(client, "laura@jc.dk")
    page = client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert 'data-testid="take-over-form"' in page and "Nikolaj Damgaard får besked." in page
    assert "Nikolaj Damgaard er ansvarlig og får virksomhedens nye beskeder, også efter dit svar." in page
    response = post(client, f"/hotline/{request_id}/overtag")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/hotline/{request_id}")
    shown = client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert "Du har overtaget henvendelsen og er nu ansvarlig konsulent" in shown
    assert "Nikolaj Damgaard har fået besked." in shown
    assert 'data-testid="assignee">Laura Rasmussen<' in shown and 'data-testid="take-over-form"' not in shown
    assert assignee(app, request_id) == world["laura"]
    assert taken_over(app) == [f"hotline:{request_id} fra user:{world['nikolaj']} til user:{world['laura']} taken_over"]
    assert told(app, request_id, "hotline_taken_over") == [world["nikolaj"]]
    with app.app_context():
        note = db.session.scalar(sa.select(Notification).where(Notification.kind == "hotline_taken_over"))
        assert note.text == f"Laura Rasmussen har overtaget henvendelse #{request_id} til hotline fra Solbakken"

    login(client, "kontakt@solbakken.dk")
    thread = client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert "<strong>Laura Rasmussen</strong>, virksomhedskonsulent" in thread
    assert "Laura Rasmussen får jeres besked med det samme." in thread
    company_writes(client, request_id)
    assert "Laura Rasmussen har fået besked." in client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert told(app, request_id, "hotline_message") == [world["laura"]]


def test_the_assignee_has_no_take_over_button_and_taking_it_again_changes_nothing(app, client, world):
    request_id = file(app, world)
    login(client, "nikolaj@jc.dk")
    assert 'data-testid="take-over-form"' not in client.get(f"/hotline/{request_id}").get_data(as_text=True)
    post(client, f"/hotline/{request_id}/overtag", page=f"/hotline/{request_id}")
    assert "Du er allerede ansvarlig for henvendelsen." in client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert taken_over(app) == [] and told(app, request_id, "hotline_taken_over") == []


def test_taking_over_needs_staff_a_csrf_token_and_an_open_request(app, client, world):
    request_id = file(app, world)
    login(client, "kontakt@solbakken.dk")
    assert post(client, f"/hotline/{request_id}/overtag", page=f"/hotline/{request_id}").status_code == 403
    login(client, "laura@jc.dk")
    assert client.post(f"/hotline/{request_id}/overtag").status_code == 400  # no CSRF token
    assert post(client, "/hotline/99999/overtag", page="/hotline/").status_code == 404
    with app.app_context():
        service.close_request(db.session.get(HotlineRequest, request_id), by=db.session.get(User, world["nikolaj"]),
                              note="Aftalt i telefonen.")
    page = client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert 'data-testid="take-over-form"' not in page
    post(client, f"/hotline/{request_id}/overtag", page=f"/hotline/{request_id}")
    assert "Henvendelsen er lukket og kan ikke overtages." in client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert assignee(app, request_id) == world["nikolaj"] and taken_over(app) == []


def test_outside_the_case_the_request_is_taken_over_only_after_a_purpose(app, client, world):
    """A request about a placement outside Laura's case (the citizen's VK is Camilla, Team Nord):
    she gives a purpose first, as to read or answer it (need to know)."""
    request_id = file(app, world, placement=True)
    assert assignee(app, request_id) == world["camilla"]
    login(client, "laura@jc.dk")
    refused = post(client, f"/hotline/{request_id}/overtag", page="/hotline/")
    assert refused.status_code == 403 and 'data-testid="break-glass-form"' in refused.get_data(as_text=True)
    assert assignee(app, request_id) == world["camilla"]
    shown = post(client, f"/hotline/{request_id}/begrundelse", {"purpose": PURPOSE}, page=f"/hotline/{request_id}")
    html = shown.get_data(as_text=True)
    assert 'data-testid="take-over-form"' in html and f'name="purpose" value="{PURPOSE}"' in html
    response = post(client, f"/hotline/{request_id}/overtag", {"purpose": PURPOSE}, page="/hotline/")
    assert response.status_code == 302 and assignee(app, request_id) == world["laura"]
    # now the assignee: she reads it without a purpose
    assert "Vi har ikke hørt noget." in client.get(f"/hotline/{request_id}").get_data(as_text=True)


# --- a reply to an escalated request takes it over -----------------------------------------------

def test_a_reply_to_an_escalated_request_takes_it_over_and_keeps_the_thread_with_the_one_who_stepped_in(
        app, client, world):
    """Review BC 2: Laura answers for the absent Nikolaj; the company's »ikke løst« went to him."""
    request_id = file(app, world)
    escalate(app, request_id)
    login(client, "laura@jc.dk")
    page = client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert ("Henvendelsen er over svarfristen og eskaleret: svarer du, overtager du den fra Nikolaj Damgaard, "
            "som får besked.") in page
    post(client, f"/hotline/{request_id}/besked", {"body": "Jeg svarer, da Nikolaj er fraværende.", "form_id": ""})
    assert ("Beskeden er sendt. Du er nu ansvarlig for henvendelsen. Nikolaj Damgaard har fået besked."
            in client.get(f"/hotline/{request_id}").get_data(as_text=True))
    assert assignee(app, request_id) == world["laura"]
    assert taken_over(app) == [
        f"hotline:{request_id} fra user:{world['nikolaj']} til user:{world['laura']} reply_escalated"]
    assert told(app, request_id, "hotline_taken_over") == [world["nikolaj"]]

    login(client, "kontakt@solbakken.dk")
    company_writes(client, request_id, "Tak Laura, men det er ikke løst endnu.")
    thread = client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert "Laura Rasmussen har fået besked." in thread and "Nikolaj Damgaard" not in thread
    assert told(app, request_id, "hotline_message") == [world["laura"]]


def test_a_reply_before_the_escalation_leaves_the_assignee(app, client, world):
    """The rule is the escalation's: a colleague's reply otherwise takes nothing (the page says
    so, and offers »Overtag henvendelsen«)."""
    request_id = file(app, world)
    login(client, "laura@jc.dk")
    post(client, f"/hotline/{request_id}/besked", {"body": "Jeg kigger på det.", "form_id": ""})
    assert "Du er nu ansvarlig" not in client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert assignee(app, request_id) == world["nikolaj"] and taken_over(app) == []


def test_the_assignee_s_own_reply_to_an_escalated_request_changes_no_one(app, client, world):
    request_id = file(app, world)
    escalate(app, request_id)
    login(client, "nikolaj@jc.dk")
    assert "overtager du den" not in client.get(f"/hotline/{request_id}").get_data(as_text=True)
    post(client, f"/hotline/{request_id}/besked", {"body": "Undskyld ventetiden.", "form_id": ""})
    assert assignee(app, request_id) == world["nikolaj"] and taken_over(app) == []


def test_an_api_reply_to_an_escalated_request_takes_it_over_too(app, client, world):
    request_id = file(app, world)
    escalate(app, request_id)
    with app.app_context():
        laura = db.session.get(User, world["laura"])
    response = client.post(f"/api/v1/hotline/{request_id}/messages", json={"body": "Jeg tager den."},
                           headers=bearer(make_token(app, laura)))
    assert response.status_code == 201, response.json
    assert assignee(app, request_id) == world["laura"]
    assert told(app, request_id, "hotline_taken_over") == [world["nikolaj"]]


def test_the_next_wait_is_reminded_to_the_one_who_took_it_over(app, world, monkeypatch):
    request_id = file(app, world)
    escalate(app, request_id)
    with app.app_context():
        request = db.session.get(HotlineRequest, request_id)
        service.add_message(request, db.session.get(User, world["laura"]), "Jeg svarer.", now=MONDAY + timedelta(hours=5))
        service.add_message(request, db.session.get(User, world["solbakken"]), "Ikke løst.",
                            now=MONDAY + timedelta(hours=6))
        assert reminders.reminder_recipients(request) == [db.session.get(User, world["laura"])]


# --- review BC 3: a message on a request without a contact ----------------------------------------

def test_a_message_on_a_request_without_a_contact_reaches_the_fallback_group_and_the_flash_says_so(
        app, client, world):
    request_id = file(app, world, "krogh")
    assert assignee(app, request_id) is None
    everyone = sorted([world["nikolaj"], world["laura"], world["camilla"]])
    assert told(app, request_id, "hotline_new") == everyone
    login(client, "kontakt@krogh.dk")
    assert "3 medarbejdere i jobcentret får jeres besked med det samme." in client.get(
        f"/hotline/{request_id}").get_data(as_text=True)
    company_writes(client, request_id, "Det er blevet værre, ring venligst.")
    assert told(app, request_id, "hotline_message") == everyone
    assert "Beskeden er sendt. 3 medarbejdere i jobcentret har fået besked." in client.get(
        f"/hotline/{request_id}").get_data(as_text=True)
    with app.app_context():
        note = db.session.scalar(sa.select(Notification).where(Notification.kind == "hotline_message"))
        assert note.text.endswith("(venter på svar), uden ansvarlig konsulent")


def test_a_message_on_a_request_without_a_contact_reaches_the_duty_consultant_by_name(app, client, world):
    with app.app_context():
        duty.set_duty(db.session.get(User, world["admin"]), world["laura"])
    request_id = file(app, world, "krogh")
    login(client, "kontakt@krogh.dk")
    company_writes(client, request_id, "Det er blevet værre - nu akut!")
    assert told(app, request_id, "hotline_message") == [world["laura"]]
    assert "Laura Rasmussen har fået besked." in client.get(f"/hotline/{request_id}").get_data(as_text=True)
