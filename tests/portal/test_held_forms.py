"""Forms held across a log-in or a password confirmation live on the server (review M 3).

The session cookie is signed, not encrypted: what it carries can be read by anyone who has the
browser. A held form's fields, health details included, must never be in it; the cookie holds
a random id, and the row behind it is deleted when used, at log-out, with its user, and once
it has expired.
"""
from __future__ import annotations

import base64
import re
import zlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth import held, relogin, replay, sessions
from portal.extensions import db
from store.models import Citizen, HeldForm, Proposal, User
from tests.conftest import AuthActions, PASSWORD
from tests.portal.citizen_fixtures import make_citizen
from tests.portal.proposal_fixtures import build_world, set_status
from tests.portal.test_auth_relogin import _end_sessions_elsewhere, _log_in_again, _token

HEALTH = "Diagnose: svær depression og epilepsi, tager medicin Xq"


def _cookie_text(client) -> str:
    """The session cookie as anyone holding the browser can read it (no key needed)."""
    value = client.get_cookie("session").value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def _session(app, client) -> dict:
    return app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)


def _rows(app) -> list[HeldForm]:
    with app.app_context():
        rows = db.session.scalars(sa.select(HeldForm)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _hold_limitations(app, client, auth, user) -> int:
    """The user's skånehensyn form, sent after their session was ended on another device."""
    cid = make_citizen(app, vk_id=user.id)
    auth.login(user.email)
    page = f"/borgere/{cid}/skaanehensyn"
    token = _token(client.get(page).get_data(as_text=True))
    _end_sessions_elsewhere(app, user.id)
    response = client.post(page, data={"csrf_token": token, "flags": ["quiet_environment"], "text": HEALTH},
                           headers={"Referer": f"http://localhost{page}"})
    assert response.headers["Location"] == f"/auth/login?next={page}"
    return cid


def test_a_held_form_is_not_in_the_session_cookie_and_comes_back_after_the_log_in(app, client, auth, make_user):
    user = make_user("consultant")
    cid = _hold_limitations(app, client, auth, user)

    assert "Diagnose" not in _cookie_text(client) and "quiet_environment" not in _cookie_text(client)
    token = _session(app, client)[relogin.KEY]
    assert isinstance(token, str) and len(token) >= 40  # secrets.token_urlsafe(32)
    [row] = _rows(app)
    assert (row.id, row.user_id, row.kind) == (token, user.id, "relogin")
    assert ["text", HEALTH] in row.payload["form"]

    login, _ = _log_in_again(client, f"/auth/login?next=/borgere/{cid}/skaanehensyn", user.email)
    assert login.headers["Location"] == "/auth/send-igen"
    assert "Diagnose" not in _cookie_text(client)
    resend = client.get("/auth/send-igen").get_data(as_text=True)
    assert f'action="/borgere/{cid}/skaanehensyn"' in resend and HEALTH in resend
    assert 'name="flags" value="quiet_environment"' in resend

    fields = re.findall(r'<input type="hidden" name="(flags|text)" value="([^"]*)"', resend)
    client.post(f"/borgere/{cid}/skaanehensyn",
                data={"csrf_token": _token(resend), "flags": ["quiet_environment"], "text": fields[-1][1]})
    with app.app_context():
        citizen = db.session.get(Citizen, cid)
        assert (citizen.limitation_flags, citizen.limitations_text) == (["quiet_environment"], HEALTH)
    assert _rows(app) == []  # sent: the row is gone
    assert client.get("/auth/send-igen").headers["Location"] == "/"


def test_an_expired_held_form_is_not_offered_and_its_row_is_deleted(app, client, auth, make_user, monkeypatch):
    user = make_user("consultant")
    cid = _hold_limitations(app, client, auth, user)
    later = sessions.clock() + timedelta(seconds=relogin.HOLD_SECONDS + 1)
    monkeypatch.setattr(sessions, "clock", lambda: later)
    login, _ = _log_in_again(client, f"/auth/login?next=/borgere/{cid}/skaanehensyn", user.email)
    assert login.headers["Location"] == f"/borgere/{cid}/skaanehensyn"
    assert _rows(app) == []
    assert "blev ikke gemt: det holdes højst 15 minutter" in client.get(login.headers["Location"]).get_data(
        as_text=True)  # said, not lost in silence (review N 3)


def test_a_held_form_is_deleted_when_another_user_logs_in_at_the_browser(app, client, auth, make_user):
    user, other = make_user("consultant"), make_user("consultant")
    cid = _hold_limitations(app, client, auth, user)
    login, _ = _log_in_again(client, f"/auth/login?next=/borgere/{cid}/skaanehensyn", other.email)
    assert login.headers["Location"] == f"/borgere/{cid}/skaanehensyn"
    assert _rows(app) == []


def test_a_log_out_deletes_the_users_held_forms(app, client, auth, make_user):
    user = make_user("consultant")
    _hold_limitations(app, client, auth, user)
    assert len(_rows(app)) == 1
    elsewhere = app.test_client()
    AuthActions(elsewhere).login(user.email)
    AuthActions(elsewhere).logout()
    assert _rows(app) == []
    login, _ = _log_in_again(client, "/auth/login", user.email)
    assert "slettes, hvis du logger ud et andet sted imens" in client.get(login.headers["Location"]).get_data(
        as_text=True)  # the browser that sent it is told (review N 3)


def test_a_too_big_form_leaves_no_fields_anywhere(app, client, auth, make_user):
    user = make_user("company")
    auth.login(user.email)
    token = _token(client.get("/beskeder/indstillinger").get_data(as_text=True))
    _end_sessions_elsewhere(app, user.id)
    # A marker no random token in the cookie can hold by chance (a space is no base64 nor hex):
    # »Zq« alone was once part of the session's random id.
    big = "Zq q" * relogin.MAX_HELD_CHARS
    client.post("/beskeder/indstillinger", data={"csrf_token": token, "kinds": [big]},
                headers={"Referer": "http://localhost/beskeder/indstillinger"})
    assert "Zq q" not in _cookie_text(client)
    [row] = _rows(app)
    assert row.payload["form"] is None
    login, _ = _log_in_again(client, "/auth/login?next=/beskeder/indstillinger", user.email)
    assert login.headers["Location"] == "/beskeder/indstillinger"  # "gør den igen"
    assert _rows(app) == []


def test_the_longest_skaanehensyn_can_be_held():
    """The browser never keeps the skånehensyn form (data-jobbro-no-keep): the server must."""
    from wtforms.validators import Length

    from portal.citizens.forms import LimitationsForm
    from store.models.vocab import LIMITATION_FLAGS

    longest = max(v.max for v in LimitationsForm.text.kwargs["validators"] if isinstance(v, Length))
    flags = sum(len("flags") + len(key) for key in LIMITATION_FLAGS)
    assert len("text") + longest + flags <= relogin.MAX_HELD_CHARS


def test_a_user_deleted_takes_their_held_forms(app, make_user):
    user = make_user("consultant")
    with app.test_request_context():
        assert held.put(user.id, "relogin", {"form": [["text", HEALTH]]}, 60)
        db.session.execute(sa.delete(User).where(User.id == user.id))
        db.session.commit()
    assert _rows(app) == []


def test_expired_rows_are_ignored_deleted_on_read_and_purged(app, make_user):
    user = make_user("consultant")
    with app.test_request_context():
        stale = held.put(user.id, "relogin", {"form": []}, -1)
        assert held.get(stale, "relogin") is None
        assert db.session.get(HeldForm, stale) is None  # read: deleted
        first = held.put(user.id, "relogin", {"form": []}, -1)
        fresh = held.put(user.id, "replay", {"form": []}, 60)  # a put purges every expired row
        assert db.session.get(HeldForm, first) is None
        assert held.get(fresh, "relogin") is None  # another kind's row is not read
        assert held.get(fresh, "replay").user_id == user.id
        held.put(user.id, "relogin", {"form": []}, -1)
        assert held.purge_expired() == 1
        db.session.commit()
    assert [row.id for row in _rows(app)] == [fresh]


def test_a_user_has_at_most_a_few_held_forms(app, make_user):
    user = make_user("consultant")
    with app.test_request_context():
        tokens = [held.put(user.id, "relogin", {"form": []}, 60) for _ in range(held.MAX_PER_USER + 3)]
    assert len(_rows(app)) == held.MAX_PER_USER
    assert tokens[-1] in {row.id for row in _rows(app)}


# --- fresh-login confirmation (portal.auth.replay) ------------------------------------------

@pytest.mark.usefixtures("frozen_today")
def test_a_decision_held_for_confirmation_is_not_in_the_cookie_and_runs_once(app, client, auth, make_user):
    world = build_world(app, make_user)
    set_status(app, world["proposal"], "proposed")
    auth.login(world["consultant"].email)
    path = f"/kandidater/forslag/{world['proposal']}"
    token = _token(client.get(path).get_data(as_text=True))
    with client.session_transaction() as session:
        session["_fresh"] = False
    reason = "Borgeren er sygemeldt med Zqstress"
    response = client.post(f"{path}/vurdering", data={"csrf_token": token, "decision": "reject",
                                                      "reason": reason, "confirmed": "y"})
    assert "/auth/confirm" in response.headers["Location"]
    assert "Zqstress" not in _cookie_text(client)
    [row] = _rows(app)
    assert (row.id, row.kind) == (_session(app, client)[replay.KEY], "replay")

    confirm = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Beslutningen om forslaget gemmes" in confirm
    client.post("/auth/confirm", data={"password": PASSWORD, "csrf_token": _token(confirm),
                                       "next": path})
    with app.app_context():
        item = db.session.get(Proposal, world["proposal"])
        assert (item.status, item.decision_reason) == ("rejected", reason)
    assert _rows(app) == []


@pytest.mark.postgres
def test_held_forms_on_postgresql(postgres_url, password_hash):
    """The cap's DELETE (NOT IN a limited subquery), JSON payloads and expiry on PostgreSQL."""
    from flask_migrate import upgrade

    from portal import create_app
    from tests.conftest import user_factory
    from tests.postgres_server import fresh_database

    app = create_app({"TESTING": True, "DATABASE_URL": fresh_database(postgres_url, "t_held_forms"),
                      "SECRET_KEY": "t", "PSEUDONYM_KEY": "p"})
    with app.app_context():
        upgrade()
    try:
        user = user_factory(app, password_hash)("consultant")
        with app.test_request_context():
            stale = held.put(user.id, "relogin", {"form": []}, -1)
            tokens = [held.put(user.id, "replay", {"form": [["text", HEALTH]]}, 60)
                      for _ in range(held.MAX_PER_USER + 2)]
            assert db.session.get(HeldForm, stale) is None
            assert held.take(tokens[-1], "replay").payload == {"form": [["text", HEALTH]]}
            assert held.get(tokens[-1], "replay") is None
        assert len(_rows(app)) == held.MAX_PER_USER - 1
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_drop_all_deletes_everyones_held_forms(app, make_user):
    """What the erasure of a citizen calls: nobody can tell which held form is about whom."""
    first, second = make_user("consultant"), make_user("company")
    with app.test_request_context():
        held.put(first.id, "relogin", {"form": [["text", HEALTH]]}, 60)
        held.put(second.id, "replay", {"form": []}, 60)
        assert held.drop_all(db.session) == 2
        db.session.commit()
    assert _rows(app) == []
