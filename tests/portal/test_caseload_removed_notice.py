"""A consultant removed as a citizen's VK or adviser is told with a kind of its own,
``caseload_removed``: it was told with ``caseload_assigned``, whose label (the preferences page,
the mail queue, the access log's mail rows) says »Du har fået en eller flere borgere …«. The web's
caseworker change, the API's upsert (tests/api/test_citizens_team_and_notice.py) and the import
tell the one removed; the import in one summary per VK, by the citizens' numbers."""
from __future__ import annotations

import io

import sqlalchemy as sa

from portal.admin import audit_labels
from portal.extensions import db
from portal.imports.runner import run_import
from portal.notifications import assigned, service
from store.models import MailMessage, Notification, User
from tests.imports.files import HEADER, citizen_row, csv_bytes
from tests.portal.citizen_fixtures import csrf, make_citizen

REMOVED, ASSIGNED = "caseload_removed", "caseload_assigned"


def _notes(app, user_id: int, kind: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(Notification.text, Notification.link)
            .where(Notification.user_id == user_id, Notification.kind == kind).order_by(Notification.id))]


def _named(app, user_id: int, name: str) -> None:
    with app.app_context():
        db.session.get(User, user_id).name = name
        db.session.commit()


def test_the_kind_is_a_consultants_with_its_own_danish_labels(make_user):
    assert assigned.KIND_REMOVED == REMOVED
    assert REMOVED in service.KINDS_BY_ROLE["consultant"] and REMOVED not in service.KINDS_BY_ROLE["admin"]
    assert service.NOTIFICATION_KINDS[REMOVED].startswith("Du er ikke længere")
    assert audit_labels.PURPOSE_WORDS[REMOVED] == "ikke længere sagsbehandler"
    consultant = make_user("consultant")
    assert (REMOVED, service.NOTIFICATION_KINDS[REMOVED]) in service.kinds_for(consultant)  # a mail preference


def test_a_vk_removed_on_the_caseworker_page_is_told_with_the_removal_kind(app, client, auth, make_user):
    admin = make_user("admin", email="leder@jc.dk")
    _named(app, admin.id, "Michael Pedersen")
    old, new = make_user("consultant", email="gammel@jc.dk"), make_user("consultant", email="ny@jc.dk")
    cid = make_citizen(app, vk_id=old.id)
    auth.login(admin.email)
    response = client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": new.id, "adviser_id": "0", "confirm_vk_change": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _notes(app, old.id, REMOVED) == [
        (f"Du er ikke længere VK for borger nr. {cid}: ændret af Michael Pedersen.", f"/borgere/{cid}")]
    assert _notes(app, old.id, ASSIGNED) == []
    assert [text for text, _ in _notes(app, new.id, ASSIGNED)] == [
        f"Du er sat som VK for borger nr. {cid} af Michael Pedersen."]
    with app.app_context():
        mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.kind == REMOVED))
        assert mail.to_address == "gammel@jc.dk"
        assert mail.subject == f"Du er ikke længere sagsbehandler for borger nr. {cid}"


def test_a_consultant_who_opted_out_of_removal_mails_still_gets_the_notice(app, client, auth, make_user):
    admin = make_user("admin", email="leder@jc.dk")
    old, new = make_user("consultant"), make_user("consultant")
    with app.app_context():
        db.session.get(User, old.id).mail_opt_out = [REMOVED]
        db.session.commit()
    cid = make_citizen(app, vk_id=old.id)
    auth.login(admin.email)
    client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": new.id, "adviser_id": "0", "confirm_vk_change": "y"})
    assert len(_notes(app, old.id, REMOVED)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(MailMessage.id)).where(MailMessage.kind == REMOVED)) == 0
        assert db.session.scalar(sa.select(sa.func.count(MailMessage.id)).where(MailMessage.kind == ASSIGNED)) == 1


def _import(app, rows, dry_run=False):
    with app.app_context():
        return run_import("citizens", io.BytesIO(csv_bytes(rows, header=HEADER)), "b.csv", actor=None,
                          dry_run=dry_run, cv_folder=None if dry_run else app.config["UPLOAD_FOLDER"])


def test_an_import_tells_each_vk_it_replaced_once_by_the_citizens_numbers(app, make_user):
    old = make_user("consultant", email="gammel@jc.dk")
    new = make_user("consultant", email="ny@jc.dk")
    first = make_citizen(app, external_id="OLD-1", vk_id=old.id)
    second = make_citizen(app, name="Bo Berg", external_id="OLD-2", vk_id=old.id)
    kept = make_citizen(app, name="Eva Holm", external_id="OLD-3", vk_id=old.id)
    rows = [citizen_row("OLD-1", "Sofie Andersen", Virksomhedskonsulent="ny@jc.dk"),
            citizen_row("OLD-2", "Bo Berg", Virksomhedskonsulent="ny@jc.dk"),
            citizen_row("OLD-3", "Eva Holm", Virksomhedskonsulent="gammel@jc.dk")]
    dry = _import(app, rows, dry_run=True)
    assert dry.counts["updated"] == 3 and _notes(app, old.id, REMOVED) == []  # a dry run tells nobody
    report = _import(app, rows)
    assert report.counts["updated"] == 3 and report.taken_from_vk == {old.id: [first, second]}
    assert _notes(app, old.id, REMOVED) == [
        ("En import fra fagsystemet har sat en anden som VK for 2 borgere, som du var VK for.", "/borgere/")]
    assert _notes(app, old.id, ASSIGNED) == [] and _notes(app, new.id, REMOVED) == []
    assert _notes(app, new.id, ASSIGNED) == [("En import fra fagsystemet har gjort dig til VK for 2 borgere.",
                                              "/borgere/")]
    with app.app_context():
        mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.kind == REMOVED))
        assert mail.to_address == "gammel@jc.dk"
        assert f"Det gælder borger nr. {first}, nr. {second}." in mail.body and f"nr. {kept}" not in mail.body
        assert "Sofie" not in mail.body and "Bo Berg" not in mail.body  # numbers, never names
    again = _import(app, rows)
    assert again.counts["unchanged"] == 3 and len(_notes(app, old.id, REMOVED)) == 1


def test_a_citizen_without_a_vk_given_one_by_an_import_removes_nobody(app, make_user):
    make_user("consultant", email="ny@jc.dk")
    make_citizen(app, external_id="OLD-1", vk_id=None)
    report = _import(app, [citizen_row("OLD-1", "Sofie Andersen", Virksomhedskonsulent="ny@jc.dk")])
    assert report.counts["updated"] == 1 and report.taken_from_vk == {}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.kind == REMOVED)) == 0
