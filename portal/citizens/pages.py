"""Helpers shared by the citizen routes: loading, fail-closed read audit, committing."""
from __future__ import annotations

from flask import abort, current_app, flash, make_response, request
from sqlalchemy.orm.exc import StaleDataError

from .. import audit
from ..errors import render_error
from ..extensions import db
from store.models import Citizen

AUDIT_DOWN = ("Borgerens oplysninger kan ikke vises lige nu, fordi adgangsloggen ikke kan skrives. "
              "Prøv igen om lidt.")


def citizen_or_404(citizen_id: int) -> Citizen:
    """Load a citizen shown to consultants (anonymised rows are gone for them).

    :raise 404: unknown id or an anonymised citizen.
    """
    citizen = db.session.get(Citizen, citizen_id)
    if citizen is None or citizen.anonymised_at is not None:
        abort(404)
    return citizen


def audited_read(citizen: Citizen, purpose: str) -> None:
    """Log the read before any citizen data is rendered.

    :raise 503: the audit log cannot be written (fail closed).
    """
    try:
        audit.record_now("read_citizen", citizen_id=citizen.id, purpose=purpose)
    except audit.AuditWriteError as exc:
        current_app.logger.error("read_citizen not logged for citizen %s: %s", citizen.id, exc)
        abort(make_response(*render_error(503, AUDIT_DOWN)))


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
