"""The company's candidates file has no match band, as its pages have none (review BG 5 follow-up).

The band is the consultant's statement about a ranking: a company reading »lav« on the job
centre's own pick took it as a verdict on the candidate. 905208e took it off the opening's and
the candidate's page; the download carried it on in a »Match« column.
"""
from __future__ import annotations

import io
from csv import reader

import pytest
from openpyxl import load_workbook

from portal.company_exports import sheets
from portal.extensions import db
from store.models import Proposal
from tests.portal.proposal_fixtures import build_world, set_status

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.mark.parametrize("band", ["lav", "middel", "Stærkt match"])
def test_the_candidates_file_has_no_match_column_and_no_band(app, client, auth, make_user, band):
    world = build_world(app, make_user)
    with app.app_context():
        proposal = db.session.get(Proposal, world["proposal"])
        proposal.explanation = {**(proposal.explanation or {}), "similarity_band": band,
                                "learned": {"similarity_band": band}}
        db.session.commit()
    auth.login(world["company"].email)
    url = f"/opslag/{world['opening']}/kandidater"
    for status, consent in (("approved", False), ("disclosed", True)):
        set_status(app, world["proposal"], status, consent=consent)
        csv = client.get(f"{url}.csv").get_data(as_text=True).lstrip("\ufeff")
        lines = list(reader(io.StringIO(csv), delimiter=";"))
        book = load_workbook(io.BytesIO(client.get(f"{url}.xlsx").data))
        cells = [[cell.value for cell in row] for row in book.active.iter_rows()]
        for table in (lines, [["" if v is None else str(v) for v in row] for row in cells]):
            assert table[0] == ["Kandidat", "Aktuel", "Navn", "Status", "Jobmål", "Timer til rådighed pr. uge",
                                "Jeres svar", "Jeres note"]
            assert "Match" not in table[0] and "ikke beregnet" not in str(table)
            assert all(band not in cell for row in table[1:] for cell in row), table
            assert table[1][4] == "Kok"  # the rest of the card is still there, in its column
        assert cells[1][5] == 12.5


def test_a_width_per_column():
    assert len(sheets.CANDIDATE_WIDTHS) == len(sheets.CANDIDATE_HEADER)
