"""The in-process (memory) index, persisted to one .npz file shared between processes.

The portal and ``python -m indexer`` are different processes, and ``MemoryBackend`` lives in
one process's memory. :class:`SnapshotBackend` wraps it: every write takes an exclusive
file lock, reloads the file if another process changed it, applies the write and replaces
the file atomically (write to a temporary file, ``os.replace``). Every read first checks
the file's identity (one ``stat``) and reloads when it changed, so the portal sees what the
indexer wrote without a restart. While the file does not exist (never built, or deleted) the
readers raise ``IndexMissing``, never answer from an empty index; the first write creates it. A
file that cannot be read (corrupt, truncated, unreadable) makes every reader and writer raise
``IndexBroken`` until a rebuild writes a new one. Used by the portal and the indexer alike
(see :mod:`matching.settings`).

The file holds ids, versions, vectors, filter fields and each kind's metadata (the encoder
the vectors were made with); never document text. It is derived data (``python -m indexer rebuild`` recreates it) and is written with mode 0600.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matching.backends import Condition, Document, Hit, IndexBroken, IndexMissing, MemoryBackend
from matching.backends.base import FIELD_TYPES, KINDS, VECTOR_FIELDS, check_kind

FORMAT = 1


class SnapshotBackend:
    """A ``MatchBackend`` (see its contract) kept in memory and in the file ``path``.

    Args:
        path: The .npz file; created on the first write, read if it exists.

    Raises:
        ValueError: from ``load`` when the file is not a snapshot of this format.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self._stamp: tuple[int, int, int] | None = None
        self._docs: dict[str, dict[str, Document]] = {kind: {} for kind in KINDS}
        self._meta: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
        self._swept = False
        self._memory = MemoryBackend()
        self._broken: str | None = None
        with contextlib.suppress(IndexBroken):
            self._refresh()  # a broken file is reported by each read, not by construction

    # -- reading -----------------------------------------------------------------------
    def _current_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _refresh(self) -> None:
        """Reload when the file changed.

        Raises:
            IndexBroken: the file cannot be read (reduced matching until a rebuild).
        """
        with self._lock:
            stamp = self._current_stamp()
            if stamp != self._stamp:
                empty: tuple[dict, dict] = ({kind: {} for kind in KINDS}, {kind: {} for kind in KINDS})
                try:
                    docs, meta = _load(self.path) if stamp is not None else empty
                    self._broken = None
                except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as err:
                    docs, meta = empty
                    self._broken = f"index file {self.path.name} unreadable ({err}); run `python -m indexer rebuild`"
                memory = MemoryBackend()
                memory.index(d for by_id in docs.values() for d in by_id.values())
                self._docs, self._meta, self._memory, self._stamp = docs, meta, memory, stamp
            if self._broken:
                raise IndexBroken(self._broken)

    def _read(self, kind: str) -> None:
        """Refresh for a reader.

        Raises:
            IndexMissing: there is no index file (the writers create it).
            IndexBroken: the file cannot be read.
        """
        check_kind(kind)
        self._refresh()
        if self._stamp is None:
            raise IndexMissing(kind, f"no index file {self.path.name}")

    def search(self, kind: str, vector: np.ndarray, k: int,
               filters: Sequence[Condition] = (), text: str | None = None,
               field: str = "vector") -> list[Hit]:
        self._read(kind)
        return self._memory.search(kind, vector, k, filters, text, field)

    def versions(self, kind: str, ids: Iterable[str]) -> dict[str, int]:
        self._read(kind)
        return self._memory.versions(kind, ids)

    def ids(self, kind: str) -> set[str]:
        self._read(kind)
        return self._memory.ids(kind)

    def count(self, kind: str) -> int:
        self._read(kind)
        return self._memory.count(kind)

    def count_matching(self, kind: str, filters: Sequence[Condition] = ()) -> int:
        self._read(kind)
        return self._memory.count_matching(kind, filters)

    def index_meta(self, kind: str) -> dict[str, Any]:
        self._read(kind)
        return dict(self._meta[kind])

    def set_index_meta(self, kind: str, meta: Mapping[str, Any]) -> None:
        check_kind(kind)
        with self._writing():
            self._meta[kind] = dict(meta)

    # -- writing -----------------------------------------------------------------------
    @contextlib.contextmanager
    def _writing(self, replacing: bool = False) -> Iterator[None]:
        """Lock, reload, let the caller change ``_docs``/``_memory``, save atomically.

        Raises:
            IndexBroken: the file is unreadable; only a rebuild (``replacing``)
                may write over it, starting from empty.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with self._lock, open(lock_path, "a+b") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)  # other processes writing the snapshot
            try:
                self._sweep_leftovers()
                try:
                    self._refresh()
                except IndexBroken:
                    if not replacing:
                        raise
                    self._broken = None
                yield
                self._save()
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _sweep_leftovers(self) -> None:
        """Remove temporary files of writers that died mid-save (we hold the write lock,
        so no live writer owns one)."""
        if self._swept:
            return
        self._swept = True
        for leftover in self.path.parent.glob(f"{self.path.name}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()

    def _save(self) -> None:
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **_arrays(self._docs, self._meta))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        self._stamp = self._current_stamp()

    def index(self, docs: Iterable[Document]) -> int:
        docs = list(docs)
        with self._writing():
            fresh = []
            for doc in docs:
                stored = self._docs[doc.kind].get(doc.id)
                if stored is None or stored.version < doc.version:
                    fresh.append(doc)
            written = self._memory.index(fresh)  # raises before we touch _docs on bad dims
            for doc in fresh:
                self._docs[doc.kind][doc.id] = _without_text(doc)
        return written

    def remove(self, kind: str, ids: Iterable[str]) -> int:
        check_kind(kind)
        ids = list(ids)
        with self._writing():
            removed = self._memory.remove(kind, ids)
            for doc_id in ids:
                self._docs[kind].pop(doc_id, None)
        return removed

    def clear(self, kind: str | None = None) -> None:
        with self._writing():
            for name in KINDS if kind is None else (kind,):
                check_kind(name)
                self._memory.clear(name)
                self._docs[name] = {}

    def begin_rebuild(self, kind: str, meta: Mapping[str, Any] | None = None) -> "_SnapshotRebuild":
        check_kind(kind)
        return _SnapshotRebuild(self, kind, dict(meta or {}))

    def _replace_kind(self, kind: str, docs: dict[str, Document], meta: dict[str, Any]) -> None:
        with self._writing(replacing=True):
            writer = self._memory.begin_rebuild(kind)
            writer.index(docs.values())
            writer.commit()
            self._docs[kind] = docs
            self._meta[kind] = meta


class _SnapshotRebuild:
    """Collects a kind's documents; ``commit`` swaps them in (in memory and on disk) at once."""

    def __init__(self, backend: SnapshotBackend, kind: str, meta: dict[str, Any]) -> None:
        self._backend, self.kind, self._meta = backend, kind, meta
        self._docs: dict[str, Document] | None = {}

    def index(self, docs: Iterable[Document]) -> int:
        if self._docs is None:
            raise RuntimeError("rebuild already committed or aborted")
        written = 0
        for doc in docs:
            stored = self._docs.get(doc.id)
            if doc.kind == self.kind and (stored is None or stored.version < doc.version):
                self._docs[doc.id] = _without_text(doc)
                written += 1
        return written

    def commit(self) -> None:
        if self._docs is None:
            raise RuntimeError("rebuild already committed or aborted")
        docs, self._docs = self._docs, None
        self._backend._replace_kind(self.kind, docs, self._meta)

    def abort(self) -> None:
        self._docs = None


def _without_text(doc: Document) -> Document:
    # The memory backend ranks by vector only; keeping CV text out of the file is cheaper
    # and keeps personal text where it belongs (the database).
    return Document(doc.kind, doc.id, doc.version, doc.vector, "", dict(doc.fields), dict(doc.extra_vectors))


def _arrays(docs: dict[str, dict[str, Document]],
            meta: dict[str, dict[str, Any]]) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {"format": np.array(FORMAT), "meta": np.array(json.dumps(meta))}
    for kind, by_id in docs.items():
        items = list(by_id.values())
        arrays[f"{kind}.ids"] = np.array([d.id for d in items], dtype=str)
        arrays[f"{kind}.versions"] = np.array([d.version for d in items], dtype=np.int64)
        arrays[f"{kind}.vectors"] = (np.vstack([d.vector for d in items]) if items
                                     else np.zeros((0, 0), dtype=np.float32))
        arrays[f"{kind}.fields"] = np.array(json.dumps([_plain(d.fields) for d in items]))
        for name in VECTOR_FIELDS[kind][1:]:  # zeros where a document has none, and which have
            arrays[f"{kind}.{name}.has"] = np.array([name in d.extra_vectors for d in items], dtype=bool)
            arrays[f"{kind}.{name}"] = (np.vstack([d.extra_vectors.get(name, np.zeros_like(d.vector))
                                                   for d in items]) if items
                                        else np.zeros((0, 0), dtype=np.float32))
    return arrays


def _plain(fields: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


def _load(path: Path) -> tuple[dict[str, dict[str, Document]], dict[str, dict[str, Any]]]:
    """Read a snapshot file: documents and metadata by kind (files written before metadata
    existed read as having none, which the indexer treats as "rebuild").

    Raises:
        ValueError: not a snapshot of format FORMAT.
    """
    # Our own handle: np.load(path) leaks its file when the content is not a valid npz.
    with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as data:
        if "format" not in data or int(data["format"]) != FORMAT:
            raise ValueError(f"{path} is not a matching index snapshot (format {FORMAT})")
        docs: dict[str, dict[str, Document]] = {}
        stored_meta = json.loads(str(data["meta"])) if "meta" in data else {}
        meta = {kind: dict(stored_meta.get(kind) or {}) for kind in KINDS}
        for kind in KINDS:
            ids, versions = data[f"{kind}.ids"], data[f"{kind}.versions"]
            vectors, fields = data[f"{kind}.vectors"], json.loads(str(data[f"{kind}.fields"]))
            geo = [name for name, ftype in FIELD_TYPES[kind].items() if ftype == "geo_point"]
            for name in geo:
                for f in fields:
                    if f.get(name) is not None:
                        f[name] = tuple(f[name])
            # A file written before a vector field existed has none of it; its index records
            # older document fields, so the indexer rebuilds it (``index_meta.FIELDS_VERSION``).
            extra = [(name, data[f"{kind}.{name}"], data[f"{kind}.{name}.has"])
                     for name in VECTOR_FIELDS[kind][1:] if f"{kind}.{name}" in data]
            docs[kind] = {
                str(i): Document(kind, str(i), int(v), vectors[n], "", f,
                                 {name: matrix[n] for name, matrix, has in extra if has[n]})
                for n, (i, v, f) in enumerate(zip(ids, versions, fields))
            }
    return docs, meta
