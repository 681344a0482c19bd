"""Tell a company that the job centre proposed a candidate for one of its openings.

A consultant's approval makes the candidate visible to the company under a pseudonym, and the
consultant's queue ("Svar fra virksomheder") then waits for the company's answer
(»Interesseret« / »Ikke interesseret«). :func:`announce_proposed` tells every active user of
the opening's company: a ``candidate_proposed`` notification and mail, in the transaction
that records the approval (the caller commits), linking to the candidate's page.

The notice names the opening and the candidate's pseudonym only, never the citizen's name
nor anything about them: the company reads the shared jobmål and competences in the portal,
where what it may see is decided. One notice per recipient and decision: a pair decided anew
after the citizen's case was reopened (:func:`portal.proposals.renew`) is told again.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..pseudonyms import pseudonym
from .service import notify, path_for
from store.models import Opening, Proposal, User


def proposed_notice(who: str, title: str) -> str:
    """The one-line notice (``who``: the pseudonym)."""
    return f"Jobcentret har foreslået en kandidat til »{title}«: {who}. Svar om I er interesserede."


def announce_proposed(proposal: Proposal) -> int:
    """Queue a ``candidate_proposed`` notice (and mail) for each active user of the company.

    Adds to the session and flushes (for the proposal's id); never commits. Returns how many
    users were told (0 if the proposal is not approved).
    """
    if proposal.status != "approved":
        return 0
    if proposal.id is None:
        db.session.flush()
    opening = db.session.get(Opening, proposal.opening_id)
    link = path_for("openings.candidate", opening_id=opening.id, proposal_id=proposal.id)
    text = proposed_notice(pseudonym(proposal.citizen_id, opening.id), opening.title)
    body = (f"{text}\n\nSe kandidatens jobmål og kompetencer, og svar »Interesseret« eller »Ikke "
            f"interesseret« i portalen. Kandidatens navn deles først, når borgeren har givet "
            f"samtykke.")
    decided = proposal.decided_at.strftime("%Y%m%d%H%M%S%f") if proposal.decided_at else "0"
    users = db.session.scalars(sa.select(User).where(
        User.company_id == opening.company_id, User.role == "company", User.active.is_(True))
        .order_by(User.id)).all()
    told = 0
    for recipient in users:
        if notify(recipient, "candidate_proposed", text, link,
                  subject=f"Ny kandidat foreslået til »{opening.title}«", body=body,
                  dedupe_key=f"candidate_proposed:{proposal.id}:{decided}:{recipient.id}"):
            told += 1
    return told
