"""The citizen list's totals (»N borgere«, the share that can be matched) come from one pass over
the filtered citizens: one statement that reads ``citizen`` once, not the filtered ids again
through ``id IN (...)``; the figures are those of the rows listed, whatever the filter."""
from __future__ import annotations

from datetime import date

import pytest

from portal.citizens import queries
from portal.extensions import db
from store.models import User
from tests.portal.citizen_fixtures import make_citizen
from tests.sql_statements import statements

FILTERS = {"scope": "all", "q": "", "readiness": "", "benefit": "", "incomplete": False, "closed": False,
           "vk": None, "raadgiver": None, "begraenset": "", "page": 1}


@pytest.fixture
def caseload(app, make_user):
    vk, other = make_user("consultant"), make_user("consultant")
    make_citizen(app, name="Anna Hansen", vk_id=vk.id)
    make_citizen(app, name="Bent Hansen", vk_id=vk.id, cv_text=None)
    make_citizen(app, name="Carl Holm", vk_id=vk.id, goals=())
    make_citizen(app, name="Dorte Hansen", vk_id=other.id)
    make_citizen(app, name="Erik Lund", vk_id=None)
    make_citizen(app, name="Frida Hansen", vk_id=vk.id, case_closed=date(2026, 1, 2))
    return vk.id


@pytest.mark.parametrize(("filters", "expected"), [
    ({}, (5, 2)),
    ({"scope": "mine"}, (3, 1)),
    ({"q": "hansen"}, (3, 2)),
    ({"incomplete": True}, (3, 0)),
    ({"closed": True}, (1, 1)),
], ids=["all", "mine", "search", "incomplete", "closed"])
def test_the_totals_count_the_filtered_citizens(app, caseload, filters, expected):
    with app.test_request_context():
        result = queries.list_citizens(db.session.get(User, caseload), {**FILTERS, **filters})
        assert (result.total, result.complete) == expected
        assert result.page.total == expected[0]
        assert len(result.page.items) == expected[0]


def test_the_totals_read_the_citizens_once(app, caseload):
    with app.test_request_context(), statements(app) as seen:
        queries.list_citizens(db.session.get(User, caseload), FILTERS)
    totals = [s for s in seen if s.lstrip().upper().startswith("SELECT COUNT(")]
    assert len(totals) == 1
    assert totals[0].upper().count("FROM CITIZEN") == 1, totals[0]
