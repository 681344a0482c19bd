"""/admin/indexer: what the matching indexer is doing (pending, failures, index size).

The page reads the outbox and asks the portal's own search backend (the one rankings use)
for its document counts. It never indexes anything itself, and a backend that cannot be
reached is shown, not raised.
"""
from __future__ import annotations

from flask import current_app, render_template

from matching.encoders import make_encoder
from matching.settings import MatchingSettings
from store.index_status import failures, indexer_status

from ..access import admin_required
from ..extensions import db
from ..matching_runtime import matching_service
from . import bp


@bp.get("/indexer")
@admin_required
def indexer():
    """Indexer status: pending and failed outbox rows (with reasons), last run, index size.

    :raise 403: for anyone but an administrator.
    """
    settings = MatchingSettings.from_config(current_app.config, current_app.instance_path)
    encoder_name = make_encoder(settings.encoder).name  # cheap: the model loads lazily
    status = indexer_status(db.session, matching_service().backend,
                            backend_name=settings.backend, encoder_name=encoder_name)
    return render_template("admin/indexer.html", status=status, failures=failures(db.session))
