"""Administrator pages: two key pages named apart, singular and plural on /admin/indexer."""
from __future__ import annotations

import json
import re

import pytest

from portal.extensions import db
from store.models import IndexerState


@pytest.fixture
def admin(client, auth, make_user):
    user = make_user("admin")
    auth.login(user.email)
    return user


def test_the_two_key_pages_have_different_names(client, admin):
    start = client.get("/").get_data(as_text=True)
    menu = re.search(r'<nav class="jobbro-nav".*?</nav>', start, re.DOTALL).group(0)
    header_link = re.search(r'<a href="/profil/adgangsnoegler" data-testid="tokens-link">([^<]+)</a>', start).group(1)
    menu_link = re.search(r'<a href="/admin/adgangsnoegler"[^>]*>([^<]+)</a>', menu).group(1)
    assert header_link != menu_link and menu_link == "Alle API-nøgler"
    mine = client.get("/profil/adgangsnoegler").get_data(as_text=True)
    everyone = client.get("/admin/adgangsnoegler").get_data(as_text=True)
    h1 = re.compile(r"<h1>([^<]+)</h1>")
    assert h1.search(mine).group(1) != h1.search(everyone).group(1) == "Alle adgangsnøgler til API"
    assert 'href="/profil/adgangsnoegler">API-nøgler</a> øverst' in everyone  # where your own are made


@pytest.mark.parametrize("claimed, text", [(1, "1 ændring"), (2, "2 ændringer"), (0, "0 ændringer")])
def test_the_last_run_says_one_change_or_several(app, client, admin, claimed, text):
    with app.app_context():
        db.session.add(IndexerState(key="last_run", value=json.dumps(
            {"at": "2026-12-05T01:00:00+00:00", "claimed": claimed, "written": claimed, "removed": 0, "failed": 0})))
        db.session.commit()
    html = client.get("/admin/indexer").get_data(as_text=True)
    assert f'data-testid="last-run-claimed">{text}</span>' in html


@pytest.mark.parametrize("citizens, text", [(1, "1 borger,"), (3, "3 borgere,")])
def test_a_rebuild_says_one_citizen_or_several(app, client, admin, citizens, text):
    with app.app_context():
        db.session.add(IndexerState(key="last_rebuild", value=json.dumps(
            {"at": "2026-12-05T01:00:00+00:00", "citizens": citizens, "openings": 2, "failed": 0})))
        db.session.commit()
    assert f"fuld genopbygning: {text}" in client.get("/admin/indexer").get_data(as_text=True)
