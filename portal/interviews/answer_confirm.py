"""The second step of a company's answer: asked before an answer into or out of "hired", and
before a hire or a "no" while an interview is booked and still ahead (cancel it or keep it).

The rule of when it is asked is :func:`portal.interviews.answers.needs_confirmation` and
:class:`~portal.interviews.answers.BookingChoiceNeeded`; both the answer on the candidate card
(:mod:`portal.openings.responses`) and the interview's outcome (:mod:`.routes`) show this page,
so it lives beside the rule and neither area imports the other's views.
"""
from __future__ import annotations

from flask import render_template, request

from .. import proposals
from ..pseudonyms import pseudonym
from store.models import Proposal
from store.models.vocab import COMPANY_RESPONSES
from .answers import interview_in_question


def confirmed() -> bool:
    """The form came from the confirmation page (:func:`confirm_page`)."""
    return request.form.get("confirmed") == "1"


def confirm_page(proposal: Proposal, response: str, back: str, fields: dict[str, str],
                 error: str = "") -> str | tuple[str, int]:
    """The second step before an answer into or out of "hired": what it sets going, and the
    same ``fields`` posted again to the current URL with ``confirmed=1``; ``back`` cancels.

    A hire or a no with an interview booked and not yet held also asks whether to cancel it or
    keep it (``interview``: :data:`portal.interviews.answers.BOOKING_CHOICES`, asked about the
    interview :func:`portal.interviews.answers.interview_in_question` finds); ``error``: that
    answer was missing (status 400).
    """
    name = proposal.citizen.name if proposals.identity_released(proposal) else None
    upcoming = interview_in_question(proposal, response)
    page = render_template("openings/answer_confirm.html", opening=proposal.opening,
                           who=name or pseudonym(proposal.citizen_id, proposal.opening_id),
                           response=response, label=COMPANY_RESPONSES.get(response, response),
                           previous=proposal.company_response,
                           action=request.path, fields=fields, back=back, upcoming=upcoming, error=error)
    return (page, 400) if error else page
