"""Helpers shared by the citizen routes: committing a citizen's change (loading a citizen and the
fail-closed read audit are :mod:`portal.access`'s, since other areas read citizens too)."""
from __future__ import annotations

from flask import flash, request
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db


def commit_or_refuse() -> bool:
    """Commit the service's change; False (rolled back, nothing flashed) when someone else's save
    of the citizen landed in between (the version check), so the caller can show the form again
    with what was typed and what the other one saved."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True


def posted_version(form) -> bool:
    """Whether the POST carries the version its page was loaded with (a hand-made POST, or a page
    rendered before the field existed, has none and is saved as before)."""
    return form.version.name in request.form


def commit_or_flash(success: str) -> bool:
    """Commit the service's change; a concurrent edit rolls back with a clear message."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash("Borgeren blev ændret af en anden imens. Se de nye oplysninger og prøv igen.", "error")
        return False
    flash(success, "success")
    return True
