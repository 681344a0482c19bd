"""An opening's candidates as the company sees them: split into the current ones and those no
longer current, each with its standing in the company's words (review AM 7).

The opening's page (``templates/openings/detail.html``) and its candidate export
(:mod:`portal.company_exports.sheets`, ``/opslag/<id>/kandidater.csv`` and ``.xlsx``) both read
:func:`for_opening` and :func:`status_text`, so the file lists the same candidates in the same
order, in the same two groups and with the same words as the page.

Current: every shared candidate (:func:`.service.shared_candidates`) whose placement on the
opening has not ended. No longer current: the proposals the job centre ended
(:func:`.service.ended_candidates`: the pseudonym only, never the name or why), then the shared
candidates whose placement on the opening has ended (»Forløbet sluttede 24.11.2025.«).
"""
from __future__ import annotations

from dataclasses import dataclass

from store.models import Opening

from ..i18n import format_date
from ..proposals import ON_HOLD_TEXT
from .service import EndedCandidate, SharedCandidate, ended_candidates, shared_candidates

NAMED = "Navn delt med jer."
WAITING = "Navnet deles, når borgeren har givet samtykke."
LAPSED = "Borgerens samtykke er udløbet, så navnet vises ikke længere; jobcentret kan indhente et nyt."
WITHHELD = "Navnet vises ikke i øjeblikket; jobcentret kontakter jer."
NO_LONGER_CURRENT = "Ikke længere aktuel."


@dataclass(frozen=True)
class OpeningCandidates:
    """The opening's candidates in the page's order: ``current`` first, then the ``ended``
    proposals and the ``finished`` placements (together: no longer current)."""

    current: list[SharedCandidate]
    ended: list[EndedCandidate]
    finished: list[SharedCandidate]

    @property
    def shared(self) -> list[SharedCandidate]:
        """Every shared candidate, current or finished (the ones with an answer of the company)."""
        return self.current + self.finished

    @property
    def gone(self) -> list[EndedCandidate | SharedCandidate]:
        """The candidates no longer current, as the page lists them."""
        return [*self.ended, *self.finished]

    def __bool__(self) -> bool:
        return bool(self.current or self.ended or self.finished)


def for_opening(opening: Opening) -> OpeningCandidates:
    """The candidates of ``opening`` (the caller has checked it is the company's), split as the
    page shows them; reading the names is audited (:func:`.service.shared_candidates`)."""
    shared = shared_candidates(opening)
    return OpeningCandidates(current=[c for c in shared if not c.placement_ended],
                             ended=ended_candidates(opening),
                             finished=[c for c in shared if c.placement_ended])


def status_text(candidate: SharedCandidate | EndedCandidate) -> str:
    """The candidate's standing in the company's words, as one sentence: the same on the page
    and in the export. Never why a candidate is on hold or no longer current."""
    if isinstance(candidate, EndedCandidate):
        if candidate.placement_start:
            return (f"{NO_LONGER_CURRENT} Forløbet fra {format_date(candidate.placement_start)} står stadig "
                    f"uden navn; jobcentret kontakter jer om det.")
        return NO_LONGER_CURRENT
    if candidate.placement_ended:
        return f"Forløbet sluttede {format_date(candidate.placement_ended)}."
    if candidate.on_hold:
        return f"{ON_HOLD_TEXT}."
    if candidate.name:
        return NAMED
    if candidate.consent_lapsed:
        return LAPSED
    return WITHHELD if candidate.name_withheld else WAITING
