"""The marker test for the hours page and exports: nothing of an undisclosed citizen reaches a company."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import AuthActions
from tests.portal.hours_fixtures import MARKER, NAME, build_world

pytestmark = pytest.mark.usefixtures("frozen_today")
CASE_DATA = ("Ressourceforløb", "ressourceforloeb", "kontanthjælp", "kontanthjaelp")


@pytest.fixture
def world(app, make_user):
    return build_world(app, make_user)


def _xlsx_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    return "\n".join(str(value) for sheet in book.worksheets
                     for row in sheet.iter_rows(values_only=True) for value in row if value is not None)


def _responses(client) -> dict[str, str]:
    out = {}
    for path in ("/forloeb/timer?maaned=2026-10", "/forloeb/timer?maaned=2026-11", "/forloeb/",
                 "/forloeb/timer/eksport.csv?maaned=2026-10"):
        out[path] = client.get(path).get_data(as_text=True)
    out["xlsx"] = _xlsx_text(client.get("/forloeb/timer/eksport.xlsx?maaned=2026-10").data)
    return out


def test_undisclosed_placement_shows_only_the_neutral_label(client, world):
    AuthActions(client).switch_to("a@firma.dk")
    for where, text in _responses(client).items():
        assert MARKER not in text, where
        # Pages show the neutral label; files the opening in its own column, the name column empty.
        # The CSV keeps its apostrophe; an XLSX string cell needs none (review W 10).
        assert ("Kantine, start 14.09.2026" if where.startswith("/forloeb/timer?") or where == "/forloeb/"
                else "=Kantine" if where == "xlsx" else "'=Kantine") in text, where
        for word in CASE_DATA:
            assert word not in text, (where, word)


def test_a_disclosed_name_only_for_its_company(client, world):
    AuthActions(client).switch_to("a@firma.dk")
    assert all(NAME in text for text in _responses(client).values())
    AuthActions(client).switch_to("b@firma.dk")
    for where, text in _responses(client).items():
        assert NAME not in text and MARKER not in text, where


def test_an_error_page_does_not_echo_case_data(client, world):
    AuthActions(client).switch_to("a@firma.dk")
    token = AuthActions(client).csrf_token("/forloeb/timer?maaned=2026-10")
    html = client.post("/forloeb/timer?maaned=2026-10",
                       data={"csrf_token": token, f"timer-{world['hidden']}": "-1"}).get_data(as_text=True)
    assert MARKER not in html and "Kantine, start 14.09.2026" in html
