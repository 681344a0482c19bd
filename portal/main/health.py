"""Probes for docker-compose and monitors (no data, no login, JSON only).

- ``/healthz``: liveness. 200 whenever the process answers: a database that cannot be
  reached, or is behind the code's migrations, is no reason to restart the process (a restart
  would not migrate it), so neither fails this probe; the second is named in the body with the
  command to run (``portal.schema``).
- ``/readyz``: readiness. 200 when the database answers at the code's migrations, 503 JSON
  when it does not; the search index is reported, never required (without it the portal
  ranks in reduced mode, and says so on the ranking pages): ``"search"`` is "ok",
  "unavailable" (cannot be reached), "broken" (the index exists but cannot be read, e.g. a
  corrupt file), "missing" (no index: never built, or its data lost) or "empty" (no documents
  of a kind the database has rows for). The last three need a rebuild (the worker's index
  check or ``python -m indexer rebuild``), which a restart would not do, so they fail no probe.

  A search backend that hangs is waited for once per probe, at most ``ELASTICSEARCH_TIMEOUT``:
  the first kind found "unavailable" is the answer (nothing is worse), and the backend's
  circuit breaker (``matching_runtime.BackendBreaker``) answers the probes of the next few
  seconds at once. docker-compose's healthcheck timeout is above that wait (review BB 2).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from store.index_status import index_state

from ..errors import database_recovered, log_database_fault
from ..extensions import db
from ..matching_runtime import matching_service
from . import bp

# Worst first: the state reported for the two kinds together.
_SEARCH_ORDER = ("unavailable", "broken", "missing", "empty")


def search_state() -> str:
    """"ok", or the worst of the two kinds' index states (``_SEARCH_ORDER``); the other kind
    is not asked once one cannot be reached (one wait for a hung backend, never two)."""
    backend = matching_service().backend
    found: set[str] = set()
    for kind in ("citizen", "opening"):
        state = index_state(db.session, backend, kind, compare=False)
        # An unreadable index is "unavailable" to the index state; it is no outage to wait out.
        found.add("broken" if state.broken else state.status)
        if "unavailable" in found:
            break
    return next((state for state in _SEARCH_ORDER if state in found), "ok")


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        log_database_fault(current_app, exc)  # the driver's reason, once per outage (review BB 4)
        return {"status": "database unavailable", "database": type(getattr(exc, "orig", exc)).__name__}, 503
    database_recovered()
    return {"status": "ok", "database": "ok", "search": search_state()}
