"""What an index was built with, and whether it fits the encoder a process is configured with.

The vectors in an index are only comparable with query vectors of the same encoder. The
indexer records the encoder's name and dimension with each kind's index
(``MatchBackend.set_index_meta`` / ``begin_rebuild(meta=...)``); a process with another
encoder must not search it (the portal ranks in "reduced matching" instead) and the indexer
rebuilds it (``indexer.encoder_check``).

The same metadata carries the lexical statistics of the indexed collection (``"lexical"``:
document frequencies, :class:`matching.lexical.LexicalStats`), computed at index time and
swapped in with a rebuild, so every score uses the IDF of the whole collection, never of the
candidates of one request (:func:`lexical_stats`). A process keeps the statistics it last read
of each kind (:class:`LexicalMemory`; the portal's also in the database), so when an index
cannot be read (the backend down, the index missing) reduced mode scores every pair with the
same statistics as before, not without them (:func:`index_lexical_stats`); so does an index
that is empty and records none (recreated, not refilled yet).

The documents' coordinates come from the postcode table (``matching.geo``), so the table is
recorded too (``"postcodes"``: :func:`matching.geo.table_version`; absent for the built-in
table, which indexes recorded before tables could be chosen were built with, and because
Elasticsearch's ``_meta`` is no place for nulls): a process with another table
(``MATCHING_POSTCODES``) rebuilds the index like one with another encoder.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cachetools import LRUCache

from matching import geo
from matching.backends.base import FIELD_TYPES, KINDS, VECTOR_FIELDS, BackendError, MatchBackend
from matching.encoders import Encoder
from matching.lexical import LexicalStats

log = logging.getLogger(__name__)

LEXICAL_KEY = "lexical"
POSTCODES_KEY = "postcodes"
# What must be equal for an index to fit a process (a missing "postcodes": the built-in table).
_COMPARED = ("encoder", "dimension", "fields", POSTCODES_KEY)
# Decoded statistics by version, and both kinds' combined by their versions joined with "+": the
# metadata is read before every search, decoding and combining it once. Most recently used kept
# (a hit, per version or combined, counts as a use); shared by threads, so under the lock.
_DECODED: LRUCache[str, LexicalStats] = LRUCache(maxsize=8)
_DECODED_LOCK = threading.Lock()


def _kept(key: str) -> LexicalStats | None:
    with _DECODED_LOCK:
        return _DECODED.get(key)


def _keep(key: str, stats: LexicalStats) -> None:
    with _DECODED_LOCK:
        _DECODED[key] = stats


# The documents' fields (names and types, vector fields included) are part of what an index was
# built with: a new field (e.g. driving-licence categories, the citizens' jobmål vector) needs a
# rebuild as much as a new encoder does.
def fields_version(field_types: Mapping[str, Mapping[str, str]],
                   vector_fields: Mapping[str, Sequence[str]]) -> str:
    """A short hash of the documents' filter fields and vector fields, per kind."""
    fields = {kind: {**dict(types), **{name: "dense_vector" for name in vector_fields[kind]}}
              for kind, types in field_types.items()}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:12]


FIELDS_VERSION = fields_version(FIELD_TYPES, VECTOR_FIELDS)


def encoder_meta(encoder: Encoder) -> dict[str, Any]:
    """The metadata an index built with ``encoder`` (and today's document fields and postcode
    table) carries."""
    meta = {"encoder": encoder.name, "dimension": int(encoder.dimension), "fields": FIELDS_VERSION}
    version = geo.table_version()
    return meta if version is None else meta | {POSTCODES_KEY: version}


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
        if self.found and describe(self.found) == describe(self.wanted) \
                and self.found.get("fields") == self.wanted["fields"]:
            return (f"the {self.kind} index was built with another postcode table "
                    f"({_table(self.found.get('postcodes'))}; now {_table(self.wanted['postcodes'])})")
        if self.found and describe(self.found) == describe(self.wanted):
            return (f"the {self.kind} index was built with other document fields "
                    f"(version {self.found.get('fields')}; now {self.wanted['fields']})")
        built = describe(self.found) if self.found else "an unrecorded encoder"
        return (f"the {self.kind} index was built with {built}; "
                f"the configured encoder is {describe(self.wanted)}")


def _table(version: str | None) -> str:
    return "the built-in one" if version is None else f"MATCHING_POSTCODES version {version}"


def mismatch(backend: MatchBackend, encoder: Encoder, kind: str, *,
             unrecorded_fits: bool = False) -> EncoderMismatch | None:
    """The mismatch of ``kind``'s index with ``encoder``, or None when it fits.

    An empty index without metadata fits (nothing in it to compare). A non-empty one without
    metadata was written before the encoder was recorded (or by a caller that does not
    record it): the indexer rebuilds it (the default), a searcher may accept it
    (``unrecorded_fits``: the indexer has recorded every index it wrote since).
    """
    built_with = encoder_meta(encoder)
    wanted = {k: built_with.get(k) for k in _COMPARED}
    found = {k: backend.index_meta(kind).get(k) for k in _COMPARED}
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


def lexical_meta(texts: Sequence[str], char_ngrams: tuple[int, int] | None = (2, 4),
                 word_weight: float = 0.0) -> dict[str, Any]:
    """``{"lexical": ...}``: the document frequencies of ``texts`` (every document of a kind)."""
    return {LEXICAL_KEY: LexicalStats.from_texts(texts, char_ngrams, word_weight).to_meta()}


def index_meta_for(encoder: Encoder, texts: Sequence[str]) -> dict[str, Any]:
    """Everything a freshly built index of ``texts`` carries: the encoder and the statistics."""
    return {**encoder_meta(encoder), **lexical_meta(texts)}


def decode_lexical(meta: Mapping[str, Any]) -> LexicalStats | None:
    """The lexical statistics recorded in one kind's metadata (None: not recorded)."""
    stored = meta.get(LEXICAL_KEY)
    version = stored.get("version") if isinstance(stored, dict) else None
    if not isinstance(version, str):
        return None
    if (stats := _kept(version)) is None and (stats := LexicalStats.from_meta(stored)) is not None:
        _keep(version, stats)
    return stats


def lexical_stats(metas: Sequence[Mapping[str, Any]]) -> LexicalStats | None:
    """The statistics of both kinds' collections together, from their metadata.

    Citizens and openings are counted together, so ranking citizens for an opening and
    openings for a citizen use one IDF: a pair has one lexical score either way. None when
    neither kind has statistics (then the lexical channel runs without IDF).
    """
    found = [s for s in (decode_lexical(m) for m in metas) if s is not None]
    if len(found) < 2:
        return found[0] if found else None
    key = "+".join(s.version for s in found)
    if (total := _kept(key)) is None:
        total = found[0]
        for more in found[1:]:
            total = total.combined(more)
        _keep(key, total)
    return total


class LexicalMemory(Protocol):
    """Where the last lexical statistics read from each kind's index are kept, so a process
    that cannot read an index (the backend down, the index missing) scores with the same
    statistics as when it could (:func:`index_lexical_stats`). Values are the ``"lexical"``
    entry of the index metadata (``LexicalStats.to_meta``)."""

    def recall(self, kind: str) -> Mapping[str, Any] | None:
        """The statistics last seen for ``kind``'s index (None: never seen)."""

    def remember(self, kind: str, lexical: Mapping[str, Any],
                 stored: Callable[[], None] | None = None) -> None:
        """Keep ``lexical`` as the statistics last seen for ``kind``'s index, and call
        ``stored`` once it is kept (at once, or later for a memory that writes after the
        request); never when keeping it failed."""


class LastKnownLexical:
    """A :class:`LexicalMemory` in the process's memory (thread-safe).

    Args:
        backing: a durable memory (the portal's: the database) asked when this process has
            seen nothing for a kind, and told of every version this process sees until it
            reports that version stored: a write that failed is tried again on the next read.
    """

    def __init__(self, backing: LexicalMemory | None = None) -> None:
        self._known: dict[str, Mapping[str, Any]] = {}
        self._stored: dict[str, str] = {}  # the version the backing reported stored, by kind
        self._lock = threading.Lock()
        self.backing = backing

    def recall(self, kind: str) -> Mapping[str, Any] | None:
        with self._lock:
            known = self._known.get(kind)
        if known is None and self.backing is not None:
            known = self.backing.recall(kind)
            version = _version(known)
            if version is not None:
                with self._lock:
                    known = self._known.setdefault(kind, known)
                    self._stored.setdefault(kind, version)  # read from there: it is stored
        return known if _version(known) is not None else None

    def remember(self, kind: str, lexical: Mapping[str, Any],
                 stored: Callable[[], None] | None = None) -> None:
        version = _version(lexical)
        if version is None:
            return
        backing = self.backing
        with self._lock:
            if _version(self._known.get(kind)) != version:
                self._known[kind] = lexical
            kept = backing is None or self._stored.get(kind) == version
        if backing is None or kept:  # in this process's memory, or stored by the backing before
            if stored is not None:
                stored()
            return

        def backed() -> None:
            with self._lock:
                self._stored[kind] = version
            if stored is not None:
                stored()

        backing.remember(kind, lexical, backed)


def _empty(backend: MatchBackend, kind: str) -> bool:
    try:
        return backend.count(kind) == 0
    except BackendError:  # it answered for its metadata a moment ago: read it as it said
        return False


def _version(lexical: Mapping[str, Any] | None) -> str | None:
    version = lexical.get("version") if isinstance(lexical, Mapping) else None
    return version if isinstance(version, str) else None


@dataclass(frozen=True)
class IndexLexical:
    """The statistics a score uses (None: no IDF) and whether they are the index's.

    ``known`` is False when an index could not be read and its statistics were never seen
    (a brand-new install before its first build): the scores are then approximate, and may
    move once the index is built.
    """

    stats: LexicalStats | None
    known: bool


def index_lexical_stats(backend: MatchBackend, memory: LexicalMemory | None = None) -> IndexLexical:
    """Both kinds' statistics (:func:`lexical_stats`), each read from its index's metadata or,
    when that index cannot be read (down, missing), the last ones ``memory`` saw of it.

    An index that is empty and records none (recreated, not refilled yet) counts as one that
    cannot be read: its last ones are used (none seen: ``known`` is False).

    So a pair's score is the same whether the ranking reads the index or ranks in reduced
    mode from the database: the statistics do not depend on the mode, only on what was last
    built. Each statistics version read is given to ``memory``.
    """
    metas: list[Mapping[str, Any]] = []
    known = True
    for kind in KINDS:
        try:
            lexical = backend.index_meta(kind).get(LEXICAL_KEY)
        except BackendError as err:
            lexical = memory.recall(kind) if memory is not None else None
            if lexical is None:
                log.warning("lexical statistics of the %s index unavailable (%s) and never seen; "
                            "scoring without them", kind, err)
                known = False
        else:
            recorded = isinstance(lexical, Mapping) and decode_lexical({LEXICAL_KEY: lexical}) is not None
            if recorded and memory is not None:
                memory.remember(kind, lexical)
            elif not recorded and _empty(backend, kind):
                # Recreated without them and not refilled yet (e.g. an empty Elasticsearch
                # index): what it will hold once rebuilt is what it held when last read.
                lexical = memory.recall(kind) if memory is not None else None
                known = known and lexical is not None
        metas.append({LEXICAL_KEY: lexical} if lexical is not None else {})
    return IndexLexical(lexical_stats(metas), known)
