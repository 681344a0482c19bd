"""The rules a step on the pair's times checks first, and why it is refused, in Danish.

Everything about a new time needs the identity released (disclosed with a live consent):
before that the company does not know who it would meet (:func:`check_released`). A filled or
closed opening gets no new interview for a candidate who is no hire (:func:`check_opening`), nor
does a candidate a change of the opening's requirements put on hold
(:func:`portal.proposals_hold.is_held`; :func:`check_held`) until the opening fits it again or
the job centre ends it. A time already agreed can still be cancelled.

A step refused because the rows changed while the user looked at them (:func:`not_open`,
:func:`changed`) says what happened, as the rows stand once
:func:`portal.interviews.common.lock` is held; nothing was sent.
"""
from __future__ import annotations

from .. import proposals_hold
from ..proposals import ON_HOLD_TEXT, OPENING_DONE, identity_released, sharing_refusal
from store.models import Interview, Proposal, User
from .common import InterviewError, side_of, when
from .queries import booked

# Why a time that is over cannot be cancelled (portal.interviews.booking.cancel), by its status.
CANCEL_OVER = {"booked": "Samtalen er allerede holdt og kan ikke længere aflyses.",
               "offered": "Tiden er overskredet og kan ikke længere vælges eller aflyses."}
CANCEL_NOT_RELEASED = ("Navnet er ikke delt med jer lige nu, så I kan ikke aflyse samtalen her. Kontakt "
                       "jobcentret, som kan aflyse den.")
# A time offered by the other side is chosen, or answered with other times; never withdrawn by
# the side it was offered to.
NOT_YOUR_OFFER = {
    "company": ("Tiden er foreslået af jobcentret, så I kan ikke trække den tilbage. Vælg den, eller foreslå "
                "andre tider, så kan jobcentret vælge en af dem."),
    "jobcenter": ("Tiden er foreslået af virksomheden, så jobcentret kan ikke trække den tilbage. Vælg den, "
                  "eller foreslå andre tider."),
}
# Why a held candidate gets no new interview, as each side may read it: the company never why.
HELD_FOR_COMPANY = f"{ON_HOLD_TEXT}. Der aftales ikke samtaler om kandidaten."
HELD_FOR_JOBCENTER = ("Opslagets krav er ændret, og borgeren opfylder dem ikke længere, så kandidaten "
                      "er sat i bero, og der aftales ikke samtaler. Tal med virksomheden, eller afslut forslaget.")


def check_released(proposal: Proposal) -> None:
    """Raises InterviewError: the name is not shared with the company under a live consent."""
    if not identity_released(proposal):
        raise InterviewError("Samtaler kan først aftales, når borgeren har givet samtykke, "
                             "og jobcentret har delt navnet med virksomheden.")


def check_opening(proposal: Proposal) -> None:
    """No new interview on a filled or closed opening for a candidate who is no hire
    (:func:`portal.proposals.sharing_refusal`); a booked one can still be cancelled."""
    if proposal.opening.status in OPENING_DONE and sharing_refusal(proposal):
        state = "besat" if proposal.opening.status == "filled" else "lukket"
        raise InterviewError(f"Opslaget er {state}, så der aftales ikke samtaler om det.")


def check_held(proposal: Proposal, user: User) -> None:
    """No new interview for a candidate on hold after a change of the opening's requirements
    (:func:`portal.proposals_hold.is_held`); a booked one can still be cancelled.

    Raises:
        InterviewError: the candidate is on hold (the company is not told why).
    """
    if proposals_hold.is_held(proposal):
        raise InterviewError(HELD_FOR_COMPANY if side_of(user) == "company" else HELD_FOR_JOBCENTER)


def not_open(interview: Interview) -> str:
    """Why a time can no longer be chosen, as the rows stand once the lock is held."""
    moment = when(interview)
    if interview.status == "booked":
        return chosen_already(moment)
    agreed = booked(interview.proposal)
    if interview.status == "declined" and agreed is not None:
        return other_chosen(moment, agreed)
    return (f"Tiden {moment} er trukket tilbage eller aflyst, så den kan ikke længere vælges. "
            "Der er ikke sendt en invitation.")


def chosen_already(moment: str) -> str:
    return f"Tiden {moment} er allerede valgt, så samtalen er aftalt. Der er ikke sendt en ny invitation."


def other_chosen(moment: str, agreed: Interview) -> str:
    return (f"Der er netop valgt en anden tid, så samtalen er aftalt {when(agreed)}. Tiden {moment} "
            "er ikke valgt, og der er ikke sendt en invitation til den.")


def changed(interview: Interview, seen: str) -> str:
    """Why a cancellation (or a keep) is refused: the time is no longer ``seen`` (the status the
    user acted on), as the rows stand once the lock is held. Nothing was sent."""
    moment = when(interview)
    agreed = booked(interview.proposal)
    if interview.status == "booked":
        return (f"Tiden {moment} er netop blevet valgt, så samtalen er aftalt, og begge parter har fået en "
                "kalenderinvitation. Den er ikke aflyst. Skal den ikke holdes, så aflys den under "
                "»Jobsamtale«; så får begge parter en aflysning til kalenderen.")
    if interview.status == "declined":
        chosen = f", så samtalen er aftalt {when(agreed)}" if agreed is not None else ""
        return f"Der er netop valgt en anden tid{chosen}. Tiden {moment} er ikke længere foreslået. Intet er ændret."
    if seen == "booked" and agreed is not None:
        return (f"Samtalen er netop flyttet til {when(agreed)}; den gamle tid {moment} er aflyst. "
                "Intet er ændret.")
    return f"Tiden {moment} er allerede aflyst eller trukket tilbage. Intet er ændret."
