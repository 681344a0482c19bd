"""Booking an interview for a disclosed proposal: offer times, book one, move, cancel.

One side ("company" or "jobcenter") offers one to three times (:func:`offer`); the *other* side
books one of them (:func:`book`), which declines the rest. Moving a booked interview
(:func:`move`) offers new times and keeps the booking until the other side books one of them:
only then is the old time cancelled (a calendar CANCEL with its UID). Either side may cancel a
time that is not over yet (the web's »Aflys samtalen« and the API's
``POST …/interviews/<id>/cancel`` both call :func:`cancel`). Everything else here needs the
identity released (:mod:`.refusals`); only cancelling a time is open to the job centre at any
point.

Each step holds the pair's row first (:func:`portal.interviews.common.lock`), checks the rows as
they are then, and writes, notifies (:mod:`.notices`), sends the webhook and audits in one
transaction. The schema keeps one booked time per pair too (a partial unique index,
:data:`store.models.handoff.ONE_BOOKED_INDEX`, migration 0028): a second booking the lock did
not order (another writer) is refused by the database, and :func:`book` rolls its step back and
gives the same refusal.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import NoReturn

import sqlalchemy as sa

from ..extensions import db
from ..notifications.service import notify
from ..proposals import identity_released
from ..webhooks import events as webhook_events
from store import clock
from store.models import Interview, Proposal, User
from store.models.handoff import ONE_BOOKED_INDEX
from .common import InterviewError, as_utc, audit_step, lock, other_side, side_of, when
from .keeping import carry_keep
from .notices import CHOOSE_NEW_TIME, CHOOSE_TIME, link_for, offer_texts, recipients, tell_both
from .queries import booked, open_offers, over
from .refusals import (CANCEL_NOT_RELEASED, CANCEL_OVER, NOT_YOUR_OFFER, changed, check_held, check_opening,
                       check_released, chosen_already, not_open, other_chosen)
from .slots import Slot, check_slots


def offer(proposal: Proposal, user: User, slots: list[Slot], now: datetime | None = None,
          *, moving: bool = False) -> list[Interview]:
    """Offer 1–3 times from the user's side; earlier open offers are withdrawn (cancelled).

    ``moving``: the times replace the booked interview once the other side books one
    (:func:`move`); the booking stays until then.

    Raises:
        InterviewError: identity not released, an interview already booked (move it
            instead; also one booked meanwhile), or a slot breaks :func:`check_slots`.
    """
    lock(proposal)  # a time chosen meanwhile is booked now: it is not withdrawn as an open offer
    check_released(proposal)
    check_opening(proposal)
    check_held(proposal, user)
    current = booked(proposal)
    if current is not None and not moving:
        raise InterviewError(f"Der er allerede aftalt en samtale {when(current)}. "
                             "Flyt den i stedet for at foreslå nye tider.")
    check_slots(slots, now)
    side = side_of(user)
    for old in open_offers(proposal):
        old.status, old.decided_at = "cancelled", clock.utcnow()
    rows = [Interview(proposal_id=proposal.id, starts_at=as_utc(s.starts_at).astimezone(timezone.utc),
                      duration_minutes=s.duration_minutes, location=s.location.strip(),
                      offered_by=side, offered_by_id=user.id, uid=f"{uuid.uuid4()}@jobbro",
                      sequence=0) for s in slots]
    db.session.add_all(rows)
    db.session.flush()
    text, subject, body = offer_texts(proposal, side, current, rows)
    intro = CHOOSE_NEW_TIME if current is not None else CHOOSE_TIME
    for recipient in recipients(proposal, other_side(side)):
        link = link_for(proposal, recipient)
        notify(recipient, "interview_offered", text, link, subject=subject, body=body, link_intro=intro)
    audit_step(proposal, user, "interview_offered", f"times:{len(rows)};side:{side}")
    webhook_events.interview_offered(db.session, rows, replaces=current if moving else None)
    db.session.commit()
    return rows


def book(interview: Interview, user: User) -> Interview | None:
    """Book an offered time: the other side's offer; the proposal's other offers are declined.

    Returns:
        The interview this one replaces (a move: now cancelled), or None.

    Raises:
        InterviewError: not released, not an open offer (also: chosen, withdrawn or another
            time chosen meanwhile, :func:`lock`; no invitation goes out), offered by the
            user's own side, or the time has passed; or another time was booked by a writer the
            lock did not order, which the database refused (:data:`ONE_BOOKED_INDEX`): the step
            is rolled back (nothing written, no notice or mail queued) and refused as one
            chosen meanwhile.
    """
    proposal = interview.proposal
    lock(proposal)  # two choices at once: the second sees the first (review AF 1)
    check_released(proposal)
    check_opening(proposal)
    check_held(proposal, user)
    if interview.status != "offered":
        raise InterviewError(not_open(interview))
    if interview.offered_by == side_of(user):
        raise InterviewError("I har selv foreslået tiden; den anden part vælger en af jeres tider.")
    if as_utc(interview.starts_at) <= clock.utcnow():
        raise InterviewError("Tiden er overskredet. Foreslå en ny tid.")
    now = clock.utcnow()
    try:
        replaced = booked(proposal)  # a move: the old time ends only now that a new one is agreed
        if replaced is not None:
            cancel(replaced, user, moved=True, commit=False)
            db.session.flush()  # out of "booked" before the new time enters it (the index checks each row)
        interview.status, interview.decided_at = "booked", now
        db.session.flush()  # a second booked time is refused here, before anything is told
        if replaced is not None:
            carry_keep(proposal, replaced, interview)
        for other in open_offers(proposal):
            if other.id != interview.id:
                other.status, other.decided_at = "declined", now
        tell_both(proposal, interview, "REQUEST", f"Samtale aftalt {when(interview)}", user)
        webhook_events.interview_booked(db.session, interview, replaces=replaced)
        audit_step(proposal, user, "interview_booked", f"interview:{interview.id}")
        db.session.commit()
    except sa.exc.IntegrityError as error:
        _refuse_second_booking(interview, error)
    return replaced


def _refuse_second_booking(interview: Interview, error: sa.exc.IntegrityError) -> NoReturn:
    """Roll :func:`book`'s step back after ``error``; when it is :data:`ONE_BOOKED_INDEX`'s
    (another time of the pair was booked by a writer :func:`lock` did not order), refuse as
    :func:`not_open` does for a time chosen meanwhile. Any other IntegrityError is raised again.

    Raises:
        InterviewError: the pair has a booked time now (Danish; nothing was written or sent).
        sqlalchemy.exc.IntegrityError: ``error``, when it is not the index's.
    """
    db.session.rollback()  # the step, its notices, mails, webhook and audit event: all or nothing
    if not one_booked_refused(error):
        raise error
    agreed = booked(interview.proposal)  # as committed now
    moment = when(interview)
    if agreed is not None and agreed.id == interview.id:
        raise InterviewError(chosen_already(moment)) from None
    if agreed is not None:
        raise InterviewError(other_chosen(moment, agreed)) from None
    raise InterviewError(f"Der blev valgt en anden tid samtidig, så tiden {moment} er ikke valgt, og der er ikke "
                         "sendt en invitation til den. Se samtaletiderne igen.") from None


def one_booked_refused(error: sa.exc.IntegrityError) -> bool:
    """Whether ``error`` is the partial unique index's: PostgreSQL names the index, SQLite the
    column it covers (the interview table has no other unique index on it)."""
    text = str(error.orig)
    return ONE_BOOKED_INDEX in text or "interview.proposal_id" in text


def cancel(interview: Interview, user: User, *, moved: bool = False, commit: bool = True,
           require_release: bool = True, expected: str | None = None, tell_company: bool = True) -> None:
    """Cancel a booked or offered time; a booked one sends both sides a calendar CANCEL.

    The job centre may cancel whether or not the name is shared now: cancelling only takes a
    time out of both calendars (the calendar file never names the citizen), and a time booked
    before the consent lapsed or the name was withheld must still be cancellable from the
    consultant's list (review AC 4). ``require_release=False`` is for the job centre ending
    the proposal (the citizen's case closed, the opening done): the webhook then says so.

    A time that is over (:func:`over`) is refused: a held interview stays as it happened (its
    outcome is still to be reported), and an offered time that has begun can no longer be
    chosen. Only a move (``moved``) cancels the booked time it replaces whenever that is.

    ``expected``: the status the user acted on (the page's »Træk tiden tilbage« is for an
    offered time, »Aflys samtalen« for a booked one); by default the status as the caller read
    it. Once :func:`lock` is held, a time that is no longer so (chosen, cancelled, or another
    time chosen meanwhile) is refused with what happened, and nothing is sent (review AF 2: a
    time withdrawn while the company chose it was left booked, or cancelled after the company
    got the invitation and with no calendar cancellation). The job centre ending the proposal
    (``require_release=False``) instead cancels what it finds: a time booked meanwhile gets its
    calendar CANCEL, one no longer booked or offered is left as it is.

    ``tell_company=False`` (the job centre ending the proposal, with the caller telling the
    company in one notice that the candidate is no longer aktuel and the interview cancelled,
    :func:`portal.notifications.candidate_news.announce_ended`): the company's users get no
    notice of their own here; the caller sends them the calendar CANCEL
    (:func:`portal.interviews.notices.calendar`) with its notice. The job centre's side is told
    as always.

    Raises:
        InterviewError: a company user while the name is not shared, the time is neither
            booked nor offered, it changed meanwhile (``expected``), or it is over
            (:data:`CANCEL_OVER`).
    """
    proposal = interview.proposal
    seen = expected or interview.status
    lock(proposal)
    if not _cancellable(interview, user, seen, moved=moved, ending=not require_release):
        return
    was_booked = interview.status == "booked"
    interview.status, interview.decided_at = "cancelled", clock.utcnow()
    if was_booked:  # only a booked time is in anybody's calendar: its CANCEL needs a new sequence
        interview.sequence += 1
        verb = "flyttet; den gamle tid er aflyst" if moved else "aflyst"
        tell_both(proposal, interview, "CANCEL", f"Samtalen {when(interview)} er {verb}", user,
                  company=tell_company)
        webhook_events.interview_cancelled(db.session, interview, moved=moved, ending=not require_release)
    audit_step(proposal, user, "interview_moved" if moved else "interview_cancelled", f"interview:{interview.id}")
    if commit:
        db.session.commit()


def _cancellable(interview: Interview, user: User, seen: str, *, moved: bool, ending: bool) -> bool:
    """:func:`cancel`'s checks once the lock is held: True to cancel, False when the job centre
    ``ending`` the proposal finds nothing left to cancel.

    Raises:
        InterviewError: as :func:`cancel`.
    """
    if not ending and side_of(user) == "company" and not identity_released(interview.proposal):
        raise InterviewError(CANCEL_NOT_RELEASED)  # not »Samtaler kan først aftales …«: review AH 8
    if ending:  # whatever is still ahead goes
        if interview.status not in ("booked", "offered"):
            return False
    elif interview.status != seen:
        raise InterviewError(changed(interview, seen))
    if interview.status not in ("booked", "offered"):
        raise InterviewError("Samtalen er allerede aflyst eller afvist.")
    if not ending and interview.status == "offered" and interview.offered_by != side_of(user):
        # only the side that offered a time withdraws it; the other chooses it or offers others
        # (review AH 3: the API let a company cancel the job centre's offer unseen)
        raise InterviewError(NOT_YOUR_OFFER[side_of(user)])
    if not moved and over(interview):
        raise InterviewError(CANCEL_OVER[interview.status])
    return True


def move(interview: Interview, user: User, slots: list[Slot], now: datetime | None = None) -> list[Interview]:
    """Propose new times for a booked interview; it stays booked until the other side books
    one of them (:func:`book` then cancels it), so there is never a gap with no interview.

    Raises:
        InterviewError: the interview is not booked (also: moved or cancelled meanwhile,
            :func:`lock`), or as :func:`offer`.
    """
    seen = interview.status
    lock(interview.proposal)
    if seen == "booked" and interview.status != "booked":
        raise InterviewError(changed(interview, seen))
    if interview.status != "booked":
        raise InterviewError("Kun en aftalt samtale kan flyttes.")
    return offer(interview.proposal, user, slots, now, moving=True)
