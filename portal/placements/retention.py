"""Retention: is the citizen still in the job 3 and 6 months after a placement that ended in one?

Only placements ended with a success reason (:data:`SUCCESS_END_REASONS`: ordinary job,
fleksjob, education) are asked, and a checkpoint opens when its months have passed since
the end date. The consultant records yes or no (``Placement.employed_3m`` / ``employed_6m``;
NULL = not known yet) and may correct it later; each answer is audited. An open checkpoint
without an answer is "due" and shows in the follow-up list (:mod:`.followup`).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from .. import audit
from ..dates import add_months
from ..extensions import db
from ..rules import RuleError
from .service import not_cancelled_clause
from store.models import Placement, User
from store.models.vocab import SUCCESS_END_REASONS

CHECKPOINTS = {3: "employed_3m", 6: "employed_6m"}


class RetentionError(RuleError):
    """The checkpoint cannot be answered (yet) for this placement."""


def applies(placement: Placement) -> bool:
    """True for a placement that ended in a job, fleksjob or education."""
    return placement.end_reason in SUCCESS_END_REASONS and placement.end_date is not None


def opens_on(placement: Placement, months: int) -> date:
    """The day the checkpoint may be answered: ``months`` after the end date."""
    return add_months(placement.end_date, months)


def answer(placement: Placement, months: int) -> bool | None:
    """The recorded answer for the checkpoint (None = not known)."""
    return getattr(placement, CHECKPOINTS[months])


def open_checkpoints(placement: Placement, today: date) -> list[int]:
    """Checkpoints (3, 6) whose time has come, answered or not."""
    if not applies(placement):
        return []
    return [months for months in CHECKPOINTS if opens_on(placement, months) <= today]


def later_placements(placement: Placement, today: date) -> list[Placement]:
    """The citizen's other placements that started after this one's start and ran on past its
    end (begun by ``today``): what a consultant answering the checkpoints should know, e.g. the
    fleksjob that followed a job at the same company. Oldest first; none when it has no end. A
    placement cancelled before its start is none: the citizen never had it."""
    if placement.end_date is None:
        return []
    rows = db.session.scalars(
        sa.select(Placement)
        .where(Placement.citizen_id == placement.citizen_id, Placement.id != placement.id,
               Placement.start_date >= placement.start_date, Placement.start_date <= today,
               sa.or_(Placement.end_date.is_(None), Placement.end_date > placement.end_date),
               not_cancelled_clause())
        .order_by(Placement.start_date, Placement.id))
    return list(rows)


def due_checkpoints(placement: Placement, today: date) -> list[int]:
    """Open checkpoints still without an answer."""
    return [months for months in open_checkpoints(placement, today) if answer(placement, months) is None]


def record(placement: Placement, months: int, employed: bool, user: User, today: date) -> bool | None:
    """Store the answer for the checkpoint, audit it and commit; returns the previous answer.

    Raises:
        RetentionError: the placement did not end in a job, or the months have not passed.
    """
    if months not in CHECKPOINTS or not applies(placement):
        raise RetentionError("Fastholdelse registreres kun for forløb, der endte i job, fleksjob eller uddannelse.")
    if opens_on(placement, months) > today:
        raise RetentionError(f"Det kan først registreres {months} måneder efter slutdatoen.")
    old = answer(placement, months)
    setattr(placement, CHECKPOINTS[months], employed)
    audit.record("placement_retention", citizen_id=placement.citizen_id, opening_id=placement.opening_id,
                 purpose=f"forloeb:{placement.id} {months}m {'ja' if employed else 'nej'}", user=user)
    db.session.commit()
    return old
