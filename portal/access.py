"""Role checks and owner-scoped loading (SECURITY.md "Access control")."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, make_response
from flask_login import current_user, login_required

from . import audit
from .errors import render_error
from .extensions import db
from store.models import Citizen


def roles_required(*roles: str):
    """Allow only logged-in users with one of ``roles``.

    :raise 403: for a logged-in user of another role (logged as a denial).
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                audit.record_now("authorisation_denied", purpose=view.__name__, result="denied")
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


company_required = roles_required("company")
consultant_required = roles_required("consultant", "admin")
admin_required = roles_required("admin")


def get_owned_or_404(model, object_id: int, *, company_attr: str = "company_id"):
    """Load ``model`` by id *and* the current company; anything else is 404.

    Company users only ever reach their own company's rows; consultants and
    administrators are not restricted here (their rules live in the views).
    """
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    if current_user.role == "company" and getattr(obj, company_attr) != current_user.company_id:
        audit.record_now("authorisation_denied", purpose=f"{model.__name__}:{object_id}", result="not_found")
        abort(404)
    return obj


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
