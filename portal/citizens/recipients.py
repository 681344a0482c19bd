"""Who holds the citizen's name: the companies an erasure or a restriction concerns (GDPR art. 19).

A company holds the name while one of its proposals releases it
(:func:`portal.proposals.identity_released`: disclosed, a live consent, not restricted). The
erase and restrict forms name these companies beforehand. The portal does not tell them; the
forms say so, so the consultant can.

A restricted citizen's name is hidden from every company, yet the companies that saw it before
the restriction still have it (and perhaps a downloaded CV): the erase form names them too
(``despite_restriction``).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from .. import proposals
from ..extensions import db
from store import clock
from store.models import Citizen, Opening, Proposal


@dataclass(frozen=True)
class NameHolder:
    """A company that has the citizen's name, and the openings it got it through."""

    company: str
    openings: tuple[str, ...]


def name_holders(citizen: Citizen, *, despite_restriction: bool = False) -> list[NameHolder]:
    """The companies that see the citizen's name now, by company name (case aside).

    Args:
        despite_restriction: also those that see it only once the restriction is lifted, i.e.
            that were given it before the restriction (the erase form: they still have it).
    """
    today = clock.today()
    rows = db.session.scalars(
        sa.select(Proposal).where(Proposal.citizen_id == citizen.id, Proposal.status == "disclosed")
        .options(selectinload(Proposal.opening).selectinload(Opening.company),
                 selectinload(Proposal.consents))
        .order_by(Proposal.id))
    by_company: dict[str, list[str]] = {}
    for proposal in rows:
        released = proposals.identity_released(proposal, today)
        if not released and despite_restriction and citizen.restricted:
            # What identity_released would say once the restriction is lifted.
            released = proposals.active_consent(proposal, today) is not None
        if released:
            by_company.setdefault(proposal.opening.company.name, []).append(proposal.opening.title)
    return [NameHolder(name, tuple(titles))
            for name, titles in sorted(by_company.items(), key=lambda item: item[0].casefold())]
