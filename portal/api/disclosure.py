"""When a disclosed name stops being shown by its consent's date, for the API's lists.

A consent counts while it is neither withdrawn nor replaced and its deadline is not before
today, Danish date (:meth:`store.models.Consent.in_force`, the rule behind
:func:`portal.proposals.identity_released`). Withdrawal and replacement are writes that touch
the proposal (``store.models.touch``), so ``updated_since`` sees them; the deadline passing is
no write. This module gives that moment (:func:`ends_at`) and the list filter that finds it
(:func:`lapsed_since`), both from the same rule.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from store import clock
from store.models import Consent, Proposal

from .common import LATEST


def ends_at(deadline: date) -> datetime:
    """The first moment a consent with ``deadline`` no longer counts by its date, in UTC.

    :meth:`~store.models.Consent.in_force` holds while ``deadline >= today`` (Danish date), so the
    first day it fails is the day after the deadline, from its first moment in Danish time.
    """
    if deadline >= date.max:
        return LATEST
    return datetime.combine(deadline + timedelta(days=1), time(0), tzinfo=clock.LOCAL).astimezone(timezone.utc)


def _date_just_before(since: datetime) -> date:
    """The Danish date of the last moment before ``since`` (clamped at the ends of the calendar)."""
    try:
        return (since - timedelta(microseconds=1)).astimezone(clock.LOCAL).date()
    except OverflowError:
        return date.min if since.year < 2000 else date.max


def lapsed_since(since: datetime, today: date | None = None) -> sa.ColumnElement[bool]:
    """Correlated on ``Proposal``: the proposal is disclosed and a consent of it stopped counting
    by its date from ``since`` (inclusive, as ``updated_at >= since``) until now.

    That is a consent in force (:meth:`~store.models.Consent.in_force_clause`) on the Danish date
    just before ``since`` and no longer in force ``today``: its :func:`ends_at` lies in
    [since, now]. One not yet run out, or run out before ``since``, does not match.
    """
    today = today or clock.today()
    before = _date_just_before(since)
    return sa.and_(Proposal.status == "disclosed", sa.exists().where(
        Consent.proposal_id == Proposal.id, Consent.in_force_clause(before),
        sa.not_(Consent.in_force_clause(today))))
