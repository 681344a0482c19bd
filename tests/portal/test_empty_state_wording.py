"""Empty states say one true thing (review BG 9): a page with nothing to list says so once,
with the next step, never a table of headers or a sentence that is only vacuously true."""
from __future__ import annotations

import re


def test_no_companies_says_so_and_how_to_make_the_first(client, auth, make_user):
    auth.login(make_user("admin").email)
    html = client.get("/admin/companies").get_data(as_text=True)
    assert "Der er ingen virksomheder endnu. Opret den første med »Opret virksomhed«." in html
    assert "Alle har en VK." not in html and "Viser alle 0" not in html
    assert "<table" not in html  # no headers over nothing


def test_companies_are_listed_as_before(client, auth, make_user):
    auth.login(make_user("admin").email)
    make_user("company")
    html = client.get("/admin/companies").get_data(as_text=True)
    assert "ingen virksomheder endnu" not in html
    assert re.search(r"Viser alle 1 virksomheder", html) and "<table" in html


def test_an_empty_citizen_list_says_so_once(client, auth, make_user):
    """No »Ingen borgere i udvalget.« above the filters and »Ingen borgere matcher …« below."""
    auth.login(make_user("admin").email)
    html = client.get("/borgere/").get_data(as_text=True)
    assert html.count('data-testid="no-citizens"') == 1
    assert "Ingen borgere i udvalget" not in html and 'data-testid="completeness"' not in html
    # Everyone, no filter, nothing: a new installation, with where citizens come from.
    assert "Der er ingen borgere med åben sag endnu." in html and 'href="/admin/import/"' in html
    html = client.get("/borgere/?scope=all&incomplete=y").get_data(as_text=True)
    assert 'data-testid="incomplete-list"' not in html and "Du ser de 0 borgere" not in html
    assert "Ingen borgere matcher dit udvalg." in html


def test_a_consultant_with_no_own_citizens_is_offered_the_team_and_everyone(client, auth, make_user):
    auth.login(make_user("consultant").email)
    html = client.get("/borgere/").get_data(as_text=True)
    assert "Ingen borgere i udvalget" not in html
    assert re.search(r'Ingen borgere matcher dit udvalg\. <a href="/borgere/\?scope=team">Vis dit team</a>', html)
    everyone = client.get("/borgere/?scope=all").get_data(as_text=True)
    assert "Der er ingen borgere med åben sag endnu. Opret dem med »Opret borger«.</p>" in everyone
    assert "/admin/import/" not in everyone  # the import is the administrator's


def test_no_savings_has_no_minus_nought_deadweight(client, auth, make_user):
    auth.login(make_user("admin").email)
    html = client.get("/maal/").get_data(as_text=True)
    cell = re.search(r'data-testid="savings-deadweight">([^<]*)<', html).group(1)
    assert "−0 kr." not in cell and cell.endswith("% (ingen besparelse at trække den fra)")
