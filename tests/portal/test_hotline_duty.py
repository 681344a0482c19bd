"""The hotline's duty consultant (vagthavende): an administrator names one (or nobody); a
request without an active assignee is announced and reminded to that consultant alone; an
inactive or deleted user is never on duty; with nobody on duty the fallback group is told.
Also migration 0030 (closing notes and the duty setting) on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from portal.hotline import duty, reminders
from store.models import AuditEvent, Company, HotlineDuty, HotlineRequest, MailMessage, Notification, User
from tests.conftest import AuthActions
from tests.portal.migration_helpers import migrated_app_fixture
from tests.portal import test_hotline_fallback as base
from tests.portal.test_hotline_fallback import MONDAY, file, told

world = base.world  # a company without a consultant; Team Syd, Team Nord; an administrator


def _set(app, world, user_id: int | None) -> None:
    with app.app_context():
        duty.set_duty(db.session.get(User, world["admin"]), user_id, now=MONDAY)


def _admin(client) -> AuthActions:
    auth = AuthActions(client)
    auth.switch_to("admin@jc.dk")
    return auth


def test_an_administrator_names_the_duty_consultant_stored_with_who_and_when_and_audited(app, client, world):
    auth = _admin(client)
    page = client.get("/hotline/vagt").get_data(as_text=True)
    assert "Ingen er vagthavende nu." in page and "ellers til alle aktive konsulenter" in page
    assert f'value="{world["gone"]}"' not in page  # an inactive consultant is not offered
    saved = client.post("/hotline/vagt", data={"user": str(world["nord"]),
                                               "csrf_token": auth.csrf_token("/hotline/vagt")})
    assert saved.status_code == 302
    with app.app_context():
        row = db.session.scalar(sa.select(HotlineDuty))
        assert (row.user_id, row.changed_by_id) == (world["nord"], world["admin"]) and row.changed_at is not None
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "hotline_duty_set"))
        assert (event.user_id, event.purpose) == (world["admin"], f"user:{world['nord']}")
        name = db.session.get(User, world["nord"]).name
    page = client.get("/hotline/vagt").get_data(as_text=True)
    now = page.split('data-testid="duty-now"', 1)[1].split("</div></div>", 1)[0]
    assert f"{name}</strong> er vagthavende nu." in now and "Senest ændret" in now
    assert f"Vagthavende for henvendelser uden ansvarlig: {name}." in client.get("/hotline/").get_data(as_text=True)
    cleared = client.post("/hotline/vagt", data={"user": "", "csrf_token": auth.csrf_token("/hotline/vagt")})
    assert cleared.status_code == 302
    with app.app_context():
        assert [r.user_id for r in db.session.scalars(sa.select(HotlineDuty).order_by(HotlineDuty.id))] == [
            world["nord"], None]  # the history stays
        assert duty.on_duty() is None


@pytest.mark.parametrize("who", ["gone", "contact", "unknown"])
def test_only_an_active_consultant_can_be_named(app, client, world, who):
    auth = _admin(client)
    value = "999999" if who == "unknown" else str(world[who])
    refused = client.post("/hotline/vagt", data={"user": value, "csrf_token": auth.csrf_token("/hotline/vagt")})
    assert refused.status_code == 400
    assert "Vælg en af mulighederne på listen." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HotlineDuty)) == 0
        with pytest.raises(LookupError):
            duty.set_duty(db.session.get(User, world["admin"]), 999999 if who == "unknown" else world[who])


def test_consultants_cannot_change_the_duty(app, client, world):
    auth = AuthActions(client)
    auth.switch_to("nord@jc.dk")
    assert client.get("/hotline/vagt").status_code == 403
    assert 'data-testid="duty-link"' not in client.get("/hotline/").get_data(as_text=True)


def test_an_unassigned_request_is_told_to_the_duty_consultant_alone(app, client, world):
    _set(app, world, world["syd"][1])
    request_id = file(app, world)
    assert told(app, request_id) == [world["syd"][1]]  # not every consultant, as without duty
    with app.app_context():
        name = db.session.get(User, world["syd"][1]).name
    AuthActions(client).switch_to("nord@jc.dk")
    row = client.get("/hotline/").get_data(as_text=True).split(f'data-request-id="{request_id}"', 1)[1]
    assert f"Ingen (vagthavende: {name})" in row.split("</tr>", 1)[0]
    with app.app_context():
        request = db.session.get(HotlineRequest, request_id)
        assert [u.id for u in reminders.reminder_recipients(request)] == [world["syd"][1]]


def test_a_request_with_an_active_assignee_does_not_go_to_the_duty_consultant(app, world):
    _set(app, world, world["syd"][1])
    with app.app_context():
        db.session.get(Company, db.session.get(User, world["contact"]).company_id).consultant_id = world["nord"]
        db.session.commit()
    request_id = file(app, world)
    assert told(app, request_id) == [world["nord"]]


def test_a_deactivated_duty_consultant_is_never_told_the_fallback_group_is(app, client, world):
    _set(app, world, world["nord"])
    with app.app_context():
        db.session.get(User, world["nord"]).active = False
        db.session.commit()
        assert duty.on_duty() is None
    request_id = file(app, world)
    assert told(app, request_id) == sorted(world["syd"])  # every active consultant
    _admin(client)
    page = client.get("/hotline/vagt").get_data(as_text=True)
    assert "Ingen er vagthavende nu." in page and "er ikke længere en aktiv konsulent" in page


def test_a_deleted_duty_consultant_is_never_told(app, make_user, world):
    extra = make_user("consultant", email="kort@jc.dk")
    _set(app, world, extra.id)
    with app.app_context():
        db.session.delete(db.session.get(User, extra.id))
        db.session.commit()
        assert duty.on_duty() is None and duty.state().named is None
    assert told(app, file(app, world)) == sorted(world["syd"] + [world["nord"]])


def test_with_nobody_on_duty_the_fallback_group_is_told(app, world):
    _set(app, world, None)
    assert told(app, file(app, world, now=MONDAY + timedelta(hours=1))) == sorted([*world["syd"], world["nord"]])


# --- migration 0030, on SQLite and PostgreSQL ------------------------------------------------

migrated_app = migrated_app_fixture("duty")


def test_0030_adds_the_message_kind_and_the_duty_table_and_goes_back(migrated_app):
    columns = {c["name"]: c for c in sa.inspect(db.engine).get_columns("hotline_message")}
    assert "kind" in columns and "hotline_duty" in sa.inspect(db.engine).get_table_names()
    with pytest.raises(sa.exc.IntegrityError) as refused:  # only the known kinds
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO hotline_message (request_id, author_id, body, created_at, kind) "
                                       "VALUES (1, 1, 'x', CURRENT_TIMESTAMP, 'other')"))
    assert "ck_hotline_message_hotline_message_kind" in str(refused.value)
    db.session.remove()
    downgrade(revision="0029")
    inspector = sa.inspect(db.engine)
    assert "kind" not in {c["name"] for c in inspector.get_columns("hotline_message")}
    assert "hotline_duty" not in inspector.get_table_names()
    upgrade()
    assert "kind" in {c["name"] for c in sa.inspect(db.engine).get_columns("hotline_message")}


def _duty_notes(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [(n.user_id, n.text) for n in db.session.scalars(
            sa.select(Notification).where(Notification.kind == "hotline_duty").order_by(Notification.id))]


def test_naming_tells_the_named_consultant_and_the_one_before(app, client, world):
    """Review AP 3: nobody was told; now the named consultant gets a notice and a mail, and the
    one on duty before is told the duty moved (nobody is told twice for the same choice)."""
    auth = _admin(client)
    saved = client.post("/hotline/vagt", data={"user": str(world["nord"]),
                                               "csrf_token": auth.csrf_token("/hotline/vagt")}, follow_redirects=True)
    with app.app_context():
        nord = db.session.get(User, world["nord"]).name
        admin = db.session.get(User, world["admin"]).name
        syd = db.session.get(User, world["syd"][0]).name
    assert f"{nord} er nu vagthavende for hotline og har fået besked om det." in saved.get_data(as_text=True)
    assert _duty_notes(app) == [(world["nord"], f"{admin} har valgt dig som vagthavende for hotline")]
    with app.app_context():
        note = db.session.scalar(sa.select(Notification).where(Notification.kind == "hotline_duty"))
        mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.kind == "hotline_duty"))
        assert note.link == "/hotline/" and mail.user_id == world["nord"]
        assert mail.subject == "Du er vagthavende for hotline"  # its body is blanked once sent
    again = client.post("/hotline/vagt", data={"user": str(world["nord"]),
                                               "csrf_token": auth.csrf_token("/hotline/vagt")}, follow_redirects=True)
    assert f"{nord} er stadig vagthavende for hotline." in again.get_data(as_text=True)
    assert len(_duty_notes(app)) == 1
    moved = client.post("/hotline/vagt", data={"user": str(world["syd"][0]),
                                               "csrf_token": auth.csrf_token("/hotline/vagt")}, follow_redirects=True)
    assert f"{nord} har fået besked om, at vagten er skiftet." in moved.get_data(as_text=True)
    assert _duty_notes(app)[1:] == [
        (world["syd"][0], f"{admin} har valgt dig som vagthavende for hotline"),
        (world["nord"], f"Du er ikke længere vagthavende for hotline: {syd} har vagten nu")]
    client.post("/hotline/vagt", data={"user": "", "csrf_token": auth.csrf_token("/hotline/vagt")})
    assert _duty_notes(app)[3:] == [(world["syd"][0], "Du er ikke længere vagthavende for hotline: ingen har vagten nu")]


def test_a_consultant_without_a_password_cannot_be_named(app, client, make_user, world):
    """Review AP 3: a new consultant who never chose a password (cannot log in) was offered and
    could be named, and would then alone get every request without an assignee."""
    new = make_user("consultant", email="ny@jc.dk")
    with app.app_context():
        db.session.get(User, new.id).password_hash = None
        db.session.commit()
        assert new.id not in [u.id for u in duty.candidates()]
        assert world["nord"] in [u.id for u in duty.candidates()]
        with pytest.raises(LookupError):
            duty.set_duty(db.session.get(User, world["admin"]), new.id)
    auth = _admin(client)
    assert f'value="{new.id}"' not in client.get("/hotline/vagt").get_data(as_text=True)
    refused = client.post("/hotline/vagt", data={"user": str(new.id), "csrf_token": auth.csrf_token("/hotline/vagt")})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HotlineDuty)) == 0


def test_deactivating_the_duty_consultant_warns_that_the_duty_becomes_vacant(app, client, world):
    """Review AP 3: the confirmation page and the flash said nothing about the duty."""
    _set(app, world, world["nord"])
    auth = _admin(client)
    with app.app_context():
        nord = db.session.get(User, world["nord"]).name
    page = client.get(f"/admin/users/{world['nord']}/deaktiver")  # holds nothing: shown for the duty alone
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    warning = html.split('data-testid="duty-warning"', 1)[1].split("</div></div>", 1)[0]
    assert f"{nord} er vagthavende for hotlinen." in warning and 'href="/hotline/vagt"' in warning
    other = client.get(f"/admin/users/{world['syd'][0]}/deaktiver")  # not on duty, holds nothing: the list
    assert other.status_code == 302
    listed = client.post(f"/admin/users/{world['nord']}/toggle",  # the list's button: the confirmation first
                         data={"til": "inaktiv", "csrf_token": auth.csrf_token("/admin/users")})
    assert listed.status_code == 302 and listed.location.endswith(f"/admin/users/{world['nord']}/deaktiver")
    with app.app_context():
        assert duty.on_duty().id == world["nord"]
    done = client.post(f"/admin/users/{world['nord']}/toggle",
                       data={"til": "inaktiv", "noegler": "0", "csrf_token": auth.csrf_token("/admin/users")},
                       follow_redirects=True).get_data(as_text=True)
    assert f"{nord} er deaktiveret." in done
    assert f"{nord} var vagthavende for hotlinen og er det ikke længere" in done and "/hotline/vagt" in done
    with app.app_context():
        assert duty.on_duty() is None
    back = client.post(f"/admin/users/{world['nord']}/toggle",
                       data={"til": "aktiv", "csrf_token": auth.csrf_token("/admin/users")},
                       follow_redirects=True).get_data(as_text=True)
    assert f"{nord} er igen vagthavende for hotlinen" in back
    plain = client.post(f"/admin/users/{world['syd'][0]}/toggle",
                        data={"til": "inaktiv", "csrf_token": auth.csrf_token("/admin/users")},
                        follow_redirects=True).get_data(as_text=True)
    assert "vagthavende" not in plain.split("<main", 1)[-1].split('data-testid="inactive-holdings"')[0]
