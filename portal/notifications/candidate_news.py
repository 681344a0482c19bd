"""Tell a company that the job centre took one of its candidates out of an opening.

One notice for every way it happens (the citizen's case closed:
:mod:`portal.citizens.case_endings`; a candidate left on hold by a change of the opening's
requirements was ended: :mod:`portal.candidates.opening_done`): every active user of the
opening's company is told, in the transaction that ends the proposal (the caller commits),
"no longer relevant", by the candidate's per-opening pseudonym and never with the reason (why a
case closes or a hold ends is the citizen's and the job centre's business), linking to the
candidate's page, which says so and marks the notice read. The webhook ``proposal.ended`` is the
caller's, as it goes out in cases no user is told.
"""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..pseudonyms import pseudonym
from store.models import Opening, Proposal, User
from .service import notify, path_for


def no_longer_relevant(who: str, title: str) -> str:
    """The notice's text: the pseudonym ("Kandidat XXXX-XXXX") and the opening, no reason."""
    return f"{who} til »{title}« er ikke længere aktuel."


def announce_ended(proposal: Proposal, *, name_was_shown: bool, key: str) -> int:
    """Tell the company's active users that ``proposal``'s candidate is no longer aktuel; how
    many were told. ``name_was_shown``: the company saw the name (the mail then says it is no
    longer shown); ``key``: what makes this ending one event (the recipient is added), so a
    repeated run tells nobody twice and a later ending of the same pair, decided anew, does."""
    opening: Opening = proposal.opening
    who = pseudonym(proposal.citizen_id, opening.id)
    text = no_longer_relevant(who, opening.title)
    link = path_for("openings.candidate", opening_id=opening.id, proposal_id=proposal.id)
    hidden = ", og kandidatens navn og kontaktoplysninger vises ikke længere" if name_was_shown else ""
    body = (f"{text}\n\nJobcentret har taget kandidaten ud af jeres opslag. Eventuelle aftalte "
            f"samtaler er aflyst{hidden}.")
    users = db.session.scalars(sa.select(User).where(
        User.company_id == opening.company_id, User.role == "company", User.active.is_(True)).order_by(User.id))
    return sum(1 for recipient in users
               if notify(recipient, "candidate_ended", text, link, subject=ended_subject(who), body=body,
                         dedupe_key=f"{key}:{recipient.id}"))


def ended_subject(who: str) -> str:
    """The mail's short subject (``who``: the pseudonym; the opening is in the text)."""
    return f"{who} er ikke længere aktuel"


def decision_key(proposal: Proposal) -> str:
    """The pair's current decision as part of a notice key: a pair decided anew is a new event."""
    return proposal.decided_at.strftime("%Y%m%dT%H%M%S%f") if proposal.decided_at else ""
