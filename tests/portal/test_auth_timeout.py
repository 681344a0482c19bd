"""The idle timeout said in advance and explained after (review D 2, WCAG 2.2.1), and failed
log-ins tied to the account they aimed at (review E 4)."""
from __future__ import annotations

import re

from portal.extensions import db
from store.models import AuditEvent


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_pages_configure_the_timeout_warning(client, auth, make_user):
    user = make_user("company")
    auth.login(user.email)
    html = client.get("/").get_data(as_text=True)
    tag = re.search(r'<script src="/static/js/session.js"[^>]*>', html).group(0)
    assert 'data-idle-seconds="1800"' in tag and 'data-extend-url="/auth/forlaeng"' in tag
    left = int(re.search(r'data-absolute-seconds="(\d+)"', tag).group(1))
    assert 12 * 3600 - 60 < left <= 12 * 3600


def test_forlaeng_touches_the_session_and_needs_the_csrf_token(app, client, auth, make_user):
    user = make_user("company")
    auth.login(user.email)
    token = _token(client.get("/").get_data(as_text=True))
    assert client.post("/auth/forlaeng").status_code == 400  # no CSRF token
    response = client.post("/auth/forlaeng", headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 200
    assert response.json["logged_in"] and response.json["idle_seconds"] == 1800
    assert "session=" in response.headers.get("Set-Cookie", "")  # the 30 minutes start over
    client.delete_cookie("session")
    assert client.post("/auth/forlaeng", headers={"X-CSRFToken": token}).status_code == 400


def test_forlaeng_does_not_move_the_12_hour_limit(app, client, auth, make_user, monkeypatch):
    from datetime import timedelta

    from portal.auth import sessions

    user = make_user("company")
    auth.login(user.email)
    token = _token(client.get("/").get_data(as_text=True))
    real = sessions.clock
    monkeypatch.setattr(sessions, "clock", lambda: real() + timedelta(hours=11, minutes=50))
    response = client.post("/auth/forlaeng", headers={"X-CSRFToken": token})
    assert 0 < response.json["absolute_seconds"] <= 600


def test_a_form_sent_after_the_idle_timeout_says_why_not_a_bare_400(client, auth, make_user):
    user = make_user("company")
    auth.login(user.email)
    token = _token(client.get("/beskeder/indstillinger").get_data(as_text=True))
    client.delete_cookie("session")  # what the browser does after 30 idle minutes
    response = client.post("/beskeder/indstillinger", data={"csrf_token": token},
                           headers={"Referer": "http://localhost/beskeder/indstillinger"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Du blev logget ud efter 30 minutter uden aktivitet; det, du skrev, er ikke gemt." in html
    assert 'href="/auth/login?next=/beskeder/indstillinger"' in html
    assert "Formularen er udløbet eller ugyldig" not in html


def test_a_forged_form_of_a_logged_in_user_keeps_the_plain_400(client, auth, make_user):
    auth.login(make_user("company").email)
    response = client.post("/beskeder/indstillinger", data={"csrf_token": "forged"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Formularen er udløbet eller ugyldig" in html


def test_a_failed_login_names_the_existing_account_and_hashes_an_unknown_one(app, auth, make_user):
    user = make_user("company")
    auth.login(user.email, "Forkert-kode-123")
    auth.login("ingen.her@example.dk", "Forkert-kode-123")
    auth.login("INGEN.her@example.dk ", "Andet-forkert-45")
    with app.app_context():
        rows = db.session.query(AuditEvent).filter_by(action="login_failed").order_by(AuditEvent.id).all()
        assert rows[0].user_id == user.id and rows[0].role == "company"
        assert rows[0].purpose == "wrong_password"
        assert rows[1].user_id is None and rows[1].purpose.startswith("unknown:")
        assert rows[1].purpose == rows[2].purpose  # the same typed account, the same keyed hash
        logged = " ".join(str(v) for row in rows for v in vars(row).values())
        assert "ingen.her" not in logged and "Forkert-kode" not in logged and user.email not in logged
