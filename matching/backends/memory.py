"""In-process backend: exact cosine over a numpy matrix, filters as column masks.

Sized for one municipality (100k citizens x 384 dims is ~150 MB and one search is a single
matrix-vector product plus vectorised masks). Also the degraded-mode and test backend.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from matching.backends.base import (
    FIELD_TYPES,
    KINDS,
    VECTOR_FIELDS,
    Condition,
    Document,
    ExcludeIds,
    GeoDistance,
    Hit,
    Range,
    Terms,
    check_conditions,
    check_kind,
    check_vector_field,
)
from matching.geo import EARTH_RADIUS_KM

_MISSING_CODE = -1


class _Store:
    """Column store for one kind. Not thread-safe on its own: MemoryBackend locks."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.ids: list[str] = []
        self.pos: dict[str, int] = {}
        self.size = 0
        self.vectors = np.zeros((0, 0), dtype=np.float32)
        # The other vector fields (VECTOR_FIELDS), each stored once per distinct vector.
        self.extra = {name: _DistinctVectors() for name in VECTOR_FIELDS[kind][1:]}
        self.versions = np.zeros(0, dtype=np.int64)
        self.columns: dict[str, np.ndarray] = {}
        self.codes: dict[str, dict[Any, int]] = {}
        self.meta: dict[str, Any] = {}
        # The last filter mask and the write it was made after: a ranking beyond the limit
        # searches twice (whole text, jobmål) under the same filters, and computes it once.
        self.writes = 0
        self._last_mask: tuple[Any, int, np.ndarray] | None = None

    def _grow(self, dim: int) -> None:
        if self.vectors.shape[1] == 0:
            self.vectors = np.zeros((0, dim), dtype=np.float32)
        if self.size < len(self.versions):
            return
        cap = max(16, 2 * len(self.versions))
        self.vectors = _resized(self.vectors, cap, 0.0)
        for distinct in self.extra.values():
            distinct.rows = _resized(distinct.rows, cap, -1)
        self.versions = _resized(self.versions, cap, 0)
        for name, ftype in FIELD_TYPES[self.kind].items():
            if ftype == "geo_point":
                for suffix in ("lat", "lon", "cos_lat"):
                    key = f"{name}.{suffix}"
                    self.columns[key] = _resized(self.columns.get(key, _empty(ftype)), cap, np.nan)
            elif ftype == "keywords":
                # One boolean column per value seen (a row holds any number of values).
                self.columns[name] = _resized(self.columns.get(name, _empty(ftype)), cap, False)
            else:
                fill = np.nan if ftype == "float" else _MISSING_CODE
                self.columns[name] = _resized(self.columns.get(name, _empty(ftype)), cap, fill)

    def put(self, doc: Document) -> bool:
        self.writes += 1
        row = self.pos.get(doc.id)
        if row is not None and self.versions[row] >= doc.version:
            return False
        if self.vectors.shape[1] not in (0, doc.vector.size):
            raise ValueError(f"vector has {doc.vector.size} dims, index has {self.vectors.shape[1]}")
        if row is None:
            self._grow(doc.vector.size)
            row = self.size
            self.size += 1
            self.ids.append(doc.id)
            self.pos[doc.id] = row
        self.vectors[row] = _unit(doc.vector)
        for name, distinct in self.extra.items():
            value = doc.extra_vectors.get(name)
            distinct.rows[row] = -1 if value is None else distinct.add(_unit(value))
        self.versions[row] = doc.version
        self._put_fields(row, doc.fields)
        return True

    def _put_fields(self, row: int, fields: dict[str, Any]) -> None:
        for name, ftype in FIELD_TYPES[self.kind].items():
            value = fields.get(name)
            if ftype == "geo_point":
                # Radians and cos(lat) are stored so a distance filter is a few vector ops.
                lat, lon = np.radians(value) if value is not None else (np.nan, np.nan)
                self.columns[f"{name}.lat"][row] = lat
                self.columns[f"{name}.lon"][row] = lon
                self.columns[f"{name}.cos_lat"][row] = np.cos(lat)
            elif ftype == "float":
                self.columns[name][row] = np.nan if value is None else float(value)
            elif ftype == "keywords":
                self._put_values(name, row, () if value is None else value)
            else:
                self.columns[name][row] = self._code(name, value)

    def _code(self, name: str, value: Any) -> int:
        if value is None:
            return _MISSING_CODE
        # Dictionary-encode keywords so a Terms filter is an integer isin over one column.
        table = self.codes.setdefault(name, {})
        return table.setdefault(value, len(table))

    def _put_values(self, name: str, row: int, values: Iterable[Any]) -> None:
        codes = [self._code(name, v) for v in values]
        column = self.columns[name]
        width = len(self.codes.get(name, {}))
        if column.shape[1] < width:
            column = np.pad(column, ((0, 0), (0, width - column.shape[1])))
            self.columns[name] = column
        column[row] = False
        column[row, codes] = True

    def delete(self, doc_id: str) -> bool:
        self.writes += 1
        row = self.pos.pop(doc_id, None)
        if row is None:
            return False
        last = self.size - 1
        if row != last:  # move the last row into the hole so rows stay dense
            moved = self.ids[last]
            self.ids[row] = moved
            self.pos[moved] = row
            self.vectors[row] = self.vectors[last]
            for distinct in self.extra.values():
                distinct.rows[row] = distinct.rows[last]
            self.versions[row] = self.versions[last]
            for column in self.columns.values():
                column[row] = column[last]
        self.ids.pop()
        self.size = last
        return True

    def mask(self, conditions: Sequence[Condition]) -> np.ndarray:
        """The rows passing every condition (a fresh array the caller may change)."""
        key = tuple(conditions)
        try:
            hash(key)
        except TypeError:  # e.g. a Terms over a plain set: not kept
            return self._mask(conditions)
        last = self._last_mask
        if last is not None and last[1] == self.writes and last[0] == key:
            return last[2].copy()
        mask = self._mask(conditions)
        self._last_mask = (key, self.writes, mask.copy())
        return mask

    def _mask(self, conditions: Sequence[Condition]) -> np.ndarray:
        mask = np.ones(self.size, dtype=bool)
        for cond in conditions:
            if isinstance(cond, Terms) and FIELD_TYPES[self.kind][cond.field] == "keywords":
                wanted = [self.codes.get(cond.field, {}).get(v) for v in cond.values]
                matrix = self.columns[cond.field][: self.size]
                mask &= matrix[:, [c for c in wanted if c is not None]].any(axis=1)
            elif isinstance(cond, Terms):
                table = self.codes.get(cond.field, {})
                # Lookup table indexed by code; the extra last slot is code -1 (missing).
                lut = np.zeros(len(table) + 1, dtype=bool)
                lut[[table[v] for v in cond.values if v in table]] = True
                mask &= lut[self.columns[cond.field][: self.size]]
            elif isinstance(cond, Range):
                col = self.columns[cond.field][: self.size]
                with np.errstate(invalid="ignore"):
                    mask &= ~np.isnan(col)
                    if cond.gte is not None:
                        mask &= col >= cond.gte
                    if cond.lte is not None:
                        mask &= col <= cond.lte
            elif isinstance(cond, GeoDistance):
                mask &= self._within(cond)
            elif isinstance(cond, ExcludeIds):
                rows = [self.pos[i] for i in cond.ids if i in self.pos]
                mask[rows] = False
        return mask

    def _within(self, cond: GeoDistance) -> np.ndarray:
        lat = self.columns[f"{cond.field}.lat"][: self.size]
        lon = self.columns[f"{cond.field}.lon"][: self.size]
        cos_lat = self.columns[f"{cond.field}.cos_lat"][: self.size]
        qlat, qlon = np.radians(cond.lat), np.radians(cond.lon)
        # Haversine compared on its inner term: km <= d  <=>  a <= sin^2(d / 2R).
        a = np.sin((lat - qlat) / 2) ** 2 + np.cos(qlat) * cos_lat * np.sin((lon - qlon) / 2) ** 2
        limit = np.sin(min(np.pi / 2, cond.km / (2 * EARTH_RADIUS_KM))) ** 2
        with np.errstate(invalid="ignore"):
            return a <= limit  # NaN (no location) compares False

    def search(self, vector: np.ndarray, k: int, conditions: Sequence[Condition],
               field: str = "vector") -> list[Hit]:
        if self.size == 0 or k <= 0:
            return []
        if vector.size != self.vectors.shape[1]:
            raise ValueError(f"query has {vector.size} dims, index has {self.vectors.shape[1]}")
        mask = self.mask(conditions)
        if field == "vector":
            scores = self.vectors[: self.size] @ _unit(vector)
        else:  # a document without the field (row -1) is never found by it
            scores = self.extra[field].scores(_unit(vector), self.size)
            mask &= self.extra[field].rows[: self.size] >= 0
        scores = np.where(mask, scores, -np.inf)
        top = min(k, int(mask.sum()))
        if top == 0:
            return []
        rows = np.argpartition(-scores, top - 1)[:top]
        hits = [Hit(self.ids[r], float(scores[r])) for r in rows]
        return sorted(hits, key=lambda h: (-h.score, h.id))


class _DistinctVectors:
    """One vector field kept once per distinct vector: ``rows[document row]`` is its vector's
    row in ``matrix`` (-1: the document has none). Jobmål repeat (occupation titles), so a
    search compares the query with each distinct jobmål once and reads the documents' scores
    by index, instead of one product per document. A vector no document holds any longer
    stays until the index is rebuilt (a new store)."""

    def __init__(self) -> None:
        self.rows = np.zeros(0, dtype=np.int64)
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self.count = 0
        self._index: dict[bytes, int] = {}

    def add(self, vector: np.ndarray) -> int:
        vector = np.asarray(vector, dtype=np.float32)
        key = vector.tobytes()
        found = self._index.get(key)
        if found is not None:
            return found
        if self.count == len(self.matrix):
            grown = np.zeros((max(16, 2 * self.count), vector.size), dtype=np.float32)
            if self.count:
                grown[: self.count] = self.matrix[: self.count]
            self.matrix = grown
        self.matrix[self.count] = vector
        self._index[key] = self.count
        self.count += 1
        return self.count - 1

    def scores(self, query: np.ndarray, size: int) -> np.ndarray:
        """Each document's cosine with ``query`` (0 for a document without the field)."""
        if self.count == 0:
            return np.zeros(size, dtype=np.float32)
        distinct = self.matrix[: self.count] @ query
        rows = self.rows[:size]
        return np.where(rows >= 0, distinct[np.maximum(rows, 0)], np.float32(0))


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector


def _empty(ftype: str) -> np.ndarray:
    if ftype == "keywords":
        return np.zeros((0, 0), dtype=bool)
    return np.zeros(0, dtype=np.float64 if ftype in ("float", "geo_point") else np.int32)


def _resized(array: np.ndarray, rows: int, fill: float) -> np.ndarray:
    out = np.full((rows, *array.shape[1:]), fill, dtype=array.dtype)
    out[: len(array)] = array
    return out


class _MemoryRebuild:
    def __init__(self, backend: MemoryBackend, kind: str, meta: Mapping[str, Any] | None) -> None:
        self._backend, self._store, self._done = backend, _Store(kind), False
        self._store.meta = dict(meta or {})

    def index(self, docs: Iterable[Document]) -> int:
        if self._done:
            raise RuntimeError("rebuild already committed or aborted")
        return sum(self._store.put(d) for d in docs if d.kind == self._store.kind)

    def commit(self) -> None:
        if self._done:
            raise RuntimeError("rebuild already committed or aborted")
        self._done = True
        with self._backend._lock:
            self._backend._stores[self._store.kind] = self._store

    def abort(self) -> None:
        self._done = True


class MemoryBackend:
    """Exact cosine search in process memory. See MatchBackend for the contract."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._stores = {kind: _Store(kind) for kind in KINDS}

    def index(self, docs: Iterable[Document]) -> int:
        with self._lock:
            return sum(self._stores[d.kind].put(d) for d in docs)

    def remove(self, kind: str, ids: Iterable[str]) -> int:
        check_kind(kind)
        with self._lock:
            return sum(self._stores[kind].delete(i) for i in ids)

    def search(
        self, kind: str, vector: np.ndarray, k: int,
        filters: Sequence[Condition] = (), text: str | None = None, field: str = "vector",
    ) -> list[Hit]:
        check_kind(kind)
        check_vector_field(kind, field)
        conditions = check_conditions(kind, filters)
        with self._lock:
            return self._stores[kind].search(np.asarray(vector, np.float32), k, conditions, field)

    def versions(self, kind: str, ids: Iterable[str]) -> dict[str, int]:
        check_kind(kind)
        with self._lock:
            store = self._stores[kind]
            return {i: int(store.versions[store.pos[i]]) for i in ids if i in store.pos}

    def ids(self, kind: str) -> set[str]:
        check_kind(kind)
        with self._lock:
            return set(self._stores[kind].pos)

    def count(self, kind: str) -> int:
        check_kind(kind)
        return self._stores[kind].size

    def count_matching(self, kind: str, filters: Sequence[Condition] = ()) -> int:
        check_kind(kind)
        conditions = check_conditions(kind, filters)
        with self._lock:
            store = self._stores[kind]
            return int(store.mask(conditions).sum()) if store.size else 0

    def clear(self, kind: str | None = None) -> None:
        for name in KINDS if kind is None else (kind,):
            check_kind(name)
            with self._lock:  # the documents go; what the index was built with stays
                meta = self._stores[name].meta
                self._stores[name] = _Store(name)
                self._stores[name].meta = meta

    def begin_rebuild(self, kind: str, meta: Mapping[str, Any] | None = None) -> _MemoryRebuild:
        check_kind(kind)
        return _MemoryRebuild(self, kind, meta)

    def index_meta(self, kind: str) -> dict[str, Any]:
        check_kind(kind)
        with self._lock:
            return dict(self._stores[kind].meta)

    def set_index_meta(self, kind: str, meta: Mapping[str, Any]) -> None:
        check_kind(kind)
        with self._lock:
            self._stores[kind].meta = dict(meta)
