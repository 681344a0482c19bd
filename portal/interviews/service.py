"""Interview booking for a disclosed proposal: offer times, book one, move, cancel.

One side ("company" or "jobcenter") offers one to three times; the *other* side books one
of them, which declines the rest. Moving a booked interview offers new times and keeps the
booking until the other side books one of them: only then is the old time cancelled (a
calendar CANCEL with its UID). Either side may cancel a time that is not over yet (the web's
»Aflys samtalen« and the API's ``POST …/interviews/<id>/cancel`` both call :func:`cancel`).
Everything here needs the identity released (disclosed with a live consent): before that the
company does not know who it would meet. Only cancelling a time is open to the job centre at
any point (:func:`cancel`).

Each function checks its rules first and raises :class:`InterviewError` (a Danish message
for the page) without writing anything; otherwise it changes the rows, adds the audit event
and the notifications (:func:`portal.notifications.service.notify`, with the iCalendar
invitation from :mod:`.ics`) and commits, all in one transaction.

Two people may act on the same pair's times at once (two company users choosing different
times, the company choosing a time while the consultant withdraws it). Every step that changes
a time therefore first holds the proposal's row (:func:`lock`) and checks the rows as they are
then, not as the request read them: the second step waits for the first, sees what it did and
is refused with what happened (no invitation or cancellation goes out for it), so at most one
time is ever booked and the calendars get what matches the final state (review AF 1, 2). The
schema says so too (a partial unique index, :data:`store.models.handoff.ONE_BOOKED_INDEX`,
migration 0028): a second booking the lock did not order (another writer) is refused by the
database, and :func:`book` rolls its step back and gives the same refusal.

A company's answer (:func:`answer`) is the one place that decides what a hire or a no does to
an interview booked and still ahead: the company chooses to cancel it or keep it
(:data:`BOOKING_CHOICES`), and without that choice nothing is stored (:class:`BookingChoiceNeeded`).
The web's answer form and the API both call it, so the same answer has the same effect on both.
A kept interview is stored (:data:`KEPT`, a mark on the proposal, audited ``interview_kept``), as is
the job centre's own »Behold samtalen« (:func:`keep`) on an interview that stands although the pair
has stopped (:data:`STANDING_CAUSES`): the consultant's start page then shows it as agreed, without
asking again to cancel or keep it (review AR 4).

A candidate a change of the opening's requirements put on hold
(:func:`portal.proposals_hold.is_held`) gets no new time offered or chosen and no answer
(:func:`check_held`, :func:`check_answer`) until the opening fits it again or the job centre ends
it; a time already agreed can still be cancelled.

Who is told: the company side is every active user of the opening's company; the job-centre
side is the citizen's consultants (VK and adviser) and the consultant who approved the proposal
(:func:`recipients`); never the user who took the step (the page offers them the calendar file).
"""
from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import NoReturn

import sqlalchemy as sa
from babel import dates as babel_dates
from flask import url_for

from .. import audit
from ..extensions import db
from ..notifications.service import TEXT_MAX, notify, shorten
from .. import proposals_hold
from ..proposals import (ON_HOLD_TEXT, OPENING_DONE, TransitionError, identity_released, placement_started,
                         respond, sharing_refusal)
from ..webhooks import events as webhook_events
from store import clock
from store.models import Interview, Proposal, User
from store.models.handoff import ONE_BOOKED_INDEX
from store.models.vocab import COMPANY_RESPONSES, DECLINED_AFTER_INTERVIEW
from . import ics

MAX_SLOTS = 3
MIN_MINUTES, MAX_MINUTES = 15, 480
MAX_LOCATION = 200
# Interviews lie within an ordinary (long) working day, Danish local time: a start at 00:42
# is a typing slip, not an appointment (review finding).
DAY_STARTS, DAY_ENDS = time(6, 0), time(22, 0)
OUTSIDE_DAY = (f"Samtaler holdes mellem kl. {DAY_STARTS:%H.%M} og {DAY_ENDS:%H.%M} (dansk tid). "
               "Vælg et klokkeslæt inden for det tidsrum.")
SIDES = ("company", "jobcenter")
# The company's answer as it reads after a held interview (the outcome form's choices).
OUTCOME_LABELS = {"hired": "Ansat", "declined": "Ikke ansat"}
# An earlier time as the booking history shows it: "declined" is an offered time the other
# side did not choose (another one was booked), not one anybody turned down.
HISTORY_LABELS = {"declined": "Ikke valgt", "cancelled": "Aflyst"}


class InterviewError(ValueError):
    """The step is not allowed (Danish message); nothing was written."""


def lock(proposal: Proposal) -> None:
    """Hold ``proposal``'s row until the commit, then read it and its interview rows again.

    A step on the pair's times checks their status and then writes it. Read at the start of
    the request, two steps at once both passed: two »Vælg« on different times booked both, and
    »Vælg« and »Træk tiden tilbage« on one time both said they worked (review AF 1, 2). Every
    step that changes a time takes this lock first and checks the rows as they are once it
    holds it, so the second waits for the first and sees what it did. A no-op write rather than
    SELECT ... FOR UPDATE, which SQLite ignores: PostgreSQL takes the row lock, SQLite the
    database's write lock (as :func:`portal.placements.lifecycle._lock_opening` does). Taking it
    again in the same transaction only reads the rows again.

    The lock orders the portal's own steps; the partial unique index
    :data:`store.models.handoff.ONE_BOOKED_INDEX` (``UNIQUE (proposal_id) WHERE status =
    'booked'``, migration 0028) refuses a second booked time from anyone else (:func:`book`).
    """
    table = Proposal.__table__
    db.session.execute(sa.update(table).where(table.c.id == proposal.id)
                       .values(status=table.c.status, updated_at=table.c.updated_at))
    # populate_existing: the objects the request already holds get the committed values (the
    # select flushes the caller's pending changes first, so none are lost).
    db.session.scalars(sa.select(Proposal).where(Proposal.id == proposal.id)
                       .execution_options(populate_existing=True)).all()
    db.session.scalars(sa.select(Interview).where(Interview.proposal_id == proposal.id)
                       .execution_options(populate_existing=True)).all()


# What a hire or a no does to the interview still ahead: the company's choice (:func:`answer`).
BOOKING_CHOICES = ("cancel", "keep")
CHOICE_MISSING = "Vælg, om den aftalte samtale skal aflyses eller blive stående."


class BookingChoiceNeeded(InterviewError):
    """The answer would end the booking of ``interview`` (booked, still ahead, shown to the
    company), and no choice (:data:`BOOKING_CHOICES`) was given; nothing was written."""

    def __init__(self, interview: Interview) -> None:
        super().__init__(CHOICE_MISSING)
        self.interview = interview


@dataclass(frozen=True)
class Slot:
    """One offered time: start (aware, any zone; stored as UTC), length and place."""

    starts_at: datetime
    duration_minutes: int
    location: str


def side_of(user: User) -> str:
    """The booking side a user acts for: a company user is "company", staff "jobcenter"."""
    return "company" if user.role == "company" else "jobcenter"


def other_side(side: str) -> str:
    return "jobcenter" if side == "company" else "company"


def interviews(proposal: Proposal) -> list[Interview]:
    """All interview rows of a proposal, oldest first."""
    return list(db.session.scalars(
        sa.select(Interview).where(Interview.proposal_id == proposal.id)
        .order_by(Interview.starts_at, Interview.id)))


def future_interviews(proposal: Proposal, now: datetime | None = None) -> list[Interview]:
    """The proposal's interviews still ahead, offered or booked: what withdrawing the consent
    or closing the case cancels (past ones stay as they happened)."""
    now = now or clock.utcnow()
    return [i for i in interviews(proposal) if i.status in ("offered", "booked") and _aware(i.starts_at) > now]


def interviews_by_proposal(proposal_ids: list[int]) -> dict[int, list[Interview]]:
    """The interview rows of many proposals in one statement: proposal id → rows, oldest first.

    Proposals without interviews map to an empty list. Use with :func:`booked_among` and
    :func:`offered_among` for a list page instead of :func:`booked` per proposal.
    """
    found: dict[int, list[Interview]] = {pid: [] for pid in proposal_ids}
    if proposal_ids:
        for row in db.session.scalars(
                sa.select(Interview).where(Interview.proposal_id.in_(proposal_ids))
                .order_by(Interview.starts_at, Interview.id)):
            found[row.proposal_id].append(row)
    return found


def booked_among(rows: list[Interview]) -> Interview | None:
    """The booked one of a proposal's interview rows, if any."""
    return next((i for i in rows if i.status == "booked"), None)


def offered_among(rows: list[Interview]) -> list[Interview]:
    """The rows offered and not yet booked, declined or cancelled."""
    return [i for i in rows if i.status == "offered"]


def booked(proposal: Proposal) -> Interview | None:
    """The proposal's booked interview, if any (at most one is booked at a time)."""
    return booked_among(interviews(proposal))


def open_offers(proposal: Proposal) -> list[Interview]:
    """Times offered and not yet booked, declined or cancelled."""
    return offered_among(interviews(proposal))


def in_calendars(interview: Interview) -> bool:
    """Whether the interview was ever booked, so it has a calendar file: the invitation while
    booked, the cancellation once a booked time was cancelled (:func:`cancel` raises the sequence
    only then). An offered time that was never chosen was never in a calendar."""
    return interview.status == "booked" or (interview.status == "cancelled" and interview.sequence > 0)


def history_label(interview: Interview) -> str:
    """An earlier time as the booking history names it: "Ikke valgt" (another offered time was
    booked), "Aflyst" (a booked time cancelled) or "Trukket tilbage" (an offer withdrawn)."""
    if interview.status == "cancelled" and not in_calendars(interview):
        return "Trukket tilbage"
    return HISTORY_LABELS[interview.status]


def other_party(proposal: Proposal, user: User) -> str:
    """Who the user's step is sent to, as the confirmation names it: "jobcentret" for a company
    user, the company's name for staff."""
    return "jobcentret" if side_of(user) == "company" else proposal.opening.company.name


def upcoming_booked(proposal: Proposal) -> Interview | None:
    """The proposal's booked interview if it has not been held yet."""
    item = booked(proposal)
    return item if item is not None and not held(item) else None


def ends_at(interview: Interview) -> datetime:
    return _aware(interview.starts_at) + timedelta(minutes=interview.duration_minutes)


def held(item: Interview | None, now: datetime | None = None) -> bool:
    """Whether ``item`` is a booked interview whose time is over."""
    return item is not None and item.status == "booked" and ends_at(item) <= (now or clock.utcnow())


def answer_label(proposal: Proposal, item: Interview | None) -> str:
    """The company's answer in words: after the held interview ``item`` "Ansat" / "Ikke ansat"."""
    response = proposal.company_response
    if held(item) and response in OUTCOME_LABELS:
        return OUTCOME_LABELS[response]
    return COMPANY_RESPONSES.get(response, "") if response else ""


def held_among(proposal_ids, now: datetime | None = None) -> set[int]:
    """The ids among ``proposal_ids`` whose booked interview is over (one query): their
    "declined" is the outcome after the interview (:data:`DECLINED_AFTER_INTERVIEW`)."""
    ids = list(proposal_ids)
    if not ids:
        return set()
    rows = db.session.scalars(sa.select(Interview).where(Interview.proposal_id.in_(ids),
                                                         Interview.status == "booked"))
    return {row.proposal_id for row in rows if held(row, now)}


def response_label(response: str | None, after_interview: bool) -> str:
    """The company's answer as a row or card says it: "declined" after a held interview is
    "Ikke ansat efter samtalen", not "Ikke interesseret"."""
    if not response:
        return ""
    if response == "declined" and after_interview:
        return DECLINED_AFTER_INTERVIEW
    return COMPANY_RESPONSES.get(response, "")


def outcome_due(proposal: Proposal, now: datetime | None = None) -> bool:
    """A booked interview has ended and the company has not reported hired or not hired."""
    item = booked(proposal)
    return (item is not None and ends_at(item) <= (now or clock.utcnow())
            and proposal.company_response not in ("hired", "declined"))


def within_day(start: datetime, minutes: int) -> bool:
    """Whether an interview from ``start`` lasting ``minutes`` lies between :data:`DAY_STARTS`
    and :data:`DAY_ENDS` on its day, Danish local time."""
    local = _aware(start).astimezone(clock.LOCAL)
    begins = datetime.combine(local.date(), DAY_STARTS, tzinfo=clock.LOCAL)
    ends = datetime.combine(local.date(), DAY_ENDS, tzinfo=clock.LOCAL)
    return begins <= local and local + timedelta(minutes=minutes) <= ends


def check_slots(slots: list[Slot], now: datetime | None = None) -> list[Slot]:
    """The slots, checked: 1–3, in the future, 15–480 minutes within 06:00–22:00 Danish time,
    a place of at most 200 characters.

    Raises:
        InterviewError: on the first broken rule (Danish).
    """
    now = now or clock.utcnow()
    if not 1 <= len(slots) <= MAX_SLOTS:
        raise InterviewError(f"Foreslå mellem 1 og {MAX_SLOTS} tider.")
    seen = set()
    for slot in slots:
        if _aware(slot.starts_at) <= now:
            raise InterviewError("En samtaletid ligger i fortiden. Vælg en dato og et klokkeslæt frem i tiden.")
        if not MIN_MINUTES <= slot.duration_minutes <= MAX_MINUTES:
            raise InterviewError(f"Varigheden skal være mellem {MIN_MINUTES} og {MAX_MINUTES} minutter.")
        if not within_day(slot.starts_at, slot.duration_minutes):
            raise InterviewError(OUTSIDE_DAY)
        location = (slot.location or "").strip()
        if not location or len(location) > MAX_LOCATION:
            raise InterviewError(f"Angiv stedet for samtalen (højst {MAX_LOCATION} tegn).")
        if slot.starts_at in seen:
            raise InterviewError("Den samme tid er foreslået to gange.")
        seen.add(slot.starts_at)
    return slots


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
    _check_released(proposal)
    _check_opening(proposal)
    check_held(proposal, user)
    current = booked(proposal)
    if current is not None and not moving:
        raise InterviewError(f"Der er allerede aftalt en samtale {_when(current)}. "
                             "Flyt den i stedet for at foreslå nye tider.")
    check_slots(slots, now)
    side = side_of(user)
    for old in open_offers(proposal):
        old.status, old.decided_at = "cancelled", clock.utcnow()
    rows = [Interview(proposal_id=proposal.id, starts_at=_aware(s.starts_at).astimezone(timezone.utc),
                      duration_minutes=s.duration_minutes, location=s.location.strip(),
                      offered_by=side, offered_by_id=user.id, uid=f"{uuid.uuid4()}@jobbro",
                      sequence=0) for s in slots]
    db.session.add_all(rows)
    db.session.flush()
    text, subject, body = _offer_texts(proposal, side, current, rows)
    intro = CHOOSE_NEW_TIME if current is not None else CHOOSE_TIME
    for recipient in recipients(proposal, other_side(side)):
        link = _link(proposal, recipient)
        notify(recipient, "interview_offered", text, link, subject=subject, body=body, link_intro=intro)
    _audit(proposal, user, "interview_offered", f"times:{len(rows)};side:{side}")
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
    _check_released(proposal)
    _check_opening(proposal)
    check_held(proposal, user)
    if interview.status != "offered":
        raise InterviewError(_not_open(interview))
    if interview.offered_by == side_of(user):
        raise InterviewError("I har selv foreslået tiden; den anden part vælger en af jeres tider.")
    if _aware(interview.starts_at) <= clock.utcnow():
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
            _carry_keep(proposal, replaced, interview)
        for other in open_offers(proposal):
            if other.id != interview.id:
                other.status, other.decided_at = "declined", now
        _tell_both(proposal, interview, "REQUEST", f"Samtale aftalt {_when(interview)}", user)
        webhook_events.interview_booked(db.session, interview, replaces=replaced)
        _audit(proposal, user, "interview_booked", f"interview:{interview.id}")
        db.session.commit()
    except sa.exc.IntegrityError as error:
        _refuse_second_booking(interview, error)
    return replaced


def _refuse_second_booking(interview: Interview, error: sa.exc.IntegrityError) -> NoReturn:
    """Roll :func:`book`'s step back after ``error``; when it is :data:`ONE_BOOKED_INDEX`'s
    (another time of the pair was booked by a writer :func:`lock` did not order), refuse as
    :func:`_not_open` does for a time chosen meanwhile. Any other IntegrityError is raised again.

    Raises:
        InterviewError: the pair has a booked time now (Danish; nothing was written or sent).
        sqlalchemy.exc.IntegrityError: ``error``, when it is not the index's.
    """
    db.session.rollback()  # the step, its notices, mails, webhook and audit event: all or nothing
    if not _one_booked_refused(error):
        raise error
    agreed = booked(interview.proposal)  # as committed now
    when = _when(interview)
    if agreed is not None and agreed.id == interview.id:
        raise InterviewError(_chosen_already(when)) from None
    if agreed is not None:
        raise InterviewError(_other_chosen(when, agreed)) from None
    raise InterviewError(f"Der blev valgt en anden tid samtidig, så tiden {when} er ikke valgt, og der er ikke "
                         "sendt en invitation til den. Se samtaletiderne igen.") from None


def _one_booked_refused(error: sa.exc.IntegrityError) -> bool:
    """Whether ``error`` is the partial unique index's: PostgreSQL names the index, SQLite the
    column it covers (the interview table has no other unique index on it)."""
    text = str(error.orig)
    return ONE_BOOKED_INDEX in text or "interview.proposal_id" in text


def _not_open(interview: Interview) -> str:
    """Why a time can no longer be chosen, as the rows stand once :func:`lock` is held."""
    when = _when(interview)
    if interview.status == "booked":
        return _chosen_already(when)
    agreed = booked(interview.proposal)
    if interview.status == "declined" and agreed is not None:
        return _other_chosen(when, agreed)
    return (f"Tiden {when} er trukket tilbage eller aflyst, så den kan ikke længere vælges. "
            "Der er ikke sendt en invitation.")


def _chosen_already(when: str) -> str:
    return f"Tiden {when} er allerede valgt, så samtalen er aftalt. Der er ikke sendt en ny invitation."


def _other_chosen(when: str, agreed: Interview) -> str:
    return (f"Der er netop valgt en anden tid, så samtalen er aftalt {_when(agreed)}. Tiden {when} "
            "er ikke valgt, og der er ikke sendt en invitation til den.")


def _changed(interview: Interview, seen: str) -> str:
    """Why a cancellation is refused: the time is no longer ``seen`` (the status the user acted
    on), as the rows stand once :func:`lock` is held. Nothing was sent."""
    when = _when(interview)
    agreed = booked(interview.proposal)
    if interview.status == "booked":
        return (f"Tiden {when} er netop blevet valgt, så samtalen er aftalt, og begge parter har fået en "
                "kalenderinvitation. Den er ikke aflyst. Skal den ikke holdes, så aflys den under "
                "»Jobsamtale«; så får begge parter en aflysning til kalenderen.")
    if interview.status == "declined":
        chosen = f", så samtalen er aftalt {_when(agreed)}" if agreed is not None else ""
        return f"Der er netop valgt en anden tid{chosen}. Tiden {when} er ikke længere foreslået. Intet er ændret."
    if seen == "booked" and agreed is not None:
        return (f"Samtalen er netop flyttet til {_when(agreed)}; den gamle tid {when} er aflyst. "
                "Intet er ændret.")
    return f"Tiden {when} er allerede aflyst eller trukket tilbage. Intet er ændret."


# Why a time that is over cannot be cancelled (:func:`cancel`), by its status.
CANCEL_OVER = {"booked": "Samtalen er allerede holdt og kan ikke længere aflyses.",
               "offered": "Tiden er overskredet og kan ikke længere vælges eller aflyses."}


def over(interview: Interview, now: datetime | None = None) -> bool:
    """Whether a booked or offered time is past cancelling: a booked interview once held
    (:func:`held`, as the page stops offering »Aflys samtalen«), an offered time once it has
    begun (:func:`book` no longer takes it)."""
    now = now or clock.utcnow()
    if interview.status == "booked":
        return held(interview, now)
    return interview.status == "offered" and _aware(interview.starts_at) <= now


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
    notice of their own here; the caller sends them the calendar CANCEL (:func:`calendar`) with
    its notice. The job centre's side is told as always.

    Raises:
        InterviewError: a company user while the name is not shared, the time is neither
            booked nor offered, it changed meanwhile (``expected``), or it is over
            (:data:`CANCEL_OVER`).
    """
    proposal = interview.proposal
    seen = expected or interview.status
    lock(proposal)
    if require_release and side_of(user) == "company" and not identity_released(proposal):
        raise InterviewError(CANCEL_NOT_RELEASED)  # not »Samtaler kan først aftales …«: review AH 8
    if not require_release:  # ending the proposal: whatever is still ahead goes
        if interview.status not in ("booked", "offered"):
            return
    elif interview.status != seen:
        raise InterviewError(_changed(interview, seen))
    if interview.status not in ("booked", "offered"):
        raise InterviewError("Samtalen er allerede aflyst eller afvist.")
    if require_release and interview.status == "offered" and interview.offered_by != side_of(user):
        # only the side that offered a time withdraws it; the other chooses it or offers others
        # (review AH 3: the API let a company cancel the job centre's offer unseen)
        raise InterviewError(NOT_YOUR_OFFER[side_of(user)])
    if not moved and over(interview):
        raise InterviewError(CANCEL_OVER[interview.status])
    was_booked = interview.status == "booked"
    interview.status, interview.decided_at = "cancelled", clock.utcnow()
    if was_booked:  # only a booked time is in anybody's calendar: its CANCEL needs a new sequence
        interview.sequence += 1
        verb = "flyttet; den gamle tid er aflyst" if moved else "aflyst"
        _tell_both(proposal, interview, "CANCEL", f"Samtalen {_when(interview)} er {verb}", user,
                   company=tell_company)
        webhook_events.interview_cancelled(db.session, interview, moved=moved, ending=not require_release)
    _audit(proposal, user, "interview_moved" if moved else "interview_cancelled", f"interview:{interview.id}")
    if commit:
        db.session.commit()


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
        raise InterviewError(_changed(interview, seen))
    if interview.status != "booked":
        raise InterviewError("Kun en aftalt samtale kan flyttes.")
    return offer(interview.proposal, user, slots, now, moving=True)


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


def _tell_both(proposal: Proposal, interview: Interview, method: str, text: str, actor: User, *,
               company: bool = True) -> None:
    """Both sides, with the calendar document. ``actor`` gets it too (a booking belongs in their
    own calendar as well), but as already read: nobody is told about their own step.
    ``company=False``: the job centre's side only (the caller tells the company)."""
    document = calendar(interview, method)
    room = TEXT_MAX - len(f"{text}: »«, {interview.location}")  # the time and place before the title
    line = f"{text}: »{shorten(proposal.opening.title, max(room, 12))}«, {interview.location}"
    for recipient in (recipients(proposal, "company") if company else []) + recipients(proposal, "jobcenter"):
        notify(recipient, "interview_booked", line, _link(proposal, recipient), ics=document,
               read=recipient.id == actor.id)


# The words before the link that ends a mail offering times (:func:`portal.notifications.service.mail_body`
# frames every mail with it): the body says what to do, the link line says where (review AE 4: the
# body used to end »Vælg … i portalen:« with nothing after the colon, then the link line).
CHOOSE_TIME = "Vælg en af tiderne her"
CHOOSE_NEW_TIME = "Vælg en af de nye tider her"


def _offer_texts(proposal: Proposal, side: str, current: Interview | None,
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
    times = ", ".join(_when(r) for r in rows)
    listed = "\n".join(f"- {_when(r)}" for r in rows)
    if side == "company":  # read by the job centre's staff
        who, about, you = proposal.opening.company.name, f" med {proposal.citizen.name}", "du"
    else:  # read by the company
        who, about, you = "Jobcentret", "", "I"
    if current is not None:
        def line(shown: str) -> str:
            return (f"{who} foreslår at flytte samtalen{about} {_when(current)} om »{shown}«: {times}. "
                    f"Den aftalte tid gælder, indtil {you} vælger en ny.")
        subject = f"Nye tider til samtalen om »{shorten(title, 80)}«"
        body = (f"{who} har foreslået nye tider til samtalen{about} {_when(current)} om »{title}«:\n\n"
                f"{listed}\n\nDen aftalte tid gælder, indtil {you} vælger en af de nye tider.")
    else:
        def line(shown: str) -> str:
            return f"{who} foreslår tider til en samtale{about} om »{shown}«: {times}"
        subject = f"Forslag til samtaletider om »{shorten(title, 80)}«"
        body = f"{who} har foreslået tider til en samtale{about} om »{title}«:\n\n{listed}"
    room = TEXT_MAX - len(line(""))
    return line(shorten(title, max(room, 12))), subject, body


def _link(proposal: Proposal, recipient: User) -> str:
    if recipient.role == "company":
        return url_for("openings.candidate", opening_id=proposal.opening_id, proposal_id=proposal.id)
    return url_for("candidates.proposal", proposal_id=proposal.id)


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


def _check_released(proposal: Proposal) -> None:
    if not identity_released(proposal):
        raise InterviewError("Samtaler kan først aftales, når borgeren har givet samtykke, "
                             "og jobcentret har delt navnet med virksomheden.")


def _check_opening(proposal: Proposal) -> None:
    """No new interview on a filled or closed opening for a candidate who is no hire
    (:func:`portal.proposals.sharing_refusal`); a booked one can still be cancelled."""
    if proposal.opening.status in OPENING_DONE and sharing_refusal(proposal):
        state = "besat" if proposal.opening.status == "filled" else "lukket"
        raise InterviewError(f"Opslaget er {state}, så der aftales ikke samtaler om det.")


# Why a held candidate gets no new interview, as each side may read it: the company never why.
HELD_FOR_COMPANY = f"{ON_HOLD_TEXT}. Der aftales ikke samtaler om kandidaten."
HELD_FOR_JOBCENTER = ("Opslagets krav er ændret, og borgeren opfylder dem ikke længere, så kandidaten "
                      "er sat i bero, og der aftales ikke samtaler. Tal med virksomheden, eller afslut forslaget.")


def check_held(proposal: Proposal, user: User) -> None:
    """No new interview for a candidate on hold after a change of the opening's requirements
    (:func:`portal.proposals_hold.is_held`); a booked one can still be cancelled.

    Raises:
        InterviewError: the candidate is on hold (the company is not told why).
    """
    if proposals_hold.is_held(proposal):
        raise InterviewError(HELD_FOR_COMPANY if side_of(user) == "company" else HELD_FOR_JOBCENTER)


def _on_hold(proposal: Proposal, held: Collection[int] | None) -> bool:
    return proposal.id in held if held is not None else proposals_hold.is_held(proposal)


def can_choose(proposal: Proposal, held: Collection[int] | None = None) -> bool:
    """Whether a time can be chosen or booked for the pair now: the checks :func:`book` makes
    (the name shared under a live consent, the opening open or the pair its hire, not on hold),
    so a to-do never asks for what the booking would refuse (review Z 1, 5, 6).

    ``held``: the ids on hold among a list of pairs, read once by the caller with
    :func:`portal.proposals_hold.held` (one read of the rules for a company's whole list);
    without it the pair's hold is read alone.
    """
    return (identity_released(proposal) and not _on_hold(proposal, held)
            and not (proposal.opening.status in OPENING_DONE and sharing_refusal(proposal)))


def still_shown(proposal: Proposal, held: Collection[int] | None = None) -> bool:
    """Whether the company is shown the pair's booked interviews ahead: while the name is shared
    and the candidate is not on hold (a held candidate's page has no interview panel; the job
    centre handles its interviews). ``held`` as for :func:`can_choose`."""
    return identity_released(proposal) and not _on_hold(proposal, held)


def _audit(proposal: Proposal, user: User, action: str, purpose: str) -> None:
    audit.record(action, citizen_id=proposal.citizen_id, opening_id=proposal.opening_id,
                 purpose=purpose, user=user)


def _when(interview: Interview) -> str:
    return spoken_time(interview.starts_at)


def spoken_time(moment: datetime) -> str:
    """An interview time as people say it, in Danish local time: "søndag 6. december 2026 kl. 10.00"
    (the weekday shows at once a time that falls on a weekend)."""
    return babel_dates.format_datetime(_aware(moment), "EEEE d. MMMM y 'kl.' HH.mm",
                                       tzinfo=clock.LOCAL, locale="da_DK")


def _aware(value: datetime) -> datetime:
    # SQLite hands datetimes back naive; the models store UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def report_outcome(proposal: Proposal, user: User, outcome: str, reason: str = "") -> None:
    """The company's outcome after the booked interview: "hired" or "declined" with a reason.

    Stored as the company's answer (:func:`portal.proposals.respond`); the consultants are
    told in the same transaction.

    Raises:
        InterviewError: no booked interview has ended yet, or "declined" without a reason.
        portal.proposals.TransitionError: as :func:`portal.proposals.respond`.
    """
    check_outcome(proposal, outcome, reason)
    answer(proposal, user, outcome, reason)


def check_outcome(proposal: Proposal, outcome: str, reason: str = "") -> None:
    """Refuse an outcome :func:`report_outcome` would not store (nothing is written).

    Raises:
        InterviewError: as :func:`report_outcome`.
        portal.proposals.TransitionError: as :func:`check_answer`.
    """
    item = booked(proposal)
    if item is None or ends_at(item) > clock.utcnow():
        raise InterviewError("Udfaldet kan meldes, når den aftalte samtale er holdt.")
    if outcome not in ("hired", "declined"):
        raise InterviewError("Vælg ansat eller ikke ansat.")
    check_answer(proposal, outcome, reason or "")


# A "no" after the held interview is the outcome »Ikke ansat«: the consultant needs to know why
# (the outcome form asks it; review AS 5: the API stored it without).
REASON_NEEDED = "Skriv kort, hvorfor kandidaten ikke blev ansat."


class ReasonNeeded(InterviewError):
    """"declined" after the booked interview was held, without a reason (:data:`REASON_NEEDED`);
    nothing was written."""

    def __init__(self) -> None:
        super().__init__(REASON_NEEDED)


def check_answer(proposal: Proposal, response: str, note: str) -> None:
    """Refuse an answer the company may not give now (nothing is written).

    ``note``: the answer's note (the outcome's reason), always given: the web's answer form
    checks with it before its confirmation page, so a no without a reason after the held
    interview is refused at once, not only once confirmed; :func:`answer`, which every way of
    answering goes through, checks again.

    Raises:
        ReasonNeeded: "declined" after the booked interview was held (:func:`held`: the outcome
            »Ikke ansat«) with an empty note, whether it comes as the outcome
            (:func:`report_outcome`), as an answer on the web, or from the API (review AS 5).
        portal.proposals.TransitionError: the candidate is on hold after a change of the
            opening's requirements (the company is not told why); "hired" for a candidate whose
            identity is not released to the company; a change away from "hired" once the job
            centre has started a placement for the citizen on the opening.
    """
    if proposals_hold.is_held(proposal):
        raise TransitionError(f"{ON_HOLD_TEXT}. Svaret er ikke gemt.")
    if response == "declined" and not note.strip() and held(booked(proposal)):
        raise ReasonNeeded()
    if response == "hired" and not identity_released(proposal) and proposal.company_response != "hired":
        # A company cannot have hired someone whose name it was never given (review finding);
        # a hire reported while the name was shared may keep its answer after the consent ends.
        raise TransitionError("I kan først melde kandidaten ansat, når jobcentret har delt navnet "
                              "med jer. Vælg »Interesseret«, så kontakter jobcentret borgeren.")
    if proposal.company_response == "hired" and response != "hired" and placement_started(proposal):
        # The placement is real (hours, payroll): the job centre ends it, not a changed answer.
        raise TransitionError("Jobcentret har allerede startet forløbet, så svaret »Ansat / startet« kan "
                              "ikke ændres her. Kontakt jobcentret, hvis forløbet skal stoppe.")


# Why a booked interview still ahead may no longer be wanted, first that applies: the candidate
# on hold, the name not shared now, a hire (answered or a placement started), the company's no,
# the opening filled or closed. Each stops new times but leaves the booked one in both calendars,
# so the job centre is asked to cancel or keep it (portal.main.queue.standing_interviews).
STANDING_CAUSES = ("on_hold", "name_hidden", "hired", "declined", "filled", "closed")
# Proposal.explanation's mark of a kept interview (review AR 4): {"interview": id, "reason": one
# of STANDING_CAUSES, "side": "company" or "jobcenter", "at": ISO moment}. A keep answers the
# question for that interview and that cause only: a moved interview (a new row, unless the
# move carried the mark, :func:`book`) or a new cause asks again.
KEPT = "interview_kept"


def standing_cause(*, on_hold: bool, released: bool, hire: bool, response: str | None,
                   opening_status: str) -> str | None:
    """Why a disclosed pair's booked interview ahead may no longer be wanted
    (:data:`STANDING_CAUSES`), or None: it is an interview like any other. The facts are the
    caller's (a list reads them for many pairs at once; :func:`standing_cause_of` for one)."""
    if on_hold:
        return "on_hold"
    if not released:
        return "name_hidden"
    if hire:
        return "hired"
    if response == "declined":
        return "declined"
    if opening_status in OPENING_DONE:
        return opening_status
    return None


def standing_cause_of(proposal: Proposal) -> str | None:
    """:func:`standing_cause` of one proposal as it stands (None unless it is disclosed)."""
    if proposal.status != "disclosed":
        return None
    return standing_cause(on_hold=proposals_hold.is_held(proposal), released=identity_released(proposal),
                          hire=proposal.company_response == "hired" or placement_started(proposal),
                          response=proposal.company_response, opening_status=proposal.opening.status)


def kept_by(proposal: Proposal, interview_id: int, cause: str | None) -> str | None:
    """Who kept the interview ``interview_id`` for ``cause`` ("company" or "jobcenter"), or None:
    no keep stored for that interview and that cause (:data:`KEPT`)."""
    mark = (proposal.explanation or {}).get(KEPT)
    if cause is None or not isinstance(mark, dict):
        return None
    if mark.get("interview") != interview_id or mark.get("reason") != cause:
        return None
    return mark.get("side")


def _mark_kept(proposal: Proposal, interview: Interview, cause: str, user: User) -> None:
    """Store that ``user``'s side keeps ``interview`` for ``cause``, audited (``interview_kept``).
    The caller holds :func:`lock`, so the explanation merged into is the committed one and no
    other step writes it before the commit (:mod:`portal.explanations`)."""
    side = side_of(user)
    mark = {"interview": interview.id, "reason": cause, "side": side, "at": clock.utcnow().isoformat()}
    proposal.explanation = {**(proposal.explanation or {}), KEPT: mark}  # a new dict: the JSON column sees it
    _audit(proposal, user, "interview_kept", f"interview:{interview.id};reason:{cause};side:{side}")


def _carry_keep(proposal: Proposal, replaced: Interview, interview: Interview) -> None:
    """A kept interview moved to a new time is still kept (:data:`KEPT`): the mark follows it.
    The caller holds :func:`lock` (:mod:`portal.explanations`)."""
    mark = (proposal.explanation or {}).get(KEPT)
    if isinstance(mark, dict) and mark.get("interview") == replaced.id:
        proposal.explanation = {**proposal.explanation, KEPT: {**mark, "interview": interview.id}}


ALREADY_KEPT = "Samtalen er allerede beholdt. Intet er ændret."
NOTHING_TO_KEEP = "Samtalen står som aftalt, og der er intet at tage stilling til. Intet er ændret."


def keep(interview: Interview, user: User) -> str:
    """The job centre keeps a booked interview still ahead that stands although the pair has
    stopped (:func:`standing_cause_of`): the start page no longer asks to cancel or keep it.
    Nothing changes in the calendars, so nobody is told; audited; commit.

    Returns:
        The cause the interview is kept for (:data:`STANDING_CAUSES`).

    Raises:
        InterviewError: the interview is no longer booked (cancelled or moved meanwhile:
            :func:`lock`), is held already, there is no cause to decide on, or it is kept
            already for this cause (nothing written).
    """
    proposal = interview.proposal
    lock(proposal)
    if interview.status != "booked":
        raise InterviewError(_changed(interview, "booked"))
    if held(interview):
        raise InterviewError("Samtalen er allerede holdt. Intet er ændret.")
    cause = standing_cause_of(proposal)
    if cause is None:
        raise InterviewError(NOTHING_TO_KEEP)
    if kept_by(proposal, interview.id, cause) is not None:
        raise InterviewError(ALREADY_KEPT)
    _mark_kept(proposal, interview, cause, user)
    db.session.commit()
    return cause


def needs_confirmation(proposal: Proposal, response: str) -> bool:
    """Whether ``response`` changes the answer into or out of "hired": the job centre starts a
    placement on a hire (or must stop doing so), so the company confirms that step first."""
    return (response == "hired") != (proposal.company_response == "hired")


def interview_in_question(proposal: Proposal, response: str) -> Interview | None:
    """The booked interview still ahead that ``response`` would end, and so asks about: a new
    hire or a new no (not the same answer again), while the company is shown the pair's
    interviews (:func:`still_shown`; one it cannot see is the job centre's to handle, and a
    company may not cancel it). None when there is nothing to ask."""
    if response not in ("hired", "declined") or proposal.company_response == response:
        return None
    if not still_shown(proposal):
        return None
    return upcoming_booked(proposal)


def answer(proposal: Proposal, user: User, response: str, note: str = "", *,
           booked_interview: str | None = None) -> Interview | None:
    """Store a company's answer and tell the job centre's side (``company_answered``, :func:`recipients`); commit.

    A hire or a no with an interview ahead (:func:`interview_in_question`) takes the company's
    choice ``booked_interview``: "cancel" cancels it in the same transaction (both sides get the
    calendar CANCEL, webhook and audit of :func:`cancel`), "keep" leaves it booked and stores the
    keep (:func:`kept_by`), so the job centre is not asked again. Without an interview ahead the
    choice is ignored.

    Returns:
        The interview ahead that was asked about (now cancelled or kept), or None.

    Raises:
        BookingChoiceNeeded: an interview is ahead and ``booked_interview`` is not one of
            :data:`BOOKING_CHOICES` (nothing written).
        ReasonNeeded: "declined" after the held interview without a note (:func:`check_answer`).
        portal.proposals.TransitionError: as :func:`portal.proposals.respond` or
            :func:`check_answer` (nothing written once the caller rolls back).
    """
    lock(proposal)  # the interview ahead as it is now (cancelled or moved meanwhile)
    check_answer(proposal, response, note)
    upcoming = interview_in_question(proposal, response)
    if upcoming is not None:
        if booked_interview not in BOOKING_CHOICES:
            raise BookingChoiceNeeded(upcoming)
        if booked_interview == "cancel":
            cancel(upcoming, user, commit=False)
        else:  # kept: the job centre is not asked again to cancel or keep it (review AR 4)
            cause = standing_cause(on_hold=False, released=True, response=response,  # still_shown
                                   hire=response == "hired" or placement_started(proposal),
                                   opening_status=proposal.opening.status)
            if cause is not None:
                _mark_kept(proposal, upcoming, cause, user)
    label = COMPANY_RESPONSES.get(response, response)
    company, name, title = proposal.opening.company.name, proposal.citizen.name, proposal.opening.title
    if response == "hired":
        link = url_for("placements.start", proposal_id=proposal.id)
        text = f"{company} har ansat {name} ({title}): start forløbet"
    elif proposal.company_response == "hired":
        # The consultants were told to start a placement: they must hear that it is off.
        link = url_for("candidates.proposal", proposal_id=proposal.id)
        text = (f"{company} har ændret sit svar om {name} ({title}) fra "
                f"»{COMPANY_RESPONSES['hired']}« til »{label}«: start ikke forløbet")
    else:
        link = url_for("candidates.proposal", proposal_id=proposal.id)
        text = f"{company} har svaret »{label}« om {name} ({title})"
    for recipient in recipients(proposal, "jobcenter"):
        notify(recipient, "company_answered", text, link)
    webhook_events.proposal_answered(db.session, proposal, response)  # the job centre's systems
    respond(proposal, user, response, note)
    return upcoming
