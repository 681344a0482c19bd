"""Start-up check: the index must have been built with the configured encoder.

A test run, a changed ``MATCHING_ENCODER`` or a new model version leaves an index whose
vectors do not compare with the configured encoder's (different dimension or different
space). Instead of failing every event ("vector has 384 dims, index has 256"), the indexer
says so in one line and rebuilds; the portal ranks in "reduced matching" until it is done
(``matching.service`` checks the same metadata before each search).
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from matching.backends import BackendUnavailable, IndexMissing, MatchBackend
from matching.backends.base import KINDS
from matching.encoders import Encoder
from matching.index_meta import encoder_meta, mismatches

from .rebuild import RebuildResult, rebuild

log = logging.getLogger("indexer")


def ensure_index_encoder(session: Session, backend: MatchBackend, encoder: Encoder, *,
                         upload_folder: Path | None = None, rebuild_unreadable: bool = False,
                         progress: IO[str] | None = sys.stderr,
                         concept_version: str | None = None) -> RebuildResult | None:
    """Rebuild the kinds whose index was built with another encoder or other document fields;
    build the kinds whose index does not exist (``IndexMissing``: never built, or lost);
    record the encoder on empty ones.

    Args:
        rebuild_unreadable: the backend is a local file (the memory snapshot) that may be
            unreadable (an older format, a torn copy): rebuild it from the database instead of
            waiting. Never for a server, whose "unavailable" means down.
        concept_version: passed to ``rebuild`` (the concept profiles its sweep keeps).

    Returns:
        The rebuild's result, or None when nothing had to be rebuilt.

    Raises:
        BackendUnavailable, EncoderUnavailable: from the rebuild (the live index is kept).
        RebuildRunning: another rebuild is running (nothing was done; check again after it).
    """
    try:
        wrong = mismatches(backend, encoder)
    except IndexMissing:
        missing = tuple(kind for kind in KINDS if not _exists(backend, kind))
        if not missing:
            raise
        log.warning("the %s index does not exist (never built, or lost): building it from the database "
                    "(the portal shows reduced matching until done)", " and ".join(missing))
        built = rebuild(session, backend, encoder, upload_folder=upload_folder, progress=progress,
                        kinds=missing, concept_version=concept_version)
        return ensure_index_encoder(session, backend, encoder, upload_folder=upload_folder,
                                    rebuild_unreadable=rebuild_unreadable, progress=progress,
                                    concept_version=concept_version) or built
    except BackendUnavailable as err:
        if not rebuild_unreadable:
            raise
        log.warning("%s: rebuilding the whole index (the portal shows reduced matching until done)", err)
        return rebuild(session, backend, encoder, upload_folder=upload_folder, progress=progress,
                       kinds=KINDS, concept_version=concept_version)
    for kind in KINDS:  # an empty index learns its encoder before the first write
        if not any(m.kind == kind for m in wrong) and not backend.index_meta(kind):
            backend.set_index_meta(kind, encoder_meta(encoder))
    if not wrong:
        return None
    for problem in wrong:
        log.warning("%s: rebuilding it (the portal shows reduced matching until done)", problem)
    return rebuild(session, backend, encoder, upload_folder=upload_folder, progress=progress,
                   kinds=tuple(m.kind for m in wrong), concept_version=concept_version)


def _exists(backend: MatchBackend, kind: str) -> bool:
    """Whether ``kind``'s index exists (a reader raises IndexMissing when it does not)."""
    try:
        backend.count(kind)
    except IndexMissing:
        return False
    return True
