"""Review AV 6: a consultant given citizens is told: the new VK or adviser of one citizen (the
caseworker form), the successor of a handover (one summary), and the VK an import makes of
citizens; never the person who made the change, and never by the citizen's name."""
from __future__ import annotations

import io

import sqlalchemy as sa

from portal.extensions import db
from portal.imports.runner import run_import
from portal.notifications import service
from store.models import MailMessage, Notification, User
from tests.conftest import AuthActions
from tests.imports.files import HEADER, citizen_row, csv_bytes
from tests.portal.citizen_fixtures import csrf, make_citizen

KIND = "caseload_assigned"
PURPOSE = "Overtager sagen efter aftale med teamlederen"  # »me« is outside these cases (review AZ 1)


def _notes(app, user_id: int, kind: str = KIND) -> list[Notification]:
    with app.app_context():
        notes = db.session.scalars(sa.select(Notification).where(Notification.user_id == user_id,
                                                                 Notification.kind == kind)).all()
        db.session.expunge_all()
        return list(notes)


def _named(app, user_id: int, name: str) -> None:
    with app.app_context():
        db.session.get(User, user_id).name = name
        db.session.commit()


def test_the_kind_is_a_consultants_with_a_danish_label():
    assert KIND in service.KINDS_BY_ROLE["consultant"] and KIND not in service.KINDS_BY_ROLE["admin"]
    assert service.NOTIFICATION_KINDS[KIND].startswith("Du har fået")


# --- a single reassignment --------------------------------------------------------------------

def test_a_new_vk_is_told_with_a_link_to_the_citizen_and_not_the_name(app, client, auth, make_user):
    me, other = make_user("consultant", email="me@jc.dk"), make_user("consultant", email="nikolaj@jc.dk")
    _named(app, me.id, "Michael Pedersen")
    cid = make_citizen(app, name="Åse Ølgaard", vk_id=me.id)
    auth.login(me.email)
    response = client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": other.id, "adviser_id": "0", "confirm_vk_change": "y"})
    assert response.status_code == 302
    [note] = _notes(app, other.id)
    assert note.text == f"Du er sat som VK for borger nr. {cid} af Michael Pedersen."
    assert note.link == f"/borgere/{cid}" and note.read_at is None
    assert _notes(app, me.id) == []  # the one who made the change knows
    with app.app_context():
        mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.kind == KIND))
        assert mail.to_address == "nikolaj@jc.dk" and mail.subject == f"Du har fået borger nr. {cid}"


def test_one_notice_for_one_person_made_vk_and_adviser_and_none_when_nothing_changed(app, client, auth, make_user):
    me, other = make_user("consultant"), make_user("consultant")
    cid = make_citizen(app, vk_id=None)
    auth.login(me.email)
    data = {"csrf_token": csrf(auth), "vk_id": other.id, "adviser_id": other.id, "purpose": PURPOSE}
    client.post(f"/borgere/{cid}/sagsbehandlere", data=data)
    [note] = _notes(app, other.id)
    assert note.text.startswith(f"Du er sat som VK og beskæftigelsesrådgiver for borger nr. {cid}")
    client.post(f"/borgere/{cid}/sagsbehandlere", data={**data, "csrf_token": csrf(auth)})
    assert len(_notes(app, other.id)) == 1


def test_a_citizen_created_on_the_web_tells_its_vk_once(app, client, auth, make_user):
    """Review BN 3: »Opret borger« tells the VK it names, as the caseworker page, the API and the
    import do (the service tells, so no path forgets it); the creator who is the VK is not told."""
    from tests.portal.test_citizens_new import FORM

    admin, vk = make_user("admin"), make_user("consultant", email="vk-ny@jc.dk")
    _named(app, admin.id, "Maria Pedersen")
    auth.login(admin.email)
    response = client.post("/borgere/ny", data={"csrf_token": csrf(auth), **FORM, "vk_id": vk.id})
    assert response.status_code == 302
    cid = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    [note] = _notes(app, vk.id)
    assert note.text == f"Du er sat som VK for borger nr. {cid} af Maria Pedersen." and note.link == f"/borgere/{cid}"
    assert _notes(app, admin.id) == []
    auth.logout()
    auth.login(vk.email)  # a consultant who creates a citizen as its own VK knows
    mine = client.post("/borgere/ny", data={"csrf_token": csrf(auth), **FORM, "name": "Ole Andersen",
                                            "email": "ole@eksempel.dk", "phone": "", "vk_id": vk.id})
    assert mine.status_code == 302 and len(_notes(app, vk.id)) == 1


def test_a_new_adviser_is_told_and_the_kept_vk_is_told_who_it_is(app, client, auth, make_user):
    me, vk, adviser = make_user("consultant"), make_user("consultant"), make_user("consultant")
    _named(app, me.id, "Michael Pedersen")
    _named(app, adviser.id, "Lene Holm")
    cid = make_citizen(app, vk_id=vk.id)
    auth.login(me.email)
    client.post(f"/borgere/{cid}/sagsbehandlere", data={"csrf_token": csrf(auth), "vk_id": vk.id,
                                                        "adviser_id": adviser.id, "purpose": PURPOSE})
    [note] = _notes(app, adviser.id)
    assert note.text.startswith(f"Du er sat som beskæftigelsesrådgiver for borger nr. {cid}")
    # review AZ 1: a seat taken on a case is never silent; told with its own kind, not »Du har fået …«
    [kept] = _notes(app, vk.id, "caseload_changed")
    assert _notes(app, vk.id) == []
    assert kept.text == (f"Borger nr. {cid}, som du er VK for, har nu Lene Holm som beskæftigelsesrådgiver: "
                         "ændret af Michael Pedersen.")
    assert kept.link == f"/borgere/{cid}"


def test_a_consultant_who_opted_out_of_the_mail_still_gets_the_notice(app, client, auth, make_user):
    me, other = make_user("consultant"), make_user("consultant")
    with app.app_context():
        db.session.get(User, other.id).mail_opt_out = [KIND]
        db.session.commit()
    cid = make_citizen(app, vk_id=None)
    auth.login(me.email)
    client.post(f"/borgere/{cid}/sagsbehandlere", data={"csrf_token": csrf(auth), "vk_id": other.id,
                                                        "adviser_id": "0", "purpose": PURPOSE})
    assert len(_notes(app, other.id)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(MailMessage.id)).where(MailMessage.kind == KIND)) == 0


# --- a bulk handover ----------------------------------------------------------------------------

def _hand_over(client, user_id: int, successor_id: int, kinds=("citizens", "advised", "companies", "requests")):
    data = {"csrf_token": AuthActions(client).csrf_token("/admin/users"), "successor_id": str(successor_id)}
    data.update({kind: "y" for kind in kinds})
    return client.post(f"/admin/users/{user_id}/overdrag", data=data)


def test_the_successor_of_a_handover_gets_one_summary_linking_to_their_citizens(app, client, auth, make_user):
    make_user("admin", email="admin@jc.dk")
    leaving, successor = make_user("consultant"), make_user("consultant", email="camilla@jc.dk")
    _named(app, leaving.id, "Nikolaj Damgaard")
    for _ in range(3):
        make_citizen(app, vk_id=leaving.id)
    make_citizen(app, vk_id=successor.id, adviser_id=leaving.id)
    auth.login("admin@jc.dk")
    response = _hand_over(client, leaving.id, successor.id)
    assert response.status_code == 302, response.get_data(as_text=True)
    [note] = _notes(app, successor.id)
    assert note.text == "Du har overtaget 3 borgere som VK og 1 borger som beskæftigelsesrådgiver fra Nikolaj Damgaard."
    assert note.link == "/borgere/"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(MailMessage.id)).where(MailMessage.kind == KIND)) == 1
    auth.switch_to("camilla@jc.dk")
    assert client.get("/borgere/").status_code == 200  # her list, as the menu opens it: the notice is read
    assert _notes(app, successor.id)[0].read_at is not None


def test_deactivate_and_hand_over_tells_the_successor_too(app, client, auth, make_user):
    make_user("admin", email="admin@jc.dk")
    leaving, successor = make_user("consultant"), make_user("consultant")
    make_citizen(app, vk_id=leaving.id)
    auth.login("admin@jc.dk")
    client.post(f"/admin/users/{leaving.id}/toggle", data={
        "csrf_token": AuthActions(client).csrf_token("/admin/users"), "overdrag": "1",
        "successor_id": str(successor.id), "noegler": "0", "til": "inaktiv"})
    with app.app_context():
        assert db.session.get(User, leaving.id).active is False
    [note] = _notes(app, successor.id)
    assert note.text.startswith("Du har overtaget 1 borger som VK fra ")


def test_a_handover_of_companies_only_tells_nobody_of_citizens(app, client, auth, make_user):
    make_user("admin", email="admin@jc.dk")
    leaving, successor = make_user("consultant"), make_user("consultant")
    make_citizen(app, vk_id=leaving.id)
    auth.login("admin@jc.dk")
    _hand_over(client, leaving.id, successor.id, kinds=("companies",))
    assert _notes(app, successor.id) == []


# --- an import ------------------------------------------------------------------------------------

def test_an_import_tells_each_vk_once_how_many_citizens_it_gave_them(app, make_user):
    vk = make_user("consultant", email="lene@jc.dk")
    make_citizen(app, external_id="OLD-1", vk_id=None)
    rows = [citizen_row("NEW-1", Virksomhedskonsulent="lene@jc.dk"),
            citizen_row("NEW-2", "Bo Berg", Virksomhedskonsulent="lene"),
            citizen_row("OLD-1", "Sofie Andersen", Virksomhedskonsulent="lene@jc.dk")]
    with app.app_context():
        dry = run_import("citizens", io.BytesIO(csv_bytes(rows, header=HEADER)), "b.csv", actor=None, dry_run=True)
    assert dry.counts["created"] == 2 and _notes(app, vk.id) == []  # a dry run tells nobody
    with app.app_context():
        report = run_import("citizens", io.BytesIO(csv_bytes(rows, header=HEADER)), "b.csv", actor=None,
                            dry_run=False, cv_folder=app.config["UPLOAD_FOLDER"])
    assert report.counts["created"] == 2 and report.counts["updated"] == 1
    [note] = _notes(app, vk.id)
    assert note.text == "En import fra fagsystemet har gjort dig til VK for 3 borgere."
    assert note.link == "/borgere/"
    with app.app_context():
        again = run_import("citizens", io.BytesIO(csv_bytes(rows, header=HEADER)), "b.csv", actor=None,
                           dry_run=False, cv_folder=app.config["UPLOAD_FOLDER"])
    assert again.counts["unchanged"] == 3 and len(_notes(app, vk.id)) == 1
