"""The company's placements download (/forloeb/eksport) and the new hotline request's placement
list (/hotline/ny) read the placements' hours and openings with them (review AB 8): 3N
placements cost as many statements as N."""
from __future__ import annotations

import pytest

from tests.api.test_list_queries_ab import add_items
from tests.conftest import PASSWORD
from tests.sql_statements import statements

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.mark.parametrize("url", ["/forloeb/eksport.csv", "/forloeb/eksport.xlsx", "/hotline/ny"])
def test_statements_do_not_grow_with_the_placements(app, client, auth, make_user, url):
    world = {"consultant": make_user("consultant"), "company": make_user("company")}
    auth.login(world["company"].email, PASSWORD)
    add_items(app, world, 3)
    client.get(url)
    with statements(app) as few:
        answer = client.get(url)
    assert answer.status_code == 200
    add_items(app, world, 6)
    with statements(app) as many:
        answer = client.get(url)
    assert answer.status_code == 200
    if url.endswith(".csv"):
        assert answer.get_data(as_text=True).count("Borger") == 9 * 2  # a row per month with hours, named
    assert len(many) == len(few), (len(few), len(many))
