"""»Ingen egnede kandidater lige nu«: a consultant clears an opening off the unassessed list
without a decision on a candidate (review BK 6).

The start page lists the open openings of the consultant's companies that nobody has assessed
(:func:`portal.main.queue.unassessed_openings`). A consultant who looked at the ranking and
found nobody suitable marks the opening, with a short reason; the mark is a row of its own
(:class:`store.models.OpeningNoneSuitable`: who, when, why).

The rule, kept simple and said on the ranking page: a mark holds while

- it is not undone (any consultant who may mark the opening may undo it),
- the opening is not edited after it (its ``version`` is the one marked; any change of the
  opening, by the company or the job centre, brings it back: new requirements, new candidates),
- and for :data:`HOLD_DAYS` at most (new citizens are indexed all the time).

Whichever ends first puts the opening back on the list. Who may mark (:func:`may_mark`): a
consultant who is the company's VK, or on the same team as the company's VK (the pair who would
assess it); never the company, which does not see the mark at all.

The reason is free text and may name a citizen (»Anna passer ikke«), so it is not kept with the
opening for as long as the opening lives: the daily retention run blanks it
:data:`REASON_KEEP_DAYS` (90) days after the mark ended (:func:`blank_old_reasons`); who marked,
when, and who undid it stay, so the history of marks is still there. Why 90 days: while the mark
holds, and for a while after the opening is back on the list, the reason tells a colleague who
picks it up (again) why nobody was proposed; a quarter covers a VK's holiday or leave and an
opening marked again in the next rounds, after which the candidates and the opening have moved
on and the reason is stale. The portal does not record when an edit of the opening ended a mark,
so a mark counts as ended at its undo or at the end of its :data:`HOLD_DAYS`, whichever is first:
an edit only ended it earlier, so no reason is blanked sooner than 90 days after its mark ended,
and none is kept longer than 14 + 90 days after the mark was made. Erasing a citizen (GDPR art.
17), or anonymising one by retention, blanks at once the reason of every mark, on any opening,
that names them by the rule the hotline requests are found by (their name, phone or e-mail:
:func:`portal.privacy.scrubbing.naming_marks`); the reason reads »[slettet af hensyn til
borgerens data]«, the rest of the mark stays. The art. 15 export lists such reasons.

The marks go with the opening (``ON DELETE CASCADE``); the portal deletes no opening and no user
(users are deactivated; a deleted user's marks keep their rows without the user, ``SET NULL``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from matching.redact import contains_cpr

from .. import audit
from ..extensions import db
from ..health_words import health_words_in
from ..text import CPR_IN_TEXT_MESSAGE
from store import clock
from store.models import Company, Opening, OpeningNoneSuitable, Proposal, User
from store.models.openings import NONE_SUITABLE_REASON_LENGTH

HOLD_DAYS = 14
HOLD = timedelta(days=HOLD_DAYS)
MAX_REASON_LENGTH = NONE_SUITABLE_REASON_LENGTH
# Days a mark's reason is kept after the mark ended (module docstring: why 90).
REASON_KEEP_DAYS = 90
REASON_KEPT = timedelta(days=REASON_KEEP_DAYS)


class Refused(ValueError):
    """The mark or the undo is not made; ``str()`` says why, in Danish."""


def health_problem(reason: str) -> str | None:
    """Why ``reason`` may not be saved for holding health details, in Danish, or None.

    The reason is read by colleagues and listed in a citizen's art. 15 export, and the page's
    hint says »Ingen CPR-numre eller helbredsoplysninger«: a health word (the portal's one list,
    :func:`portal.health_words.health_words_in`) is refused, named as written."""
    if words := health_words_in(reason):
        quoted = ", ".join(f"»{w}«" for w in words)
        return (f"Begrundelsen må ikke indeholde helbredsoplysninger ({quoted}). Kollegaer læser den, og den "
                "kommer med i borgerens indsigt. Skriv den uden.")
    return None


def reason_problem(reason: str) -> str | None:
    """Why ``reason`` may not be saved, in Danish, or None: a CPR-like number or a health word
    (:func:`health_problem`). The form says the same at the field (:class:`.forms.NoneSuitableForm`)."""
    if contains_cpr(reason):
        return CPR_IN_TEXT_MESSAGE
    return health_problem(reason)


class NotAllowed(Exception):
    """The user may not mark or undo the opening's mark (:func:`may_mark`); the denial is logged."""


@dataclass(frozen=True, slots=True)
class Mark:
    """A mark in force, for the ranking page."""

    id: int
    by: str
    marked_at: datetime
    reason: str
    returns_at: datetime

    @property
    def returns_on(self) -> date:
        """The (Danish) day the opening is back on the list, unless it is edited before."""
        return self.returns_at.astimezone(clock.LOCAL).date()


def _holding(now: datetime, opening_id, version) -> tuple[sa.ColumnElement[bool], ...]:
    """SQL: the rule a mark of the opening ``opening_id`` at ``version`` holds by at ``now``."""
    return (OpeningNoneSuitable.opening_id == opening_id, OpeningNoneSuitable.undone_at.is_(None),
            OpeningNoneSuitable.opening_version == version, OpeningNoneSuitable.marked_at > now - HOLD)


def in_force(now: datetime, opening=Opening):
    """SQL: ``opening`` (the Opening entity or an alias) has a mark in force at ``now``."""
    return sa.exists().where(*_holding(now, opening.id, opening.version))


def current(opening: Opening, now: datetime | None = None) -> Mark | None:
    """The opening's mark in force at ``now`` (default: now), or None."""
    now = now or clock.utcnow()
    row = db.session.scalars(
        sa.select(OpeningNoneSuitable).options(joinedload(OpeningNoneSuitable.user))
        .where(*_holding(now, opening.id, opening.version))
        .order_by(OpeningNoneSuitable.marked_at.desc(), OpeningNoneSuitable.id.desc()).limit(1)).first()
    if row is None:
        return None
    return Mark(row.id, row.user.name if row.user else "en tidligere bruger", row.marked_at, row.reason,
                row.marked_at + HOLD)


def may_mark(user: User, opening: Opening) -> bool:
    """A consultant who is the opening's company's VK, or on the VK's team."""
    if user.role != "consultant" or not user.is_active:
        return False
    vk_id = opening.company.consultant_id if opening.company else None
    if vk_id is None:
        return False
    if vk_id == user.id:
        return True
    if user.team_id is None:
        return False
    return db.session.scalar(sa.select(User.team_id).where(User.id == vk_id)) == user.team_id


def check_may_mark(user: User, opening: Opening) -> None:
    """Let ``user`` mark or undo ``opening``'s mark (:func:`may_mark`), or log the denial.

    :raise NotAllowed: anyone else (an administrator, another team).
    """
    if not may_mark(user, opening):
        audit.record_now("authorisation_denied", opening_id=opening.id, purpose="none suitable", result="denied")
        raise NotAllowed


@dataclass(frozen=True, slots=True)
class PageState:
    """The ranking page's part for the mark: the mark in force (``mark``, shown to the job
    centre's staff only, never the company), whether ``user`` may mark or undo (``allowed``), and
    whether the opening can be marked by them now (``markable``: open, nobody assessed; else the
    mark says nothing)."""

    mark: Mark | None
    allowed: bool
    markable: bool


def page_state(opening: Opening, user: User) -> PageState:
    """What the ranking page says of the mark to ``user``."""
    allowed = may_mark(user, opening)
    markable_now = markable(opening)
    return PageState(current(opening) if markable_now else None, allowed, allowed and markable_now)


def markable(opening: Opening) -> bool:
    """The opening is one the mark is for: open, and nobody has a proposal on it (the
    unassessed list's own rule)."""
    return opening.status == "open" and not db.session.scalar(
        sa.select(sa.exists().where(Proposal.opening_id == opening.id)))


def mark(opening: Opening, user: User, reason: str, now: datetime | None = None) -> OpeningNoneSuitable:
    """Mark ``opening`` »Ingen egnede kandidater lige nu« for ``user`` with ``reason`` (checked
    by the form: required, short, no CPR number, no health word; the last two again here, for
    any caller, :func:`reason_problem`). Added to the session; the caller commits.

    :raise Refused: no reason, a CPR number or health word in it, not open, already assessed,
        or marked already (by a colleague meanwhile).
    """
    now = now or clock.utcnow()
    reason = reason.strip()
    if not reason:
        raise Refused("Skriv en kort begrundelse.")
    if problem := reason_problem(reason):
        raise Refused(problem)
    if opening.status != "open":
        raise Refused("Opslaget er ikke åbent, så det står ikke på listen over opslag uden vurdering.")
    if not markable(opening):
        raise Refused("Der er allerede taget stilling til en kandidat på opslaget, så det står ikke på "
                      "listen over opslag uden vurdering.")
    if (found := current(opening, now)) is not None:
        raise Refused(f"Opslaget er allerede markeret af {found.by}.")
    row = OpeningNoneSuitable(opening_id=opening.id, user_id=user.id, reason=reason[:MAX_REASON_LENGTH],
                              marked_at=now, opening_version=opening.version)
    db.session.add(row)
    return row


def undo(opening: Opening, user: User, now: datetime | None = None) -> bool:
    """Undo the opening's mark in force (it is back on the list at once). False: there was
    none (expired, the opening edited, or undone already). The caller commits."""
    now = now or clock.utcnow()
    found = current(opening, now)
    if found is None:
        return False
    done = db.session.execute(
        sa.update(OpeningNoneSuitable)
        .where(OpeningNoneSuitable.id == found.id, OpeningNoneSuitable.undone_at.is_(None))
        .values(undone_at=now, undone_by_id=user.id))
    return done.rowcount == 1


def marked_for(user: User, now: datetime | None = None) -> list[tuple[Opening, Mark]]:
    """The open openings of the companies whose VK is ``user`` that a mark in force keeps off
    the unassessed list (the start page names them under it), oldest first."""
    now = now or clock.utcnow()
    openings = db.session.scalars(
        sa.select(Opening).join(Company).options(joinedload(Opening.company))
        .where(Company.consultant_id == user.id, Opening.status == "open",
               ~sa.exists().where(Proposal.opening_id == Opening.id), in_force(now))
        .order_by(Opening.created_at, Opening.id)).all()
    return [(o, m) for o in openings if (m := current(o, now)) is not None]


def blank_old_reasons(session: Session, now: datetime) -> int:
    """Blank the reason of every mark that ended more than :data:`REASON_KEEP_DAYS` before
    ``now`` (the daily retention run; the caller commits). A mark ended at its undo or at the
    end of its :data:`HOLD_DAYS`, whichever was first (an edit of the opening ended it sooner,
    but when is not recorded); a mark still holding is never touched. Who marked, when, and who
    undid it stay. Returns how many reasons were blanked."""
    cutoff = now - REASON_KEPT
    done = session.execute(
        sa.update(OpeningNoneSuitable)
        .where(OpeningNoneSuitable.reason != "",
               sa.or_(OpeningNoneSuitable.undone_at <= cutoff, OpeningNoneSuitable.marked_at <= cutoff - HOLD))
        .values(reason=""), execution_options={"synchronize_session": False})
    return done.rowcount
