"""Who is told of an interview step, and what they read.

The company side is every active user of the opening's company; the job-centre side is the
citizen's consultants (VK and adviser) and the consultant who approved the proposal
(:func:`recipients`); never the user who took the step (the page offers them the calendar
file). A booked or cancelled time goes to both sides with its iCalendar document (:func:`calendar`,
from :mod:`.ics`); offered times go to the other side with a mail listing them
(:func:`offer_texts`). Everything goes through :func:`portal.notifications.service.notify`.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from ..extensions import db
from ..notifications.service import TEXT_MAX, notify, shorten
from store.models import Interview, Proposal, User
from . import ics
from .common import when

# The words before the link that ends a mail offering times (:func:`portal.notifications.service.mail_body`
# frames every mail with it): the body says what to do, the link line says where (review AE 4: the
# body used to end »Vælg … i portalen:« with nothing after the colon, then the link line).
CHOOSE_TIME = "Vælg en af tiderne her"
CHOOSE_NEW_TIME = "Vælg en af de nye tider her"


def recipients(proposal: Proposal, side: str) -> list[User]:
    """The users told for one side: the company's active users, or the job centre's: the
    citizen's VK and adviser and the consultant who approved the proposal
    (``Proposal.decided_by_id``: who made the match and whom the company was shown as its
    contact, often not the citizen's VK; review AC 3), each active one once."""
    if side == "company":
        return list(db.session.scalars(
            sa.select(User).where(User.company_id == proposal.opening.company_id, User.active)
            .order_by(User.id)))
    citizen = proposal.citizen
    proposer = db.session.get(User, proposal.decided_by_id) if proposal.decided_by_id is not None else None
    staff = [u for u in (citizen.vk, citizen.adviser, proposer)
             if u is not None and u.active and u.role in ("consultant", "admin")]
    return list({u.id: u for u in staff}.values())


def calendar(interview: Interview, method: str | None = None) -> str:
    """The interview's iCalendar document (REQUEST while booked/offered, CANCEL once cancelled)."""
    proposal = interview.proposal
    method = method or ("CANCEL" if interview.status in ("cancelled", "declined") else "REQUEST")
    people = recipients(proposal, "company") + recipients(proposal, "jobcenter")
    return ics.invitation(interview, method, title=proposal.opening.title,
                          company=proposal.opening.company.name, attendees=people)


def tell_both(proposal: Proposal, interview: Interview, method: str, text: str, actor: User, *,
              company: bool = True) -> None:
    """Both sides, with the calendar document. ``actor`` gets it too (a booking belongs in their
    own calendar as well), but as already read: nobody is told about their own step.
    ``company=False``: the job centre's side only (the caller tells the company)."""
    document = calendar(interview, method)
    room = TEXT_MAX - len(f"{text}: »«, {interview.location}")  # the time and place before the title
    line = f"{text}: »{shorten(proposal.opening.title, max(room, 12))}«, {interview.location}"
    for recipient in (recipients(proposal, "company") if company else []) + recipients(proposal, "jobcenter"):
        notify(recipient, "interview_booked", line, link_for(proposal, recipient), ics=document,
               read=recipient.id == actor.id)


def offer_texts(proposal: Proposal, side: str, current: Interview | None,
                rows: list[Interview]) -> tuple[str, str, str]:
    """The notice line, the mail's subject and its body (without the link) for times offered by
    ``side``, as the other side reads them.

    The times are what the reader needs: the line keeps every one of them and shortens the
    opening's title (with "…") to fit :data:`TEXT_MAX`; the subject is short and names no
    time; the body lists the times one per line and ends in a full sentence (the link line
    :data:`CHOOSE_TIME` / :data:`CHOOSE_NEW_TIME` follows it). Each side is addressed as the
    portal addresses it (review BI 8): the company as »I«, told that the job centre proposed;
    staff as »du«, told which company proposed and for which candidate (several candidates
    can be on one opening).
    """
    title = proposal.opening.title
    times = ", ".join(when(r) for r in rows)
    listed = "\n".join(f"- {when(r)}" for r in rows)
    if side == "company":  # read by the job centre's staff
        who, about, you = proposal.opening.company.name, f" med {proposal.citizen.name}", "du"
    else:  # read by the company
        who, about, you = "Jobcentret", "", "I"
    if current is not None:
        def line(shown: str) -> str:
            return (f"{who} foreslår at flytte samtalen{about} {when(current)} om »{shown}«: {times}. "
                    f"Den aftalte tid gælder, indtil {you} vælger en ny.")
        subject = f"Nye tider til samtalen om »{shorten(title, 80)}«"
        body = (f"{who} har foreslået nye tider til samtalen{about} {when(current)} om »{title}«:\n\n"
                f"{listed}\n\nDen aftalte tid gælder, indtil {you} vælger en af de nye tider.")
    else:
        def line(shown: str) -> str:
            return f"{who} foreslår tider til en samtale{about} om »{shown}«: {times}"
        subject = f"Forslag til samtaletider om »{shorten(title, 80)}«"
        body = f"{who} har foreslået tider til en samtale{about} om »{title}«:\n\n{listed}"
    room = TEXT_MAX - len(line(""))
    return line(shorten(title, max(room, 12))), subject, body


def link_for(proposal: Proposal, recipient: User) -> str:
    """Where ``recipient`` acts on the pair's interviews: the company's candidate page, or the
    job centre's proposal page."""
    if recipient.role == "company":
        return url_for("openings.candidate", opening_id=proposal.opening_id, proposal_id=proposal.id)
    return url_for("candidates.proposal", proposal_id=proposal.id)
