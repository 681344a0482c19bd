"""Sessions per device: "Log ud" ends this device only; the account page lists the user's
devices and logs out another one, or all others; a password change ends them all."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.auth import devices, sessions
from portal.extensions import db
from store.models import AuditEvent, UserSession
from tests.conftest import PASSWORD, AuthActions

ACCOUNT = "/auth/skift-adgangskode"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) " \
        "Version/17.5 Mobile/15E148 Safari/604.1"
DESK = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 " \
       "Safari/537.36"
ENDED = "Du er logget ud, fordi denne enhed er logget ud fra en anden enhed"


def _device(app, user_agent: str):
    """A browser of its own (cookie jar and User-Agent)."""
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = user_agent
    return browser


def _logged_in(app, email: str, user_agent: str = DESK):
    browser = _device(app, user_agent)
    assert AuthActions(browser).login(email).status_code == 302
    return browser


def _is_logged_in(browser) -> bool:
    response = browser.get("/")
    return response.status_code == 200


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def _end_buttons(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'action="/auth/enheder/(\d+)/log-ud"', html)]


def _rows(app, user_id: int) -> list[UserSession]:
    with app.app_context():
        return db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user_id)).all()


def test_logging_out_on_one_device_leaves_the_other_logged_in(app, make_user):
    user = make_user("consultant")
    phone, desk = _logged_in(app, user.email, PHONE), _logged_in(app, user.email, DESK)
    phone_cookie = phone.get_cookie("session").value
    response = AuthActions(phone).logout()
    assert response.status_code == 302
    assert "Du er logget ud på denne enhed." in phone.get(response.headers["Location"]).get_data(as_text=True)
    assert not _is_logged_in(phone)
    assert _is_logged_in(desk)
    thief = _device(app, PHONE)  # the phone's cookie, copied before the log-out
    thief.set_cookie("session", phone_cookie)
    assert not _is_logged_in(thief)
    assert len(_rows(app, user.id)) == 1  # only the desk's session is left


def test_the_account_page_lists_only_the_users_own_live_devices_this_one_marked(app, make_user):
    user, colleague = make_user("consultant"), make_user("consultant")
    phone, desk = _logged_in(app, user.email, PHONE), _logged_in(app, user.email, DESK)
    _logged_in(app, colleague.email, "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
    page = desk.get(ACCOUNT).get_data(as_text=True)
    rows = re.findall(r'<tr data-testid="device-row"[^>]*>(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    assert "Chrome på Windows" in rows[0] and "denne enhed" in rows[0] and "/log-ud" not in rows[0]
    assert "Safari på iPhone" in rows[1] and "denne enhed" not in rows[1]
    assert "Firefox på Linux" not in page  # the colleague's session is not listed
    assert _end_buttons(page) == [r.id for r in _rows(app, user.id) if r.device == "Safari på iPhone"]
    assert "Log ud på alle andre enheder" in page
    assert _is_logged_in(phone)


def test_a_user_on_one_device_is_offered_no_log_out_of_others(app, make_user):
    user = make_user("company")
    page = _logged_in(app, user.email).get(ACCOUNT).get_data(as_text=True)
    assert "Du er ikke logget ind på andre enheder." in page
    assert "Log ud på alle andre enheder" not in page and _end_buttons(page) == []


def test_ending_another_device_from_the_account_page_logs_it_out_with_the_message(app, make_user):
    user = make_user("consultant")
    phone, desk = _logged_in(app, user.email, PHONE), _logged_in(app, user.email, DESK)
    page = desk.get(ACCOUNT).get_data(as_text=True)
    [phone_row] = _end_buttons(page)
    answer = desk.post(f"/auth/enheder/{phone_row}/log-ud", data={"csrf_token": _token(page)})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"{ACCOUNT}#enheder")
    after = desk.get(ACCOUNT).get_data(as_text=True)
    assert "Enheden er logget ud." in after and _end_buttons(after) == []
    assert _is_logged_in(desk)
    refused = phone.get("/kandidater/")
    assert refused.status_code == 302 and "/auth/login" in refused.headers["Location"]
    assert ENDED in phone.get(refused.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "logout")).one()
        assert event.user_id == user.id and event.purpose == f"other_device session:{phone_row}"


def test_log_out_on_all_other_devices_keeps_only_this_one(app, make_user):
    user = make_user("consultant")
    phone, laptop, desk = (_logged_in(app, user.email, PHONE), _logged_in(app, user.email),
                           _logged_in(app, user.email, DESK))
    page = desk.get(ACCOUNT).get_data(as_text=True)
    answer = desk.post("/auth/enheder/log-ud-andre", data={"csrf_token": _token(page)}, follow_redirects=True)
    assert "Du er logget ud på 2 andre enheder." in answer.get_data(as_text=True)
    assert _is_logged_in(desk)
    assert not _is_logged_in(phone) and not _is_logged_in(laptop)
    assert len(_rows(app, user.id)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.purpose).where(AuditEvent.action == "logout")) == \
            "other_devices count:2"


def test_log_out_on_other_devices_needs_the_csrf_token(app, make_user):
    user = make_user("consultant")
    phone, desk = _logged_in(app, user.email, PHONE), _logged_in(app, user.email, DESK)
    [phone_row] = _end_buttons(desk.get(ACCOUNT).get_data(as_text=True))
    assert desk.post("/auth/enheder/log-ud-andre", data={}).status_code == 400
    assert desk.post(f"/auth/enheder/{phone_row}/log-ud", data={}).status_code == 400
    assert _is_logged_in(phone)


def test_another_users_session_and_this_devices_own_cannot_be_ended_by_id(app, make_user):
    user, other = make_user("consultant"), make_user("company")
    desk = _logged_in(app, user.email)
    victim = _logged_in(app, other.email)
    token = _token(desk.get(ACCOUNT).get_data(as_text=True))
    [victim_row] = [r.id for r in _rows(app, other.id)]
    [own_row] = [r.id for r in _rows(app, user.id)]
    for row_id in (victim_row, own_row, 999999):  # the same answer as for a device gone meanwhile
        answer = desk.post(f"/auth/enheder/{row_id}/log-ud", data={"csrf_token": token}, follow_redirects=True)
        assert answer.status_code == 200 and "Enheden var allerede logget ud." in answer.get_data(as_text=True)
    assert _is_logged_in(victim) and _is_logged_in(desk)
    assert len(_rows(app, other.id)) == 1


def test_a_password_change_ends_every_other_session_and_the_copied_cookie_of_this_one(app, make_user):
    user = make_user("consultant")
    phone, desk = _logged_in(app, user.email, PHONE), _logged_in(app, user.email, DESK)
    desk_cookie = desk.get_cookie("session").value
    token = _token(desk.get(ACCOUNT).get_data(as_text=True))
    new = "Et-helt-andet-kodeord-42"
    answer = desk.post(ACCOUNT, data={"csrf_token": token, "current": PASSWORD, "password": new, "confirm": new})
    assert answer.status_code == 302
    assert _is_logged_in(desk)  # this browser goes on, in a new session
    assert not _is_logged_in(phone)
    copied = _device(app, DESK)
    copied.set_cookie("session", desk_cookie)
    assert not _is_logged_in(copied)
    assert len(_rows(app, user.id)) == 1


def test_last_seen_is_written_every_few_minutes_not_per_request(app, make_user, monkeypatch):
    user = make_user("company")
    desk = _logged_in(app, user.email)
    [row] = _rows(app, user.id)
    start = row.last_seen_at
    monkeypatch.setattr(sessions, "clock", lambda: start + timedelta(seconds=devices.TOUCH_SECONDS - 10))
    assert _is_logged_in(desk)
    assert _rows(app, user.id)[0].last_seen_at == start
    later = start + timedelta(seconds=devices.TOUCH_SECONDS + 1)
    monkeypatch.setattr(sessions, "clock", lambda: later)
    assert _is_logged_in(desk)
    assert _rows(app, user.id)[0].last_seen_at == later


def test_retention_purges_sessions_past_their_limits_and_hides_them_meanwhile(app, make_user, monkeypatch):
    user = make_user("consultant")
    old_phone = _logged_in(app, user.email, PHONE)
    [old] = _rows(app, user.id)
    absolute = app.config["SESSION_ABSOLUTE_LIFETIME"]
    later = old.created_at + absolute + timedelta(minutes=1)
    monkeypatch.setattr(sessions, "clock", lambda: later)
    desk = _logged_in(app, user.email, DESK)  # logged in after the phone's 12 hours
    page = desk.get(ACCOUNT).get_data(as_text=True)
    assert "Safari på iPhone" not in page and _end_buttons(page) == []  # dead: not listed
    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0 and "1 expired sessions removed" in result.output, result.output
    assert [r.device for r in _rows(app, user.id)] == ["Chrome på Windows"]
    assert not _is_logged_in(old_phone)


def test_an_idle_session_is_not_listed_and_is_purged(app, make_user, monkeypatch):
    user = make_user("consultant")
    _logged_in(app, user.email, PHONE)
    [row] = _rows(app, user.id)
    idle = app.config["PERMANENT_SESSION_LIFETIME"] + timedelta(seconds=devices.TOUCH_SECONDS + 60)
    monkeypatch.setattr(sessions, "clock", lambda: row.last_seen_at + idle)
    desk = _logged_in(app, user.email, DESK)
    assert "Safari på iPhone" not in desk.get(ACCOUNT).get_data(as_text=True)
    with app.app_context():
        assert devices.purge_expired(sessions.clock()) == 1
        db.session.commit()
    assert len(_rows(app, user.id)) == 1


def test_the_absolute_timeout_deletes_the_devices_row(app, make_user, monkeypatch):
    user = make_user("company")
    desk = _logged_in(app, user.email)
    [row] = _rows(app, user.id)
    monkeypatch.setattr(sessions, "clock",
                        lambda: row.created_at + app.config["SESSION_ABSOLUTE_LIFETIME"] + timedelta(seconds=1))
    assert not _is_logged_in(desk)
    assert _rows(app, user.id) == []


def test_a_session_cookie_from_before_per_device_sessions_logs_nobody_in(app, client, auth, make_user):
    """A cookie with the user's id and token but no device key (made before migration 0021)."""
    user = make_user("consultant")
    auth.login(user.email)
    with client.session_transaction() as session:
        assert session["_user_id"] == str(user.id)  # the id alone: the device's row is the session
        session["_user_id"] = f"{user.id}:{'t' * 64}"  # as the cookie was before 0022
        del session[devices.KEY]
    response = client.get("/kandidater/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Log ind for at se siden." in page and "anden enhed" not in page  # nothing was ended elsewhere


@pytest.mark.parametrize("agent, label", [
    (DESK, "Chrome på Windows"),
    (PHONE, "Safari på iPhone"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36 Edg/131.0.0.0", "Edge på Windows"),
    ("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", "Samsung Internet på Android"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox på Mac"),
    ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 "
     "Mobile/15E148 Safari/604.1", "Chrome på iPad"),
    ("Werkzeug/3.1", "Ukendt browser"),
    ("", "Ukendt browser"),
    ("curl/8.5.0 (Windows)", "curl på Windows"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36", "Chrome på ChromeOS"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "FxiOS/133.0 Mobile/15E148 Safari/605.1.15", "Firefox på iPhone"),
    ("x" * 5000, "Ukendt browser"),
])
def test_device_labels(agent, label):
    assert devices.device_label(agent) == label


def test_a_page_reads_the_session_row_in_the_users_one_statement(app, make_user):
    """docs/performance.md: the user, company, unread count and now the session row are one
    statement; the row is not written again within TOUCH_SECONDS."""
    user = make_user("company")
    desk = _logged_in(app, user.email)
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if "user_session" in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        assert _is_logged_in(desk)
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    assert len(seen) == 1
    assert seen[0].lstrip().upper().startswith("SELECT") and "notification" in seen[0] and "company" in seen[0]


def test_a_form_posted_on_a_session_ended_from_another_device_is_kept_for_the_log_in(app, make_user):
    from tests.portal.test_auth_relogin import _log_in_again

    user = make_user("consultant")
    phone, desk = _logged_in(app, user.email, PHONE), _logged_in(app, user.email, DESK)
    form_token = _token(phone.get("/beskeder/").get_data(as_text=True))
    page = desk.get(ACCOUNT).get_data(as_text=True)
    [phone_row] = _end_buttons(page)
    assert desk.post(f"/auth/enheder/{phone_row}/log-ud", data={"csrf_token": _token(page)}).status_code == 302
    sent = phone.post("/beskeder/laest", data={"csrf_token": form_token},
                      headers={"Referer": "http://localhost/beskeder/"})
    assert sent.status_code == 302 and sent.headers["Location"] == "/auth/login?next=/beskeder/"
    login, login_page = _log_in_again(phone, sent.headers["Location"], user.email)
    assert ENDED in login_page and "ikke gemt endnu" in login_page
    assert login.headers["Location"] == "/auth/send-igen"
    assert 'action="/beskeder/laest"' in phone.get("/auth/send-igen").get_data(as_text=True)
    assert _is_logged_in(desk)


def test_deactivating_a_user_deletes_every_session_row(app, make_user):
    from portal.admin import service
    from store.models import User

    user, admin = make_user("consultant"), make_user("admin")
    phone, desk = _logged_in(app, user.email, PHONE), _logged_in(app, user.email, DESK)
    with app.app_context():
        service.toggle_active(db.session.get(User, user.id), db.session.get(User, admin.id))
        db.session.commit()
        service.toggle_active(db.session.get(User, user.id), db.session.get(User, admin.id))  # active again
        db.session.commit()
    assert _rows(app, user.id) == []
    assert not _is_logged_in(phone) and not _is_logged_in(desk)  # enabling again revives no session


def test_a_user_keeps_at_most_max_per_user_sessions_the_least_recently_seen_go(app, make_user, monkeypatch):
    monkeypatch.setattr(devices, "MAX_PER_USER", 3)
    user = make_user("company")
    first = _logged_in(app, user.email, PHONE)
    [row] = _rows(app, user.id)
    monkeypatch.setattr(sessions, "clock", lambda: row.last_seen_at + timedelta(minutes=10))
    browsers = [_logged_in(app, user.email) for _ in range(3)]
    assert len(_rows(app, user.id)) == 3
    assert not _is_logged_in(first)  # the one seen longest ago
    assert all(_is_logged_in(b) for b in browsers)


def test_the_access_log_names_a_log_out_of_other_devices_in_danish():
    from portal.admin.audit_labels import purpose_label

    assert purpose_label("logout", "other_device session:12") == "på en anden enhed session 12"
    assert purpose_label("logout", "other_devices count:3") == "på alle andre enheder antal 3"


def test_ending_a_device_that_logged_out_meanwhile_says_so_on_the_list(app, make_user):
    """Review R 4: it gave the 404 error page."""
    user = make_user("consultant")
    phone, desk = _logged_in(app, user.email, PHONE), _logged_in(app, user.email, DESK)
    html = desk.get(ACCOUNT).get_data(as_text=True)
    [phone_row] = _end_buttons(html)
    phone.post("/auth/logout", data={"csrf_token": _token(phone.get(ACCOUNT).get_data(as_text=True))})
    answer = desk.post(f"/auth/enheder/{phone_row}/log-ud", data={"csrf_token": _token(html)})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("#enheder")
    assert "Enheden var allerede logget ud." in desk.get(ACCOUNT).get_data(as_text=True)
