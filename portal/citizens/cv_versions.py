"""Replaced CV versions: kept a short while, then deleted (GDPR art. 5(1)(c) and (e), review AU 2).

When a new CV becomes current, the one before has no purpose left, except two:

- a wrong upload (another person's CV, the wrong file) is deleted from the CV page, and the
  previous version is current again (:mod:`.cv_removal`): for that the earlier version must
  still be there for a while;
- a company that has the citizen's consent to the CV gets the version that was current when
  the consent was given (:func:`.cv_sharing.consented_version`).

So a replaced version is kept ``CV_VERSION_KEEP_DAYS`` days (default 30) from the day it was
replaced (the day the next version was saved, in Danish time), and the retention run
(``flask --app portal retention``) deletes it after that, unless a consent in force shares it;
such a version goes at the first run after that consent ends (withdrawn, lapsed, replaced).
The deletion is the CV deletion's (:func:`.cv_removal.discard`: the row, its text, the cached
vectors and check, and the file after the commit), audited as ``cv_superseded_deleted``
(``cv:<id> saved:<day saved>``, »CV <id> gemt <dato>«). A citizen whose processing is restricted (art. 18) keeps every
version until the restriction is lifted, as retention keeps the whole case; an anonymised
citizen has none left.

The goal »CV, jobmål og virksomhedskonsulent« counts a citizen from the day the first CV with
text was saved (:mod:`portal.dashboard.facts`), also for months before a later version replaced
it. So when the run deletes that first version, its row stays as a marker (review AW 1): the
same id and ``created_at``, ``content_type`` :data:`~store.models.citizens.CV_FIRST_SAVED`, no text, file
or name. It is no CV: ``Citizen.cv_documents`` never holds it, so no page, export, check or
ranking sees it; only the goal reads its day, and erasure and anonymisation delete it. Deleting
that version by hand from the CV page keeps the marker too (:func:`.cv_removal.remove`).

The CV page lists the replaced versions with the day each is deleted (:func:`delete_on`), and
the access export (art. 15) includes them.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, aliased

from store import clock
from store.models import Citizen, CvDocument
from store.models.citizens import CV_FIRST_SAVED

from .. import audit, files
from . import cv_removal, cv_sharing

DEFAULT_KEEP_DAYS = 30


def keep_days() -> int:
    """``CV_VERSION_KEEP_DAYS`` of the running app."""
    return int(current_app.config.get("CV_VERSION_KEEP_DAYS", DEFAULT_KEEP_DAYS))


def replaced_at(citizen: Citizen, cv: CvDocument) -> datetime | None:
    """When ``cv`` was replaced: the moment the next version was saved; None for the current CV."""
    versions = citizen.cv_documents
    index = next((i for i, other in enumerate(versions) if other is cv), None)
    if index is None or index == len(versions) - 1:
        return None
    return versions[index + 1].created_at


def _local_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(clock.LOCAL).date()


def delete_on(citizen: Citizen, cv: CvDocument, days: int | None = None,
              shared: Iterable[cv_sharing.Sharing] | None = None) -> date | None:
    """The day the retention run deletes the replaced version ``cv``; None when it is not due to
    go: the current CV, a version a consent in force shares, or a restricted citizen's."""
    moment = replaced_at(citizen, cv)
    if moment is None or citizen.restricted:
        return None
    shared = cv_sharing.sharing(citizen) if shared is None else shared
    if any(item.cv is cv for item in shared):
        return None
    return _local_day(moment) + timedelta(days=keep_days() if days is None else days)


@dataclass(frozen=True)
class Replaced:
    """A replaced version as the CV page lists it."""

    cv: CvDocument
    replaced_at: datetime
    delete_on: date | None  # None: kept while a company has it under a consent in force

    @property
    def due(self) -> bool:
        """Its day has come: the next retention run deletes it."""
        return self.delete_on is not None and self.delete_on <= clock.today()


def replaced(citizen: Citizen) -> list[Replaced]:
    """The citizen's replaced versions, newest first, each with its deletion day."""
    shared = cv_sharing.sharing(citizen)
    out = []
    for cv in citizen.cv_documents[:-1]:
        out.append(Replaced(cv, replaced_at(citizen, cv), delete_on(citizen, cv, shared=shared)))
    return out[::-1]


@dataclass
class Pruned:
    """What one retention run deleted: how many versions, and their stored files (deleted by the
    file store once the caller's commit succeeds)."""

    count: int = 0
    files: list[str] = field(default_factory=list)


def prune(session: Session, *, today: date, days: int) -> Pruned:
    """Delete every replaced version whose keeping time is over (:func:`delete_on` on or before
    ``today``), in ``session``; the caller commits, and the versions' files are deleted after
    that commit (:meth:`portal.files.FileStore.delete_after_commit`), never before a failed one."""
    cutoff_day = today - timedelta(days=days) + timedelta(days=1)
    cutoff = datetime.combine(cutoff_day, time(), tzinfo=clock.LOCAL).astimezone(timezone.utc)
    newer = aliased(CvDocument)
    due = (sa.select(CvDocument.citizen_id).join(Citizen, Citizen.id == CvDocument.citizen_id)
           .where(Citizen.anonymised_at.is_(None), Citizen.restricted.is_(False),
                  CvDocument.content_type != CV_FIRST_SAVED,
                  sa.exists().where(newer.citizen_id == CvDocument.citizen_id, newer.id > CvDocument.id,
                                    newer.created_at < cutoff))
           .distinct())
    pruned = Pruned()
    for citizen in session.scalars(sa.select(Citizen).where(Citizen.id.in_(due)).order_by(Citizen.id)):
        shared = cv_sharing.sharing(citizen)
        gone = [cv for cv in citizen.cv_documents[:-1]
                if (day := delete_on(citizen, cv, days, shared)) is not None and day <= today]
        first = cv_removal.first_with_text(citizen)
        for cv in gone:
            purpose = f"cv:{cv.id} saved:{_local_day(cv.created_at).isoformat()}"
            if cv is first:  # its row stays as the marker of its day, for the goal (review AW 1)
                if stored := cv_removal.keep_as_marker(citizen, cv):
                    pruned.files.append(stored)
            elif stored := cv_removal.discard(citizen, cv):
                pruned.files.append(stored)
            audit.record("cv_superseded_deleted", citizen_id=citizen.id, purpose=purpose)
            pruned.count += 1
    session.flush()
    files.current().delete_after_commit(session, pruned.files)
    return pruned
