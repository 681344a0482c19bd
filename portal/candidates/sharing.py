"""Disclosure as the consultant does it ("Del"): an approved profile first, then the company is told.

:func:`disclose` refuses while no profile is approved (the company would get a name and
nothing to act on), then queues a ``candidate_shared`` notification (and mail) for each
active user of the opening's company in the same transaction as the disclosure itself, so
the company is told exactly when the name is shared. The notice names the citizen and the
opening, nothing else: the profile and contact details are read in the portal.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, url_for

from .. import proposals
from ..extensions import db
from ..notifications.service import notify
from ..pseudonyms import pseudonym
from ..webhooks import events as webhook_events
from . import profile
from store.models import Proposal, User

MISSING_PROFILE = ("Profilen til virksomheden er ikke godkendt endnu. Godkend den under "
                   "»Profil til virksomheden«, før borgerens navn deles.")


def disclose(proposal: Proposal, user: User) -> None:
    """consented → disclosed with an approved profile; the company's users are notified.

    Raises:
        TransitionError: no approved profile, or :func:`portal.proposals.disclose` refuses
            (wrong state, consent expired). Nothing is written then.
    """
    if "disclosed" not in proposals.allowed_next(proposal):
        proposals.disclose(proposal, user)  # raises the state machine's own message
    if not profile.is_approved(proposal):
        raise proposals.TransitionError(MISSING_PROFILE)
    _announce(proposal)
    proposals.disclose(proposal, user)  # commits the notices with the disclosure


def shared_notice(who: str, title: str) -> str:
    """The notice that a candidate's name is shared (``who``: the pseudonym, no name)."""
    return f"Navnet på {who} er delt med jer (kandidat til «{title}»)."


def candidate_link(proposal: Proposal) -> str:
    """Where the company handles the candidate: its candidate page, or the opening if none exists."""
    if "openings.candidate" in current_app.view_functions:
        return url_for("openings.candidate", opening_id=proposal.opening_id, proposal_id=proposal.id)
    return url_for("openings.detail", opening_id=proposal.opening_id)


def _announce(proposal: Proposal) -> None:
    opening = proposal.opening
    link = candidate_link(proposal)
    # The pseudonym, never the name: a notice is kept, and withdrawing consent hides the
    # identity again (SECURITY.md); the portal shows the name while the consent holds.
    text = shared_notice(pseudonym(proposal.citizen_id, opening.id), opening.title)
    body = (f"{text}\n\nJobcentret har delt kandidatens navn og en kort profil med jer. Se profilen, "
            f"kontaktoplysningerne og jeres kontakt i jobcentret i portalen:\n\n{link}\n")
    consent = proposals.active_consent(proposal)
    users = db.session.scalars(sa.select(User).where(
        User.company_id == opening.company_id, User.role == "company", User.active.is_(True))
        .order_by(User.id)).all()
    for recipient in users:
        notify(recipient, "candidate_shared", text, link, subject=f"Ny kandidat til «{opening.title}»",
               body=body, dedupe_key=f"candidate_shared:{proposal.id}:{consent.id if consent else 0}:"
                                     f"{recipient.id}")
    webhook_events.proposal_shared(db.session, proposal)
