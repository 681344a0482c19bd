"""What was left of the caseworker notices after ``caseload_removed`` got its own kind:

- a VK or adviser who stays while the other seat changes is told with a kind of its own,
  ``caseload_changed`` (it was ``caseload_assigned``, labelled »Du har fået … borgere«), with a
  Danish label and a mail preference of its own (migration 0040 switched it off once for a user
  who had turned off ``caseload_assigned`` mails, which until then covered these notices too);
- an import tells an adviser who stays while it changes the VK (one summary per adviser, by the
  citizens' numbers), as the web and the API do;
- a caseload handover tells the consultant the cases were taken from (``caseload_removed``),
  unless they are deactivated.
"""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from portal.admin import audit_labels
from portal.extensions import db
from portal.imports.runner import run_import
from portal.notifications import assigned, mailer, service
from store.models import Citizen, MailMessage, Notification, User
from tests.conftest import AuthActions
from tests.imports.files import HEADER, citizen_row, csv_bytes
from tests.portal.citizen_fixtures import csrf, make_citizen

CHANGED, REMOVED, ASSIGNED = "caseload_changed", "caseload_removed", "caseload_assigned"
PURPOSE = "Overtager sagen efter aftale med teamlederen"


@pytest.fixture(autouse=True)
def _mails_stay_queued(monkeypatch):
    """The mails stay queued with their bodies (the worker blanks a body once sent)."""
    monkeypatch.setattr(mailer, "kick", lambda app: None)


def _notes(app, user_id: int, kind: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(Notification.text, Notification.link)
            .where(Notification.user_id == user_id, Notification.kind == kind).order_by(Notification.id))]


class _Mail:
    def __init__(self, row: MailMessage):
        self.subject, self.body = row.subject, row.body


def _mails(app, user_id: int, kind: str) -> list[_Mail]:
    with app.app_context():
        return [_Mail(row) for row in db.session.scalars(
            sa.select(MailMessage).where(MailMessage.user_id == user_id, MailMessage.kind == kind))]


def _named(app, user_id: int, name: str) -> None:
    with app.app_context():
        db.session.get(User, user_id).name = name
        db.session.commit()


def _opted_out(app, user_id: int, kinds: list[str]) -> None:
    with app.app_context():
        db.session.get(User, user_id).mail_opt_out = kinds
        db.session.commit()


# --- the kind ---------------------------------------------------------------------------------

def test_the_kind_is_a_consultants_with_its_own_danish_labels(make_user):
    assert assigned.KIND_CHANGED == CHANGED
    assert CHANGED in service.KINDS_BY_ROLE["consultant"] and CHANGED not in service.KINDS_BY_ROLE["admin"]
    assert service.NOTIFICATION_KINDS[CHANGED] == (
        "Der er skiftet VK eller beskæftigelsesrådgiver for en borger, du også er sagsbehandler for")
    assert audit_labels.PURPOSE_WORDS[CHANGED] == "den anden sagsbehandler skiftet"
    assert (CHANGED, service.NOTIFICATION_KINDS[CHANGED]) in service.kinds_for(make_user("consultant"))


def test_the_settings_page_shows_the_new_kind_in_danish(client, auth, make_user):
    consultant = make_user("consultant", email="vk@jc.dk")
    auth.login(consultant.email)
    html = client.get("/beskeder/indstillinger").get_data(as_text=True)
    assert service.NOTIFICATION_KINDS[CHANGED] in html
    assert re.search(r'checked[^>]*value="caseload_changed"|value="caseload_changed"[^>]*checked', html)  # on


def test_a_kept_vk_is_told_with_the_change_kind_and_mailed(app, client, auth, make_user):
    me, vk, adviser = make_user("consultant"), make_user("consultant", email="vk@jc.dk"), make_user("consultant")
    _named(app, me.id, "Michael Pedersen")
    _named(app, adviser.id, "Lene Holm")
    cid = make_citizen(app, vk_id=vk.id)
    auth.login(me.email)
    client.post(f"/borgere/{cid}/sagsbehandlere", data={"csrf_token": csrf(auth), "vk_id": vk.id,
                                                        "adviser_id": adviser.id, "purpose": PURPOSE})
    assert _notes(app, vk.id, CHANGED) == [
        (f"Borger nr. {cid}, som du er VK for, har nu Lene Holm som beskæftigelsesrådgiver: "
         "ændret af Michael Pedersen.", f"/borgere/{cid}")]
    assert _notes(app, vk.id, ASSIGNED) == []
    [mail] = _mails(app, vk.id, CHANGED)  # a new kind's mail is on by default
    assert mail.subject == f"Nye sagsbehandlere for borger nr. {cid}" and f"/borgere/{cid}" in mail.body


# --- the mail preference of the split kinds ------------------------------------------------------

def _change_both_seats(app, client, auth, make_user):
    """``kept`` stays VK while the adviser changes; ``removed`` loses the adviser seat; ``me``
    (logged in) makes the change with ``change(new_adviser)``."""
    me, kept, removed = make_user("consultant"), make_user("consultant"), make_user("consultant")
    cid = make_citizen(app, vk_id=kept.id)
    with app.app_context():
        db.session.get(Citizen, cid).adviser_id = removed.id
        db.session.commit()
    auth.login(me.email)
    return me, kept, removed, lambda adviser: client.post(f"/borgere/{cid}/sagsbehandlere", data={
        "csrf_token": csrf(auth), "vk_id": kept.id, "adviser_id": adviser.id, "purpose": PURPOSE})


def test_each_caseload_kinds_mail_is_switched_off_on_its_own(app, client, auth, make_user):
    """An opt-out of ``caseload_assigned`` alone no longer holds for the split kinds (migration
    0040 copied it to them once): each kind's mail is off only when its own entry is listed."""
    _me, kept, removed, change = _change_both_seats(app, client, auth, make_user)
    _opted_out(app, kept.id, [ASSIGNED])
    _opted_out(app, removed.id, [ASSIGNED, REMOVED])
    change(make_user("consultant"))
    assert len(_notes(app, kept.id, CHANGED)) == 1 and len(_notes(app, removed.id, REMOVED)) == 1  # told
    assert len(_mails(app, kept.id, CHANGED)) == 1  # its own entry is not listed
    assert _mails(app, removed.id, REMOVED) == []


def test_mail_off_is_the_list_and_nothing_else(make_user):
    user = make_user("consultant")
    user.mail_opt_out = [ASSIGNED, f"{CHANGED}:chosen"]  # a leftover of the run-time rule means nothing
    assert service.mail_off(user, ASSIGNED)
    assert not service.mail_off(user, CHANGED) and not service.mail_off(user, REMOVED)
    assert not hasattr(service, "SPLIT_FROM") and not hasattr(service, "CHOSEN")


def test_the_settings_page_ticks_what_the_list_does_not_hold_and_stores_the_choice(app, client, auth, make_user):
    me, kept, _removed, change = _change_both_seats(app, client, auth, make_user)
    _opted_out(app, kept.id, [ASSIGNED, CHANGED])
    auth.switch_to(kept.email)
    html = client.get("/beskeder/indstillinger").get_data(as_text=True)
    for kind in (ASSIGNED, CHANGED):  # unticked, as the mails are off
        assert re.search(rf'value="{kind}"(?![^>]*checked)', html), kind
    assert re.search(r'checked[^>]*value="caseload_removed"|value="caseload_removed"[^>]*checked', html)
    wanted = [kind for kind in service.STAFF_KINDS if kind != ASSIGNED]  # ticks caseload_changed on
    response = client.post("/beskeder/indstillinger", data={
        "kinds": wanted, "csrf_token": auth.csrf_token("/beskeder/indstillinger")}, follow_redirects=True)
    assert "Dine valg er gemt." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, kept.id).mail_opt_out == [ASSIGNED]  # no »:chosen« entries
    html = client.get("/beskeder/indstillinger").get_data(as_text=True)
    assert re.search(r'value="caseload_assigned"(?![^>]*checked)', html)
    assert re.search(r'checked[^>]*value="caseload_changed"|value="caseload_changed"[^>]*checked', html)
    auth.switch_to(me.email)
    change(make_user("consultant"))
    assert len(_mails(app, kept.id, CHANGED)) == 1
    assert _mails(app, kept.id, ASSIGNED) == []


def test_saving_the_choices_keeps_the_split_kinds_off_when_left_unticked(app, client, auth, make_user):
    consultant = make_user("consultant", email="vk@jc.dk")
    auth.login(consultant.email)
    wanted = [kind for kind in service.STAFF_KINDS if kind not in (ASSIGNED, CHANGED)]
    client.post("/beskeder/indstillinger", data={"kinds": wanted,
                                                 "csrf_token": auth.csrf_token("/beskeder/indstillinger")})
    with app.app_context():
        user = db.session.get(User, consultant.id)
        assert service.mail_off(user, CHANGED) and service.mail_off(user, ASSIGNED)
        assert not service.mail_off(user, REMOVED)
        assert CHANGED in user.mail_opt_out and REMOVED not in user.mail_opt_out


# --- an import tells an adviser who stays ----------------------------------------------------------

def _import(app, rows, dry_run=False):
    with app.app_context():
        return run_import("citizens", io.BytesIO(csv_bytes(rows, header=HEADER)), "b.csv", actor=None,
                          dry_run=dry_run, cv_folder=None if dry_run else app.config["UPLOAD_FOLDER"])


def _with_adviser(app, cid: int, adviser_id: int) -> None:
    with app.app_context():
        db.session.get(Citizen, cid).adviser_id = adviser_id
        db.session.commit()


def test_an_import_tells_an_adviser_who_stays_once_by_the_citizens_numbers(app, make_user):
    old = make_user("consultant", email="gammel@jc.dk")
    new = make_user("consultant", email="ny@jc.dk")
    adviser = make_user("consultant", email="raadgiver@jc.dk")
    _named(app, new.id, "Lene Holm")
    first = make_citizen(app, external_id="OLD-1", vk_id=old.id)
    second = make_citizen(app, name="Bo Berg", external_id="OLD-2", vk_id=None)
    same = make_citizen(app, name="Eva Holm", external_id="OLD-3", vk_id=old.id)
    for cid in (first, second, same):
        _with_adviser(app, cid, adviser.id)
    rows = [citizen_row("OLD-1", "Sofie Andersen", Virksomhedskonsulent="ny@jc.dk"),
            citizen_row("OLD-2", "Bo Berg", Virksomhedskonsulent="ny@jc.dk"),  # no VK before: one now
            citizen_row("OLD-3", "Eva Holm", Virksomhedskonsulent="gammel@jc.dk")]  # VK unchanged
    assert _import(app, rows, dry_run=True).counts["updated"] == 3
    assert _notes(app, adviser.id, CHANGED) == []  # a dry run tells nobody
    report = _import(app, rows)
    assert report.counts["updated"] == 3
    assert report.kept_by_adviser == {adviser.id: [(first, new.id), (second, new.id)]}
    assert _notes(app, adviser.id, CHANGED) == [
        ("En import fra fagsystemet har sat en ny VK for 2 borgere, som du er beskæftigelsesrådgiver for.",
         "/borgere/")]
    assert _notes(app, adviser.id, ASSIGNED) == [] and _notes(app, adviser.id, REMOVED) == []
    [mail] = _mails(app, adviser.id, CHANGED)
    assert f"Borger nr. {first}, nr. {second}: nu Lene Holm som VK." in mail.body
    assert f"nr. {same}" not in mail.body and "/borgere/" in mail.body
    assert "Sofie" not in mail.body and "Bo Berg" not in mail.body  # numbers, never names
    assert _import(app, rows).counts["unchanged"] == 3
    assert len(_notes(app, adviser.id, CHANGED)) == 1  # nothing new, nothing told again


def test_an_import_does_not_tell_an_adviser_as_kept_who_is_the_new_or_the_old_vk(app, make_user):
    old = make_user("consultant", email="gammel@jc.dk")
    both = make_user("consultant", email="begge@jc.dk")
    promoted = make_citizen(app, external_id="OLD-1", vk_id=old.id)
    _with_adviser(app, promoted, both.id)  # the adviser becomes VK too: told as the new VK
    demoted = make_citizen(app, name="Bo Berg", external_id="OLD-2", vk_id=both.id)
    _with_adviser(app, demoted, both.id)  # VK and adviser, loses the VK seat: told of the removal
    report = _import(app, [citizen_row("OLD-1", "Sofie Andersen", Virksomhedskonsulent="begge@jc.dk"),
                           citizen_row("OLD-2", "Bo Berg", Virksomhedskonsulent="gammel@jc.dk")])
    assert report.counts["updated"] == 2 and report.kept_by_adviser == {}
    assert _notes(app, both.id, CHANGED) == []
    assert len(_notes(app, both.id, ASSIGNED)) == 1 and len(_notes(app, both.id, REMOVED)) == 1


# --- a handover tells the consultant the cases were taken from ---------------------------------------

def _hand_over(client, user_id: int, successor_id: int, kinds=("citizens", "advised", "companies", "requests")):
    data = {"csrf_token": AuthActions(client).csrf_token("/admin/users"), "successor_id": str(successor_id)}
    data.update({kind: "y" for kind in kinds})
    return client.post(f"/admin/users/{user_id}/overdrag", data=data)


def test_a_handover_tells_the_consultant_it_was_taken_from_linking_to_the_successors_list(
        app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    _named(app, admin.id, "Michael Pedersen")
    leaving = make_user("consultant", email="susanne@jc.dk")
    successor = make_user("consultant")
    _named(app, successor.id, "Camilla Holm")
    as_vk = [make_citizen(app, name=f"Borger {n}", vk_id=leaving.id) for n in range(2)]
    advised = make_citizen(app, name="Eva Holm", vk_id=successor.id, adviser_id=leaving.id)
    auth.login("admin@jc.dk")
    assert _hand_over(client, leaving.id, successor.id).status_code == 302
    link = f"/borgere/?scope=all&vk={successor.id}"
    assert _notes(app, leaving.id, REMOVED) == [
        ("Du er ikke længere VK for 2 borgere og beskæftigelsesrådgiver for 1 borger: sagerne er overdraget til "
         "Camilla Holm af Michael Pedersen.", link)]
    assert _notes(app, leaving.id, ASSIGNED) == []
    [mail] = _mails(app, leaving.id, REMOVED)
    assert mail.subject == "Dine sager er overdraget til Camilla Holm"
    assert (f"Som VK: borger nr. {as_vk[0]}, nr. {as_vk[1]}. Som beskæftigelsesrådgiver: borger nr. {advised}."
            in mail.body)
    assert f"Se borgerne med Camilla Holm som VK her: {link}" in mail.body
    assert "Eva Holm" not in mail.body  # numbers, never names
    auth.switch_to("susanne@jc.dk")
    page = client.get(link).get_data(as_text=True)  # where the cases are now: the successor's list
    assert "Camilla Holm som virksomhedskonsulent" in page and "Borger 0" in page
    with app.app_context():  # opened: read
        assert db.session.scalar(sa.select(Notification.read_at).where(
            Notification.user_id == leaving.id, Notification.kind == REMOVED)) is not None


def test_a_handover_of_advised_citizens_only_links_to_the_successors_advised_list(app, client, auth, make_user):
    make_user("admin", email="admin@jc.dk")
    leaving, successor = make_user("consultant"), make_user("consultant")
    make_citizen(app, vk_id=successor.id, adviser_id=leaving.id)
    auth.login("admin@jc.dk")
    _hand_over(client, leaving.id, successor.id, kinds=("advised",))
    [(text, link)] = _notes(app, leaving.id, REMOVED)
    assert text.startswith("Du er ikke længere beskæftigelsesrådgiver for 1 borger: ")
    assert link == f"/borgere/?scope=all&raadgiver={successor.id}"


def test_a_deactivated_consultant_is_not_told_of_a_handover(app, client, auth, make_user):
    make_user("admin", email="admin@jc.dk")
    gone, successor = make_user("consultant", active=False), make_user("consultant")
    make_citizen(app, vk_id=gone.id)
    auth.login("admin@jc.dk")
    assert _hand_over(client, gone.id, successor.id).status_code == 302
    assert _notes(app, gone.id, REMOVED) == [] and len(_notes(app, successor.id, ASSIGNED)) == 1


def test_deactivate_and_hand_over_does_not_tell_the_one_deactivated(app, client, auth, make_user):
    make_user("admin", email="admin@jc.dk")
    leaving, successor = make_user("consultant"), make_user("consultant")
    make_citizen(app, vk_id=leaving.id)
    auth.login("admin@jc.dk")
    client.post(f"/admin/users/{leaving.id}/toggle", data={
        "csrf_token": AuthActions(client).csrf_token("/admin/users"), "overdrag": "1",
        "successor_id": str(successor.id), "noegler": "0", "til": "inaktiv"})
    with app.app_context():
        assert db.session.get(User, leaving.id).active is False
    assert _notes(app, leaving.id, REMOVED) == [] and len(_notes(app, successor.id, ASSIGNED)) == 1
    assert _mails(app, leaving.id, REMOVED) == []


def test_a_handover_of_companies_only_tells_the_leaving_consultant_nothing(app, client, auth, make_user):
    make_user("admin", email="admin@jc.dk")
    leaving, successor = make_user("consultant"), make_user("consultant")
    make_citizen(app, vk_id=leaving.id)
    auth.login("admin@jc.dk")
    _hand_over(client, leaving.id, successor.id, kinds=("companies",))
    assert _notes(app, leaving.id, REMOVED) == []
