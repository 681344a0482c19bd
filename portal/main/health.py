"""Probes for docker-compose and monitors (no data, no login, JSON only).

- ``/healthz``: liveness. 200 whenever the process answers: a database that cannot be
  reached, or is behind the code's migrations, is no reason to restart the process (a restart
  would not migrate it), so neither fails this probe; the second is named in the body with the
  command to run (``portal.schema``).
- ``/readyz``: readiness. 200 when the database answers at the code's migrations, 503 JSON
  when it does not; the search index is reported, never required (without it the portal
  ranks in reduced mode, and says so on the ranking pages).
"""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..matching_runtime import search_reachable
from . import bp

@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return {"status": "database unavailable", "database": type(getattr(exc, "orig", exc)).__name__}, 503
    search = "ok" if search_reachable() else "unavailable"
    return {"status": "ok", "database": "ok", "search": search}
