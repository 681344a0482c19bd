"""The jobmål the company reads for a candidate before consent: ``Proposal.shared_goal``.

One of the citizen's own jobmål, cut to its job title, that the consultant chose
(:func:`shared_goal_choices`; checked by :func:`check_shared_goal`, stored by
:func:`set_shared_goal`). Never free text: a typed text could hold a name, a CPR number or a
health detail, and the company would read it as a fact of the match. A title holding a
private detail (:mod:`portal.private_details`) is not offered. What the company is shown is
:func:`shown_goal`: a stored text that is not (or no longer) one of the choices, such as a
free text saved before the choice existed or a jobmål since removed, is not shown, and the
company reads "Foreslået af jobcentret til dette opslag", as when none was chosen.

:func:`set_shared_goal` changes the proposal without moving its status and commits, as the
steps of the state machine do (:mod:`portal.proposals`, whose rules it follows).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from . import private_details
from .proposals import ENDED, RESTRICTED_MESSAGE, TransitionError, commit_step, sharing_refusal
from store.models import Citizen, Proposal, User
from store.models.vocab import PROPOSAL_STATUSES

MAX_SHARED_GOAL_LENGTH = 120
# Free-text qualifiers after a job title: parentheses, or what follows a comma, semicolon,
# colon, slash or a free-standing dash. A dash that ends a word is Danish shorthand, not a
# qualifier: »Social- og sundhedshjælper«, »Jord- og betonarbejder«.
_QUALIFIER = re.compile(r"\s*(?:[(\[].*|[,;:/]\s.*|(?<!\w)[–-]\s.*)$", re.DOTALL)


@dataclass(frozen=True)
class GoalChoice:
    """A jobmål the consultant may show the company: the job title, and whether the match
    found it (``matched``: the company reads "Jobmål der matcher", else "Kandidatens jobmål")."""

    title: str
    matched: bool


def job_title(goal: str) -> str:
    """A jobmål cut to its job title: parentheses and what follows a comma, colon or a
    free-standing dash are dropped (»Kok (gerne kantine)« → »Kok«)."""
    return _QUALIFIER.sub("", " ".join(str(goal).split())).strip()


def matched_goals(proposal: Proposal) -> tuple[str, ...]:
    """The jobmål the match found when the proposal was decided (its stored explanation)."""
    return tuple((proposal.explanation or {}).get("matched_goals") or ())


def shared_goal_choices(citizen: Citizen, matched: Iterable[str] = ()) -> list[GoalChoice]:
    """The jobmål the consultant may show the company for ``citizen``: each of the citizen's
    jobmål as its job title (:func:`job_title`), those the match found (``matched``) first.

    A title that holds a private detail (:func:`portal.private_details.find`: health, benefit,
    age, origin, the citizen's own name ...) or is not 2-120 characters long is left out: the
    jobmål should be put right on the citizen's page.
    """
    found = {job_title(goal) for goal in matched}
    titles = list(dict.fromkeys(job_title(goal.title) for goal in citizen.job_goals))
    return [GoalChoice(title, title in found)
            for title in sorted(titles, key=lambda title: title not in found)
            if 2 <= len(title) <= MAX_SHARED_GOAL_LENGTH and not private_details.find(title, citizen)]


def check_shared_goal(text: str, citizen: Citizen, matched: Iterable[str] = ()) -> str:
    """The jobmål to show the company for ``citizen``, one of :func:`shared_goal_choices`;
    "" means none (the company reads "Foreslået af jobcentret til dette opslag").

    Raises:
        TransitionError: (field ``shared_goal``) the text is not one of the choices; the
            message names the private detail when it holds one.
    """
    text = " ".join((text or "").split())
    if not text or text in {choice.title for choice in shared_goal_choices(citizen, matched)}:
        return text
    shown = text if len(text) <= MAX_SHARED_GOAL_LENGTH else text[:MAX_SHARED_GOAL_LENGTH] + " …"
    if details := private_details.find(text, citizen):
        raise TransitionError(
            f"»{shown}« kan ikke vises for virksomheden: det indeholder {private_details.describe(details)}. "
            "Vælg et andet af borgerens jobmål, eller intet.", "shared_goal")
    raise TransitionError(f"»{shown}« er ikke et af borgerens jobmål. Vælg et jobmål på listen, eller intet; "
                          "mangler et, så tilføj det på borgerens side.", "shared_goal")


def shown_goal(proposal: Proposal) -> GoalChoice | None:
    """The jobmål the company is shown for ``proposal``, or None.

    The stored text is shown only while it is one of :func:`shared_goal_choices` for the
    citizen now. A text stored before the consultant chose from a list (free text), or a
    jobmål since removed or renamed on the citizen's page, is not shown: the company reads
    "Foreslået af jobcentret til dette opslag", as when none was chosen.
    """
    if not proposal.shared_goal:
        return None
    for choice in shared_goal_choices(proposal.citizen, matched_goals(proposal)):
        if choice.title == proposal.shared_goal:
            return choice
    return None


def suggest_shared_goal(goals: Iterable[str]) -> str:
    """A suggestion: the first of ``goals`` (the jobmål the match found) cut to its job title
    (:func:`job_title`); a title that holds a health word is not suggested ("").

    Where the citizen is at hand, :func:`shared_goal_choices` is the rule (it also knows the
    citizen's name and the other private details); this serves the demo data, built from the
    match alone.
    """
    for goal in goals:
        title = job_title(goal)
        if 2 <= len(title) <= MAX_SHARED_GOAL_LENGTH and not private_details.find(title):
            return title
    return ""


def set_shared_goal(proposal: Proposal, user: User, text: str) -> None:
    """Store the jobmål the consultant chose for the company (any state but rejected or ended).

    Raises:
        TransitionError: if the proposal is rejected or ended, nothing may be shared now
            (:func:`portal.proposals.sharing_refusal`: restricted processing, a filled or closed
            opening without a hire), or the text is refused (see :func:`check_shared_goal`).
    """
    if proposal.status == "rejected":
        raise TransitionError("Forslaget er fravalgt; virksomheden ser det ikke.")
    if proposal.citizen.restricted:
        raise TransitionError(RESTRICTED_MESSAGE)
    if proposal.status in ENDED:
        raise TransitionError(f"Forslaget er {PROPOSAL_STATUSES[proposal.status].lower()}.")
    if refused := sharing_refusal(proposal):  # a filled or closed opening without a hire
        raise TransitionError(refused)
    proposal.shared_goal = check_shared_goal(text, proposal.citizen, matched_goals(proposal))
    commit_step(proposal, "proposal_shared_goal", "shared jobmål approved", user)
