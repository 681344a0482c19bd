"""A form refused by the CSRF check while logged in (review AF 10): a token from before the last
log-in, e.g. after logging out and in again in another tab. The page says that nothing was
saved, leads back to the form's page, and leaves the tab's copy of the form to that page."""
from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent, HotlineRequest

FORM = "/hotline/ny"


def _stale_post(client, auth, user, **headers):
    """Open the form, log out and in again (a new CSRF secret), then send the old form."""
    auth.switch_to(user.email)
    token = auth.csrf_token(FORM)
    assert auth.logout().status_code == 302
    assert auth.login(user.email).status_code == 302
    assert client.get("/").status_code == 200  # where the log-in leads: its forms give the new secret
    return client.post(FORM, data={"csrf_token": token, "category": "andet", "urgency": "normal",
                                   "subject": "Spørgsmål om timer", "message": "En lang besked " * 20},
                       headers=headers)


def test_a_stale_form_says_nothing_was_saved_and_leads_back_to_the_form(app, client, auth, make_user):
    user = make_user("company")
    response = _stale_post(client, auth, user, Referer=f"http://localhost{FORM}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Det, du sendte, er ikke gemt" in html and "Intet af det, du sendte, er gemt" in html
    assert "Genindlæs siden og prøv igen" not in html
    assert re.search(rf'<a href="{FORM}" class="button button-primary" data-testid="back-to-form">', html)
    # the note that tells session.js to keep the tab's copy for the form's page, which it names
    assert re.search(rf'<p data-jobbro-kept-note="stale" data-jobbro-kept-for="{FORM}"', html)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(HotlineRequest.id))) == 0
        assert db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action == "csrf_failed")).all()
    # still logged in: the form's page opens as it is
    assert client.get(FORM).status_code == 200


def test_the_page_has_the_logged_in_layout(client, auth, make_user):
    """The user is still logged in, and the page says so as every page does (it used to be shown
    as to a visitor, so that session.js would not drop the tab's copy): the header with the user's
    name and the log-out, the navigation, and session.js configured for the user."""
    user = make_user("company")
    html = _stale_post(client, auth, user, Referer=f"http://localhost{FORM}").get_data(as_text=True)
    assert "Det, du sendte, er ikke gemt" in html
    assert f'data-testid="current-user"><strong>{user.name}</strong>' in html
    assert '<nav class="jobbro-nav" aria-label="Hovedmenu">' in html
    assert 'href="/hotline/"' in html  # the company's navigation
    assert 'id="logout-csrf-token"' in html
    assert f'data-user="{user.id}"' in html and "data-idle-seconds=" in html


def test_without_a_usable_referer_the_page_says_to_go_back_in_the_browser(client, auth, make_user):
    user = make_user("company")
    response = _stale_post(client, auth, user, Referer="https://elsewhere.example/hotline/ny")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Det, du sendte, er ikke gemt" in html
    assert "browserens Tilbage-knap" in html and 'data-testid="back-to-form"' not in html
    assert "data-jobbro-kept-note" not in html


def test_a_json_client_with_a_stale_token_keeps_the_plain_answer(client, auth, make_user):
    as_json = _stale_post(client, auth, make_user("company"), Accept="application/json")
    assert as_json.status_code == 400 and as_json.get_json()["error"] == "Ugyldig forespørgsel"


def test_a_forged_form_keeps_the_plain_400(client, auth, make_user):
    """A token the portal never signed, or none, is not a stale form: the plain answer
    (tests/portal/test_auth_timeout.py has the same for a made-up token)."""
    auth.switch_to(make_user("company").email)
    for data in ({}, {"csrf_token": "forged"}):
        html = client.post(FORM, data=data, headers={"Referer": f"http://localhost{FORM}"}).get_data(as_text=True)
        assert "Formularen er udløbet eller ugyldig" in html and "data-jobbro-kept-note" not in html
