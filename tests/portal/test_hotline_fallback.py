"""Who the hotline tells, and what the company page says about it (review AI 1, 7, 9, 12).

A request without an active assignee reaches a fallback group (the team closest to it, else
every active consultant, else the administrators), as a notice and as the reminders'
recipients; the company is told when the job centre closes its request; the company page names
who is told and when written requests are handled.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.hotline import reminders, service, sla
from store.models import Citizen, Company, HotlineRequest, Notification, Placement, Team, User
from tests.conftest import AuthActions

# Monday 23 November 2026, 10:00 in Copenhagen.
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=sla.LOCAL).astimezone(timezone.utc)


@pytest.fixture
def world(app, make_user):
    """A company without a consultant; two consultants in Team Syd, one in Team Nord; a citizen
    whose VK (Team Nord) has left, placed at the company; an administrator."""
    contact = make_user("company", email="kontakt@firma.dk")
    syd = [make_user("consultant", email=f"syd{i}@jc.dk") for i in (1, 2)]
    nord = make_user("consultant", email="nord@jc.dk")
    gone = make_user("consultant", email="gone@jc.dk", active=False)
    admin = make_user("admin", email="admin@jc.dk")
    with app.app_context():
        team = Team(name="Team Nord")
        db.session.get(User, nord.id).team = team
        db.session.get(User, gone.id).team = team
        company = db.session.get(Company, contact.company_id)
        company.consultant_id = None
        citizen = Citizen(name="Borger Nord", postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=date(2025, 1, 1),
                          vk_id=gone.id)
        placement = Placement(citizen=citizen, company=company, kind="smaajob",
                              start_date=date(2026, 1, 1), weekly_hours=5)
        db.session.add_all([citizen, placement])
        db.session.commit()
        return {"contact": contact.id, "syd": [u.id for u in syd], "nord": nord.id, "admin": admin.id,
                "placement": placement.id, "gone": gone.id}


def file(app, world, *, placement: bool = False, now: datetime = MONDAY) -> int:
    with app.app_context():
        author = db.session.get(User, world["contact"])
        data = service.RequestData("konflikt", "akut", "Uenighed", "Der var en konflikt.",
                                   world["placement"] if placement else None)
        return service.create_request(author, data, now=now).id


def told(app, request_id: int, kind: str = "hotline_new") -> list[int]:
    with app.app_context():
        return sorted(db.session.scalars(sa.select(Notification.user_id).where(
            Notification.link == f"/hotline/{request_id}", Notification.kind == kind)))


def test_a_request_without_any_consultant_reaches_every_active_consultant(app, world):
    request_id = file(app, world)
    with app.app_context():
        assert db.session.get(HotlineRequest, request_id).assigned_to_id is None
    assert told(app, request_id) == sorted([*world["syd"], world["nord"]])
    with app.app_context():
        note = db.session.scalar(sa.select(Notification).where(Notification.link == f"/hotline/{request_id}"))
        assert note.text.endswith("(Akut), uden ansvarlig konsulent")


def test_a_request_about_a_placement_whose_vk_left_reaches_that_vks_team(app, world):
    request_id = file(app, world, placement=True)
    assert told(app, request_id) == [world["nord"]]  # not Team Syd; not the VK who left


def test_without_any_active_consultant_the_administrators_are_told(app, world):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.role == "consultant").values(active=False))
        db.session.commit()
    assert told(app, file(app, world)) == [world["admin"]]


def test_the_reminder_of_an_unassigned_request_goes_to_the_same_group(app, world):
    request_id = file(app, world, placement=True)
    with app.app_context():
        request = db.session.get(HotlineRequest, request_id)
        assert [u.id for u in reminders.reminder_recipients(request)] == [world["nord"]]


def test_a_request_whose_assignee_left_is_reminded_to_that_assignees_team(app, world):
    request_id = file(app, world)
    with app.app_context():
        request = db.session.get(HotlineRequest, request_id)
        request.assigned_to_id = world["gone"]
        db.session.commit()
        assert [u.id for u in reminders.reminder_recipients(request)] == [world["nord"]]


def test_the_company_page_says_the_job_centre_is_told_and_who(app, client, world):
    AuthActions(client).switch_to("kontakt@firma.dk")
    page = client.get("/hotline/").get_data(as_text=True)
    assert "Jobcentret får besked med det samme." in page
    assert "Jeres virksomhedskonsulent får besked" not in page
    assert ("Handler henvendelsen om et forløb, får borgerens virksomhedskonsulent besked, "
            "ellers jeres virksomhedskonsulent.") in page
    # When written requests are handled comes from the constants the targets count with.
    assert ("Skriftlige henvendelser behandles på arbejdsdage (mandag–fredag, ikke helligdage, grundlovsdag, "
            "juleaftensdag og nytårsaftensdag) kl. 8–16") in page


# --- the company is told when the job centre closes its request (review AI 7) ----------

def test_the_company_is_told_when_the_job_centre_closes_its_request(app, client, world):
    request_id = file(app, world)
    auth = AuthActions(client)
    auth.switch_to("nord@jc.dk")
    client.post(f"/hotline/{request_id}/luk", data={"csrf_token": auth.csrf_token(f"/hotline/{request_id}"),
                                                   "note": "Vi har ringet til jer."})
    assert told(app, request_id, "hotline_closed") == [world["contact"]]
    with app.app_context():
        note = db.session.scalar(sa.select(Notification).where(Notification.kind == "hotline_closed"))
        assert note.text == f"Jobcentret har lukket jeres henvendelse #{request_id} til hotline: »Vi har ringet til jer.«"


def test_the_company_is_not_told_when_it_closes_the_request_itself(app, client, world):
    request_id = file(app, world)
    auth = AuthActions(client)
    auth.switch_to("kontakt@firma.dk")
    client.post(f"/hotline/{request_id}/luk", data={"csrf_token": auth.csrf_token(f"/hotline/{request_id}")})
    with app.app_context():
        assert db.session.get(HotlineRequest, request_id).status == "closed"
    assert told(app, request_id, "hotline_closed") == []


def test_closing_by_a_named_company_user_tells_nobody(app, world):
    request_id = file(app, world)
    with app.app_context():
        request = db.session.get(HotlineRequest, request_id)
        service.close_request(request, now=MONDAY + timedelta(hours=1), by=db.session.get(User, world["contact"]))
    assert told(app, request_id, "hotline_closed") == []
