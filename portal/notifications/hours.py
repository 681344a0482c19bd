"""The hours reminder: ``flask --app portal hours-reminders`` (cron, daily).

From the 3rd of a month on, every active user of a company with a placement that ran in
the previous month but has no hours logged for it gets one notification (``hours_missing``)
per month: "Timer mangler for 2 forløb i november 2026", linking to the monthly hours page.
Before the 3rd the command does nothing (the company has the first days to log).

Idempotent: the dedupe key ``hours-missing:<user>:<YYYY-MM>`` makes repeated runs (and
overlapping ones: the key is unique in the database) notify each user once a month.

The text names no citizen: a company sees a name only after disclosure with a live consent,
and a count is all the reminder needs.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from store.models import HoursLog, Placement, User

from ..extensions import db
from ..i18n import format_month
from ..placements.service import not_cancelled_clause
from .service import notify, path_for

FIRST_DAY = 3  # reminders start on the 3rd of the month


@dataclass(frozen=True)
class Summary:
    """One run: the month checked (None before the 3rd), placements missing hours, users told."""

    month: date | None
    placements: int = 0
    notified: int = 0

    def line(self) -> str:
        """The one-line summary the command prints."""
        if self.month is None:
            return f"nothing to do before day {FIRST_DAY} of the month"
        return (f"{self.month:%Y-%m}: {self.placements} placements without hours, "
                f"{self.notified} users notified")


def previous_month(today: date) -> date:
    """The first day of the month before ``today``'s."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def missing_by_company(month: date) -> Counter:
    """company_id → placements that ran in ``month`` (any day of it) without hours for it.

    A placement cancelled before its start never ran (its end date is the planned start): the
    monthly hours page does not list it either (:func:`portal.placements.monthly.placements_in`).
    """
    month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    logged = sa.select(HoursLog.id).where(HoursLog.placement_id == Placement.id, HoursLog.month == month)
    rows = db.session.scalars(
        sa.select(Placement.company_id)
        .where(Placement.start_date <= month_end,
               sa.or_(Placement.end_date.is_(None), Placement.end_date >= month),
               not_cancelled_clause(), ~logged.exists()))
    return Counter(rows)


def hours_link(month: date) -> str:
    """The monthly hours page for ``month`` if the app has it, else the placement list."""
    if "placements.hours_month" in current_app.view_functions:
        return path_for("placements.hours_month", maaned=f"{month:%Y-%m}")
    return path_for("placements.index")


def run(today: date) -> Summary:
    """Notify the company users about last month's missing hours; commits. Needs an app context."""
    if today.day < FIRST_DAY:
        return Summary(month=None)
    month = previous_month(today)
    missing = missing_by_company(month)
    link, month_name = hours_link(month), format_month(month)
    notified = 0
    for company_id, count in sorted(missing.items()):
        users = db.session.scalars(sa.select(User).where(
            User.company_id == company_id, User.role == "company", User.active.is_(True)).order_by(User.id))
        for user in users:
            text = f"Timer mangler for {count} forløb i {month_name}"
            note = notify(user, "hours_missing", text, link,
                          subject=f"Påmindelse: {text.lower()}",
                          body=(f"{text}. Skriv timerne ind, så jobcentret kan følge forløbene og lønnen "
                                f"kan afregnes."), link_intro="Skriv timer her",
                          dedupe_key=f"hours-missing:{user.id}:{month:%Y-%m}")
            notified += note is not None
    try:
        db.session.commit()
    except IntegrityError:  # an overlapping run told the same users first
        db.session.rollback()
        notified = 0
    return Summary(month=month, placements=sum(missing.values()), notified=notified)
