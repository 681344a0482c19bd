"""The search backend port: documents, filter conditions, errors and the protocol.

A backend stores one vector per (kind, id) with a little filterable metadata and answers
"the k nearest ids under these filters". It is derived data: the database is the source of
truth, documents carry the database key and row version, and the whole index can always be
rebuilt. The engine returns ids; the caller fills records from its database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

KINDS: tuple[str, ...] = ("citizen", "opening")

# The filterable fields per kind and their type. Fixed so that every backend (and the
# Elasticsearch mapping) agrees; an unknown field is an error, not a silent no-op.
# "keywords" is a keyword field holding a list of values: a Terms filter matches a document
# holding any of the wanted values (the driving licence categories: matching.licences).
FIELD_TYPES: Mapping[str, Mapping[str, str]] = {
    "citizen": {
        "benefit_group": "keyword",
        "readiness_group": "keyword",
        "postcode": "keyword",
        "hours_available": "float",
        "max_commute_km": "float",
        "driving_licences": "keywords",
        "location": "geo_point",
    },
    "opening": {
        "kind": "keyword",
        "company_id": "keyword",
        "status": "keyword",
        "postcode": "keyword",
        "hours_min": "float",
        "hours_max": "float",
        "licence_options": "keywords",
        "location": "geo_point",
    },
}


# The vector fields per kind: every document has "vector" (its whole text); a citizen may also
# carry "goal_vector", its jobmål alone (the ranking's other half, `explain.pair_relevance`),
# so a ranking over more candidates than it scores can retrieve the nearest by either
# (`MatchBackend.search(..., field=...)`). A document without a field is never found by it.
VECTOR_FIELDS: Mapping[str, tuple[str, ...]] = {
    "citizen": ("vector", "goal_vector"),
    "opening": ("vector",),
}


class BackendError(RuntimeError):
    """The backend refused a request (bad mapping, bad query): a bug, not an outage."""


class BackendUnavailable(BackendError):
    """The backend is down, timed out or shed load (429/503): show "reduced matching"."""


class IndexMissing(BackendUnavailable):
    """The backend answers, but the index of `kind` does not exist: it was never built, or
    it was lost (a server's data gone, the memory index file deleted).

    Not an outage that passes by itself: `python -m indexer rebuild` builds it from the
    database. No reader creates an index (an empty one would read as "no citizen fits");
    a ranking falls back to reduced mode, as for any unavailable backend.
    """

    def __init__(self, kind: str, detail: str = "") -> None:
        self.kind = kind
        super().__init__(f"the {kind} index has not been built{f' ({detail})' if detail else ''}; "
                         "run `python -m indexer rebuild`")


class IndexBroken(BackendUnavailable):
    """The backend's index exists but cannot be read (e.g. the snapshot file is corrupt or
    unreadable).

    Unlike an outage it does not pass by itself: only a rebuild (`python -m indexer rebuild`,
    or the indexer's worker, which rebuilds a broken index) writes a readable one. A ranking
    falls back to reduced mode, as for any unavailable backend.
    """


def check_kind(kind: str) -> None:
    """Raises ValueError for a kind other than "citizen" or "opening"."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {KINDS}")


@dataclass(frozen=True)
class Document:
    """One indexed item: `id` is the database key, `version` the database row version.

    `fields` holds the filterable metadata (see FIELD_TYPES; a geo_point is (lat, lon)).
    `extra_vectors` holds the kind's other vector fields (see VECTOR_FIELDS), each of the
    dimension of `vector`; a field left out is absent from the document.

    Raises:
        ValueError: on an unknown kind, field or vector field, or a vector that is not 1-D
            (or, for an extra vector, not of `vector`'s dimension).
    """

    kind: str
    id: str
    version: int
    vector: np.ndarray
    text: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)
    extra_vectors: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_kind(self.kind)
        unknown = set(self.fields) - set(FIELD_TYPES[self.kind])
        if unknown:
            raise ValueError(f"unknown {self.kind} fields: {sorted(unknown)}")
        vector = np.asarray(self.vector, dtype=np.float32)
        if vector.ndim != 1 or not vector.size:
            raise ValueError("vector must be a non-empty 1-D array")
        object.__setattr__(self, "vector", vector)
        extra = {}
        for name, value in self.extra_vectors.items():
            if name == "vector" or name not in VECTOR_FIELDS[self.kind]:
                raise ValueError(f"unknown {self.kind} vector field {name!r}")
            value = np.asarray(value, dtype=np.float32)
            if value.shape != vector.shape:
                raise ValueError(f"{name} must be a 1-D array of {vector.size} dims")
            extra[name] = value
        object.__setattr__(self, "extra_vectors", extra)


@dataclass(frozen=True)
class Terms:
    """Field equals one of `values` (keyword or boolean fields); on a "keywords" field, the
    document holds at least one of `values`."""

    field: str
    values: frozenset[Any]


@dataclass(frozen=True)
class Range:
    """gte <= field <= lte on a float field; a document without the field never matches."""

    field: str
    gte: float | None = None
    lte: float | None = None


@dataclass(frozen=True)
class GeoDistance:
    """geo_point field within `km` of (lat, lon); a document without location never matches."""

    field: str
    lat: float
    lon: float
    km: float


@dataclass(frozen=True)
class ExcludeIds:
    """Never return these ids."""

    ids: frozenset[str]


Condition = Terms | Range | GeoDistance | ExcludeIds


def check_vector_field(kind: str, name: str) -> None:
    """Raises ValueError for a vector field `kind` does not have (VECTOR_FIELDS)."""
    if name not in VECTOR_FIELDS[kind]:
        raise ValueError(f"{kind} documents have no vector field {name!r}; "
                         f"expected one of {VECTOR_FIELDS[kind]}")


def check_conditions(kind: str, conditions: Iterable[Condition]) -> list[Condition]:
    """Validate conditions against FIELD_TYPES.

    Raises:
        ValueError: on an unknown field or a condition of the wrong type for the field.
    """
    wanted = {Terms: ("keyword", "keywords", "boolean"), Range: ("float",), GeoDistance: ("geo_point",)}
    checked = list(conditions)
    for cond in checked:
        if isinstance(cond, ExcludeIds):
            continue
        ftype = FIELD_TYPES[kind].get(cond.field)
        if ftype not in wanted[type(cond)]:
            raise ValueError(f"{type(cond).__name__} cannot filter {kind}.{cond.field}")
    return checked


@dataclass(frozen=True)
class Hit:
    """A search result: higher score is better; scores compare only within one search."""

    id: str
    score: float


class RebuildWriter(Protocol):
    """Writes into a fresh index that replaces the live one only on `commit()`."""

    def index(self, docs: Iterable[Document]) -> int: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


@runtime_checkable
class MatchBackend(Protocol):
    """The contract every backend meets (tests/matching/test_backends.py runs it on each).

    All methods may raise BackendUnavailable (outage) or BackendError (rejected request).
    A backend that keeps its index outside the process (Elasticsearch, the snapshot file)
    raises IndexMissing from the readers (search, versions, ids, count, index_meta) when the
    index of the kind does not exist; only writers (index, remove, set_index_meta, a
    rebuild's commit) create it.
    """

    def index(self, docs: Iterable[Document]) -> int:
        """Upsert in bulk; a doc whose version <= the stored one is a no-op.

        Returns:
            The number of documents actually written.
        """

    def remove(self, kind: str, ids: Iterable[str]) -> int:
        """Delete by id (missing ids are fine); returns how many were deleted."""

    def search(
        self, kind: str, vector: np.ndarray, k: int,
        filters: Sequence[Condition] = (), text: str | None = None, field: str = "vector",
    ) -> list[Hit]:
        """The k best documents of `kind` by cosine similarity under all `filters`.

        `text` may add a lexical signal where the backend has one (Elasticsearch); the
        memory backend ranks by the vector only. `field` is the vector field compared
        (VECTOR_FIELDS; an unknown one is a ValueError); documents without it are never found.
        """

    def versions(self, kind: str, ids: Iterable[str]) -> dict[str, int]:
        """Stored versions for the ids that exist."""

    def ids(self, kind: str) -> set[str]:
        """Every stored id of `kind` (for reconciling against the database)."""

    def count(self, kind: str) -> int:
        """Number of stored documents of `kind`."""

    def count_matching(self, kind: str, filters: Sequence[Condition] = ()) -> int:
        """Number of stored documents of `kind` under all `filters`: how many a search with
        these filters could return (the service searches for all of them while they are few
        enough to score, and only the nearest otherwise)."""

    def clear(self, kind: str | None = None) -> None:
        """Delete every document of `kind` (None: both kinds)."""

    def begin_rebuild(self, kind: str, meta: Mapping[str, Any] | None = None) -> RebuildWriter:
        """Start a full rebuild of `kind` into a fresh index; live reads are unaffected.

        `meta` becomes the new index's metadata (see `index_meta`) when the rebuild commits,
        in the same swap as the documents. Writes made through `index()` while a rebuild runs
        go to the live index only, so reconcile (ids/versions against the database) after
        the commit.
        """

    def index_meta(self, kind: str) -> dict[str, Any]:
        """Metadata stored with the live index of `kind` ({} when none is recorded).

        The indexer records the encoder the vectors were made with (`matching.index_meta`),
        so a process configured with another encoder knows the index is not its own.
        """

    def set_index_meta(self, kind: str, meta: Mapping[str, Any]) -> None:
        """Replace the metadata of the live index of `kind` (JSON-serialisable values)."""
