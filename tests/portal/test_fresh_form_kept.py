"""A form sent after the 10-minute fresh login ran out comes back filled in after /auth/confirm
(review AN 14): create user, edit user, phone, handover, erasure and import all went through
``confirm_first`` and landed on an empty form. Held on the server (portal.auth.fresh_form)."""
from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal.auth import fresh_form, sessions
from portal.extensions import db
from store.models import Citizen, HeldForm, Team, User
from tests.conftest import PASSWORD
from tests.portal.citizen_fixtures import make_citizen

START = datetime(2026, 3, 2, 9, 31, 56, tzinfo=timezone.utc)
TYPED = {"email": "ny.kollega@hedensted.dk", "name": "Ny Kollega", "role": "consultant", "phone": "75 12 34 56"}


@pytest.fixture
def clock(monkeypatch):
    now = {"at": START}
    monkeypatch.setattr(sessions, "clock", lambda: now["at"])

    def advance(**delta) -> None:
        now["at"] += timedelta(**delta)

    return advance


@pytest.fixture
def admin(make_user):
    return make_user("admin", email="admin@jc.dk")


@pytest.fixture
def team_id(app):
    with app.app_context():
        team = Team(name="Team Nord")
        db.session.add(team)
        db.session.commit()
        return team.id


def _confirm(client, auth, next_url: str, password: str = PASSWORD):
    return client.post("/auth/confirm", data={"password": password, "next": next_url,
                                              "csrf_token": auth.csrf_token("/auth/confirm")})


def _value(page: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    value = found and re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else None


def _selected(page: str, name: str) -> str | None:
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.DOTALL)
    chosen = select and re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select.group(0))
    return next(v for v in chosen.groups() if v is not None) if chosen else None


def _users(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(User.email)))


def test_a_new_user_typed_before_the_window_ran_out_is_back_after_the_password(app, client, auth, admin,
                                                                                team_id, clock):
    auth.login(admin.email)
    token = auth.csrf_token("/admin/users/new")  # the form opens fresh
    clock(minutes=10, seconds=4)  # 09:42: the fresh login ran out while typing
    sent = client.post("/admin/users/new", data={**TYPED, "team_id": str(team_id), "company_id": "0",
                                                 "csrf_token": token})
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/auth/confirm")
    assert "ny.kollega@hedensted.dk" not in _users(app)
    confirm_page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "det, du skrev, er gemt: det sættes ind i formularen igen" in confirm_page

    confirmed = _confirm(client, auth, "/admin/users/new")
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/admin/users/new"
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert (_value(page, "email"), _value(page, "name"), _value(page, "phone")) == (
        TYPED["email"], TYPED["name"], TYPED["phone"])
    assert (_selected(page, "role"), _selected(page, "team_id")) == ("consultant", str(team_id))
    assert fresh_form.RESTORED in html.unescape(page) and "Din adgangskode er bekræftet." in html.unescape(page)
    assert "ny.kollega@hedensted.dk" not in _users(app)  # nothing is sent on the user's behalf

    again = client.get("/admin/users/new").get_data(as_text=True)  # once: a later visit is empty
    assert _value(again, "email") in (None, "") and fresh_form.RESTORED not in html.unescape(again)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HeldForm)
                                 .where(HeldForm.kind == fresh_form.KIND)) == 0


def test_the_typed_form_is_not_handed_to_another_page_nor_before_the_password(app, client, auth, admin, clock):
    auth.login(admin.email)
    token = auth.csrf_token("/admin/users/new")
    clock(minutes=11)
    client.post("/admin/users/new", data={**TYPED, "team_id": "0", "company_id": "0", "csrf_token": token})
    stale = client.get("/admin/users/new")  # still stale: back to confirm, the form stays held
    assert stale.status_code == 302 and "/auth/confirm" in stale.headers["Location"]
    client.get("/")  # another page on the way
    _confirm(client, auth, "/admin/users/new")
    assert _value(client.get("/admin/users/new").get_data(as_text=True), "email") == TYPED["email"]


def test_a_form_sent_again_or_a_log_out_forgets_it(app, client, auth, admin, clock):
    auth.login(admin.email)
    token = auth.csrf_token("/admin/users/new")
    clock(minutes=11)
    client.post("/admin/users/new", data={**TYPED, "team_id": "0", "company_id": "0", "csrf_token": token})
    auth.logout()
    auth.login(admin.email)
    assert _value(client.get("/admin/users/new").get_data(as_text=True), "email") in (None, "")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HeldForm)
                                 .where(HeldForm.kind == fresh_form.KIND)) == 0


def test_the_erasure_keeps_its_purpose_and_typed_name(app, client, auth, admin, clock):
    """The erasure form is never kept by the browser (data-jobbro-no-keep): only the server can."""
    cid = make_citizen(app)
    auth.login(admin.email)
    token = auth.csrf_token(f"/borgere/{cid}/slet")
    clock(minutes=11)
    sent = client.post(f"/borgere/{cid}/slet", data={"csrf_token": token, "purpose": "J.nr. 2026-0042",
                                                     "confirm_name": "Sofie Andersen"})
    assert "/auth/confirm" in sent.headers["Location"]
    _confirm(client, auth, f"/borgere/{cid}/slet")
    page = client.get(f"/borgere/{cid}/slet").get_data(as_text=True)
    assert (_value(page, "purpose"), _value(page, "confirm_name")) == ("J.nr. 2026-0042", "Sofie Andersen")
    with app.app_context():
        assert db.session.get(Citizen, cid) is not None


def test_an_import_keeps_its_options_and_asks_for_the_file_again(app, client, auth, admin, clock):
    auth.login(admin.email)
    token = auth.csrf_token("/admin/import/")
    clock(minutes=11)
    sent = client.post("/admin/import/", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "openings", "openings-mode": "run",
        "openings-file": (io.BytesIO(b"a;b\n"), "opslag.csv")})
    assert "/auth/confirm" in sent.headers["Location"]
    confirm_page = html.unescape(client.get(sent.headers["Location"]).get_data(as_text=True))
    assert sessions.REPEAT_FILE in confirm_page
    _confirm(client, auth, "/admin/import/")
    page = html.unescape(client.get("/admin/import/").get_data(as_text=True))
    assert fresh_form.CHOOSE_FILE_AGAIN in page
    assert '<input checked class="form-radio" id="openings-mode-1" name="openings-mode" type="radio" value="run">' in page
    assert '<input checked class="form-radio" id="citizens-mode-0" name="citizens-mode" type="radio" value="dry">' in page


def test_another_user_never_gets_the_typed_form(app, client, auth, admin, make_user, clock):
    other = make_user("admin", email="other@jc.dk")
    auth.login(admin.email)
    token = auth.csrf_token("/admin/users/new")
    clock(minutes=11)
    client.post("/admin/users/new", data={**TYPED, "team_id": "0", "company_id": "0", "csrf_token": token})
    with client.session_transaction() as cookie:
        kept = cookie[fresh_form.KEY]
    auth.switch_to(other.email)
    with client.session_transaction() as cookie:
        cookie[fresh_form.KEY] = kept  # a copied id
    assert _value(client.get("/admin/users/new").get_data(as_text=True), "email") in (None, "")


def test_a_form_filled_in_again_says_so_to_its_view(app):
    """A view that sets a field after building its form (the edit page's team) can tell."""
    from flask import g

    from portal.admin.forms import PhoneForm
    from portal.formutil import TYPED_KEY
    from werkzeug.datastructures import MultiDict

    with app.test_request_context("/admin/users/1/telefon"):
        assert PhoneForm(formdata=None).typed_restored is False
        setattr(g, TYPED_KEY, {"fields": MultiDict({"phone": "75 12 34 56"}), "note": fresh_form.RESTORED})
        form = PhoneForm(formdata=None, phone="")
        assert form.typed_restored is True and form.phone.data == "75 12 34 56"
        assert PhoneForm(formdata=None).typed_restored is False  # once: the first form of the page


def test_an_edited_users_typed_team_is_back_after_the_password(app, client, auth, admin, make_user, team_id, clock):
    # Review AN 14's gap: the edit page set the team from the database after the form was filled in again.
    vk = make_user("consultant", email="vk@jc.dk")  # in the first team, Team Nord
    with app.app_context():
        other = Team(name="Team Syd")
        db.session.add(other)
        db.session.commit()
        team_id = other.id
    auth.login(admin.email)
    token = auth.csrf_token(f"/admin/users/{vk.id}/ret")
    clock(minutes=10, seconds=4)
    sent = client.post(f"/admin/users/{vk.id}/ret", data={
        "email": "vk.ny@jc.dk", "name": "Ny Navn", "role": "consultant", "team_id": str(team_id),
        "csrf_token": token})
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/auth/confirm")
    assert _confirm(client, auth, f"/admin/users/{vk.id}/ret").status_code == 302
    page = client.get(f"/admin/users/{vk.id}/ret").get_data(as_text=True)
    assert (_value(page, "email"), _value(page, "name")) == ("vk.ny@jc.dk", "Ny Navn")
    assert _selected(page, "team_id") == str(team_id)
