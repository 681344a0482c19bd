"""Tell a company that the job centre took one of its candidates out of an opening.

One notice for every way it happens (the citizen's case closed:
:mod:`portal.citizens.case_endings`; a candidate left on hold by a change of the opening's
requirements was ended: :mod:`portal.candidates.opening_done`): every active user of the
opening's company is told, in the transaction that ends the proposal (the caller commits),
"no longer relevant", by the candidate's per-opening pseudonym and never with the reason (why a
case closes or a hold ends is the citizen's and the job centre's business), linking to the
candidate's page, which says so and marks the notice read. The webhook ``proposal.ended`` is the
caller's, as it goes out in cases no user is told.

When the ending cancels a booked interview, the same notice says so and its mail carries the
calendar cancellation: one step of the job centre, one notice per user (review AE 8: the
company got »Samtalen … er aflyst« and »… ikke længere aktuel« for one step).
"""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..pseudonyms import pseudonym
from store.models import Opening, Proposal, User
from .service import TEXT_MAX, notify, path_for, shorten


def no_longer_relevant(who: str, title: str, interview: str | None = None) -> str:
    """The notice's text: the pseudonym ("Kandidat XXXX-XXXX") and the opening, no reason;
    ``interview``: the booked interview cancelled with it, as people say the time."""
    if interview is None:
        return f"{who} til »{title}« er ikke længere aktuel."
    return f"{who} til »{title}« er ikke længere aktuel, og samtalen {interview} er aflyst."


def announce_ended(proposal: Proposal, *, name_was_shown: bool, key: str, interview: str | None = None,
                   ics: str | None = None) -> int:
    """Tell the company's active users that ``proposal``'s candidate is no longer aktuel; how
    many were told. ``name_was_shown``: the company saw the name (the mail then says it is no
    longer shown); ``key``: what makes this ending one event (the recipient is added), so a
    repeated run tells nobody twice and a later ending of the same pair, decided anew, does.

    ``interview`` and ``ics``: the booked interview the ending cancelled (its time as people
    say it) and its calendar CANCEL, which the mail carries. A user who gets no mail of this
    kind (opted out) but does get interview mails gets the CANCEL as the interview notice, added
    as read, so the calendar still learns of it and the list still holds one new notice.
    """
    opening: Opening = proposal.opening
    who = pseudonym(proposal.citizen_id, opening.id)
    room = TEXT_MAX - len(no_longer_relevant(who, "", interview))  # the time before the title
    text = no_longer_relevant(who, shorten(opening.title, max(room, 12)), interview)
    link = path_for("openings.candidate", opening_id=opening.id, proposal_id=proposal.id)
    hidden = ", og kandidatens navn og kontaktoplysninger vises ikke længere" if name_was_shown else ""
    if interview is None:
        cancelled = f"Eventuelle aftalte samtaler er aflyst{hidden}."
    else:
        attached = " (aflysningen til kalenderen er vedhæftet)" if ics else ""
        cancelled = f"Den aftalte samtale {interview} er aflyst{attached}{hidden}."
    body = (f"{no_longer_relevant(who, opening.title)}\n\nJobcentret har taget kandidaten ud af jeres "
            f"opslag. {cancelled}")
    users = db.session.scalars(sa.select(User).where(
        User.company_id == opening.company_id, User.role == "company", User.active.is_(True)).order_by(User.id))
    told = 0
    for recipient in users:
        note = notify(recipient, "candidate_ended", text, link, subject=ended_subject(who), body=body,
                      ics=ics, dedupe_key=f"{key}:{recipient.id}")
        if note is None:
            continue
        told += 1
        if ics and "candidate_ended" in (recipient.mail_opt_out or []):
            notify(recipient, "interview_booked", f"Samtalen {interview} er aflyst: »{shorten(opening.title, 120)}«",
                   link, ics=ics, read=True)
    return told


def ended_subject(who: str) -> str:
    """The mail's short subject (``who``: the pseudonym; the opening is in the text)."""
    return f"{who} er ikke længere aktuel"


def decision_key(proposal: Proposal) -> str:
    """The pair's current decision as part of a notice key: a pair decided anew is a new event."""
    return proposal.decided_at.strftime("%Y%m%dT%H%M%S%f") if proposal.decided_at else ""
