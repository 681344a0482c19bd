"""One-time set-password tokens: issued by an administrator, the CLI or "glemt adgangskode".

Only the SHA-256 of a token is stored. Issuing a new token replaces the old one, so at most
one link per user works at any time; setting the password clears it, and so do a password
change while logged in, a new or freed e-mail and deactivation (README "Tokens and secrets").
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from .. import mail
from ..extensions import db
from store.models import User
from store.models.base import utcnow


def issue_set_password_token(user: User, hours: float) -> str:
    """Create a one-time token for ``user`` valid for ``hours``; the previous one stops working.

    The caller commits. The user's password (if any) and sessions are untouched: an
    administrator's "Send nyt link" or a forgotten-password mail changes nothing until the
    link is used.
    """
    token = secrets.token_urlsafe(32)
    user.set_password_token_hash = _digest(token)
    user.set_password_expires = utcnow() + timedelta(hours=hours)
    return token


def user_for_token(token: str) -> User | None:
    """The active user whose unused, unexpired token this is; else None."""
    if len(token) > 200:
        return None
    return user_for_digest(_digest(token))


def user_for_digest(digest: str) -> User | None:
    """:func:`user_for_token` by the token's SHA-256 (:func:`digest_of`), as the set-password
    page keeps it in the session once the link is opened (review AZ 2)."""
    if not isinstance(digest, str) or len(digest) != 64:
        return None
    user = db.session.scalar(sa.select(User).where(User.set_password_token_hash == digest))
    if user is None or user.set_password_expires is None or not user.active:
        return None
    return user if user.set_password_expires >= utcnow() else None


def digest_of(token: str) -> str:
    """What the database keeps of ``token``: its SHA-256, which does not open the link."""
    return _digest(token)


def clear_token(user: User) -> None:
    """Make the user's pending link dead (used, or the account was disabled)."""
    user.set_password_token_hash = None
    user.set_password_expires = None


def consume_digest(user: User, digest: str) -> bool:
    """Use up the token whose SHA-256 is ``digest`` for ``user`` in the caller's transaction;
    True only for the one winner.

    A conditional UPDATE (``WHERE id = :id AND set_password_token_hash = :digest``) rather
    than read-then-write: of two requests racing with the same link, the database lets
    exactly one change the row, and the other must refuse (and roll back). The caller commits.
    """
    result = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, User.set_password_token_hash == digest)
        .values(set_password_token_hash=None, set_password_expires=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    clear_token(user)  # the loaded object agrees with the row now
    return True


def set_password_url(token: str) -> str:
    """The absolute link to set a password, built on ``PORTAL_URL`` (see :func:`portal.mail.absolute_url`).

    Raises:
        ConfigError: if a mail server is set without ``PORTAL_URL``.
    """
    return mail.absolute_url("auth.set_password", token=token)




def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
