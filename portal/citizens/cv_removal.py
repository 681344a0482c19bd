"""Deleting a CV version stored by mistake (the real case: another person's CV uploaded to this
citizen, a privacy breach for as long as it is kept).

A consultant deletes one version (:func:`remove`), with a reason that goes into the audit log
(``cv_deleted``, ``cv <id> gemt <dd.mm.åååå tt:mm:ss>: <reason>``: a fixed reason and an optional
note, which follows the rule for every text kept there,
:func:`portal.citizens.forms.audit_text_problem`). What goes:

- the row, and with it the extracted text (``CvDocument.text``);
- the stored file, once the caller's commit has succeeded (a failed commit keeps it, so no row
  ever points at a lost file);
- the CV check's cached result for that text (:func:`portal.citizens.cv_sharing.forget`);
- the embedding cache's vectors of the citizen's matching text with that CV (both roles, every
  encoder in the cache), so no ranking reads a vector made from it (:func:`_drop_vectors`);
  anything else the cache still holds from it is swept by the indexer as texts of the past;
- the citizen is marked pending for the indexer, as an upload does (outbox row, version bump),
  so the index's document is rebuilt from the CV that is current now, or the citizen leaves
  the index for lack of a CV.

``cv_document`` has no AUTOINCREMENT on SQLite yet, so a deleted version's id can be given to
the next CV saved. The confirmation form therefore carries the version's key
(:func:`version_key`: id, saved time and stored file), and the route refuses a form whose
version is gone instead of deleting the CV that now has its id; the audit purpose names the
version by its id and saved time (:func:`audit_purpose`), so two deletions of one id are told
apart.

The previous version, if any, is the current CV again (the newest one left): the pages say so.
A replaced version that is the citizen's first CV with text keeps its row, without text, file or
name, as the marker of the day the goal »CV, jobmål og virksomhedskonsulent« counts the citizen
from (:func:`keep_as_marker`, review AW 1), so no month's figure moves; not when the reason is
»En anden persons CV«, which the citizen never had.
A profile the consultant approved for a company (drafted from the CV) is the consultant's text
and is not changed; the page lists the proposals that have one (:func:`profiles_from`).

A version a company has under a consent in force (:func:`portal.citizens.cv_sharing.sharing`)
is not deleted: :func:`shared_with` names the proposals, and the page links to each, where the
consent is withdrawn. Withdrawing is what ends the company's access and tells the company to
delete what it received (GDPR art. 19, :mod:`portal.candidates.withdrawal`). Deleting the version
under a live consent would instead hand the company an older CV the citizen never agreed to
share (the consent shares the newest CV stored before it), or leave the company's page with
nothing and no word to the company: neither is truthful to the citizen.
"""
from __future__ import annotations

import dataclasses
import hashlib

import sqlalchemy as sa
from babel import dates as babel_dates

from matching.cache import ROLES, cache_key
from store.embedding_store import DbEmbeddingCache
from store.models import Citizen, CvDocument, Proposal, User
from store.models.citizens import CV_FIRST_SAVED
from store.models.outbox import EmbeddingCacheEntry
from store.profiles import citizen_profile

from .. import name_order, proposals
from ..extensions import db
from ..i18n import DANISH_TIME, LOCALE
from . import cv_sharing, service


class CvShared(service.CitizenChangeError):
    """The version is shared with a company under a consent in force: withdraw it first."""

    def __init__(self, shared: list[cv_sharing.Sharing]) -> None:
        names = ", ".join(sorted({item.proposal.opening.company.name for item in shared}, key=name_order.sort_key))
        super().__init__(f"CV'et kan ikke slettes, mens {names} har det efter borgerens samtykke. "
                         "Tilbagekald samtykket på forslaget først: så kan virksomheden ikke hente CV'et, og "
                         "har den fået borgerens navn, får den besked om at slette det, den har fået. "
                         "Slet derefter CV'et her.")
        self.shared = shared


def version_key(cv: CvDocument) -> str:
    """What tells this version from a later one given the same id: its id, saved time and
    stored file (not its text, which the indexer may fill in later), as a short hash."""
    identity = f"{cv.id}|{cv.created_at.isoformat() if cv.created_at else ''}|{cv.stored_name or ''}"
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def saved_at(cv: CvDocument) -> str:
    """The version's saved time to the second, in Danish time (dd.mm.åååå tt:mm:ss)."""
    if cv.created_at is None:
        return "ukendt tidspunkt"
    return babel_dates.format_datetime(cv.created_at, "dd.MM.yyyy HH:mm:ss", tzinfo=DANISH_TIME, locale=LOCALE)


def audit_purpose(cv: CvDocument, reason: str) -> str:
    """The ``cv_deleted`` purpose: the version by id and saved time, and the reason."""
    return f"cv {cv.id} gemt {saved_at(cv)}: {reason}"


def shared_with(citizen: Citizen, cv: CvDocument) -> list[cv_sharing.Sharing]:
    """The proposals whose consent in force shares exactly this version with a company."""
    return [item for item in cv_sharing.sharing(citizen) if item.cv is not None and item.cv.id == cv.id]


def profiles_from(citizen: Citizen) -> list[Proposal]:
    """The citizen's proposals still in play (not ended) with a profile the consultant approved
    for the company: written from the CV the draft read, they are not changed by a deletion."""
    return list(db.session.scalars(sa.select(Proposal).where(
        Proposal.citizen_id == citizen.id, Proposal.profile_approved_at.is_not(None),
        Proposal.status.in_(proposals.ENDABLE)).order_by(Proposal.id)))


def after_removal(citizen: Citizen, cv: CvDocument) -> CvDocument | None:
    """The CV that is current once ``cv`` is deleted (None: the citizen then has no CV)."""
    left = [other for other in citizen.cv_documents if other.id != cv.id]
    return left[-1] if left else None


def remove(citizen: Citizen, cv: CvDocument, reason: str, user: User, *, keep_day: bool = True) -> str | None:
    """Delete ``cv`` (one of ``citizen``'s versions) in the caller's session; the caller has the
    returned stored file deleted after its commit (:meth:`portal.files.FileStore.delete_after_commit`)
    and commits.

    Raises:
        CitizenChangeError: read-only citizen (restricted or anonymised).
        CvShared: the version is shared with a company under a consent in force.
    """
    service.ensure_editable(citizen)
    if shared := shared_with(citizen, cv):
        raise CvShared(shared)
    purpose = audit_purpose(cv, reason)
    if keep_day and cv is not citizen.current_cv and cv is first_with_text(citizen):
        # a replaced first version: its day stays for the goal (review AW 1); not for another
        # person's CV (keep_day False), which the citizen never had
        stored_name = keep_as_marker(citizen, cv)
    else:
        stored_name = discard(citizen, cv)
    service.record_cv_deleted(citizen, purpose)
    return stored_name


def discard(citizen: Citizen, cv: CvDocument) -> str | None:
    """What every deletion of a version does, unchecked and unaudited (the callers check and
    audit: :func:`remove`, and the retention run's :func:`portal.citizens.cv_versions.prune`):
    the cached vectors made with its text, the row and its text, the cached CV check. Returns
    the stored file's name, which the caller deletes once its commit has succeeded."""
    stored_name, text = cv.stored_name, cv.text or ""
    _drop_vectors(citizen, text)
    citizen.cv_documents.remove(cv)  # delete-orphan: the row and its text go at the flush
    cv_sharing.forget(text)
    return stored_name


def first_with_text(citizen: Citizen) -> CvDocument | None:
    """The citizen's first CV with text, whose day the goal »CV, jobmål og virksomhedskonsulent«
    counts from, unless a marker of that day (``CV_FIRST_SAVED``) is kept already: then None."""
    marked = db.session.scalar(sa.select(sa.func.count(CvDocument.id)).where(
        CvDocument.citizen_id == citizen.id, CvDocument.content_type == CV_FIRST_SAVED))
    if marked:
        return None
    return next((cv for cv in sorted(citizen.cv_documents, key=lambda cv: (cv.created_at, cv.id))
                 if (cv.text or "").strip()), None)


def keep_as_marker(citizen: Citizen, cv: CvDocument) -> str | None:
    """Delete what :func:`discard` deletes of ``cv`` (its text, file, cached vectors and check)
    but keep its row, id and ``created_at`` as the first CV's marker (review AW 1); returns the
    stored file's name. In place, so the marker is never the newest row (the current CV is);
    it leaves ``citizen.cv_documents`` (expired here)."""
    stored_name, text = cv.stored_name, cv.text or ""
    _drop_vectors(citizen, text)
    cv_sharing.forget(text)
    db.session.flush()
    db.session.execute(sa.update(CvDocument).where(CvDocument.id == cv.id).values(
        content_type=CV_FIRST_SAVED, text="", stored_name=None, original_filename="", extraction_error=None)
        .execution_options(synchronize_session=False))
    db.session.expire(cv)
    db.session.expire(citizen, ["cv_documents"])
    return stored_name


def _drop_vectors(citizen: Citizen, cv_text: str) -> int:
    """Delete the cached vectors of the citizen's matching text as it reads with ``cv_text`` as
    the CV (the text the indexer encoded while that version was current), for every encoder
    with entries, in the caller's session."""
    try:
        profile = dataclasses.replace(citizen_profile(citizen), cv_text=cv_text)
    except ValueError:  # a row matching cannot read was never encoded
        return 0
    encoders = db.session.scalars(sa.select(EmbeddingCacheEntry.encoder).distinct()).all()
    keys = [cache_key(encoder, role, profile.text) for encoder in encoders for role in ROLES]
    return DbEmbeddingCache(db.session, "").delete_many(keys) if keys else 0

