"""Template globals: vocabularies (Danish labels) and navigation (formatting: portal.i18n)."""
from __future__ import annotations

from flask import Flask
from flask_login import current_user

from .auth.forms import LogoutForm
from store.models import vocab


def init_app(app: Flask) -> None:
    from .citizens.queries import FIXES

    app.jinja_env.globals.update(vocab=vocab, navigation=navigation, missing_fixes=FIXES,
                                 index_rebuild=index_rebuild)

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



def index_rebuild():
    """The index rebuild reporting now (:func:`store.index_status.rebuild_progress`), or None:
    a notice that would advise an administrator to rebuild says one runs instead (review AN 12).
    Read only where such advice is shown."""
    from store.index_status import rebuild_progress

    from .extensions import db

    progress = rebuild_progress(db.session)
    return progress if progress is not None and not progress.stale else None
