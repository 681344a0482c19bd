"""Disclosure as the consultant does it ("Del"): an approved profile first, then the company is told.

A renewed consent that shows a shared name again tells the company the same way (:func:`record_consent`).

:func:`disclose` refuses while no profile is approved (the company would get a name and
nothing to act on) unless the consent's text covers the name alone (no profile is shared then), then queues a ``candidate_shared`` notification (and mail) for each
active user of the opening's company in the same transaction as the disclosure itself, so
the company is told exactly when the name is shared. The notice names the citizen and the
opening, nothing else: the profile and contact details are read in the portal.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, url_for

from .. import consents, proposals
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
            (wrong state, consent expired, or either changed meanwhile: a consent withdrawn
            at the same moment wins). Nothing is written then, and no one is told.
    """
    if "disclosed" not in proposals.allowed_next(proposal):
        proposals.disclose(proposal, user)  # raises the state machine's own message
    # A consent whose text covers the name alone shares no profile, so none need be approved (review BJ 6).
    if "profile" in consents.shared_scope(proposal) and not profile.is_approved(proposal):
        raise proposals.TransitionError(MISSING_PROFILE)
    # The notices once the row is held: a withdrawal committed meanwhile refuses this step
    # (nothing told); they are committed with the disclosure.
    proposals.disclose(proposal, user, before_change=_announce)


def record_consent(proposal: Proposal, user: User, **choices) -> str:
    """Record the citizen's consent (:func:`portal.proposals.record_consent`); return what to tell
    the consultant.

    A renewal of a disclosed proposal whose consent had lapsed shows the name to the company
    again: its users are then told, as when the name was first shared (one notice per consent).

    Raises:
        TransitionError: as :func:`portal.proposals.record_consent` (nothing written).
    """
    renewal = proposals.renews_consent(proposal)
    reshown = proposal.status == "disclosed" and consents.active_consent(proposal) is None
    proposals.record_consent(proposal, user, **choices, before_commit=_announce if reshown else None)
    if reshown:
        return ("Det nye samtykke er registreret. Virksomheden ser igen navnet og profilen og har fået besked.")
    if renewal:
        return "Det nye samtykke er registreret og erstatter det tidligere."
    return "Samtykket er registreret." + (
        "" if profile.is_approved(proposal) else " Godkend nu profilen til virksomheden, før navnet deles.")


def shared_notice(who: str, title: str) -> str:
    """The notice that a candidate's name is shared (``who``: the pseudonym, no name)."""
    return f"Navnet på {who} er delt med jer (kandidat til »{title}«)."


def shared_subject(who: str, title: str) -> str:
    """The mail subject for :func:`shared_notice`: the same candidate, not a new one."""
    return f"Navnet på {who} er delt med jer (»{title}«)"


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
    who = pseudonym(proposal.citizen_id, opening.id)
    text = shared_notice(who, opening.title)
    if "profile" in consents.shared_scope(proposal):
        body = (f"{text}\n\nJobcentret har delt kandidatens navn og en kort profil med jer. Se profilen, "
                f"kontaktoplysningerne og jeres kontakt i jobcentret i portalen.")
    else:  # a consent whose text covers the name alone (review BJ 6)
        body = (f"{text}\n\nJobcentret har delt kandidatens navn med jer. Samtykket dækker kun navnet, så I får "
                f"ikke en profil, kontaktoplysninger eller CV. Se navnet og jeres kontakt i jobcentret i portalen.")
    consent = consents.active_consent(proposal)
    users = db.session.scalars(sa.select(User).where(
        User.company_id == opening.company_id, User.role == "company", User.active.is_(True))
        .order_by(User.id)).all()
    for recipient in users:
        # Says what happened: the candidate was proposed before ("Ny kandidat foreslået ..."),
        # so "Ny kandidat" here would count one person twice in the inbox.
        notify(recipient, "candidate_shared", text, link, subject=shared_subject(who, opening.title),
               body=body, dedupe_key=f"candidate_shared:{proposal.id}:{consent.id if consent else 0}:"
                                     f"{recipient.id}")
    webhook_events.proposal_shared(db.session, proposal)
