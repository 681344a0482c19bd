"""The concept channel in ranking: a jobmål and an opening's title judged by the ESCO
occupations other countries' experts would map them to (``matching.concepts``).

A shipped table (``matching/tables/<version>.npz``, built by ``python -m matching.train
--mode concepts``) holds judged national titles and concept centroids as zero-shot e5
vectors. At load it is mapped into the ranking encoder's space by the encoder's own linear
adapter (``e5-small-4bit+occupation-v1``: the table passes through occupation-v1's map), so
profiles are read from the very vectors the ranking already has: no second encoder call.

A text's profile is kept in a process-wide LRU, keyed by a hash of the text, the encoder and
the table (numbers only, never text): it is computed once per text and process, never per
pair. A pair's concept similarity is the dot product of its two profiles, a fact about the
two texts and the table alone; it lifts the jobmål's relevance with
``matching.concepts.combine(..., "lift")``, bounded and unchanged for a pair that shares no
concept (docs/matching.md, "Concept transfer into the ranking").
"""
from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from cachetools import LRUCache
from scipy import sparse

from matching.cache import EmbeddingCache, cache_key
from matching.concepts import (
    ConceptTable, ConceptTableError, ProfileSettings, combine, load_table, profiles, table_meta,
)

DEFAULT_CONCEPTS = "concepts-v1"
NO_CONCEPTS = "none"
# The lift's weight. 1.6 is best on melo-train lists the default adapter never saw (docs/
# matching.md, "The adapted space, checked cleanly"); 0.4 is the largest of 0.4 / 0.8 / 1.6 that
# loses nothing on the Danish demo (docs/matching.md, "Concept transfer into the ranking").
CONCEPT_WEIGHT = 0.4
MAX_CONCEPT_WEIGHT = 4.0
TABLE_DIR = Path(__file__).resolve().parent / "tables"

# Per (table file, encoder name): the table mapped into that encoder's space (None: it does
# not fit the encoder) and the file's metadata. The unmapped rows are not kept.
_SPACES: dict[tuple[Path, str], tuple[ConceptTable | None, dict]] = {}
_CHANNELS: dict[tuple, "ConceptChannel"] = {}
_LOCK = threading.Lock()


@dataclass(eq=False)
class ConceptChannel:
    """Concept profiles and similarities of texts in one encoder's vector space.

    Args:
        table: The table, already in the space of the vectors it will be given.
        version: The table's version (e.g. "concepts-v1"); with ``space`` and ``weight`` it
            is part of the pair cache's key (:attr:`key`).
        space: The name of the encoder whose vectors this channel reads.
        weight: The lift's weight (:meth:`lift`).
        settings: How profiles are read from the table.
        max_entries: Profiles kept in the LRU.
        meta: The table file's metadata (version, base encoder, summary).
    """

    table: ConceptTable
    version: str
    space: str
    weight: float = CONCEPT_WEIGHT
    settings: ProfileSettings = ProfileSettings()
    max_entries: int = 50_000
    meta: dict = field(default_factory=dict)
    _cache: LRUCache = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not 0 <= self.weight <= MAX_CONCEPT_WEIGHT:  # also refuses NaN
            raise ValueError(f"the concept weight must be within 0 and {MAX_CONCEPT_WEIGHT:g}")
        self._cache = LRUCache(self.max_entries)

    @property
    def key(self) -> tuple:
        """What identifies this channel's scores (for caches of pair scores)."""
        return (self.version, self.space, self.weight, self.settings)

    def profiles(self, texts: Sequence[str], vectors: np.ndarray, role: str = "query",
                 store: EmbeddingCache | None = None) -> sparse.csr_matrix:
        """(texts, concepts) profiles of ``texts`` from their ``vectors`` (encoded in ``role``).

        A text's profile is looked up in this process's LRU, then in ``store`` (the embedding
        cache the encoder's vectors are kept in: the portal's database, shared by its
        processes), and computed only when neither has it; computed rows go to both. The same
        text always gets the same row, whatever else is asked for with it.

        Raises:
            ValueError: ``vectors`` do not fit (another count or width, or non-finite).
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise ValueError(f"{len(texts)} texts need as many vectors, got shape {vectors.shape}")
        keys = [self.key_of(role, t) for t in texts]
        first = {k: i for i, k in reversed(list(enumerate(keys)))}  # each key's first row
        with self._lock:
            found = {k: self._cache[k] for k in first if k in self._cache}
        if store is not None and len(found) < len(first):
            width = len(self.table.concepts)
            stored = {k: row for k, v in store.get_many([k for k in first if k not in found]).items()
                      if (row := _unpack(v, width)) is not None}
            found.update(stored)
            with self._lock:
                self._cache.update(stored)
        todo = [k for k in first if k not in found]
        if todo:
            rows = profiles(vectors[[first[k] for k in todo]], self.table, self.settings)
            rows.sort_indices()  # one canonical row per text, however it was computed
            fresh = {k: (rows.indices[rows.indptr[n]:rows.indptr[n + 1]].astype(np.int32),
                         rows.data[rows.indptr[n]:rows.indptr[n + 1]].astype(np.float32))
                     for n, k in enumerate(todo)}
            with self._lock:
                self._cache.update(fresh)
            if store is not None:
                store.put_many({k: _pack(*row) for k, row in fresh.items()})
            found.update(fresh)
        indptr = np.cumsum([0] + [len(found[k][0]) for k in keys])
        indices = np.concatenate([found[k][0] for k in keys]) if keys else np.zeros(0, np.int32)
        data = np.concatenate([found[k][1] for k in keys]) if keys else np.zeros(0, np.float32)
        return sparse.csr_matrix((data, indices, indptr), shape=(len(keys), len(self.table.concepts)))

    def key_of(self, role: str, text: str) -> str:
        """The cache key of a text's profile (:func:`profile_key`)."""
        return profile_key(self.space, self.version, role, text)

    def similarity(self, left: sparse.csr_matrix, right: sparse.csr_matrix) -> np.ndarray:
        """(len(left), len(right)) concept similarities in [0, 1], each a function of its pair
        alone (float64 sums in the order of the left row's entries, then float32)."""
        product = left.astype(np.float64) @ right.astype(np.float64).T
        return np.clip(np.asarray(product.todense(), dtype=np.float32), 0.0, 1.0)

    def lift(self, fused: np.ndarray, similarity: np.ndarray) -> np.ndarray:
        """``fused`` lifted by the concept similarity (``combine(..., "lift")``), in [0, 1]."""
        fused = np.asarray(fused, dtype=np.float32)
        return np.clip(combine(fused, np.asarray(similarity, dtype=np.float32), self.weight, "lift"), 0.0, 1.0)


# What an opening's title says besides the occupation: its kind ("Småjob som", "i
# virksomhedspraktik", "(løntilskud)"), its hours ("10 timer om ugen") and "søges".
_KIND = r"(?:småjob|virksomhedspraktik|praktik(?:plads(?:er)?)?|fleksjob|løntilskud(?:sjob)?|job)"
_PARENTHESES = re.compile(r"\([^)]*\)")
_KIND_PREFIX = re.compile(rf"^[^:]*\b(?:{_KIND}|virksomhedscenter)\b[^:]*:", re.IGNORECASE)
_HOURS = re.compile(r"\b\d+(?:[.,]\d+)?(?:\s*[-–]\s*\d+(?:[.,]\d+)?)?\s*(?:timer|t)\b"
                    r"(?:\s+(?:om|pr\.?|per|i|a)\s+(?:ugen|uge|måneden|måned))?", re.IGNORECASE)
_KIND_PHRASE = re.compile(rf"(?:\b(?:i|på|som|til)\s+)?(?:\b\d+\s+)?\b{_KIND}\b(?:\s+(?:som|på|i|til)\b)?",
                          re.IGNORECASE)
_NOT_OCCUPATION = re.compile(r"\b(?:søges|søger|erfaren|erfarne)\b", re.IGNORECASE)


def occupation_title(title: str) -> str:
    """The occupation an opening's title names, without its kind, hours and "søges"
    ("Småjob: Gartner 8 timer om ugen" -> "Gartner", "Virksomhedspraktik som regnskabsassistent"
    -> "regnskabsassistent", "Chauffør (C/CE) i fleksjob" -> "Chauffør"): the kind and the hours
    are fields of their own, and read as occupation words they blur the title's concepts. The
    title itself when nothing is left."""
    text = _PARENTHESES.sub(" ", title)
    text = _KIND_PREFIX.sub(" ", text)
    text = _HOURS.sub(" ", text)
    text = _KIND_PHRASE.sub(" ", text)
    text = _NOT_OCCUPATION.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip(" -–,.:;")
    return text or title.strip()


def _pack(indices: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A sparse profile row as one float32 vector for an embedding cache: its column numbers
    (exact in float32 below 2**24), then its values."""
    return np.concatenate([indices.astype(np.float32), values.astype(np.float32)])


def _unpack(packed: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The inverse of :func:`_pack`; None for a row that cannot be one (a torn or foreign entry)."""
    packed = np.asarray(packed, dtype=np.float32)
    if packed.ndim != 1 or packed.size % 2:
        return None
    indices, values = np.split(packed, 2)
    if not (np.isfinite(packed).all() and (indices >= 0).all() and (indices < width).all()
            and (indices == np.round(indices)).all()):
        return None
    return indices.astype(np.int32), values.copy()


def _is_off(spec: str | None) -> bool:
    """Whether ``MATCHING_CONCEPTS`` turns the channel off (unset, empty or "none")."""
    return spec is None or spec.strip().lower() in ("", NO_CONCEPTS)


def profile_key(space: str, version: str, role: str, text: str) -> str:
    """The cache key of a text's profile: a hash of the text, the role, the encoder (``space``)
    and the table's ``version``."""
    return cache_key(f"{space}#{version}", role, text)


def table_version(spec: str | None) -> str | None:
    """The version of the table ``spec`` names (``MATCHING_CONCEPTS``), read from its metadata
    without loading the table; None when the channel is off. Profiles are kept under it
    (:func:`profile_key`).

    Raises:
        ConceptTableError: the table file is missing or invalid.
    """
    if _is_off(spec):
        return None
    path = table_path(spec)
    return _version(table_meta(path), path)


def _version(meta: dict, path: Path) -> str:
    return str(meta.get("version") or path.stem)


def scoring_name(encoder_name: str, channel: ConceptChannel | None) -> str:
    """What a relevance score was made with: the encoder, and the concept table when one lifts
    jobmål, with its weight (``"e5-small-4bit+occupation-v1; concepts-v1 (lift 0.4)"``). A model
    learned on scores of one kind is used only with scores of the same kind."""
    return encoder_name if channel is None else f"{encoder_name}; {channel.version} (lift {channel.weight:g})"


def table_path(spec: str) -> Path:
    """The file of a table version (``matching/tables/<spec>.npz``) or an explicit .npz path."""
    spec = spec.strip()
    return Path(spec) if spec.endswith(".npz") or "/" in spec else TABLE_DIR / f"{spec}.npz"


def _table_in_space(path: Path, encoder_name: str) -> tuple[ConceptTable | None, dict]:
    """The table at ``path`` mapped into the space of the encoder named ``encoder_name``, and
    the file's metadata; the table is None when it does not fit the encoder (see
    :func:`load_channel`). Read once per (file, encoder) and process."""
    key = (path, encoder_name)
    with _LOCK:
        if key in _SPACES:
            return _SPACES[key]
    meta = table_meta(path)
    base, _, adapter_version = encoder_name.partition("+")
    table = None
    if base == meta.get("base_encoder"):
        if not adapter_version:
            table = load_table(path)[0]
        else:
            from matching.adapter import ADAPTER_DIR, load_adapter

            # Not a shipped adapter: a fine-tune of the model itself (.patch) or a file elsewhere.
            if (ADAPTER_DIR / f"{adapter_version}.npz").is_file():
                adapter = dataclasses.replace(load_adapter(adapter_version), anchors=None)
                if adapter.base_encoder == base:
                    plain = load_table(path)[0]
                    table = ConceptTable(adapter.apply(plain.title_vectors), plain.membership,
                                         adapter.apply(plain.centroids), plain.concepts)
    with _LOCK:
        return _SPACES.setdefault(key, (table, meta))


def load_channel(spec: str | None, encoder_name: str, weight: float = CONCEPT_WEIGHT) -> ConceptChannel | None:
    """The concept channel ``spec`` (``MATCHING_CONCEPTS``) for the encoder named ``encoder_name``.

    One per (table, encoder, weight) and process. The table is mapped into the encoder's
    space: unchanged for the table's own base encoder, through the linear map of a shipped
    adapter for ``<base>+<adapter>`` (an adapter's concept anchors are left out: they move
    texts, not the table).

    Returns:
        None when ``spec`` is "none" or empty, or when the table does not fit the encoder (an
        encoder of another model, such as the tests' hashing encoder or a fine-tune of e5
        itself): the ranking then runs without the channel, as it did before it.

    Raises:
        ConceptTableError: the table file is missing, corrupt or of a newer format.
        matching.adapter.AdapterError: the encoder's adapter cannot be loaded.
    """
    if _is_off(spec):
        return None
    path = table_path(spec)
    with _LOCK:
        cached = _CHANNELS.get((path, encoder_name, weight))
    if cached is not None:
        return cached
    table, meta = _table_in_space(path, encoder_name)
    if table is None:
        return None
    channel = ConceptChannel(table, _version(meta, path), encoder_name, weight, meta=meta)
    with _LOCK:
        return _CHANNELS.setdefault((path, encoder_name, weight), channel)


def channel_status(spec: str | None, encoder_name: str, weight: float = CONCEPT_WEIGHT) -> dict:
    """What the administrators' status page says about the channel: ``state`` "on", "off"
    (``spec`` is none) or "unfit" (the table is for another model), with the table's ``version``,
    ``base_encoder``, ``titles``, ``concepts`` and number of national ``lists``, and the ``weight``.

    Raises:
        ConceptTableError: the table file is missing or invalid.
    """
    if _is_off(spec):
        return {"state": "off"}
    channel = load_channel(spec, encoder_name, weight)
    meta = channel.meta if channel is not None else _table_in_space(table_path(spec), encoder_name)[1]
    summary = meta.get("summary") or {}
    return {"state": "unfit" if channel is None else "on", "version": meta.get("version"),
            "base_encoder": meta.get("base_encoder"), "titles": summary.get("titles"),
            "concepts": summary.get("concepts"), "lists": len(summary.get("lists") or ()), "weight": weight}


__all__ = ["CONCEPT_WEIGHT", "DEFAULT_CONCEPTS", "NO_CONCEPTS", "ConceptChannel", "ConceptTableError",
           "MAX_CONCEPT_WEIGHT", "channel_status", "load_channel", "occupation_title", "profile_key", "scoring_name",
           "table_path", "table_version"]
