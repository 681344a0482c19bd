"""/admin/indexer: what the matching indexer is doing (pending, failures, index size), and
/admin/indexer/relevans: the re-ranking learned from the job centre's decisions.

The page reads the outbox and asks the portal's own search backend (the one rankings use)
for its document counts. It never indexes anything itself, and a backend that cannot be
reached is shown, not raised.
"""
from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from flask import current_app, render_template

from matching.backends import BackendError
from matching.concept_channel import channel_status
from matching.encoders import make_encoder
from matching.settings import MatchingSettings
from store.index_status import failures, indexer_status
from store.models import IndexerState

from ..access import admin_required
from ..extensions import db
from ..matching_runtime import (
    history_readable, learned_model, matching_service, rerank_report, scoring_name, stored_model,
)
from . import bp
from .relevance import encoder_label, verdict, weight_rows

# Where the indexer worker stores its last training's outcome (indexer/training.py,
# LAST_TRAINING_KEY; the portal does not import the indexer).
LAST_TRAINING_KEY = "rerank_last_training"


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
    concepts = channel_status(settings.concepts, encoder_name, settings.concept_weight)
    return render_template("admin/indexer.html", status=status, failures=failures(db.session),
                           concepts=concepts, search=search_details(matching_service().backend, settings))


def without_credentials(url: str) -> str:
    """``url`` (or several, comma-separated) with any ``user:password@`` left out."""
    def one(part: str) -> str:
        parts = urlsplit(part.strip())
        host = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit(parts._replace(netloc=host))
    return ", ".join(one(part) for part in url.split(",") if part.strip())


def search_details(backend, settings: MatchingSettings) -> dict | None:
    """Where an Elasticsearch backend reads (review BL 3): its address without credentials
    and, per kind, the alias and the concrete index behind it (None: unknown, the backend
    could not be asked; []: no index behind the alias). None for the in-process backend.

    ``backend`` is the process's breaker-wrapped backend: the alias is named without a call,
    and the indices are asked through the breaker, so a backend the page's counts just found
    unreachable is not waited for again."""
    plain = getattr(backend, "inner", backend)
    if settings.backend != "elasticsearch" or not hasattr(plain, "live_indices"):
        return None
    kinds = {}
    for kind in ("citizen", "opening"):
        try:
            live = backend.live_indices(kind)
        except BackendError:
            live = None
        kinds[kind] = {"alias": plain.alias(kind), "indices": live}
    return {"url": without_credentials(settings.elasticsearch_url), "kinds": kinds}


@bp.get("/indexer/relevans")
@admin_required
def relevance():
    """The re-ranking learned from decisions: the model in use, when it was trained, its
    offline figures against the hand-set weights, the number of decisions, and why.

    :raise 403: for anyone but an administrator.
    """
    report = rerank_report()
    trained_at = None
    if report and report.get("trained_at"):
        try:
            trained_at = datetime.fromisoformat(report["trained_at"])
        except ValueError:
            trained_at = None
    model = learned_model(report) if report else None
    weights, history_ok, refused = [], True, False
    if report and report.get("model"):
        try:
            fitted = stored_model(report)
        except ValueError:  # another format (trained before an update), or a forbidden feature
            fitted, refused = None, True
        if fitted is not None:
            history_ok = history_readable(fitted)
            weights = weight_rows(fitted, report)
    return render_template("admin/relevance.html", report=report, trained_at=trained_at,
                           last_training=last_training(),
                           in_use=model is not None, weights=weights, current_encoder=scoring_name(),
                           history_ok=history_ok, refused=refused, verdict=verdict(report) if report else None,
                           encoder_label=encoder_label)


def last_training() -> dict | None:
    """The worker's last training run: {"outcome": used | not_used | failed | stopped,
    "reason", "decisions", "at" (datetime)}, or None before the first (or if unreadable)."""
    row = db.session.get(IndexerState, LAST_TRAINING_KEY)
    try:
        run = json.loads(row.value) if row is not None else None
        run = run if isinstance(run, dict) and run.get("outcome") else None
        if run is not None:
            run["at"] = datetime.fromisoformat(run["at"])
    except (ValueError, KeyError, TypeError):
        return None
    return run
