"""After /auth/confirm the user is told what to do again (a download link is not followed)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal.auth import sessions
from portal.extensions import db
from store.models import Opening
from tests.conftest import PASSWORD

AGAIN = "Din adgangskode er bekræftet. Klik på linket igen for at hente filen."


@pytest.fixture
def stale(monkeypatch):
    """Moves the session clock 11 minutes on: the login is no longer fresh."""
    now = {"at": datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)}
    monkeypatch.setattr(sessions, "clock", lambda: now["at"])

    def advance() -> None:
        now["at"] += timedelta(minutes=11)

    return advance


@pytest.fixture
def opening_id(app, make_user, auth, stale):
    user = make_user("company")
    with app.app_context():
        opening = Opening(company_id=user.company_id, kind="smaajob", title="Lagerhjælp", postcode="8722",
                          hours_min=1, hours_max=5)
        db.session.add(opening)
        db.session.commit()
        opening_id = opening.id
    auth.login(user.email)
    stale()
    return opening_id


def _confirm(client, auth, next_url: str, password: str = PASSWORD):
    return client.post("/auth/confirm", data={"password": password, "next": next_url,
                                              "csrf_token": auth.csrf_token("/auth/confirm")})


def test_a_stale_download_says_to_click_again_on_the_page_it_returns_to(client, auth, opening_id):
    page = f"/opslag/{opening_id}"
    download = client.get(f"{page}/kandidater.csv")
    assert download.status_code == 302 and "/auth/confirm" in download.headers["Location"]
    confirm_page = client.get(download.headers["Location"]).get_data(as_text=True)
    assert "Klik på linket igen for at hente filen." in confirm_page

    wrong = _confirm(client, auth, page, "Forkert-kode-123")
    assert wrong.status_code == 401
    assert "Forkert adgangskode." in wrong.text and "Forkert e-mail" not in wrong.text

    right = _confirm(client, auth, page)
    assert right.status_code == 302 and right.headers["Location"] == page
    assert AGAIN in client.get(page).get_data(as_text=True)
    assert AGAIN not in client.get(page).get_data(as_text=True)  # said once
    again = client.get(f"{page}/kandidater.csv")
    assert again.status_code == 200 and again.mimetype == "text/csv"


def test_confirming_for_another_page_says_nothing_of_the_download(client, auth, opening_id):
    assert client.get(f"/opslag/{opening_id}/kandidater.csv").status_code == 302
    assert _confirm(client, auth, "/").headers["Location"] == "/"
    assert "Klik på linket igen" not in client.get("/").get_data(as_text=True)


def test_a_page_that_needed_the_confirmation_itself_needs_no_hint(client, auth, make_user, stale):
    auth.login(make_user("admin").email)
    stale()
    page = client.get("/admin/users/new")
    assert page.status_code == 302 and "/auth/confirm" in page.headers["Location"]
    assert _confirm(client, auth, "/admin/users/new").headers["Location"] == "/admin/users/new"
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert "Din adgangskode er bekræftet" not in html
