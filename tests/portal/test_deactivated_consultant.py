"""A consultant who is deactivated leaves nothing behind unseen (review L, findings 1 and 2).

Their waiting hotline requests count as unassigned on every staff list (and whoever answers
takes them over); the administrator is told, when deactivating and on the start page, how many
open cases, companies and requests the user still holds, with links to where they are handed
over; and their citizens no longer count as having a VK: not in the 85 % goal, the /borgere
share or the matching index, and each says "ny VK (den tildelte er deaktiveret)", linked to
/borgere/<id>/sagsbehandlere.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.citizens import queries
from portal.dashboard.facts import Scope
from portal.extensions import db
from portal.hotline import service as hotline
from store import clock
from store.models import Citizen, Company, CvDocument, HotlineRequest, JobGoal, OutboxEvent, Placement, User
from store.models.citizens import VK_INACTIVE, missing_items
from store.profiles import is_indexable_citizen, matchable_profiles
from tests.conftest import AuthActions
from tests.portal.dashboard_figures import matchable_share

pytestmark = pytest.mark.usefixtures("frozen_today")


def _citizen(name: str, vk_id: int | None, **fields) -> Citizen:
    citizen = Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                      case_start=date(2026, 1, 5), hours_available=10, vk_id=vk_id, **fields)
    citizen.job_goals.append(JobGoal(title="Lagermedarbejder", position=0))
    citizen.cv_documents.append(CvDocument(text="Truckcertifikat og lager"))
    return citizen


@pytest.fixture
def world(app, make_user):
    """An admin; Susanne, a consultant about to leave, with two open cases, a closed one, a
    company and two requests not closed (one waiting, one answered); Michael, a colleague with
    one case; a closed request of Susanne's."""
    admin = make_user("admin", email="admin@jc.dk")
    leaving = make_user("consultant", email="susanne@jc.dk")
    colleague = make_user("consultant", email="michael@jc.dk")
    company_user = make_user("company", email="kontakt@firma.dk")
    now = datetime.now(timezone.utc)
    with app.app_context():
        db.session.get(User, leaving.id).name = "Susanne Andersen"
        db.session.get(User, colleague.id).name = "Michael Pedersen"
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = leaving.id
        citizens = [_citizen("Anna Andersen", leaving.id), _citizen("Bo Berg", leaving.id),
                    _citizen("Carl Lukket", leaving.id, case_closed=date(2026, 3, 1)),
                    _citizen("Dorte Dahl", colleague.id)]
        requests = [HotlineRequest(company_id=company.id, category="opgaver", urgency="normal", subject=subject,
                                   status=status, assigned_to_id=leaving.id, created_by_id=company_user.id,
                                   due_at=now - timedelta(hours=2))
                    for subject, status in (("Nøgler til lageret", "open"), ("Mødetider", "answered"),
                                            ("Gammel sag", "closed"))]
        db.session.add_all([*citizens, *requests])
        db.session.commit()
        ids = {c.name.split()[0]: c.id for c in citizens} | {r.subject: r.id for r in requests}
    return {"admin": admin, "leaving": leaving, "colleague": colleague, "company_user": company_user,
            "company_id": company_user.company_id, "ids": ids}


def deactivate(app, user_id: int) -> None:
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()


def toggle(client, user_id: int):
    return client.post(f"/admin/users/{user_id}/toggle",
                       data={"csrf_token": AuthActions(client).csrf_token("/admin/users")})


# --- finding 1: hotline requests of a deactivated assignee --------------------------------

def test_a_deactivated_assignees_requests_are_on_every_consultants_list(app, client, auth, world):
    with app.app_context():
        michael = db.session.get(User, world["colleague"].id)
        assert hotline.list_for_staff(michael, False, "open") == []  # Susanne's, while she works
    deactivate(app, world["leaving"].id)
    with app.app_context():
        michael = db.session.get(User, world["colleague"].id)
        assert [r.subject for r in hotline.list_for_staff(michael, False, "open")] == ["Nøgler til lageret"]
        assert [r.subject for r in hotline.list_for_staff(michael, False, "answered")] == ["Mødetider"]
    auth.login("michael@jc.dk")
    start = client.get("/").get_data(as_text=True)
    assert 'data-testid="figure-hotline" data-count="1"' in start  # the start page counts it
    page = client.get("/hotline/").get_data(as_text=True)
    assert "Nøgler til lageret" in page and "Susanne Andersen (deaktiveret)" in page
    detail = client.get(f"/hotline/{world['ids']['Nøgler til lageret']}").get_data(as_text=True)
    assert re.search(r"Ansvarlig konsulent</th><td[^>]*>Susanne Andersen \(deaktiveret\)</td>", detail)
    auth.switch_to("admin@jc.dk")
    assert "Nøgler til lageret" in client.get("/hotline/").get_data(as_text=True)


def test_answering_takes_over_a_deactivated_assignees_request(app, client, auth, world):
    deactivate(app, world["leaving"].id)
    with app.app_context():
        request = db.session.get(HotlineRequest, world["ids"]["Nøgler til lageret"])
        hotline.add_message(request, db.session.get(User, world["colleague"].id), "Jeg ringer i dag.")
        assert db.session.get(HotlineRequest, request.id).assigned_to_id == world["colleague"].id


def test_a_new_request_skips_a_deactivated_vk(app, client, auth, world):
    """A request about a placement goes to the placed citizen's VK; one who left is skipped for
    the company's consultant."""
    deactivate(app, world["leaving"].id)
    with app.app_context():
        db.session.get(Company, world["company_id"]).consultant_id = world["colleague"].id
        placement = Placement(citizen_id=world["ids"]["Anna"], company_id=world["company_id"], kind="smaajob",
                              start_date=clock.today() - timedelta(days=30), weekly_hours=5)
        db.session.add(placement)
        db.session.commit()
        placement_id = placement.id
    auth.login("kontakt@firma.dk")
    client.post("/hotline/ny", data={"category": "fravaer", "urgency": "akut", "subject": "Ny sag",
                                     "message": "Mødte ikke op.", "placement": str(placement_id),
                                     "csrf_token": auth.csrf_token("/hotline/ny")})
    with app.app_context():
        new = db.session.scalar(sa.select(HotlineRequest).where(HotlineRequest.subject == "Ny sag"))
        assert new.assigned_to_id == world["colleague"].id


# --- finding 1: what the administrator is told --------------------------------------------

def test_deactivating_says_what_the_user_still_holds_and_links_to_it(app, client, auth, world):
    auth.login("admin@jc.dk")
    response = toggle(client, world["leaving"].id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users#deaktiverede")
    page = client.get("/admin/users").get_data(as_text=True)
    assert ("Susanne Andersen har stadig 2 borgere med åben sag som VK (de kan ikke matches, før de får en "
            "ny VK), 1 virksomhed som VK og 2 hotline-henvendelser, der ikke er lukket.") in page
    section = re.search(r'data-testid="inactive-holdings">(.*?)</section>', page, re.S).group(1)
    uid = world["leaving"].id
    assert f'href="/borgere/?scope=all&amp;vk={uid}" data-testid="holding-citizens">2:' in section
    assert f'href="/admin/companies?vk={uid}" data-testid="holding-companies">1:' in section
    companies = client.get(f"/admin/companies?vk={uid}").get_data(as_text=True)  # exactly hers (review O 3)
    assert "Viser 1 virksomhed med Susanne Andersen (deaktiveret) som VK." in companies
    assert len(re.findall(r'<tr><td><a href="/admin/companies/\d+', companies)) == 1
    assert client.get("/admin/companies?vk=abc").status_code == 200
    assert f'href="/hotline/?ansvarlig={uid}" data-testid="holding-requests">2:' in section
    # The list the link leads to holds exactly her two open cases, each leading to its reassignment.
    listed = client.get(f"/borgere/?scope=all&vk={uid}").get_data(as_text=True)
    assert re.findall(r'data-citizen-id="(\d+)"', listed) == [str(world["ids"]["Anna"]), str(world["ids"]["Bo"])]
    assert f'<a href="/borgere/{world["ids"]["Anna"]}/sagsbehandlere" data-testid="fix">{VK_INACTIVE}</a>' in listed
    assert "Susanne Andersen (deaktiveret)" in listed
    assert client.get("/borgere/?scope=all&vk=abc").status_code == 200  # a bad filter is ignored, no error


def test_a_user_who_holds_nothing_is_deactivated_without_a_warning(app, client, auth, world, make_user):
    quiet = make_user("consultant", email="tom@jc.dk")
    auth.login("admin@jc.dk")
    assert toggle(client, quiet.id).headers["Location"].endswith("/admin/users")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "har stadig" not in page and 'data-testid="inactive-holdings"' not in page


def test_deactivating_and_enabling_tell_the_matching_index(app, client, auth, world):
    auth.login("admin@jc.dk")

    def pending() -> set[int]:
        with app.app_context():
            return set(db.session.scalars(sa.select(OutboxEvent.entity_id).where(
                OutboxEvent.entity == "citizen", OutboxEvent.status == "pending")))

    toggle(client, world["leaving"].id)
    assert pending() == {world["ids"]["Anna"], world["ids"]["Bo"]}  # not the closed case, not Michael's
    with app.app_context():
        anna = db.session.get(Citizen, world["ids"]["Anna"])
        assert not is_indexable_citizen(anna)
        profiles, _ = matchable_profiles(db.session, None)  # what a ranking reads
        assert set(profiles) == {world["ids"]["Dorte"]}
        db.session.execute(sa.update(OutboxEvent).values(status="done"))
        db.session.commit()
    toggle(client, world["leaving"].id)
    assert pending() == {world["ids"]["Anna"], world["ids"]["Bo"]}
    with app.app_context():
        assert is_indexable_citizen(db.session.get(Citizen, world["ids"]["Anna"]))
        assert set(matchable_profiles(db.session, None)[0]) == {world["ids"]["Anna"], world["ids"]["Bo"],
                                                                 world["ids"]["Dorte"]}


def test_the_admin_start_page_names_the_orphaned_cases_only_when_there_are_some(app, client, auth, world):
    auth.login("admin@jc.dk")
    assert 'data-testid="inactive-holdings"' not in client.get("/").get_data(as_text=True)
    deactivate(app, world["leaving"].id)
    page = client.get("/").get_data(as_text=True)
    alert = re.search(r'data-testid="inactive-holdings">(.*?)</div></div>', page, re.S).group(1)
    text = " ".join(re.sub(r"<[^>]+>", "", alert).split())
    assert "2 borgere, 2 hotline-henvendelser og 1 virksomhed har en deaktiveret konsulent." in text
    assert 'href="/admin/users#deaktiverede"' in alert


# --- finding 2: a deactivated VK is no VK --------------------------------------------------

def test_missing_items_name_a_deactivated_vk():
    assert missing_items(7, True, "CV", vk_active=False) == [VK_INACTIVE]
    assert missing_items(None, True, "CV", vk_active=False) == ["virksomhedskonsulent"]
    assert missing_items(7, True, "CV") == []


def test_a_deactivated_vks_citizens_are_not_matchable_anywhere(app, client, auth, world):
    deactivate(app, world["leaving"].id)
    anna = world["ids"]["Anna"]
    with app.app_context():
        assert db.session.get(Citizen, anna).missing_for_matching == [VK_INACTIVE]
        assert queries.missing_for_matching(Citizen.id == anna) == {anna: [VK_INACTIVE]}
        matchable = set(db.session.scalars(sa.select(Citizen.id).where(queries.matchable_clause())))
        assert matchable == {world["ids"]["Dorte"]}
        goal = matchable_share(db.session, clock.today(), Scope())
        assert (goal.numerator, goal.denominator) == (1, 3)  # "CV, jobmål og virksomhedskonsulent"
    auth.login("admin@jc.dk")
    listed = client.get("/borgere/?scope=all").get_data(as_text=True)
    assert "(1 af 3)" in listed
    detail = client.get(f"/borgere/{anna}").get_data(as_text=True)
    assert f'<a href="/borgere/{anna}/sagsbehandlere" data-testid="fix">{VK_INACTIVE}</a>' in detail
    incomplete = client.get("/borgere/?scope=all&incomplete=y").get_data(as_text=True)
    assert str(anna) in re.findall(r'data-citizen-id="(\d+)"', incomplete)
    # The goal's list of who misses it leads to the reassignment too.
    month = clock.today().strftime("%Y-%m")
    goal_list = client.get(f"/maal/borgere?maal=cv&omfang=all&maaned={month}").get_data(as_text=True)
    assert f'href="/borgere/{anna}/sagsbehandlere"' in goal_list and VK_INACTIVE in goal_list
