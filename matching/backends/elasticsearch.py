"""Elasticsearch backend: dense_vector cosine kNN with filters, optional lexical boost.

Each kind lives in a versioned index (`<prefix>-<kind>-<timestamp>`) behind the alias
`<prefix>-<kind>`; a rebuild fills a fresh index and swaps the alias in one atomic
`_aliases` call. Writes use the database row version with `version_type=external`, so
repeats and stale writes are rejected by Elasticsearch itself (409, counted as no-ops).
Queries are structured DSL only; user text goes into a `match` query, never a query string.

Readers never create an index: a missing alias is `IndexMissing` (an empty index made on a
read would tell every ranking "no citizen fits"). Writers (live writes, a rebuild) create
what they need. A rebuild's commit deletes, by name, every index of the kind that is neither
the new one nor behind the alias (left by a rebuild that failed or was killed).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from elasticsearch import ApiError, Elasticsearch, TransportError, helpers
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout

from matching.backends.base import (
    FIELD_TYPES,
    KINDS,
    VECTOR_FIELDS,
    BackendError,
    BackendUnavailable,
    Condition,
    Document,
    ExcludeIds,
    GeoDistance,
    Hit,
    IndexMissing,
    Range,
    Terms,
    check_conditions,
    check_kind,
    check_vector_field,
)

_UNAVAILABLE_STATUS = frozenset({429, 502, 503, 504})
_CHUNK = 500
_TRANSPORT_LOGGERS = ("elastic_transport.transport", "elastic_transport.node_pool", "elastic_transport.node")


class _NoTraceback(logging.Filter):
    """Log the client's record as its one line: an outage is already said by our own warning
    ("elasticsearch unreachable: ..."), and a traceback per retry (about 57 lines every 10 s
    while the server is down) buries it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def quiet_transport_logs() -> None:
    """The client's own loggers log errors only, each as one line.

    Done when this module is imported, so the portal and the indexer (which share no logging
    set-up) both get it; a level an operator set on "elastic_transport" is kept.
    """
    parent = logging.getLogger("elastic_transport")
    if parent.level == logging.NOTSET:
        parent.setLevel(logging.ERROR)
    for name in _TRANSPORT_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoTraceback) for f in logger.filters):
            logger.addFilter(_NoTraceback())


quiet_transport_logs()


def _index_not_found(err: ApiError) -> bool:
    body = err.body if isinstance(err.body, dict) else {}
    error = body.get("error")
    return err.meta.status == 404 and isinstance(error, dict) and error.get("type") == "index_not_found_exception"


@contextlib.contextmanager
def _translated(kind: str | None = None) -> Iterator[None]:
    """Turn client errors into BackendUnavailable (outage), IndexMissing (the alias of
    `kind` does not exist) or BackendError (rejected)."""
    try:
        yield
    except (TransportConnectionError, ConnectionTimeout) as err:
        raise BackendUnavailable(f"elasticsearch unreachable: {err}") from err
    except ApiError as err:
        if kind is not None and _index_not_found(err):
            raise IndexMissing(kind, "no elasticsearch index behind the alias") from err
        cls = BackendUnavailable if err.meta.status in _UNAVAILABLE_STATUS else BackendError
        raise cls(f"elasticsearch returned {err.meta.status}: {err.message}") from err
    except TransportError as err:
        raise BackendError(f"elasticsearch transport error: {err}") from err


def _mapping(kind: str, dims: int, vector_index: str, meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {
        # Explicit index_options: ES 9.1 would otherwise pick lossy bbq_hnsw for dims >= 384.
        name: {"type": "dense_vector", "dims": dims, "index": True, "similarity": "cosine",
               "index_options": {"type": vector_index}}
        for name in VECTOR_FIELDS[kind]
    }
    props["text"] = {"type": "text", "analyzer": "danish"}
    # Every Elasticsearch field takes a list of values: "keywords" is a plain keyword field.
    props |= {name: {"type": "keyword" if ftype == "keywords" else ftype}
              for name, ftype in FIELD_TYPES[kind].items()}
    # _meta holds what the index was built with (the encoder); it travels with the index,
    # so an alias swap changes documents and metadata at once.
    return {"dynamic": "strict", "_meta": dict(meta or {}), "properties": props}


def _source(doc: Document) -> dict[str, Any]:
    body: dict[str, Any] = {"vector": doc.vector.tolist(), "text": doc.text}
    body |= {name: value.tolist() for name, value in doc.extra_vectors.items()}
    for name, value in doc.fields.items():
        if value is None:
            continue
        if FIELD_TYPES[doc.kind][name] == "geo_point":
            value = {"lat": float(value[0]), "lon": float(value[1])}
        body[name] = value
    return body


def _filter_clause(conditions: Sequence[Condition]) -> dict[str, Any]:
    must: list[dict[str, Any]] = []
    must_not: list[dict[str, Any]] = []
    for cond in conditions:
        if isinstance(cond, Terms):
            must.append({"terms": {cond.field: sorted(cond.values, key=str)}})
        elif isinstance(cond, Range):
            bounds = {k: v for k, v in (("gte", cond.gte), ("lte", cond.lte)) if v is not None}
            must.append({"range": {cond.field: bounds}} if bounds
                        else {"exists": {"field": cond.field}})
        elif isinstance(cond, GeoDistance):
            must.append({"geo_distance": {"distance": f"{cond.km}km",
                                          cond.field: {"lat": cond.lat, "lon": cond.lon}}})
        elif isinstance(cond, ExcludeIds) and cond.ids:
            must_not.append({"ids": {"values": sorted(cond.ids)}})
    return {"bool": {"filter": must, "must_not": must_not}}


def _chunks(items: Iterable[Any], size: int = _CHUNK) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class ElasticsearchBackend:
    """MatchBackend on Elasticsearch 8.x/9.x (and noida-db). See MatchBackend for the contract.

    Args:
        url: e.g. "http://127.0.0.1:9200".
        dims: vector dimension of the encoder in use (fixed in the mapping).
        prefix: index/alias name prefix, so several deployments can share a cluster.
        request_timeout: seconds for searches and reads; bulk writes get `bulk_timeout`.
        refresh: bulk refresh policy: "wait_for" (read-your-writes), True or False.
        text_boost: weight of the lexical `match` score added to the kNN score when a
            search passes `text` (BM25 is unbounded, so keep it small).
        vector_index: dense_vector index type: "hnsw" (exact floats, the default),
            "int8_hnsw" (4x smaller) or what the server supports.
        replicas: number_of_replicas of new indices (0 for the single-node deployment).
        client: an existing client (tests); otherwise one is built from `url`.
    """

    def __init__(
        self, url: str = "http://127.0.0.1:9200", *, dims: int, prefix: str = "jobbro",
        request_timeout: float = 2.0, bulk_timeout: float = 30.0,
        refresh: bool | str = "wait_for", text_boost: float = 0.05,
        vector_index: str = "hnsw", replicas: int = 0, client: Elasticsearch | None = None,
    ) -> None:
        self.vector_index, self.replicas = vector_index, replicas
        self.dims, self.prefix, self.refresh, self.text_boost = dims, prefix, refresh, text_boost
        self._timeout, self._bulk_timeout = request_timeout, bulk_timeout
        self._es = client or Elasticsearch(
            url, request_timeout=request_timeout, max_retries=1, retry_on_timeout=False
        )
        self._ready: set[str] = set()

    def alias(self, kind: str) -> str:
        """The alias all reads and live writes of `kind` go through."""
        check_kind(kind)
        return f"{self.prefix}-{kind}"

    def _client(self, bulk: bool = False) -> Elasticsearch:
        return self._es.options(request_timeout=self._bulk_timeout if bulk else self._timeout)

    def _create_index(self, kind: str, with_alias: bool, meta: Mapping[str, Any] | None = None) -> str:
        name = f"{self.alias(kind)}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 10**9:09d}"
        aliases = {self.alias(kind): {}} if with_alias else None
        with _translated():
            self._client(bulk=True).indices.create(
                index=name, mappings=_mapping(kind, self.dims, self.vector_index, meta),
                aliases=aliases,
                settings={"number_of_shards": 1, "number_of_replicas": self.replicas},
            )
        return name

    def _ensure(self, kind: str) -> str:
        """The alias of `kind`, created with an empty index when missing: for writers only."""
        alias = self.alias(kind)
        if kind not in self._ready:
            with _translated():
                exists = self._client().indices.exists_alias(name=alias)
            if not exists:
                self._create_index(kind, with_alias=True)
            self._ready.add(kind)
        return alias

    def _bulk(self, target: str, ops: list[dict[str, Any]], refresh: bool | str | None = None,
              live_kind: str | None = None) -> list[dict[str, Any]]:
        """``refresh``: the bulk's refresh policy; None: the backend's (``self.refresh``).

        ``live_kind``: ``target`` is that kind's alias. It must then still be an alias: an
        index deleted since ``_ensure`` saw it (the server's data lost) would otherwise be
        recreated by the server as a plain index under the alias's name, which no rebuild
        could then swap an alias onto. That is IndexMissing, and the next write's
        ``_ensure`` looks again.
        """
        with _translated():
            resp = self._client(bulk=True).bulk(operations=ops, index=target,
                                                refresh=self.refresh if refresh is None else refresh,
                                                require_alias=live_kind is not None)
        items = [next(iter(item.values())) for item in resp["items"]]
        for item in items:
            status = item.get("status", 500)
            if live_kind is not None and (item.get("error") or {}).get("type") == "index_not_found_exception":
                self._ready.discard(live_kind)
                raise IndexMissing(live_kind, "its index was deleted")
            if status in _UNAVAILABLE_STATUS:
                raise BackendUnavailable(f"elasticsearch rejected a bulk item ({status})")
            if status >= 400 and status not in (404, 409):
                raise BackendError(f"bulk item {item.get('_id')} failed: {item.get('error')}")
        return items

    def _write(self, target: str, docs: Iterable[Document], kind: str | None,
               refresh: bool | str | None = None) -> int:
        written = 0
        for chunk in _chunks(d for d in docs if kind is None or d.kind == kind):
            by_kind: dict[str, list[dict[str, Any]]] = {}
            kinds: dict[str, str] = {}
            for doc in chunk:
                if doc.vector.size != self.dims:
                    raise ValueError(f"vector has {doc.vector.size} dims, index has {self.dims}")
                index = target or self._ensure(doc.kind)
                kinds[index] = doc.kind
                by_kind.setdefault(index, []).extend([
                    {"index": {"_index": index, "_id": doc.id, "version": doc.version,
                               "version_type": "external"}},
                    _source(doc),
                ])
            for index, ops in by_kind.items():
                items = self._bulk(index, ops, refresh, live_kind=None if target else kinds[index])
                written += sum(1 for i in items if i.get("status") in (200, 201))
        return written

    def index(self, docs: Iterable[Document]) -> int:
        return self._write("", docs, None)

    def remove(self, kind: str, ids: Iterable[str]) -> int:
        alias = self._ensure(kind)
        removed = 0
        for chunk in _chunks(ids):
            items = self._bulk(alias, [{"delete": {"_index": alias, "_id": i}} for i in chunk],
                               live_kind=kind)
            removed += sum(1 for i in items if i.get("result") == "deleted")
        return removed

    def search(
        self, kind: str, vector: np.ndarray, k: int,
        filters: Sequence[Condition] = (), text: str | None = None, field: str = "vector",
    ) -> list[Hit]:
        check_kind(kind)
        check_vector_field(kind, field)
        conditions = check_conditions(kind, filters)
        if k <= 0:
            return []
        query_vector = np.asarray(vector, dtype=np.float32)
        if query_vector.size != self.dims:
            raise ValueError(f"query has {query_vector.size} dims, index has {self.dims}")
        clause = _filter_clause(conditions)
        knn = {"field": field, "query_vector": query_vector.tolist(), "k": k,
               "num_candidates": min(10_000, max(100, 4 * k)), "filter": clause}
        body: dict[str, Any] = {"knn": knn, "size": k, "source": False}
        if text and text.strip():
            body["query"] = {"bool": {
                "must": [{"match": {"text": {"query": text[:2000], "boost": self.text_boost}}}],
                "filter": [clause]}}
        with _translated(kind):
            resp = self._client().search(index=self.alias(kind), **body)
        hits = resp["hits"]["hits"]
        if "query" in body:
            return [Hit(h["_id"], float(h["_score"])) for h in hits]
        # ES maps cosine to (1 + cos) / 2; undo it so scores match the memory backend.
        return [Hit(h["_id"], 2.0 * float(h["_score"]) - 1.0) for h in hits]

    def versions(self, kind: str, ids: Iterable[str]) -> dict[str, int]:
        alias, found = self.alias(kind), {}
        for chunk in _chunks(ids):
            with _translated(kind):
                resp = self._client().mget(index=alias, ids=chunk, source=False)
            if any((d.get("error") or {}).get("type") == "index_not_found_exception" for d in resp["docs"]):
                # mget answers 200 and says it per document
                raise IndexMissing(kind, "no elasticsearch index behind the alias")
            found |= {d["_id"]: int(d["_version"]) for d in resp["docs"] if d.get("found")}
        return found

    def ids(self, kind: str) -> set[str]:
        alias = self.alias(kind)
        with _translated(kind):
            return {h["_id"] for h in helpers.scan(
                self._client(bulk=True), index=alias, query={"query": {"match_all": {}}},
                _source=False, size=1000)}

    def count(self, kind: str) -> int:
        with _translated(kind):
            return int(self._client().count(index=self.alias(kind))["count"])

    def count_matching(self, kind: str, filters: Sequence[Condition] = ()) -> int:
        conditions = check_conditions(kind, filters)
        query = {"bool": {"filter": [_filter_clause(conditions)]}}
        with _translated(kind):
            return int(self._client().count(index=self.alias(kind), query=query)["count"])

    def clear(self, kind: str | None = None) -> None:
        # An empty rebuild: swap in a fresh index and drop the old ones atomically.
        for name in KINDS if kind is None else (kind,):
            self.begin_rebuild(name).commit()

    def begin_rebuild(self, kind: str, meta: Mapping[str, Any] | None = None) -> _ElasticsearchRebuild:
        return _ElasticsearchRebuild(self, kind, self._create_index(kind, with_alias=False, meta=meta))

    def index_meta(self, kind: str) -> dict[str, Any]:
        alias = self.alias(kind)
        with _translated(kind):
            body = self._client().indices.get_mapping(index=alias).body
        # One concrete index behind the alias; its mapping's _meta is the live metadata.
        return {k: v for mapping in body.values() for k, v in (mapping["mappings"].get("_meta") or {}).items()}

    def set_index_meta(self, kind: str, meta: Mapping[str, Any]) -> None:
        alias = self._ensure(kind)
        with _translated():
            self._client().indices.put_mapping(index=alias, meta=dict(meta))

    def _indices(self, kind: str) -> dict[str, bool]:
        """This backend's concrete indices of `kind` (``<alias>-<timestamp>``, by name
        pattern, so another prefix's never count) -> whether the alias points at it."""
        alias = self.alias(kind)
        own = re.compile(rf"{re.escape(alias)}-\d{{14}}-\d{{9}}")
        with _translated():
            body = self._client().indices.get_alias(index=f"{alias}-*").body
        return {name: alias in (info.get("aliases") or {}) for name, info in body.items()
                if own.fullmatch(name)}

    def live_indices(self, kind: str) -> list[str]:
        """The concrete indices of `kind` behind the alias (one, or none before the first
        build); read-only, for status pages. Raises ``BackendUnavailable`` as the reads do."""
        return sorted(name for name, live in self._indices(kind).items() if live)

    def stray_indices(self, kind: str) -> list[str]:
        """Indices of `kind` that are not behind the alias: a rebuild still running, or
        one that failed or was killed before its commit (its abort could not delete it).
        """
        return sorted(name for name, live in self._indices(kind).items() if not live)

    def _swap(self, kind: str, new_index: str) -> None:
        alias = self.alias(kind)
        with _translated():
            client = self._client(bulk=True)
            client.indices.refresh(index=new_index)
            old = [name for name, live in self._indices(kind).items() if live and name != new_index]
            actions = [{"remove": {"index": i, "alias": alias}} for i in old]
            client.indices.update_aliases(actions=[*actions, {"add": {"index": new_index,
                                                                       "alias": alias}}])
        # The old live index, and the leftovers of rebuilds that failed or were killed before
        # this one began (names sort by creation time; a later one may still be running).
        # Each is deleted by its own name, never by a pattern.
        for index in sorted({*old, *(i for i in self.stray_indices(kind) if i < new_index)}):
            self._drop(index)

    def _drop(self, index: str) -> None:
        with _translated():
            self._client(bulk=True).options(ignore_status=404).indices.delete(index=index)


class _ElasticsearchRebuild:
    """Writes into a fresh concrete index; commit swaps the alias, abort deletes it."""

    def __init__(self, backend: ElasticsearchBackend, kind: str, index: str) -> None:
        self._backend, self.kind, self.index_name, self._done = backend, kind, index, False

    def index(self, docs: Iterable[Document]) -> int:
        if self._done:
            raise RuntimeError("rebuild already committed or aborted")
        # No refresh per bulk: nobody searches the new index before commit(), which refreshes
        # it once before the alias moves (a refresh per 500 documents made many small
        # segments and, with "wait_for", waited up to a second each).
        return self._backend._write(self.index_name, docs, self.kind, refresh=False)

    def commit(self) -> None:
        if self._done:
            raise RuntimeError("rebuild already committed or aborted")
        self._done = True
        self._backend._swap(self.kind, self.index_name)

    def abort(self) -> None:
        self._done = True
        self._backend._drop(self.index_name)
