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
from store.models import Proposal, User


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

    proposals.withdraw(proposal, user, before_change=cancel_and_tell)  # commits it all in one
    return cancelled[0]

