"""Rows for the company's downloads; the writers are :mod:`portal.exports`.

The placements file has the payroll columns (:data:`portal.placements.payroll.HEADER`), the
same as the one-month hours file.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..interviews import service as interviews
from ..openings.service import shared_candidates
from ..placements import payroll
from ..proposals import ON_HOLD_TEXT
from store.models import Opening, Placement

# The candidate's standing in the words of the company's opening page (review B9), never the
# job centre's own states ("Foreslået til virksomheden", "Navn og profil delt med virksomheden"): before the
# name is released the page says the same for an approved and a consented candidate.
WAITING = "Foreslået – navnet deles, når borgeren har givet samtykke"
NAMED = "Navn delt med jer"
LAPSED = "Samtykket er udløbet – navnet vises ikke længere"
WITHHELD = "Navnet vises ikke i øjeblikket – jobcentret kontakter jer"
CANDIDATE_HEADER = ["Kandidat", "Navn", "Status", "Match", "Jobmål", "Timer til rådighed pr. uge", "Jeres svar",
                    "Jeres note"]
CANDIDATE_WIDTHS = (40, 20, 44, 14, 24, 24, 16, 30)


def placement_rows(company_id: int, today: date) -> list[list]:
    """Every placement of the company, one row per month with hours (names audited first)."""
    # Each row shows the month's hours and the opening's title: read with the placements, not per placement.
    found = list(db.session.scalars(sa.select(Placement).where(Placement.company_id == company_id)
                                    .options(selectinload(Placement.hours), joinedload(Placement.opening))
                                    .order_by(Placement.start_date.desc(), Placement.id)))
    return payroll.all_lines(found, today)


def candidate_rows(opening: Opening) -> list[list]:
    """The opening's shared candidates as the company's page shows them (names audited there);
    "declined" after a held interview reads "Ikke ansat efter samtalen" there and here."""
    candidates = shared_candidates(opening)
    after = interviews.held_among(c.proposal_id for c in candidates)
    return [_on_hold_row(c, after) if c.on_hold else
            [c.pseudonym, c.name or "", LAPSED if c.consent_lapsed else WITHHELD if c.name_withheld else NAMED if c.name else WAITING,
             c.similarity_band or "ikke beregnet", c.shared_goal, float(c.hours_available),
             interviews.response_label(c.response, c.proposal_id in after), c.response_note] for c in candidates]


def _on_hold_row(c, after: set[int]) -> list:
    """A candidate whose citizen's processing is restricted (art. 18): the pseudonym and the
    neutral state only, as on the page (:data:`portal.proposals.ON_HOLD_TEXT`)."""
    return [c.pseudonym, "", ON_HOLD_TEXT, "", "", "", interviews.response_label(c.response, c.proposal_id in after),
            c.response_note]
