"""An API key's name: too long is refused with a Danish message and kept, never cut off in the
browser; a long name wraps in the keys table instead of pushing "Tilbagekald" off screen."""
from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

import pytest

from portal.extensions import db
from store import clock
from store.models import User
from store.models.api import ApiToken

LONG = "Datavarehus" * 46  # 506 characters, no space


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def integration_id(app):
    with app.app_context():
        user = User(email="dw@integration.invalid", name="Datavarehus", role="integration",
                    password_hash=None)
        db.session.add(user)
        db.session.commit()
        return user.id


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _name_input(page: str) -> str:
    return re.search(r'<input[^>]*name="name"[^>]*>', page).group(0)


@pytest.mark.parametrize("path", ["/admin/integrationer/{id}", "/profil/adgangsnoegler"])
def test_an_over_long_key_name_is_refused_in_danish_and_kept(client, auth, admin, integration_id, path):
    auth.login(admin.email)
    path = path.format(id=integration_id)
    page = client.get(path).get_data(as_text=True)
    assert "maxlength" not in _name_input(page)  # the browser must not cut it off silently
    assert "Højst 80 tegn." in page  # said beforehand, in the hint
    expires = (clock.today() + timedelta(days=30)).isoformat()
    response = client.post(path, data={"name": LONG, "scope": "read", "expires_on": expires,
                                       "csrf_token": _csrf(page)})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'class="form-error-message" id="name-error"><span class="sr-only">Fejl:</span> Højst 80 tegn\.', body)
    assert htmllib.unescape(re.search(r'value="([^"]*)"', _name_input(body)).group(1)) == LONG
    assert 'data-testid="token-value"' not in body


def test_the_integration_name_field_does_not_cut_either(client, auth, admin):
    auth.login(admin.email)
    page = client.get("/admin/integrationer").get_data(as_text=True)
    assert "maxlength" not in _name_input(page) and "Højst 120 tegn." in page


def test_a_long_key_name_wraps_in_both_key_tables(app, client, auth, admin, integration_id):
    with app.app_context():
        db.session.add(ApiToken(user_id=integration_id, name="X" * 80, scope="read", prefix="jb_abcd",
                                token_hash="0" * 64, expires_at=clock.utcnow() + timedelta(days=30)))
        db.session.commit()
    auth.login(admin.email)
    for path in (f"/admin/integrationer/{integration_id}", "/admin/adgangsnoegler"):
        page = client.get(path).get_data(as_text=True)
        assert f'<td class="jobbro-wrap">{"X" * 80}</td>' in page, path
    css = client.get("/static/css/jobbro.css").get_data(as_text=True)
    assert re.search(r"main td\.jobbro-wrap \{[^}]*overflow-wrap: anywhere", css)
