"""Rows for the company's downloads; the writers are :mod:`portal.exports`.

The placements file has the payroll columns (:data:`portal.placements.payroll.HEADER`), the
same as the one-month hours file.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..interviews.queries import held_among, response_label
from ..openings import candidate_list
from ..openings.service import SharedCandidate
from ..placements import payroll
from store.models import Opening, Placement

# The opening's candidates as its page splits and words them (portal.openings.candidate_list, review AM 7):
# current first (»Ja«), then those no longer current (»Nej«), each with the page's sentence.
# No match band, as on the page (review BG 5): the band is the consultant's statement about a
# ranking, and »lav« on the job centre's own pick read as a verdict on the candidate.
CANDIDATE_HEADER = ["Kandidat", "Aktuel", "Navn", "Status", "Jobmål", "Timer til rådighed pr. uge",
                    "Jeres svar", "Jeres note"]
CANDIDATE_WIDTHS = (40, 8, 20, 60, 24, 24, 16, 30)


def placement_rows(company_id: int, today: date) -> list[list]:
    """Every placement of the company, one row per month with hours (names audited first)."""
    # Each row shows the month's hours and the opening's title: read with the placements, not per placement.
    found = list(db.session.scalars(sa.select(Placement).where(Placement.company_id == company_id)
                                    .options(selectinload(Placement.hours), joinedload(Placement.opening))
                                    .order_by(Placement.start_date.desc(), Placement.id)))
    return payroll.all_lines(found, today)


def candidate_rows(opening: Opening) -> list[list]:
    """The opening's candidates as the company's page shows them (:func:`.candidate_list.for_opening`:
    the same candidates, order, groups and status sentences; names audited there). A current
    candidate has the facts of its card; one on hold (:data:`portal.proposals.ON_HOLD_TEXT`) only
    its answer, as on the page; one no longer current only what the page lists: the pseudonym, a
    name still shared and the sentence. "declined" after a held interview reads "Ikke ansat
    efter samtalen" there and here."""
    found = candidate_list.for_opening(opening)
    after = held_among(c.proposal_id for c in found.shared)
    rows = [_current_row(c, after) for c in found.current]
    rows += [[c.pseudonym, "Nej", "", candidate_list.status_text(c), "", "", "", ""] for c in found.ended]
    rows += [[c.pseudonym, "Nej", c.name or "", candidate_list.status_text(c), "", "", "", ""]
             for c in found.finished]
    return rows


def _current_row(c: SharedCandidate, after: set[int]) -> list:
    answer = response_label(c.response, c.proposal_id in after)
    if c.on_hold:  # restricted or left behind by a change of the opening: the neutral state only
        return [c.pseudonym, "Ja", "", candidate_list.status_text(c), "", "", answer, c.response_note]
    return [c.pseudonym, "Ja", c.name or "", candidate_list.status_text(c), c.shared_goal,
            float(c.hours_available), answer, c.response_note]
