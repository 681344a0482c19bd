"""/admin/indexer: what the matching indexer is doing (pending, failures, index size).

The page reads the outbox and asks the configured backend for its document counts. It
never indexes anything itself, and a backend that cannot be reached is shown, not raised.
"""
from __future__ import annotations

from flask import current_app, render_template

from indexer.config import IndexerSettings, make_index_backend
from indexer.status import failures, indexer_status
from matching.backends import MatchBackend
from matching.encoders import make_encoder

from ..access import admin_required
from ..extensions import db
from . import bp

_BACKEND_KEY = "jobbro_index_backend"


def _status_backend(settings: IndexerSettings) -> MatchBackend:
    """The backend to count documents in, built once per app."""
    backend = current_app.extensions.get(_BACKEND_KEY)
    if backend is None:
        dims = None
        if settings.backend != "memory":
            dims = make_encoder(settings.encoder).dimension
        backend = make_index_backend(settings, dims=dims)
        current_app.extensions[_BACKEND_KEY] = backend
    return backend


@bp.get("/indexer")
@admin_required
def indexer():
    """Indexer status: pending and failed outbox rows (with reasons), last run, index size.

    :raise 403: for anyone but an administrator.
    """
    settings = IndexerSettings.from_config(current_app.config, current_app.instance_path)
    encoder_name = make_encoder(settings.encoder).name  # cheap: the model loads lazily
    status = indexer_status(db.session, _status_backend(settings),
                            backend_name=settings.backend, encoder_name=encoder_name)
    return render_template("admin/indexer.html", status=status, failures=failures(db.session))
