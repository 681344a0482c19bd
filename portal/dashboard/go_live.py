"""When Jobbro was taken into use: /maal has no figures for the months before (review BG 1).

The figures are computed from the portal's data. For a month before the portal was used there
is none (CVs, jobmål and activity were in the case system), so an empty install that imported
citizens with their real »Sagsstart« showed made-up 0 % figures for those months, frozen at
their first view. /maal therefore offers no month before the go-live month, never computes
or freezes one, and says so for a link to one; the go-live month itself counts from go-live.

The day is the setting ``GO_LIVE_DATE`` when set (:mod:`portal.config`), otherwise the day
the first user was created (Danish date): the first administrator is made at install
(``flask --app portal create-admin``; the demo's staff are dated before its history starts).
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app, g, has_app_context

from ..extensions import db
from store import clock
from store.clock import LOCAL
from store.models import User


def go_live_day() -> date | None:
    """The day Jobbro was taken into use, never after today; None outside an app context (no
    bound: a pure computation). Read once per request (``flask.g``)."""
    if not has_app_context():
        return None
    if "jobbro_go_live" not in g:
        g.jobbro_go_live = _read()
    return min(g.jobbro_go_live, clock.today())


def _read() -> date:
    configured = current_app.config.get("GO_LIVE_DATE")
    if configured:
        return configured
    first = db.session.scalar(sa.select(sa.func.min(User.created_at)))
    # No user yet (nobody can open /maal then): nothing before today.
    return first.astimezone(LOCAL).date() if first is not None else clock.today()


def forget() -> None:
    """Drop the day read for this request (a test that adds users or changes the setting)."""
    g.pop("jobbro_go_live", None)
