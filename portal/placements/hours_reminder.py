"""The hours reminder: ``flask --app portal hours-reminders`` (cron, daily).

From the 3rd of a month on, every active user of a company with a placement that ran in
one of the last 12 finished months (:func:`portal.placements.monthly.asked_months`) but has no
hours logged for it (:func:`portal.placements.monthly.missing_by_month`, the counts of the
months' hours pages) gets one notification (``hours_missing``) per month: "Timer mangler for 2
forløb i november 2026", the newest month with a gap, linking to its hours page; the earlier
months with gaps are named in the text with their counts, so a missed month is asked for
again, not only while it is last month. The text gives the month's deadline
(:func:`portal.placements.monthly.deadline_note`: the 9th or the next working day, after which the job centre's figures
for it stand fixed) and says what the hours are for by kind (praktik is unpaid). Before the 3rd the command does nothing (the company
has the first days to log).

Idempotent: the dedupe key ``hours-missing:<user>:<YYYY-MM>`` makes repeated runs (and
overlapping ones: the key is unique in the database) notify each user once a month.

The text names no citizen: a company sees a name only after disclosure with a live consent,
and a count is all the reminder needs. A placement whose citizen retention has anonymised is
never counted (:func:`portal.placements.monthly.asked_in_month`): its hours are not asked for again.
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
from ..i18n import and_list, format_month
from ..notifications.service import notify, path_for
from . import kinds, monthly

FIRST_DAY = 3  # reminders start on the 3rd of the month


@dataclass(frozen=True)
class Summary:
    """One run: the month checked (None before the 3rd), placements missing hours, users told."""

    month: date | None
    placements: int = 0
    notified: int = 0
    earlier: int = 0  # placement-months without hours in the months before ``month``

    def line(self) -> str:
        """The one-line summary the command prints."""
        if self.month is None:
            return f"nothing to do before day {FIRST_DAY} of the month"
        return (f"{self.month:%Y-%m}: {self.placements} placements without hours, "
                f"{self.notified} users notified; earlier months: {self.earlier} placement-months without hours")


def previous_month(today: date) -> date:
    """The first day of the month before ``today``'s."""
    return add_months(month_start(today), -1)


def hours_link(month: date) -> str:
    """The monthly hours page for ``month`` if the app has it, else the placement list."""
    if "placements.hours_month" in current_app.view_functions:
        return path_for("placements.hours_month", maaned=f"{month:%Y-%m}")
    return path_for("placements.index")


def _earlier(gaps: list[tuple[date, int]]) -> str:
    """" Der mangler også timer for oktober 2026 (3 forløb) og september 2026 (1 forløb)." or ""."""
    if not gaps:
        return ""
    parts = [f"{format_month(month)} ({count} forløb)" for month, count in gaps]
    return f" Der mangler også timer for {and_list(parts)}."


def _why(unpaid: int, paid: int) -> str:
    """What the hours are for, by the kinds missing them: virksomhedspraktik is unpaid (the
    citizen keeps the benefit), so its hours are attendance the job centre follows, never pay."""
    if not paid:
        return ("Skriv fremmødet (timer) ind, så jobcentret kan følge forløbene. Praktik er ulønnet: "
                "borgeren får sin ydelse, ikke løn fra jer.")
    if not unpaid:
        return "Skriv timerne ind, så jobcentret kan følge forløbene, og lønnen kan afregnes."
    return ("Skriv timerne ind, så jobcentret kan følge forløbene. For de lønnede forløb bruges timerne "
            "også til lønnen; praktik er ulønnet (borgeren får sin ydelse), så dér er timerne fremmødet.")


def run(today: date) -> Summary:
    """Notify the company users about missing hours of the last finished months; commits. Needs an app context."""
    if today.day < FIRST_DAY:
        return Summary(month=None)
    month = previous_month(today)
    missing = monthly.missing_by_month(monthly.asked_months(today))
    unpaid = monthly.missing_by_month(monthly.asked_months(today), kinds=kinds.UNPAID_KINDS)
    companies = sorted({company for counts in missing.values() for company in counts})
    notified = 0
    for company_id in companies:
        gaps = [(m, counts[company_id]) for m, counts in missing.items() if counts[company_id]]  # newest first
        (newest, count), earlier = gaps[0], gaps[1:]
        praktik = sum(counts[company_id] for counts in unpaid.values())
        why = _why(praktik, sum(counts[company_id] for counts in missing.values()) - praktik)
        users = db.session.scalars(sa.select(User).where(
            User.company_id == company_id, User.role == "company", User.active.is_(True)).order_by(User.id))
        for user in users:
            text = f"Timer mangler for {count} forløb i {format_month(newest)}"
            note = notify(user, "hours_missing", text, hours_link(newest),
                          subject=f"Påmindelse: {text.lower()}",
                          body=f"{text}.{_earlier(earlier)} {why} {monthly.deadline_note(newest, today)}",
                          link_intro="Skriv timer her",
                          dedupe_key=f"hours-missing:{user.id}:{month:%Y-%m}")
            notified += note is not None
    try:
        db.session.commit()
    except IntegrityError:  # an overlapping run told the same users first
        db.session.rollback()
        notified = 0
    return Summary(month=month, placements=sum(missing[month].values()), notified=notified,
                   earlier=sum(sum(counts.values()) for m, counts in missing.items() if m != month))
