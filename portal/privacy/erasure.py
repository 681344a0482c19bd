"""Erasure (GDPR art. 17): a citizen removed from the database, the search index (through the
outbox: the indexer removes the documents and sweeps their cached embeddings) and the file store.

Before the erasure the companies that hold the name are told
(:func:`portal.citizens.recipients.tell`, GDPR art. 19), and which companies were told is kept
in the audit log (``erasure_recipients_told``: company ids beside the citizen's id), since the
proposals that recorded it go with the citizen. The case-system id is blocked (:mod:`.blocklist`),
and what others wrote and the portal said about the person goes (:mod:`.scrubbing`): the hotline
requests and the »Ingen egnede kandidater lige nu« reasons that name them are blanked, and which
ones is audited (``erasure_hotline_blanked``, ``erasure_none_suitable_blanked``: the ids, never
the text). Stored CV files are deleted only after the caller's commit succeeds
(:mod:`portal.files`), so a failed erasure never leaves rows that point at lost files.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import audit
from .. import files as file_store
from ..auth import held
from store.models import Citizen
from store.outbox import record_change
from .blocklist import block_external_id
from .scrubbing import (blank_free_text, clear_queues, drop_idempotent_answers, naming_marks, naming_requests,
                        withdraw_stories)


def erase_citizen(session: Session, citizen_id: int, *, purpose: str, user=None) -> bool:
    """Delete the citizen and everything hanging off it; False if there was no such citizen.

    The caller commits. Stored CV files are deleted by the app's file store once that commit
    succeeds (:meth:`portal.files.FileStore.delete_after_commit`); a rollback keeps them (no data
    is lost on a failed erasure).
    """
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        return False
    files = [cv.stored_name for cv in citizen.cv_documents if cv.stored_name]
    named = [r.id for r in naming_requests(session, citizen)]  # while the name is there to find
    marks = naming_marks(session, citizen)
    block_external_id(session, citizen, "erased")
    clear_queues(session, citizen_id, citizen.name, user=user)  # before the closing notes are blanked
    drop_idempotent_answers(session, citizen_id)
    # the hotline rows outlive the placement link; a mark's opening outlives the citizen
    blank_free_text(session, citizen_id, named, [m.id for m in marks])
    if named:
        audit.record("erasure_hotline_blanked", citizen_id=citizen_id,
                     purpose="henvendelser " + ", ".join(map(str, named)), user=user)
    if marks:  # which openings' marks, not what their reasons said
        audit.record("erasure_none_suitable_blanked", citizen_id=citizen_id,
                     purpose=", ".join(f"Opening:{o}" for o in sorted({m.opening_id for m in marks})), user=user)
    withdraw_stories(session, citizen_id)
    held.drop_all(session)  # a form held across a log-in may be about them (portal.auth.held)
    drop_first_cv_marker(citizen)
    session.delete(citizen)
    record_change(session, "citizen", citizen_id, op="delete")
    audit.record("citizen_erased", citizen_id=citizen_id, purpose=purpose, user=user)
    session.flush()
    file_store.current().delete_after_commit(session, files)
    return True


def drop_first_cv_marker(citizen: Citizen) -> None:
    """The first CV's marker (``CV_FIRST_SAVED``, not in ``cv_documents``: review AW 1) goes too."""
    from sqlalchemy.orm import object_session

    from store.models import CvDocument
    from store.models.citizens import CV_FIRST_SAVED

    object_session(citizen).execute(sa.delete(CvDocument).where(
        CvDocument.citizen_id == citizen.id, CvDocument.content_type == CV_FIRST_SAVED)
        .execution_options(synchronize_session=False))
