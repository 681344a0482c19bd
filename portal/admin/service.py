"""Account and company administration: the work behind /admin's routes.

Routes validate the form, call one function here and render; these functions change the
database (and the audit log) and leave the commit to the caller unless they say otherwise.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from .. import audit
from ..auth.sessions import rotate_session_token
from ..auth.tokens import clear_token
from ..extensions import db
from store.models import User


class AccountRuleError(ValueError):
    """An account change the rules refuse; ``str(error)`` is the Danish message to show."""


def toggle_active(user: User, acting: User) -> None:
    """Enable a disabled user, or disable an active one (ending their sessions and pending link).

    Raises:
        AccountRuleError: for disabling oneself, or the last active administrator.
    """
    if not user.active:
        user.active = True
        rotate_session_token(user)
        audit.record("user_enabled", purpose=f"user:{user.id}")
        return
    if user.id == acting.id:
        raise AccountRuleError("Du kan ikke deaktivere din egen bruger. Bed en anden administrator om det.")
    if user.role == "admin" and not _disable_admin(user):
        raise AccountRuleError(f"{user.name} er den sidste aktive administrator og kan ikke deaktiveres. "
                               "Opret eller aktivér en anden administrator først.")
    user.active = False
    rotate_session_token(user)
    clear_token(user)
    audit.record("user_disabled", purpose=f"user:{user.id}")


def _disable_admin(user: User) -> bool:
    """Disable administrator ``user`` unless no other active one would be left; True if done.

    Two administrators disabling each other at once must not leave none. On PostgreSQL the
    active administrators are locked (``FOR UPDATE``, in id order) while counted; SQLite
    has no row locks but runs one write at a time, so the UPDATE itself repeats the count.
    """
    admins = db.session.scalars(sa.select(User.id).where(User.role == "admin", User.active)
                                .order_by(User.id).with_for_update()).all()
    if not set(admins) - {user.id}:
        return False
    other = aliased(User)
    another_active = (sa.select(other.id).where(other.role == "admin", other.active, other.id != user.id)
                      .exists())
    result = db.session.execute(sa.update(User).where(User.id == user.id, User.active, another_active)
                                .values(active=False).execution_options(synchronize_session=False))
    return result.rowcount == 1
