"""Erasure and retention (GDPR art. 17 and 5(1)(e); SECURITY.md "Access control and privacy").

By concern:

- :mod:`.erasure`: a citizen erased from the database, the search index (through the outbox)
  and the file store (art. 17);
- :mod:`.blocklist`: an erased or anonymised citizen's case-system id, kept as a keyed hash so
  the next sync or import sending it is refused, until an administrator lifts the block;
- :mod:`.retention`: closed cases anonymised after ``RETENTION_DAYS``, restricted cases and
  running placements held back, and the operational data that only serves the days after it
  was made pruned;
- :mod:`.coarsening`: anonymised cases that lie wholly before the figures' reach coarsened to
  months, their proposals and history deleted;
- :mod:`.scrubbing`: what others wrote and what the portal said about the person (hotline
  texts, notes, notifications, mails, webhook deliveries, the API's stored answers) blanked or
  deleted, by erasure and anonymisation alike.

A CV file is deleted by the app's file store (:mod:`portal.files`) only after the commit that
forgets its row succeeds, so a failed erasure never leaves rows that point at lost files.
"""
from __future__ import annotations


def init_app(app) -> None:
    """The erasure page lists the requests :func:`.scrubbing.naming_requests` finds
    (``erasure_naming_requests`` in its template)."""
    from ..extensions import db
    from . import scrubbing

    app.jinja_env.globals["erasure_naming_requests"] = lambda citizen: scrubbing.naming_requests(db.session, citizen)
