"""Review AZ 1: a seat on a citizen's case is a need to know, so the caseworker page is behind
the same glass as the skånehensyn. The VK, the adviser, the team and administrators change the
caseworkers directly; anyone else gives a purpose, kept in the audit log with the change, or
nothing changes (and the skånehensyn stay behind the glass). The caseworkers removed or kept
are told."""
from __future__ import annotations

import sqlalchemy as sa

from portal.admin import audit_labels
from portal.extensions import db
from store.models import AuditEvent, Citizen, Notification, Team, User
from tests.portal.citizen_fixtures import csrf, make_citizen

PURPOSE = "Overtager sagen efter aftale med teamlederen"
SECRET = "Tåler ikke løft over 5 kg"


def _team(app, name: str) -> int:
    with app.app_context():
        team = Team(name=name)
        db.session.add(team)
        db.session.commit()
        return team.id


def _consultant(app, make_user, team_id: int, name: str) -> User:
    user = make_user("consultant")
    with app.app_context():
        row = db.session.get(User, user.id)
        row.team_id, row.name = team_id, name
        db.session.commit()
    return user


def _case(app, make_user):
    """Citizen on team Nord with its VK and adviser there; »me« on team Syd, outside the case."""
    nord, syd = _team(app, "Team Nord AZ"), _team(app, "Team Syd AZ")
    me = _consultant(app, make_user, syd, "Michael Pedersen")
    vk = _consultant(app, make_user, nord, "Lene Holm")
    adviser = _consultant(app, make_user, nord, "Nikolaj Damgaard")
    cid = make_citizen(app, vk_id=vk.id, adviser_id=adviser.id, team_id=nord,
                       limitations_text=SECRET, limitation_flags=["no_heavy_lifting"])
    return cid, me, vk, adviser, nord, syd


def _caseworkers(app, cid: int) -> tuple:
    with app.app_context():
        citizen = db.session.get(Citizen, cid)
        return citizen.vk_id, citizen.adviser_id, citizen.team_id


def _events(app, cid: int, action: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.purpose).where(
            AuditEvent.citizen_id == cid, AuditEvent.action == action).order_by(AuditEvent.id)))


def _notes(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Notification.text).where(Notification.user_id == user_id)))


def test_outside_the_case_taking_the_adviser_seat_without_a_purpose_changes_nothing(app, client, auth, make_user):
    cid, me, vk, adviser, nord, _syd = _case(app, make_user)
    auth.login(me.email)
    page = client.get(f"/borgere/{cid}/sagsbehandlere").get_data(as_text=True)
    assert 'data-testid="assign-break-glass"' in page and "Begrundelse for at ændre sagsbehandlerne" in page
    response = client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": vk.id, "adviser_id": me.id})
    assert response.status_code == 400
    assert "Skriv, hvorfor du ændrer borgerens sagsbehandlere." in response.get_data(as_text=True)
    assert _caseworkers(app, cid) == (vk.id, adviser.id, nord)
    assert _events(app, cid, "citizen_assigned") == [] and _events(app, cid, "caseworkers_break_glass") == []
    assert _notes(app, adviser.id) == [] and _notes(app, vk.id) == []
    shown = client.get(f"/borgere/{cid}/skaanehensyn").get_data(as_text=True)
    assert SECRET not in shown and 'data-testid="break-glass-form"' in shown


def test_the_vk_seat_taken_with_a_confirmation_but_no_purpose_keeps_the_citizen_on_its_team(
        app, client, auth, make_user):
    cid, me, vk, adviser, nord, _syd = _case(app, make_user)
    auth.login(me.email)
    response = client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": me.id, "adviser_id": adviser.id, "confirm_vk_change": "y"})
    assert response.status_code == 400
    assert _caseworkers(app, cid) == (vk.id, adviser.id, nord)


def test_a_purpose_the_log_may_not_keep_is_refused_at_its_field(app, client, auth, make_user):
    cid, me, vk, adviser, nord, _syd = _case(app, make_user)
    auth.login(me.email)
    response = client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": vk.id, "adviser_id": me.id, "purpose": "cpr 010190-1234 tjek"})
    assert response.status_code == 400 and 'id="purpose-error"' in response.get_data(as_text=True)
    assert _caseworkers(app, cid) == (vk.id, adviser.id, nord)


def test_with_a_purpose_the_change_is_logged_through_the_glass_and_the_others_are_told(
        app, client, auth, make_user):
    cid, me, vk, adviser, nord, _syd = _case(app, make_user)
    auth.login(me.email)
    response = client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": vk.id, "adviser_id": me.id, "purpose": PURPOSE})
    assert response.status_code == 302
    assert _caseworkers(app, cid) == (vk.id, me.id, nord)
    [purpose] = _events(app, cid, "caseworkers_break_glass")
    assert purpose == f"break-glass: {PURPOSE}"
    assert audit_labels.purpose_label("caseworkers_break_glass", purpose) == f"nødadgang: {PURPOSE}"
    assert _notes(app, adviser.id) == [f"Du er ikke længere beskæftigelsesrådgiver for borger nr. {cid}: "
                                       "ændret af Michael Pedersen."]
    assert _notes(app, vk.id) == [f"Borger nr. {cid}, som du er VK for, har nu Michael Pedersen som "
                                  "beskæftigelsesrådgiver: ændret af Michael Pedersen."]
    assert _notes(app, me.id) == []


def test_a_removed_vk_is_told(app, client, auth, make_user):
    cid, me, vk, adviser, _nord, syd = _case(app, make_user)
    auth.login(me.email)
    response = client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": me.id, "adviser_id": adviser.id, "confirm_vk_change": "y",
        "purpose": PURPOSE})
    assert response.status_code == 302 and _caseworkers(app, cid) == (me.id, adviser.id, syd)
    assert _notes(app, vk.id) == [f"Du er ikke længere VK for borger nr. {cid}: ændret af Michael Pedersen."]
    assert _notes(app, adviser.id) == [f"Borger nr. {cid}, som du er beskæftigelsesrådgiver for, har nu "
                                       "Michael Pedersen som VK: ændret af Michael Pedersen."]


def test_a_team_member_and_an_administrator_change_the_caseworkers_without_a_purpose(
        app, client, auth, make_user):
    cid, _me, vk, adviser, nord, _syd = _case(app, make_user)
    colleague = _consultant(app, make_user, nord, "Camilla Berg")
    auth.login(colleague.email)
    page = client.get(f"/borgere/{cid}/sagsbehandlere").get_data(as_text=True)
    assert 'data-testid="assign-break-glass"' not in page
    response = client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": vk.id, "adviser_id": colleague.id})
    assert response.status_code == 302 and _caseworkers(app, cid) == (vk.id, colleague.id, nord)
    admin = make_user("admin")
    auth.switch_to(admin.email)
    response = client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": vk.id, "adviser_id": adviser.id})
    assert response.status_code == 302 and _caseworkers(app, cid) == (vk.id, adviser.id, nord)
    assert _events(app, cid, "caseworkers_break_glass") == []
    assert len(_events(app, cid, "citizen_assigned")) == 2


def test_outside_the_case_saving_no_change_needs_no_purpose(app, client, auth, make_user):
    cid, me, vk, adviser, _nord, _syd = _case(app, make_user)
    auth.login(me.email)
    response = client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": vk.id, "adviser_id": adviser.id})
    assert response.status_code == 302 and _events(app, cid, "caseworkers_break_glass") == []


def test_the_overviews_cv_excerpt_shows_no_cpr_number(app, client, auth, make_user):
    """Review AZ (observation): every consultant sees the citizen overview; a CPR number typed into
    the CV is shown there as »[cpr]«, also when it sits at the excerpt's end."""
    me = make_user("consultant")
    cid = make_citizen(app, cv_text="CPR: 010190-1234. Lagerarbejde i 5 år. " + "Truck " * 92 + "0101901234 slut")
    auth.login(me.email)
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    excerpt = html.split('data-testid="cv-excerpt"')[1].split("</blockquote>")[0]
    assert "[cpr]. Lagerarbejde i 5 år." in excerpt
    assert "010190" not in excerpt and "1234" not in excerpt and "0101901" not in excerpt
