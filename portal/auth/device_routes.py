"""Routes: a user ends their own sessions on other devices, from the account page
(/auth/skift-adgangskode, where :func:`device_list` fills the list »Hvor du er logget ind«).

/auth/enheder/<id>/log-ud ends one other device's session, /auth/enheder/log-ud-andre every
other one; this device's own session ends with "Log ud" (:func:`portal.auth.routes.logout`).
Both are CSRF-checked POSTs (app-wide), audited as ``logout`` with what was ended as purpose.
The device logged out is told so at its next request (``sessions.ENDED_ELSEWHERE``).
"""
from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from .. import audit
from ..extensions import db
from . import bp, devices, sessions

ENDED_ONE = "Enheden er logget ud."
ENDED_OTHERS = "Du er logget ud på {count} andre enheder."
ENDED_ONE_OTHER = "Du er logget ud på 1 anden enhed."
NO_OTHERS = "Du var ikke logget ind på andre enheder."


def device_list() -> list[devices.Device]:
    """The current user's live sessions, this device first (for the account page)."""
    return devices.live(current_user.id, sessions.clock())


def _back():
    return redirect(url_for("auth.change_password") + "#enheder")


ALREADY_ENDED = "Enheden var allerede logget ud."


@bp.post("/enheder/<int:row_id>/log-ud")
@login_required
def end_device(row_id: int):
    """End the session ``row_id`` of the current user on another device.

    Nothing to end (the device logged out or ran out meanwhile, or the id is not one of the
    user's other sessions) says so on the list: the same answer for every such id.
    """
    if not devices.end_one(current_user.id, row_id):
        flash(ALREADY_ENDED, "info")
        return _back()
    audit.record("logout", purpose=f"other_device session:{row_id}")
    db.session.commit()
    flash(ENDED_ONE, "success")
    return _back()


@bp.post("/enheder/log-ud-andre")
@login_required
def end_other_devices():
    """End every session of the current user but this device's."""
    count = devices.end_others(current_user.id, sessions.clock())
    if count:
        audit.record("logout", purpose=f"other_devices count:{count}")
    db.session.commit()
    flash(ENDED_ONE_OTHER if count == 1 else ENDED_OTHERS.format(count=count) if count else NO_OTHERS,
          "success" if count else "info")
    return _back()
