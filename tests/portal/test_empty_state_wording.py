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
