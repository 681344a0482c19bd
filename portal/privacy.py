"""Erasure and retention (GDPR art. 17 and 5(1)(e); SECURITY.md "Access control and privacy").

Erasure removes a citizen from the database, the search index (through the outbox: the
indexer removes the documents and sweeps their cached embeddings) and the file store.
Retention anonymises closed cases after ``RETENTION_DAYS``: the rows that statistics need
stay, everything that identifies the person goes. Both take the clock as an argument.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import audit
from .models import Citizen
from .models.base import utcnow
from .outbox import record_change

ANONYMOUS_NAME = "Anonymiseret borger"


def erase_citizen(session: Session, citizen_id: int, upload_folder: Path, *, purpose: str,
                  user=None) -> bool:
    """Delete the citizen and everything hanging off it; False if there was no such citizen.

    The caller commits. Stored CV files are deleted after the rows are flushed, so a
    failing flush leaves the files in place (no data is lost on a failed erasure).
    """
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        return False
    files = [cv.stored_name for cv in citizen.cv_documents if cv.stored_name]
    session.delete(citizen)
    record_change(session, "citizen", citizen_id, op="delete")
    audit.record("citizen_erased", citizen_id=citizen_id, purpose=purpose, user=user)
    session.flush()
    _delete_files(upload_folder, files)
    return True


def anonymise_expired(session: Session, upload_folder: Path, *, today: date, retention_days: int) -> int:
    """Anonymise every case closed more than ``retention_days`` before ``today``.

    Returns the number of citizens anonymised. The caller commits.
    """
    cutoff = today - timedelta(days=retention_days)
    citizens = session.scalars(sa.select(Citizen).where(
        Citizen.case_closed.is_not(None), Citizen.case_closed < cutoff, Citizen.anonymised_at.is_(None)))
    count = 0
    for citizen in citizens:
        files = [cv.stored_name for cv in citizen.cv_documents if cv.stored_name]
        citizen.name, citizen.phone, citizen.email = ANONYMOUS_NAME, "", ""
        citizen.limitations_text, citizen.limitation_flags = "", []
        citizen.cv_documents.clear()
        citizen.anonymised_at = utcnow()
        record_change(session, "citizen", citizen.id, op="delete")
        audit.record("citizen_anonymised", citizen_id=citizen.id, purpose="retention")
        session.flush()
        _delete_files(upload_folder, files)
        count += 1
    return count


def _delete_files(folder: Path, names: list[str]) -> None:
    for name in names:
        path = (folder / name).resolve()
        if path.parent == folder.resolve():  # generated names only; never follow a path out
            path.unlink(missing_ok=True)
