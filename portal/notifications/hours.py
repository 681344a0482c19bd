"""The hours reminder: ``flask --app portal hours-reminders`` (cron, daily).

From the 3rd of a month on, every active user of a company with a placement that ran in
the previous month but has no hours logged for it (:func:`portal.placements.monthly.missing_hours`,
the count the company's start page shows) gets one notification (``hours_missing``)
per month: "Timer mangler for 2 forløb i november 2026", linking to the monthly hours page.
Before the 3rd the command does nothing (the company has the first days to log).

Idempotent: the dedupe key ``hours-missing:<user>:<YYYY-MM>`` makes repeated runs (and
overlapping ones: the key is unique in the database) notify each user once a month.

The text names no citizen: a company sees a name only after disclosure with a live consent,
and a count is all the reminder needs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from store.models import User

from ..dates import add_months, month_start
from ..extensions import db
from ..i18n import format_month
from ..placements import monthly
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
    return add_months(month_start(today), -1)


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
    missing = monthly.missing_hours(month)
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
