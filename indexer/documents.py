"""From database rows to backend documents: CV extraction, profiles, encoding.

Shared by the outbox worker and the full rebuild, so both build identical documents
(this is what makes "rebuild equals incremental" hold).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from cvtext.extract import ExtractionError, ExtractLimits, extract_text
from matching.backends import Document
from matching.domain import CitizenProfile, OpeningProfile
from matching.encoders import Encoder
from matching.documents import documents_for_citizens, documents_for_openings, stored_keys
from store.models import Citizen, CvDocument, Opening
from store.profiles import (
    citizen_profiles, is_indexable_citizen, is_indexable_opening, load_citizens, load_openings,
    opening_profile,
)

REASON_LEN = 500


@dataclass
class Built:
    """Documents to write, ids to remove, per-id failures (reasons in Danish), and the
    row version each decision was based on (``seen``; deleted rows are absent)."""

    docs: list[Document] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)


def ensure_cv_text(cv: CvDocument, upload_folder: Path | None,
                   limits: ExtractLimits = ExtractLimits()) -> str | None:
    """Extract the text of an uploaded CV whose text is not known yet.

    On success ``cv.text`` is set (the caller commits). On failure ``cv.extraction_error``
    is set to the Danish reason, which the citizen's page shows.

    Returns:
        None when the CV is usable, else the reason it is not.
    """
    if (cv.text or "").strip():
        return None
    if cv.extraction_error:
        return f"CV'et kunne ikke læses: {cv.extraction_error}"
    if not cv.stored_name:
        return None  # typed CV that is empty: simply "CV missing", not a failure
    try:
        cv.text = extract_text(_read_upload(upload_folder, cv.stored_name, limits),
                               cv.original_filename or f"cv.{cv.content_type}", limits)
        return None
    except ExtractionError as err:
        cv.extraction_error = err.message_da[:REASON_LEN]
    except OSError:
        cv.extraction_error = "CV-filen findes ikke længere på serveren. Upload den igen."
    return f"CV'et kunne ikke læses: {cv.extraction_error}"[:REASON_LEN]


def _read_upload(folder: Path | None, stored_name: str, limits: ExtractLimits) -> bytes:
    # Stored names are generated, but a name with a path in it must never leave the folder.
    if folder is None or Path(stored_name).name != stored_name or stored_name in (".", ".."):
        raise FileNotFoundError(stored_name)
    with open(folder / stored_name, "rb") as handle:
        return handle.read(limits.max_bytes + 1)  # one byte more: extract reports too_large


def build_citizens(session: Session, citizens: Sequence[Citizen], requested: Sequence[int],
                   encoder: Encoder, upload_folder: Path | None,
                   limits: ExtractLimits = ExtractLimits()) -> Built:
    """Documents for the indexable citizens among ``requested``; the rest are removed.

    ``citizens`` are the loaded rows (absent ids were deleted: erasure). A citizen whose
    CV cannot be read or whose row holds values matching rejects is reported in
    ``failed`` and removed from the index (without a readable CV it is not matchable).

    Raises:
        EncoderUnavailable, BackendUnavailable: passed through for the caller to retry.
    """
    built = Built(seen={str(c.id): int(c.version) for c in citizens})
    usable = []
    for citizen in citizens:
        cv = citizen.current_cv
        reason = ensure_cv_text(cv, upload_folder, limits) if cv is not None else None
        if reason:
            built.failed[citizen.id] = reason
        elif is_indexable_citizen(citizen):
            usable.append(citizen)
    profiles = list(_profiles(session, usable, built).values())
    built.docs = documents_for_citizens(profiles, encoder)
    keep = {p.id for p in profiles}
    built.remove = [str(i) for i in requested if str(i) not in keep]
    return built


def _profiles(session: Session, citizens: list[Citizen], built: Built) -> dict[int, CitizenProfile]:
    try:
        return citizen_profiles(session, citizens)
    except ValueError:
        pass  # find the bad rows one by one; the good ones are still indexed
    good = {}
    for citizen in citizens:
        try:
            good.update(citizen_profiles(session, [citizen]))
        except ValueError as err:
            built.failed[citizen.id] = f"Borgerens data kan ikke bruges til matchning: {err}"[:REASON_LEN]
    return good


def build_openings(openings: Sequence[Opening], requested: Sequence[int], encoder: Encoder) -> Built:
    """Documents for the open openings among ``requested``; the rest are removed."""
    built = Built(seen={str(o.id): int(o.version) for o in openings})
    profiles = []
    for opening in openings:
        if not is_indexable_opening(opening):
            continue
        try:
            profiles.append(opening_profile(opening))
        except ValueError as err:
            built.failed[opening.id] = f"Opslagets data kan ikke bruges til matchning: {err}"[:REASON_LEN]
    built.docs = documents_for_openings(profiles, encoder)
    keep = {p.id for p in profiles}
    built.remove = [str(i) for i in requested if str(i) not in keep]
    return built


def live_cache_keys(session: Session, encoder_name: str, concept_version: str | None = None) -> set[str]:
    """Cache keys of everything the index and the ranking may still need: the vectors of every
    indexable text (both roles, both kinds) and of the jobmål and titles a ranking scores alone,
    and their concept profiles under the table ``concept_version`` (``matching.documents.stored_keys``).

    Everything else in the embedding cache belongs to erased citizens or to older texts
    and may be swept.
    """
    return stored_keys(encoder_name, collection_profiles(session, "citizen"),
                       collection_profiles(session, "opening"), concept_version)


def collection_profiles(session: Session, kind: str) -> list[CitizenProfile] | list[OpeningProfile]:
    """The profile of every indexable row of ``kind`` (rows whose data cannot be used are left
    out: reported as failed by the worker, and not in the index either)."""
    if kind == "citizen":
        citizens = [c for c in load_citizens(session, None).values() if is_indexable_citizen(c)]
        return list(_profiles(session, citizens, Built()).values())
    profiles = []
    for opening in load_openings(session, None).values():
        if is_indexable_opening(opening):
            try:
                profiles.append(opening_profile(opening))
            except ValueError:
                continue
    return profiles


def collection_texts(session: Session, kind: str) -> list[str]:
    """The text of every indexable row of ``kind``, as the index documents carry it."""
    return [p.text for p in collection_profiles(session, kind)]
