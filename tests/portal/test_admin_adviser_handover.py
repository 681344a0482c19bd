"""A deactivated beskæftigelsesrådgiver and citizens under restricted processing in the handover
(review O, findings 4 and 5).

The adviser owns the citizen's case, so a user who is adviser on open cases is warned about on
deactivation, listed under »Deaktiverede brugere, der stadig har sager« with a count leading to
exactly those citizens (/borgere?raadgiver=<id>), counted on the admin start page, and handed
over with its own checkbox, each moved citizen audited as a VK move is. Citizens under
restricted processing (GDPR art. 18) cannot be moved: they are counted apart, never offered
for handover, and the messages after a handover do not tell the administrator to do what
cannot be done.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.admin import service
from portal.citizens import queries
from portal.extensions import db
from store.models import AuditEvent, Citizen, OutboxEvent, Team, User
from tests.conftest import AuthActions
from tests.portal import test_deactivated_consultant as deactivated

world = deactivated.world  # Susanne (VK of Anna, Bo, closed Carl), Michael (VK of Dorte), an admin
deactivate = deactivated.deactivate

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def advised(app, world, make_user):
    """Mathilde, an adviser (no VK cases) on Anna, Dorte and the closed Carl; and a company user,
    who can never be an adviser."""
    mathilde = make_user("consultant", email="mathilde@jc.dk")
    with app.app_context():
        db.session.get(User, mathilde.id).name = "Mathilde Sørensen"
        for name in ("Anna", "Dorte", "Carl"):
            db.session.get(Citizen, world["ids"][name]).adviser_id = mathilde.id
        db.session.commit()
    return mathilde.id


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _section(page: str) -> str:
    return re.search(r'data-testid="inactive-holdings">(.*?)</section>', page, re.S).group(1)


def _row(page: str, user_id: int) -> str:
    return re.search(rf'<tr data-testid="holding" data-user-id="{user_id}">(.*?)</tr>', _section(page), re.S).group(1)


def _listed(client, url: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-citizen-id="(\d+)"', client.get(url).get_data(as_text=True))]


def _advisers(app, world) -> dict[str, int | None]:
    with app.app_context():
        return {name: db.session.get(Citizen, world["ids"][name]).adviser_id for name in ("Anna", "Carl", "Dorte")}


def _post_handover(client, user_id: int, successor_id: int, kinds):
    data = {"csrf_token": AuthActions(client).csrf_token("/admin/users"), "successor_id": str(successor_id),
            **{kind: "y" for kind in kinds}}
    return client.post(f"/admin/users/{user_id}/overdrag", data=data)


# --- finding 4: the adviser half of a caseload -----------------------------------------------

def test_an_advisers_open_cases_are_holdings_of_their_own(app, world, advised):
    with app.app_context():
        [held] = service.holdings([advised], include_active=True)
    assert (held.citizens, held.advised, held.companies, held.requests) == (0, 2, 0, 0)  # not the closed case
    assert held and held.movable


def test_deactivating_an_adviser_asks_first_and_says_how_many_keep_them(app, client, auth, world, advised):
    auth.login("admin@jc.dk")
    listed = client.get("/admin/users").get_data(as_text=True)
    assert f'href="/admin/users/{advised}/deaktiver"' in listed  # not the plain »Deaktivér«
    assert f'action="/admin/users/{advised}/toggle"' not in listed
    confirm = _text(client.get(f"/admin/users/{advised}/deaktiver").get_data(as_text=True))
    assert "Mathilde Sørensen har 0 borgere med åben sag som VK, 2 borgere med åben sag som rådgiver," in confirm
    assert "De 2 borgere med Mathilde Sørensen som rådgiver står med en deaktiveret rådgiver, til hver af dem får en ny." in confirm
    assert "Deaktiverer du" not in confirm  # nothing of hers leaves matching
    form = _text(client.get(f"/admin/users/{advised}/overdrag").get_data(as_text=True))
    assert "har ingen sager at overdrage" not in form and "Borgere med åben sag (som rådgiver)" in form
    answer = client.post(f"/admin/users/{advised}/toggle",
                         data={"csrf_token": AuthActions(client).csrf_token("/admin/users"), "til": "inaktiv"})
    assert answer.headers["Location"].endswith("/admin/users#deaktiverede")
    page = client.get("/admin/users").get_data(as_text=True)
    assert ("Mathilde Sørensen har stadig 2 borgere med åben sag som rådgiver. Giv dem til en anden"
            in _text(page))


def test_the_users_page_links_an_advisers_count_to_exactly_their_citizens(app, client, auth, world, advised):
    deactivate(app, advised)
    auth.login("admin@jc.dk")
    row = _row(client.get("/admin/users").get_data(as_text=True), advised)
    link = re.search(r'href="([^"]+)" data-testid="holding-advised">2: giv dem en ny rådgiver<', row).group(1)
    assert link == f"/borgere/?scope=all&amp;raadgiver={advised}"
    assert sorted(_listed(client, link.replace("&amp;", "&"))) == sorted([world["ids"]["Anna"], world["ids"]["Dorte"]])
    listed = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Du ser kun borgerne med Mathilde Sørensen (deaktiveret) som beskæftigelsesrådgiver." in listed
    assert 'name="advised" value="y" checked' in row and "Borgere (som rådgiver)" in row
    assert client.get("/borgere/?scope=all&raadgiver=abc").status_code == 200  # a bad filter is ignored


def test_the_adviser_cases_are_handed_over_and_audited_per_citizen(app, client, auth, world, advised):
    susanne, michael = world["leaving"].id, world["colleague"].id
    with app.app_context():
        other = Team(name="Team Nord")
        db.session.add(other)
        db.session.flush()
        db.session.get(User, michael).team_id = other.id
        teams = {name: db.session.get(Citizen, world["ids"][name]).team_id for name in ("Anna", "Dorte")}
        db.session.execute(sa.update(OutboxEvent).values(status="done"))
        db.session.commit()
    deactivate(app, advised)
    auth.login("admin@jc.dk")
    answer = _post_handover(client, advised, michael, ["advised"])
    assert answer.headers["Location"].endswith("/admin/users")
    assert _advisers(app, world) == {"Anna": michael, "Dorte": michael, "Carl": advised}  # the closed case stays
    page = client.get("/admin/users").get_data(as_text=True)
    assert "2 borgere som rådgiver er overdraget fra Mathilde Sørensen til Michael Pedersen." in page
    assert 'data-testid="inactive-holdings"' not in page
    with app.app_context():
        anna, dorte = (db.session.get(Citizen, world["ids"][name]) for name in ("Anna", "Dorte"))
        assert (anna.vk_id, dorte.vk_id) == (susanne, michael)  # the VKs stay
        assert {"Anna": anna.team_id, "Dorte": dorte.team_id} == teams  # a new adviser leaves the team
        events = db.session.execute(sa.select(AuditEvent.citizen_id, AuditEvent.purpose)
                                    .where(AuditEvent.action == "citizen_assigned")).all()
        assert sorted(events) == sorted([(anna.id, f"vk:{susanne},adviser:{michael},team:{anna.team_id or '-'}"),
                                         (dorte.id, f"vk:{michael},adviser:{michael},team:{dorte.team_id or '-'}")])
        outbox = db.session.scalars(sa.select(OutboxEvent.entity_id).where(
            OutboxEvent.entity == "citizen", OutboxEvent.status == "pending")).all()
        assert sorted(outbox) == sorted([anna.id, dorte.id])  # one per moved citizen, as a VK move
        summary = db.session.scalar(sa.select(AuditEvent.purpose).where(AuditEvent.action == "caseload_handed_over"))
        assert summary == f"fra user:{advised} til user:{michael} borgere:0 raadgiver:2 virksomheder:0 henvendelser:0"
    from portal.admin.audit_labels import purpose_label
    assert "borgere som rådgiver 2" in purpose_label("caseload_handed_over", summary)


def test_the_adviser_cases_move_only_when_their_box_is_ticked(app, client, auth, world, advised):
    susanne, michael = world["leaving"].id, world["colleague"].id
    with app.app_context():
        db.session.get(Citizen, world["ids"]["Bo"]).adviser_id = susanne  # VK and adviser
        db.session.commit()
    deactivate(app, susanne)
    auth.login("admin@jc.dk")
    _post_handover(client, susanne, michael, ["citizens"])
    with app.app_context():
        bo = db.session.get(Citizen, world["ids"]["Bo"])
        assert (bo.vk_id, bo.adviser_id) == (michael, susanne)
    assert "2 borgere er overdraget" in client.get("/admin/users").get_data(as_text=True)
    _post_handover(client, susanne, michael, ["advised"])
    with app.app_context():
        assert db.session.get(Citizen, world["ids"]["Bo"]).adviser_id == michael
        # Bo's history: one »Sagsbehandlere ændret« per handover that moved him.
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == "citizen_assigned", AuditEvent.citizen_id == world["ids"]["Bo"])) == 2


def test_deactivate_and_hand_over_moves_the_adviser_cases_too(app, client, auth, world, advised):
    michael = world["colleague"].id
    auth.login("admin@jc.dk")
    token = AuthActions(client).csrf_token("/admin/users")
    answer = client.post(f"/admin/users/{advised}/toggle",
                         data={"csrf_token": token, "til": "inaktiv", "overdrag": "1", "successor_id": str(michael)})
    assert answer.headers["Location"].endswith("/admin/users")
    assert _advisers(app, world) == {"Anna": michael, "Dorte": michael, "Carl": advised}
    page = client.get("/admin/users").get_data(as_text=True)
    assert "2 borgere som rådgiver er overdraget" in page and "har stadig" not in page


def test_only_those_who_can_be_advisers_are_offered_as_receivers(app, client, auth, world, advised, make_user):
    """The single-citizen form offers the active consultants as adviser; so does the handover."""
    make_user("consultant", email="gone@jc.dk", active=False)
    make_user("company", email="firma2@jc.dk")
    deactivate(app, advised)
    auth.login("admin@jc.dk")
    row = _row(client.get("/admin/users").get_data(as_text=True), advised)
    offered = {int(v) for v in re.findall(r'<option value="(\d+)">', row)}
    form = client.get(f"/admin/users/{advised}/overdrag").get_data(as_text=True)
    in_form = {int(v) for v in re.findall(r'<option value="(\d+)"', form) if v != "0"}
    with app.app_context():
        can_advise = {user.id for user in queries.consultants()}
    assert offered == in_form == can_advise == {world["leaving"].id, world["colleague"].id}
    refused = _post_handover(client, advised, world["admin"].id, ["advised"])
    assert refused.status_code == 400 and _advisers(app, world)["Anna"] == advised


def test_the_admin_start_page_counts_the_adviser_cases(app, client, auth, world, advised):
    deactivate(app, advised)
    auth.login("admin@jc.dk")
    page = client.get("/").get_data(as_text=True)
    alert = re.search(r'data-testid="inactive-holdings">(.*?)</div></div>', page, re.S).group(1)
    assert "2 borgere med åben sag har en deaktiveret beskæftigelsesrådgiver." in _text(alert)
    assert "har en deaktiveret konsulent" not in _text(alert)  # no VK case, company or request
    assert 'href="/admin/users#deaktiverede"' in alert


# --- finding 5: citizens under restricted processing ----------------------------------------

def _restrict(app, *ids: int) -> None:
    with app.app_context():
        for citizen_id in ids:
            db.session.get(Citizen, citizen_id).restricted = True
        db.session.commit()


def test_restricted_citizens_are_counted_apart(app, world, advised):
    _restrict(app, world["ids"]["Bo"], world["ids"]["Dorte"])
    with app.app_context():
        [susanne] = service.holdings([world["leaving"].id], include_active=True)
        [mathilde] = service.holdings([advised], include_active=True)
    assert (susanne.citizens, susanne.restricted_citizens, susanne.restricted_advised) == (1, 1, 0)
    assert (mathilde.advised, mathilde.restricted_advised, mathilde.restricted) == (1, 1, 1)


def test_a_user_holding_only_restricted_citizens_has_no_handover_form(app, client, auth, world, advised):
    """The row says why, links to exactly them, and offers no »Overdrag« that can never work."""
    _restrict(app, world["ids"]["Anna"], world["ids"]["Dorte"])
    deactivate(app, advised)
    auth.login("admin@jc.dk")
    page = client.get("/admin/users").get_data(as_text=True)
    row = _row(page, advised)
    assert "handover-form" not in row and "Overdrag</button>" not in row
    assert "Intet kan overdrages, før begrænsningen er ophævet." in row
    link = re.search(r'href="([^"]+)" data-testid="holding-restricted-advised">2 med begrænset behandling</a>: '
                     r"kan først overdrages, når begrænsningen er ophævet", row).group(1)
    assert sorted(_listed(client, link.replace("&amp;", "&"))) == sorted([world["ids"]["Anna"], world["ids"]["Dorte"]])
    form = client.get(f"/admin/users/{advised}/overdrag")
    assert form.status_code == 302
    told = _text(client.get("/admin/users").get_data(as_text=True))
    assert ("Mathilde Sørensen er stadig rådgiver for 2 borgere med begrænset behandling; de kan først "
            "overdrages, når begrænsningen er ophævet.") in told


def test_the_vk_count_leaves_the_restricted_citizens_out_and_links_to_the_rest(app, client, auth, world):
    susanne = world["leaving"].id
    _restrict(app, world["ids"]["Bo"])
    deactivate(app, susanne)
    auth.login("admin@jc.dk")
    row = _row(client.get("/admin/users").get_data(as_text=True), susanne)
    link = re.search(r'href="([^"]+)" data-testid="holding-citizens">1: giv dem en ny VK<', row).group(1)
    assert _listed(client, link.replace("&amp;", "&")) == [world["ids"]["Anna"]]
    restricted = re.search(r'href="([^"]+)" data-testid="holding-restricted-citizens">1 med begrænset', row).group(1)
    assert _listed(client, restricted.replace("&amp;", "&")) == [world["ids"]["Bo"]]
    assert "handover-form" in row  # she holds more than the restricted one


def test_the_messages_after_a_handover_do_not_contradict_each_other(app, client, auth, world):
    """Review O 5: not »… is not handed over« and then »give them to someone else«."""
    susanne, michael = world["leaving"].id, world["colleague"].id
    _restrict(app, world["ids"]["Bo"])
    auth.login("admin@jc.dk")
    confirm = _text(client.get(f"/admin/users/{susanne}/deaktiver").get_data(as_text=True))
    assert "Susanne Andersen er stadig VK for 1 borger med begrænset behandling; den kan først overdrages" in confirm
    token = AuthActions(client).csrf_token("/admin/users")
    client.post(f"/admin/users/{susanne}/toggle",
                data={"csrf_token": token, "til": "inaktiv", "overdrag": "1", "successor_id": str(michael)})
    page = client.get("/admin/users").get_data(as_text=True)
    text = _text(page)
    assert "1 borger med begrænset behandling er ikke overdraget (den kan ikke ændres" in text
    assert "Giv dem til en anden" not in text and "med åben sag som VK" not in text
    assert "er stadig VK for 1 borger" not in text  # said once, by the handover's own message
    row = _row(page, susanne)
    assert "handover-form" not in row and "giv dem en ny VK" not in row
    start = _text(client.get("/").get_data(as_text=True))
    assert "1 borger med begrænset behandling har en deaktiveret VK. Den kan først overdrages" in start
    assert "har en deaktiveret konsulent" not in start


def test_deactivating_a_user_with_only_restricted_citizens_offers_no_handover(app, client, auth, world, make_user):
    lone = make_user("consultant", email="lone@jc.dk")
    with app.app_context():
        db.session.get(Citizen, world["ids"]["Dorte"]).adviser_id = lone.id
        db.session.commit()
    _restrict(app, world["ids"]["Dorte"])
    auth.login("admin@jc.dk")
    confirm = client.get(f"/admin/users/{lone.id}/deaktiver").get_data(as_text=True)
    assert 'data-testid="handover-restricted"' in confirm
    assert "deactivate-and-hand-over" not in confirm and "Uden at overdrage" not in confirm
    assert 'data-testid="deactivate-only"' in confirm
    listed = client.get("/admin/users").get_data(as_text=True)
    assert f'href="/admin/users/{lone.id}/overdrag"' not in listed
