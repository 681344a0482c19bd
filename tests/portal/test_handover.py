"""Handing a consultant's caseload over in one step (review N, findings 5, 6 and 11).

»Overdrag alle til …« on /admin/users gives a user's open cases, companies and hotline requests
not closed to one active consultant, audited, with the matching index told; deactivating a
user who holds cases first says what leaves matching and the goal and offers a successor; the
users page's hotline count leads to exactly that user's requests; and a company is never told
that a consultant who has left is responsible for its request.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent, Citizen, Company, HotlineRequest, OutboxEvent, User
from store.profiles import matchable_profiles
from tests.conftest import AuthActions
from tests.portal import test_deactivated_consultant as deactivated

world = deactivated.world  # the fixture: Susanne (leaving) with cases, Michael, an admin, a company
deactivate = deactivated.deactivate

pytestmark = pytest.mark.usefixtures("frozen_today")


def _hand_over(client, user_id: int, successor_id, kinds=("citizens", "companies", "requests")):
    data = {"csrf_token": AuthActions(client).csrf_token("/admin/users"), "successor_id": str(successor_id)}
    data.update({kind: "y" for kind in kinds})
    return client.post(f"/admin/users/{user_id}/overdrag", data=data)


def _state(app, world) -> dict:
    """Who holds each of the world's citizens, the company and the requests."""
    with app.app_context():
        ids = world["ids"]
        return {**{name: db.session.get(Citizen, ids[name]).vk_id for name in ("Anna", "Bo", "Carl", "Dorte")},
                "company": db.session.get(Company, world["company_id"]).consultant_id,
                **{subject: db.session.get(HotlineRequest, ids[subject]).assigned_to_id
                   for subject in ("Nøgler til lageret", "Mødetider", "Gammel sag")}}


def _pending(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(sa.select(OutboxEvent.entity_id).where(
            OutboxEvent.entity == "citizen", OutboxEvent.status == "pending")))


def _done_outbox(app) -> None:
    with app.app_context():
        db.session.execute(sa.update(OutboxEvent).values(status="done"))
        db.session.commit()


def test_a_deactivated_users_caseload_is_handed_over_in_one_step(app, client, auth, world):
    leaving, michael = world["leaving"].id, world["colleague"].id
    deactivate(app, leaving)
    _done_outbox(app)
    auth.login("admin@jc.dk")
    page = client.get("/admin/users").get_data(as_text=True)
    section = re.search(r'data-testid="inactive-holdings">(.*?)</section>', page, re.S).group(1)
    form = re.search(r'<form method="post" action="/admin/users/%d/overdrag".*?</form>' % leaving, section, re.S).group(0)
    offered = re.findall(r'<option value="(\d*)">', form)
    assert offered == ["", str(michael)]  # only the other active consultant (no admin, not herself)
    response = _hand_over(client, leaving, michael)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    page = client.get("/admin/users").get_data(as_text=True)
    assert ("2 borgere, 1 virksomhed og 2 henvendelser er overdraget fra Susanne Andersen til "
            "Michael Pedersen.") in page
    assert 'data-testid="inactive-holdings"' not in page
    assert _state(app, world) == {"Anna": michael, "Bo": michael, "Carl": leaving, "Dorte": michael,
                                  "company": michael, "Nøgler til lageret": michael, "Mødetider": michael,
                                  "Gammel sag": leaving}  # a closed case and a closed request stay
    assert _pending(app) == {world["ids"]["Anna"], world["ids"]["Bo"]}  # the index is told
    with app.app_context():
        assert set(matchable_profiles(db.session, None)[0]) == {world["ids"]["Anna"], world["ids"]["Bo"],
                                                                 world["ids"]["Dorte"]}
        purposes = list(db.session.scalars(sa.select(AuditEvent.purpose)
                                           .where(AuditEvent.action == "caseload_handed_over")))
        assert purposes == [f"fra user:{leaving} til user:{michael} borgere:2 virksomheder:1 henvendelser:2"]
        # Each moved citizen's own history has it, as a reassignment by hand (review O 2).
        assigned = set(db.session.scalars(sa.select(AuditEvent.citizen_id)
                                          .where(AuditEvent.action == "citizen_assigned")))
        assert assigned == {world["ids"]["Anna"], world["ids"]["Bo"]}
    from portal.admin.audit_labels import purpose_label
    assert purpose_label("caseload_handed_over", purposes[0]) == (
        f"fra bruger {leaving} til bruger {michael} borgere 2 virksomheder 1 henvendelser 2")  # review O 7


def test_a_handover_with_nothing_ticked_says_so_on_the_form(app, client, auth, world):
    """Review O 6: not »Der var intet at overdrage« for a user who holds cases."""
    leaving, michael = world["leaving"].id, world["colleague"].id
    deactivate(app, leaving)
    auth.login("admin@jc.dk")
    answer = _hand_over(client, leaving, michael, kinds=())
    assert answer.status_code == 400
    assert "Vælg mindst én slags sager at overdrage" in answer.get_data(as_text=True)
    assert _state(app, world)["Anna"] == leaving


def test_the_handover_moves_only_the_kinds_ticked(app, client, auth, world):
    leaving, michael = world["leaving"].id, world["colleague"].id
    deactivate(app, leaving)
    auth.login("admin@jc.dk")
    _hand_over(client, leaving, michael, kinds=("requests",))
    state = _state(app, world)
    assert (state["Anna"], state["company"], state["Nøgler til lageret"]) == (leaving, leaving, michael)
    assert "2 henvendelser er overdraget fra Susanne Andersen til Michael Pedersen." in \
        client.get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize("who", ["", "none", "herself", "inactive", "admin"])
def test_the_handover_refuses_anyone_but_another_active_consultant(app, client, auth, world, make_user, who):
    leaving = world["leaving"].id
    successor = {"": "", "none": 0, "herself": leaving, "admin": world["admin"].id,
                 "inactive": None}[who]
    if who == "inactive":
        successor = make_user("consultant", email="gone@jc.dk", active=False).id
    deactivate(app, leaving)
    before = _state(app, world)
    auth.login("admin@jc.dk")
    response = _hand_over(client, leaving, successor)
    assert response.status_code == 400
    errors = re.findall(r'class="form-error-message"[^>]*><span class="sr-only">Fejl:</span> ([^<]+)<',
                        response.get_data(as_text=True))
    assert len(errors) == 1  # one message, whatever is wrong
    assert _state(app, world) == before


def test_the_handover_needs_the_csrf_token(app, client, auth, world):
    leaving, michael = world["leaving"].id, world["colleague"].id
    before = _state(app, world)
    auth.login("admin@jc.dk")
    client.post(f"/admin/users/{leaving}/overdrag", data={"successor_id": str(michael), "citizens": "y"})
    assert _state(app, world) == before


def test_a_restricted_citizen_is_not_handed_over_and_the_admin_is_told(app, client, auth, world):
    leaving, michael = world["leaving"].id, world["colleague"].id
    with app.app_context():
        db.session.get(Citizen, world["ids"]["Bo"]).restricted = True
        db.session.commit()
    deactivate(app, leaving)
    auth.login("admin@jc.dk")
    _hand_over(client, leaving, michael)
    assert (_state(app, world)["Anna"], _state(app, world)["Bo"]) == (michael, leaving)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "1 borger, 1 virksomhed og 2 henvendelser er overdraget" in page
    assert "1 borger med begrænset behandling er ikke overdraget" in page


def test_an_active_users_caseload_can_be_handed_over(app, client, auth, world):
    """A consultant going on leave: handed over without being deactivated."""
    leaving, michael = world["leaving"].id, world["colleague"].id
    auth.login("admin@jc.dk")
    page = client.get("/admin/users").get_data(as_text=True)
    assert f'href="/admin/users/{leaving}/overdrag"' in page
    form = client.get(f"/admin/users/{leaving}/overdrag").get_data(as_text=True)
    assert "Susanne Andersen har 2 borgere med åben sag som VK" in " ".join(form.split())
    _hand_over(client, leaving, michael)
    assert _state(app, world)["Anna"] == michael
    with app.app_context():
        assert db.session.get(User, leaving).active


# --- deactivating a user who holds cases -----------------------------------------------------

def test_deactivating_a_user_with_cases_asks_first_and_offers_a_successor(app, client, auth, world, make_user):
    leaving, michael = world["leaving"].id, world["colleague"].id
    quiet = make_user("consultant", email="tom@jc.dk")
    auth.login("admin@jc.dk")
    page = client.get("/admin/users").get_data(as_text=True)
    # The list's button for her leads to the confirmation, not straight to the deactivation ...
    assert f'action="/admin/users/{leaving}/toggle"' not in page
    assert f'href="/admin/users/{leaving}/deaktiver"' in page
    assert f'action="/admin/users/{quiet.id}/toggle"' in page  # ... while one who holds nothing goes at once
    confirm = " ".join(client.get(f"/admin/users/{leaving}/deaktiver").get_data(as_text=True).split())
    assert ("Deaktiverer du Susanne Andersen uden at overdrage, kan de 2 borgere ikke længere matches og tæller "
            "ikke med i målet for CV, jobmål og VK") in confirm
    assert "Deaktivér og overdrag alt til den valgte" in confirm and "Deaktivér uden at overdrage" in confirm
    # Choosing nobody with »Deaktivér og overdrag« changes nothing.
    token = AuthActions(client).csrf_token("/admin/users")
    refused = client.post(f"/admin/users/{leaving}/toggle",
                          data={"csrf_token": token, "overdrag": "1", "successor_id": ""})
    assert refused.status_code == 400 and "Vælg den konsulent, der skal overtage sagerne." in \
        refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, leaving).active
    response = client.post(f"/admin/users/{leaving}/toggle",
                           data={"csrf_token": token, "overdrag": "1", "successor_id": str(michael)})
    assert response.headers["Location"].endswith("/admin/users")  # nothing left behind to list
    with app.app_context():
        assert not db.session.get(User, leaving).active
    assert _state(app, world)["Anna"] == michael and _state(app, world)["company"] == michael
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Susanne Andersen er deaktiveret." in page
    assert "2 borgere, 1 virksomhed og 2 henvendelser er overdraget fra Susanne Andersen til Michael Pedersen." in page
    assert "har stadig" not in page


def test_sending_a_deactivation_twice_does_not_reactivate(app, client, auth, world, make_user):
    """Review O 1: a double click, Back and send again, or a second administrator's stale page."""
    leaving, quiet = world["leaving"].id, make_user("consultant", email="tom@jc.dk").id
    auth.login("admin@jc.dk")
    confirm = client.get(f"/admin/users/{leaving}/deaktiver").get_data(as_text=True)
    assert confirm.count('name="til" value="inaktiv"') == 2  # both forms say what they ask for
    listed = client.get("/admin/users").get_data(as_text=True)
    assert re.search(rf'action="/admin/users/{quiet}/toggle">.*?name="til" value="inaktiv"', listed, re.S)
    token = AuthActions(client).csrf_token("/admin/users")
    for user_id in (leaving, quiet, leaving, quiet):
        answer = client.post(f"/admin/users/{user_id}/toggle", data={"csrf_token": token, "til": "inaktiv"})
        assert answer.status_code == 302
    with app.app_context():
        assert not db.session.get(User, leaving).active and not db.session.get(User, quiet).active
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "user_enabled")) == 0
    assert "er allerede deaktiveret; intet er ændret." in client.get("/admin/users").get_data(as_text=True)


def test_the_confirmation_is_skipped_for_a_user_who_holds_nothing(app, client, auth, world, make_user):
    quiet = make_user("consultant", email="tom@jc.dk")
    auth.login("admin@jc.dk")
    assert client.get(f"/admin/users/{quiet.id}/deaktiver").headers["Location"].endswith("/admin/users")


# --- finding 6: the users page's hotline count ---------------------------------------------

def test_the_hotline_count_leads_to_exactly_that_users_requests(app, client, auth, world):
    leaving, michael = world["leaving"].id, world["colleague"].id
    with app.app_context():
        first = db.session.get(HotlineRequest, world["ids"]["Nøgler til lageret"])
        db.session.add(HotlineRequest(company_id=first.company_id, category="opgaver", urgency="normal",
                                      subject="Michaels egen", status="open", assigned_to_id=michael,
                                      created_by_id=first.created_by_id, due_at=first.due_at))
        db.session.commit()
    deactivate(app, leaving)
    auth.login("admin@jc.dk")
    assert "Michaels egen" in client.get("/hotline/?vis=alle").get_data(as_text=True)
    page = client.get(f"/hotline/?ansvarlig={leaving}").get_data(as_text=True)
    listed = re.findall(r'data-request-id="(\d+)"', page)
    assert sorted(listed) == sorted([str(world["ids"]["Nøgler til lageret"]), str(world["ids"]["Mødetider"])])
    assert "hvor Susanne Andersen (deaktiveret) er ansvarlig" in page
    assert client.get("/hotline/?ansvarlig=abc").status_code == 200  # a bad filter is ignored


# --- finding 5: what the company is told -----------------------------------------------------

def test_a_company_sees_a_deactivated_assignee_as_none(app, client, auth, world):
    request_id = world["ids"]["Nøgler til lageret"]
    auth.login("kontakt@firma.dk")
    page = client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert '<td data-testid="assignee">Susanne Andersen</td>' in page
    deactivate(app, world["leaving"].id)
    page = client.get(f"/hotline/{request_id}").get_data(as_text=True)
    assert '<td data-testid="assignee">Ikke fordelt endnu</td>' in page
    auth.switch_to("admin@jc.dk")
    assert ('<td data-testid="assignee">Susanne Andersen (deaktiveret)</td>'
            in client.get(f"/hotline/{request_id}").get_data(as_text=True))


# --- two administrators handing over the same caseload at once (review BH 12) ----------------

def _other_admin_hands_over(app, monkeypatch, world, to: int, *, everything: bool) -> None:
    """Between this handover's reading of the citizens and its write, another administrator's
    handover commits (on its own connection): Anna, or everything, goes to ``to``."""
    from portal.admin import caseload

    real = caseload.citizen_changed
    done = []

    def meanwhile(session, changed, **kwargs):
        if not done:
            done.append(True)
            leaving, ids = world["leaving"].id, world["ids"]
            citizen = Citizen.__table__
            with db.engine.begin() as other:
                which = citizen.c.vk_id == leaving if everything else citizen.c.id == ids["Anna"]
                other.execute(sa.update(citizen).where(which, citizen.c.case_closed.is_(None))
                              .values(vk_id=to, version=citizen.c.version + 1))
                if everything:
                    other.execute(sa.update(Company.__table__).where(Company.__table__.c.consultant_id == leaving)
                                  .values(consultant_id=to))
                    requests = HotlineRequest.__table__
                    other.execute(sa.update(requests).where(requests.c.assigned_to_id == leaving,
                                                            requests.c.status != "closed").values(assigned_to_id=to))
        return real(session, changed, **kwargs)

    monkeypatch.setattr(caseload, "citizen_changed", meanwhile)


def test_a_handover_racing_another_shows_the_holdings_left_not_a_500(app, client, auth, world, make_user,
                                                                     monkeypatch):
    leaving, michael = world["leaving"].id, world["colleague"].id
    camilla = make_user("consultant", email="camilla@jc.dk").id
    auth.login("admin@jc.dk")
    _other_admin_hands_over(app, monkeypatch, world, camilla, everything=False)
    response = _hand_over(client, leaving, michael)
    page = " ".join(response.get_data(as_text=True).split())
    assert response.status_code == 409  # was a 500 (StaleDataError)
    assert ("En anden administrator har netop ændret Susanne Andersens sager, mens du overdrog dem, så intet er "
            "overdraget.") in page
    assert "Susanne Andersen har 1 borger med åben sag som VK" in page  # the holdings as they are now
    state = _state(app, world)
    assert (state["Anna"], state["Bo"], state["company"], state["Nøgler til lageret"]) == \
        (camilla, leaving, leaving, leaving)  # nothing of this handover is saved
    with app.app_context():
        assert not db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "caseload_handed_over"))
    monkeypatch.undo()
    assert _hand_over(client, leaving, michael).status_code == 302  # sent again, it goes through
    assert _state(app, world)["Bo"] == michael


def test_a_handover_after_another_took_everything_says_so_on_the_list(app, client, auth, world, make_user,
                                                                      monkeypatch):
    leaving, michael = world["leaving"].id, world["colleague"].id
    camilla = make_user("consultant", email="camilla@jc.dk").id
    auth.login("admin@jc.dk")
    _other_admin_hands_over(app, monkeypatch, world, camilla, everything=True)
    response = _hand_over(client, leaving, michael)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users")
    page = client.get("/admin/users").get_data(as_text=True)
    assert ("En anden administrator har netop overdraget Susanne Andersens sager; der er intet tilbage at "
            "overdrage, og din overdragelse er ikke gemt.") in page
    assert _state(app, world)["Anna"] == camilla


def test_deactivate_and_hand_over_racing_another_handover_saves_nothing(app, client, auth, world, make_user,
                                                                        monkeypatch):
    leaving, michael = world["leaving"].id, world["colleague"].id
    camilla = make_user("consultant", email="camilla@jc.dk").id
    auth.login("admin@jc.dk")
    token = AuthActions(client).csrf_token(f"/admin/users/{leaving}/deaktiver")
    _other_admin_hands_over(app, monkeypatch, world, camilla, everything=False)
    response = client.post(f"/admin/users/{leaving}/toggle", data={
        "csrf_token": token, "til": "inaktiv", "overdrag": "1", "successor_id": str(michael), "noegler": "0"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/users/{leaving}/deaktiver")
    page = " ".join(client.get(response.headers["Location"]).get_data(as_text=True).split())
    assert "så intet er gemt: Susanne Andersen er hverken deaktiveret eller har overdraget noget." in page
    with app.app_context():
        assert db.session.get(User, leaving).active
    assert _state(app, world)["Bo"] == leaving
