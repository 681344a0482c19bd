"""What an index was built with, and whether it fits the encoder a process is configured with.

The vectors in an index are only comparable with query vectors of the same encoder. The
indexer records the encoder's name and dimension with each kind's index
(``MatchBackend.set_index_meta`` / ``begin_rebuild(meta=...)``); a process with another
encoder must not search it (the portal ranks in "reduced matching" instead) and the indexer
rebuilds it (``indexer.encoder_check``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matching.backends.base import KINDS, MatchBackend
from matching.encoders import Encoder


def encoder_meta(encoder: Encoder) -> dict[str, Any]:
    """The metadata an index built with ``encoder`` carries."""
    return {"encoder": encoder.name, "dimension": int(encoder.dimension)}


def describe(meta: dict[str, Any]) -> str:
    """``"e5-small-4bit (384 dims)"`` for an encoder metadata mapping."""
    return f"{meta.get('encoder', '?')} ({meta.get('dimension', '?')} dims)"


@dataclass(frozen=True)
class EncoderMismatch:
    """One kind's index was built with ``found`` (None: not recorded) but ``wanted`` is configured."""

    kind: str
    found: dict[str, Any] | None
    wanted: dict[str, Any]

    def __str__(self) -> str:
        built = describe(self.found) if self.found else "an unrecorded encoder"
        return (f"the {self.kind} index was built with {built}; "
                f"the configured encoder is {describe(self.wanted)}")


def mismatch(backend: MatchBackend, encoder: Encoder, kind: str, *,
             unrecorded_fits: bool = False) -> EncoderMismatch | None:
    """The mismatch of ``kind``'s index with ``encoder``, or None when it fits.

    An empty index without metadata fits (nothing in it to compare). A non-empty one without
    metadata was written before the encoder was recorded (or by a caller that does not
    record it): the indexer rebuilds it (the default), a searcher may accept it
    (``unrecorded_fits``: the indexer has recorded every index it wrote since).
    """
    wanted = encoder_meta(encoder)
    found = {k: backend.index_meta(kind).get(k) for k in wanted}
    if found == wanted:
        return None
    if all(v is None for v in found.values()):
        if unrecorded_fits or backend.count(kind) == 0:
            return None
        return EncoderMismatch(kind, None, wanted)
    return EncoderMismatch(kind, found, wanted)


def mismatches(backend: MatchBackend, encoder: Encoder) -> list[EncoderMismatch]:
    """Every kind whose index does not fit ``encoder`` (unrecorded non-empty ones included)."""
    return [m for kind in KINDS if (m := mismatch(backend, encoder, kind)) is not None]
