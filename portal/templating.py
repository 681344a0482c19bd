"""Template globals: vocabularies (Danish labels) and navigation (formatting: portal.i18n)."""
from __future__ import annotations

from flask import Flask
from flask_login import current_user

from .auth.forms import LogoutForm
from store.models import vocab


def init_app(app: Flask) -> None:
    from .citizens.queries import FIXES

    app.jinja_env.globals.update(vocab=vocab, navigation=navigation, missing_fixes=FIXES)

    @app.context_processor
    def _logout_form():
        # formdata=None: never read request.form here (a 413 page must not read the oversized body).
        return {"logout_form": LogoutForm(formdata=None) if current_user.is_authenticated else None}


def navigation() -> list[tuple[str, str, bool]]:
    """Menu entries (endpoint, Danish label, current) for the current user's role."""
    if not current_user.is_authenticated:
        return []
    from .navigation import entries_for

    return entries_for(current_user)

