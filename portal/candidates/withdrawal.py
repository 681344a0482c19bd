"""Withdrawing a citizen's consent as the consultant records it ("Samtykke trukket tilbage").

:func:`withdraw` cancels the pair's future interviews, offered or booked, through the
interview service while the name is still released (a booked one sends both sides the
calendar CANCEL, and the company's notice says only that the interview is cancelled, never
why), tells the company that got the name that the candidate is no longer relevant and that it
must delete what it received (:func:`portal.citizens.recipients.tell`, event ``withdrawn``: a
``candidate_data`` notice and mail by pseudonym, never the name or the reason; GDPR art. 7(3),
17(1)(b) and 19), then withdraws the consent (:func:`portal.proposals.withdraw`), which hides
the identity and commits everything in one transaction. Past interviews are left as they
happened. A consent withdrawn before disclosure tells no one: the company never had the name.

When the pair has a placement running or planned (:func:`portal.placements.lifecycle.pair_placement`),
the citizen's VK and adviser are told too (:func:`tell_consultants`, a
``placement_consent_withdrawn`` notice and mail linking to the placement's page), but not the
consultant who recorded it: somebody must decide whether the placement goes on, and the
follow-up list and the start page flag it until then (:mod:`portal.placements.followup`).

It lives here, not in :mod:`portal.proposals`, because the interview service imports the
state machine (as :mod:`portal.citizens.case_endings` does for a closed case).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import proposals
from ..citizens import recipients
from ..interviews.booking import cancel
from ..interviews.common import spoken_time
from ..interviews.queries import future_interviews
from ..notifications.service import notify, path_for, shorten
from ..placements.lifecycle import pair_placement
from store.models import Proposal, User

KIND = "placement_consent_withdrawn"


@dataclass(frozen=True)
class Cancelled:
    """The interviews :func:`withdraw` cancelled: the booked ones' start times and how many
    offered times were taken back."""

    booked: tuple[datetime, ...] = ()
    offered: int = 0

    def message(self) -> str:
        """What the consultant is told ("" when nothing was cancelled), starting with a space."""
        parts = [f" Den aftalte samtale {spoken_time(start)} er aflyst, og virksomheden har "
                 "fået en kalenderaflysning (uden begrundelse)." for start in self.booked]
        if self.offered:
            parts.append(" De foreslåede samtaletider er trukket tilbage.")
        return "".join(parts)


def withdraw(proposal: Proposal, user: User, now: datetime | None = None) -> Cancelled:
    """consented/disclosed → withdrawn, cancelling the future interviews and telling the
    company that got the name first; commits.

    Returns:
        What was cancelled.

    Raises:
        TransitionError: there is no consent to withdraw, or the proposal changed since it
            was read (:func:`portal.proposals.lock`: the name was shared at the same moment;
            nothing is written, the consultant withdraws again).
    """
    cancelled: list[Cancelled] = []

    def cancel_and_tell(locked: Proposal) -> None:
        # Once the row is held: a disclosure committed meanwhile refuses this step, which would
        # otherwise not tell the company that just got the name.
        ahead = future_interviews(locked, now)
        cancelled.append(Cancelled(tuple(i.starts_at for i in ahead if i.status == "booked"),
                                   sum(1 for i in ahead if i.status == "offered")))
        for interview in ahead:
            cancel(interview, user, commit=False, require_release=False)
        recipients.tell(locked.citizen, "withdrawn", only=locked)  # who has the name until now
        tell_consultants(locked, user)

    proposals.withdraw(proposal, user, before_change=cancel_and_tell)  # commits it all in one
    return cancelled[0]



def tell_consultants(proposal: Proposal, actor: User) -> int:
    """Tell the citizen's VK and adviser (active consultants, not ``actor``, who knows) that the
    consent behind a placement running or planned was withdrawn, with the placement's page,
    where it is decided (end it, or record a new consent); adds to the caller's session.
    Nothing when the pair has no such placement, its end is registered (ahead) already, or the
    citizen's processing is restricted, as the follow-up list flags it. Returns how many were told."""
    placement = pair_placement(proposal)
    # as the follow-up list flags it (portal.placements.followup): nothing to decide when an end
    # is registered already, and nothing is asked while the processing is restricted (review BV 4)
    if placement is None or placement.end_reason is not None or proposal.citizen.restricted:
        return 0
    citizen, link = proposal.citizen, path_for("placements.consultant_detail", placement_id=placement.id)
    company = proposal.opening.company.name
    text = (f"{citizen.name} har trukket samtykket til »{shorten(proposal.opening.title, 80)}« tilbage, og "
            f"forløb nr. {placement.id} hos {company} står: afgør, om forløbet fortsætter")
    body = (f"{citizen.name} har trukket samtykket til »{proposal.opening.title}« tilbage. Forløb nr. "
            f"{placement.id} hos {company} står stadig, men virksomheden ser ikke længere navnet og har fået at "
            "vide, at jobcentret kontakter den om forløbet. Aftal med borgeren, hvad der skal ske, og afslut "
            "forløbet eller registrér et nyt samtykke på forløbets side.")
    told = 0
    for user in dict.fromkeys(u for u in (citizen.vk, citizen.adviser) if u is not None):
        if user.id == actor.id or user.role != "consultant":
            continue
        # the subject names no one: a mail outlives an erasure (portal.privacy.scrubbing.NAMING_KINDS)
        if notify(user, KIND, text, link, subject=f"Samtykke trukket tilbage i forløb nr. {placement.id}: "
                  "afgør, om det fortsætter", body=body, link_intro="Afgør det her") is not None:
            told += 1
    return told
