"""The worker's check that the index was built at all: an empty index is rebuilt.

A lost Elasticsearch volume, or a fresh install before its first ``python -m indexer
rebuild``, leaves an index with no documents while the database has citizens and openings to
match. The outbox holds only changes, so nothing would ever fill it and every ranking would
read as "no citizen meets the requirements". :class:`EmptyIndexCheck` runs at the worker's
start and then every ``every`` from its idle branch: a kind whose index is missing
(``IndexMissing``) or counts no documents (``MatchBackend.count``) while the database has at least one row of it to index
(:func:`store.profiles.is_indexable_citizen` / ``is_indexable_opening``, the indexer's own
rule) is rebuilt from the database (:func:`indexer.rebuild.rebuild`: a fresh index, then the
alias swap), with a log line saying why.

A rebuild that leaves the kind empty (every row failed to index; the reasons are at
/admin/indexer) is not repeated for ``after_fruitless`` (a day), so one unreadable CV does not
rebuild the index every few minutes. A kind whose index exists but cannot be read
(``IndexBroken``: the snapshot file corrupt or unreadable) is rebuilt as well, whatever the
database holds: trying again never makes it readable, and the portal ranks in reduced mode
until then. An unreachable backend or encoder is logged in one line and checked again next
time, as is a kind another rebuild is filling (``RebuildRunning``).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from matching.backends import BackendError, IndexBroken, IndexMissing, MatchBackend
from matching.backends.base import KINDS
from matching.encoders import Encoder, EncoderUnavailable
from store.models import Citizen, Opening
from store.models.base import utcnow
from store.profiles import is_indexable_citizen, is_indexable_opening, load_citizens, load_openings

from .progress import RebuildRunning
from .rebuild import rebuild

log = logging.getLogger("indexer")

CHUNK = 500
CHECK_EVERY = timedelta(minutes=5)
AFTER_FRUITLESS = timedelta(days=1)


def has_indexable(session: Session, kind: str) -> bool:
    """Whether the database has at least one row of ``kind`` the index should hold.

    Reads a chunk of rows at a time and stops at the first indexable one (the rule needs the
    loaded row: a citizen is matchable only with a CV, a jobmål and an active VK).
    """
    if kind == "citizen":
        # Only a pre-filter on columns; is_indexable_citizen decides.
        query = (sa.select(Citizen.id).where(Citizen.restricted.is_(False), Citizen.anonymised_at.is_(None),
                                             Citizen.case_closed.is_(None)).order_by(Citizen.id))
        load, indexable = load_citizens, is_indexable_citizen
    else:
        query = sa.select(Opening.id).order_by(Opening.id)
        load, indexable = load_openings, is_indexable_opening
    ids = list(session.scalars(query))
    for start in range(0, len(ids), CHUNK):
        rows = load(session, ids[start:start + CHUNK]).values()
        if any(indexable(row) for row in rows):
            return True
    return False


class EmptyIndexCheck:
    """Rebuild a kind whose index is empty while the database has rows of it to index, or
    whose index cannot be read.

    Args:
        session, backend, encoder: the worker's.
        upload_folder, concept_version: passed to the rebuild, as the worker's own.
        every: how often the check runs after the first call (it always runs on the first).
        after_fruitless: how long a kind a rebuild left empty is not rebuilt again.
        clock: current UTC time (injectable for tests).
    """

    def __init__(self, session: Session, backend: MatchBackend, encoder: Encoder, *,
                 upload_folder: Path | None = None, concept_version: str | None = None,
                 every: timedelta = CHECK_EVERY, after_fruitless: timedelta = AFTER_FRUITLESS,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.session, self.backend, self.encoder = session, backend, encoder
        self.upload_folder, self.concept_version = upload_folder, concept_version
        self.every, self.after_fruitless, self.clock = every, after_fruitless, clock
        self._next_check: datetime | None = None
        self._not_before: dict[str, datetime] = {}

    def __call__(self) -> list[str]:
        """Check (when due) and rebuild the empty and unreadable kinds; returns the kinds rebuilt.

        Never raises for an unreachable backend or encoder (logged; checked again later).

        Raises:
            sqlalchemy.exc.SQLAlchemyError: the database failed (the worker retries).
        """
        now = self.clock()
        if self._next_check is not None and now < self._next_check:
            return []
        self._next_check = now + self.every
        try:
            needed = {kind: why for kind in KINDS if (why := self._needs_rebuild(kind, now))}
            if not needed:
                return []
            for kind, why in needed.items():
                if why == "empty":
                    log.warning("the %s index is missing or empty but the database has %ss to match (a lost "
                                "or never-built index): rebuilding it from the database; until it is done the "
                                "portal ranks in reduced mode from the database", kind, kind)
                else:
                    log.warning("the %s index cannot be read (%s): rebuilding it from the database; until it "
                                "is done the portal ranks in reduced mode from the database", kind, why)
            result = rebuild(self.session, self.backend, self.encoder, upload_folder=self.upload_folder,
                             progress=None, kinds=tuple(needed), concept_version=self.concept_version)
            for kind, why in needed.items():
                written = getattr(result, f"{kind}s")
                if why != "empty":
                    log.info("rebuild of the unreadable %s index done: %s documents", kind, written)
                elif self.backend.count(kind):
                    log.info("rebuild of the empty %s index done: %s documents", kind, written)
                else:
                    self._not_before[kind] = self.clock() + self.after_fruitless
                    log.warning("the %s index is still empty after its rebuild (every row failed to "
                                "index: see /admin/indexer); not rebuilt again before %s", kind,
                                self._not_before[kind].isoformat(timespec="minutes"))
            return list(needed)
        except (BackendError, EncoderUnavailable) as err:
            log.warning("cannot check or rebuild an empty index now: %s", err)
            return []
        except RebuildRunning as err:  # that rebuild fills it; checked again next time
            log.info("not rebuilding the index now: %s", err)
            return []
        finally:
            self.session.rollback()  # end the read transaction

    def _needs_rebuild(self, kind: str, now: datetime) -> str | None:
        """Why ``kind`` is rebuilt now: "empty" (missing or empty while the database has rows
        to index), the error of an index that cannot be read, or None.

        Raises:
            BackendError: the backend cannot be reached (BackendUnavailable) or refused.
        """
        try:
            count = self.backend.count(kind)
        except IndexMissing:  # never built, or lost (readers never create one)
            count = 0
        except IndexBroken as err:  # only a rebuild writes a readable one
            return str(err) or type(err).__name__
        not_before = self._not_before.get(kind)
        if not_before is not None and now < not_before:
            return None
        return "empty" if count == 0 and has_indexable(self.session, kind) else None
