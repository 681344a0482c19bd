"""Revocable sessions: Flask-Login alternative tokens, idle and absolute timeouts."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from flask import current_app, session
from flask_login import current_user, logout_user

from ..extensions import db, login_manager
from ..models import User

login_manager.login_view = "auth.login"
login_manager.login_message = "Log ind for at se siden."
login_manager.login_message_category = "info"
login_manager.refresh_view = "auth.confirm"
login_manager.needs_refresh_message = "Bekræft din adgangskode for at fortsætte."
login_manager.needs_refresh_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(alternative_id: str) -> User | None:
    """Load by ``"<id>:<token>"``; a rotated token makes old cookies worthless."""
    user_id, _, token = alternative_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def new_session_token() -> str:
    return secrets.token_hex(32)


def rotate_session_token(user: User) -> None:
    """Invalidate every session of ``user`` (logout, password change, disable)."""
    user.session_token = new_session_token()


def start_session() -> None:
    session.permanent = True  # idle timeout = PERMANENT_SESSION_LIFETIME, refreshed per request
    session["login_at"] = datetime.now(timezone.utc).timestamp()


def enforce_absolute_timeout() -> None:
    """Log out sessions older than SESSION_ABSOLUTE_LIFETIME, however active."""
    if not current_user.is_authenticated:
        return
    started = session.get("login_at")
    limit = current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
    if started is None or datetime.now(timezone.utc).timestamp() - started > limit:
        logout_user()
        session.clear()
