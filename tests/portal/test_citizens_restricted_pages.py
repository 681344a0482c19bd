"""What the citizen pages offer while processing is restricted (art. 18), and what staff see.

A restricted citizen's pages can only be read: no form is offered that saving would refuse
(so nothing typed is lost), each page says why and where the restriction is lifted, and the
overview gives the restriction, not a missing CV, as the reason the citizen is not matched.
"""
from __future__ import annotations

import re

import pytest

from tests.portal.citizen_fixtures import make_citizen

EDIT_PAGES = ["profil", "jobmaal", "cv", "sagsbehandlere", "skaanehensyn"]
EDIT_LINKS = ["Ret profil", "Skift VK eller rådgiver", "Ret jobmål", "Upload eller skriv CV"]


@pytest.fixture
def consultant(make_user):
    return make_user("consultant")


def posting_forms(html: str) -> list[str]:
    """The actions of the page's POST forms, less the header's log-out."""
    actions = re.findall(r'<form method="post"(?: action="([^"]*)")?', html)
    return [a for a in actions if not a.endswith("/auth/logout")]


def test_a_restricted_citizens_pages_offer_no_edit_forms(app, client, auth, consultant):
    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=consultant.id, restricted=True, cv_text=None)
    detail = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert not any(label in detail for label in EDIT_LINKS)
    # The only form left on the overview is the one that lifts the restriction.
    assert posting_forms(detail) == [f"/borgere/{cid}/ophaev-begraensning"]
    assert 'id="begraensning"' in detail
    for page in EDIT_PAGES:
        html = client.get(f"/borgere/{cid}/{page}").get_data(as_text=True)
        assert posting_forms(html) == [], page
        assert 'data-testid="locked"' in html and "kan ikke ændres, mens behandlingen er begrænset" in html, page
        assert f'href="/borgere/{cid}#begraensning"' in html, page


def test_an_open_citizens_pages_keep_their_forms(app, client, auth, consultant):
    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=consultant.id)
    detail = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert all(label in detail for label in EDIT_LINKS)
    for page in EDIT_PAGES:
        html = client.get(f"/borgere/{cid}/{page}").get_data(as_text=True)
        assert posting_forms(html) and 'data-testid="locked"' not in html, page


def test_the_restriction_not_the_missing_cv_is_why_a_restricted_citizen_is_not_matched(
        app, client, auth, consultant):
    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=consultant.id, restricted=True, cv_text=None)
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    line = re.search(r'data-testid="matchable">(.*?)</div>\s*</div>', html, re.S).group(1)
    text = re.sub(r"<[^>]+>", "", line)
    assert text.strip().startswith("Ikke med i matchingen: behandlingen er begrænset.")
    assert "Kan ikke matches endnu" not in html and "Ophæv begrænsningen" in text
    assert 'href="#begraensning"' in line and 'data-testid="fix"' not in line
    listed = client.get("/borgere/").get_data(as_text=True)
    assert "Ikke med i matchingen: behandlingen er begrænset" in listed


def test_a_complete_restricted_citizen_is_not_called_ready(app, client, auth, consultant):
    auth.login(consultant.email)
    make_citizen(app, vk_id=consultant.id, restricted=True)
    listed = client.get("/borgere/").get_data(as_text=True)
    assert "Klar til matching" not in listed


def test_staff_see_the_case_system_id(app, client, auth, consultant):
    auth.login(consultant.email)
    synced = make_citizen(app, vk_id=consultant.id, external_id="FAG-2026-0042")
    local = make_citizen(app, name="Lokal Borger", vk_id=consultant.id)
    html = client.get(f"/borgere/{synced}").get_data(as_text=True)
    assert re.search(r'data-testid="external-id"><code>FAG-2026-0042</code>', html)
    assert f'data-testid="citizen-id">{synced}<' in html
    assert "ikke hentet fra fagsystemet" in client.get(f"/borgere/{local}").get_data(as_text=True)


def test_an_administrator_sees_every_citizen_by_default(app, client, auth, make_user, consultant):
    make_citizen(app, name="Borger Hos Konsulent", vk_id=consultant.id)
    admin = make_user("admin")
    auth.login(admin.email)
    html = client.get("/borgere/").get_data(as_text=True)
    assert "Borger Hos Konsulent" in html and 'data-testid="no-citizens"' not in html
    assert re.search(r'<option selected value="all">|<option value="all" selected>', html)
    # Asking for "mine" still works (and is empty: an administrator has no caseload).
    assert "Borger Hos Konsulent" not in client.get("/borgere/?scope=mine").get_data(as_text=True)


def test_a_consultant_still_starts_on_their_own_caseload(app, client, auth, make_user, consultant):
    other = make_user("consultant")
    make_citizen(app, name="Andens Borger", vk_id=other.id)
    auth.login(consultant.email)
    assert "Andens Borger" not in client.get("/borgere/").get_data(as_text=True)


def test_a_closed_restricted_case_offers_no_reopening_that_would_be_refused(app, client, auth, consultant):
    from tests.clock import TODAY

    auth.login(consultant.email)
    cid = make_citizen(app, vk_id=consultant.id, restricted=True, case_closed=TODAY)
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert 'data-testid="reopen-form"' not in html and 'data-testid="reopen-blocked"' in html
    assert posting_forms(html) == [f"/borgere/{cid}/ophaev-begraensning"]
    matchable = re.search(r'data-testid="matchable">(.*?)</p>', html, re.S).group(1)
    assert 'href="#begraensning"' in matchable and 'href="#sag">Genåbn sagen' not in matchable
