"""Benchmark: filtered retrieval over N synthetic citizens, and encoder throughput.

    python -m matching.bench --citizens 100000 --k 50 --encoder e5
    python -m matching.bench --backend elasticsearch --citizens 100000 --encoder hashing:384

Prints progress on stderr and one JSON object on the last stdout line:
{"backend", "citizens", "p50_ms", "p95_ms", "rss_mb", "index_s", "index_docs_per_s",
"encode_texts_per_s", "raw_encoder_texts_per_s", "cache_overhead_pct", ...}.
Latency is one backend search per synthetic opening with that opening's hard-constraint
filters (eligible benefit groups, hours, driving licence, radius) plus ranking-size k;
``count_p50_ms``/``count_p95_ms`` time the filtered count a ranking makes before it (the
service searches for every eligible while there are at most 1,000, else the nearest 200 by
each signal);
``union_p50_ms``/``union_p95_ms`` time what a ranking over more than 1,000 eligible citizens
now retrieves: the nearest k by whole text and the nearest k by the jobmål vector (two
searches; the synthetic citizens carry a jobmål vector too, drawn from ``--distinct-goals``
random ones, by default a tenth of the citizens: the memory backend compares a query with
each distinct jobmål vector once).

``recall_at_10_old`` / ``recall_at_10_union`` (``--pool-citizens``, default 3,000: over the
limit): the share of the exhaustive top 10 in the pool of the 200 nearest by whole text and in
the union with the 200 nearest by jobmål, on synthetic texts (``matching.bench_pool``).
Encode figures: the CachedEncoder path (cold cache, as the indexer sees new texts) vs. the
raw encoder on the same texts.

``index_s`` is the time the backend takes to store the documents (built before).

With ``--backend elasticsearch`` the same citizens (same seed) are bulk-written through
``matching.backends.elasticsearch`` (its real mapping, the indexer's rebuild path: a fresh
index, then the alias swap) under the prefix ``<ELASTICSEARCH_INDEX_PREFIX>-bench``, deleted
at the end, and the same searches are timed. Extra figures:

- ``recall_at_k``: share of the exact in-memory top k the server returned for the queries;
- ``filter_pass_pct``: mean share of the citizens that pass a query's filters;
- ``index_client_cpu_s``, ``index_server_cpu_s``, ``search_client_cpu_ms``,
  ``search_server_cpu_ms``: CPU time of this process and of the server (per search for the
  latter two), immune to the wall-clock noise of a shared machine;
- ``over_portal_timeout``: searches slower than the portal's ``ELASTICSEARCH_TIMEOUT`` (the
  portal would show reduced matching for them);
- ``server_rss_mb``: resident memory of the process listening on the URL's port, null when
  it cannot be found (a remote server, another user's process); ``server_process`` says
  which process was measured, or why none was.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from matching.backends.memory import MemoryBackend
from matching.backends.base import BackendError, Condition, Document, MatchBackend
from matching.bench_pool import pool_recall, union_searches
from matching.cache import CachedEncoder, MemoryEmbeddingCache
from matching.domain import BENEFIT_GROUPS, DEFAULT_ELIGIBILITY, OPENING_KINDS, READINESS_GROUPS
from matching.domain import Filters, OpeningProfile
from matching.encoders import Encoder, make_encoder
from matching.geo import POSTCODES
from matching.conditions import citizen_conditions
from matching.documents import GOAL_FIELD
from matching.settings import MatchingSettings

_WORDS = ("lager", "truck", "pakning", "køkken", "kok", "rengøring", "pleje", "butik",
          "chauffør", "landbrug", "produktion", "montage", "kantine", "service", "kunder")


def synthetic_citizens(n: int, dim: int, rng: np.random.Generator,
                       distinct_goals: int | None = None) -> list[Document]:
    """N citizen documents with random unit vectors (whole text and jobmål) and plausible
    filter fields. The jobmål vectors are drawn from ``distinct_goals`` random ones (None: each
    its own): jobmål are occupation titles, which many citizens share."""
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    goals = rng.standard_normal((distinct_goals or n, dim)).astype(np.float32)
    goals /= np.linalg.norm(goals, axis=1, keepdims=True)
    if distinct_goals:
        goals = goals[rng.integers(0, distinct_goals, n)]
    towns = list(POSTCODES.items())
    groups = rng.integers(0, len(BENEFIT_GROUPS), n)
    ready = rng.integers(0, len(READINESS_GROUPS), n)
    where = rng.integers(0, len(towns), n)
    hours = rng.choice([5.0, 10.0, 15.0, 20.0, 37.0], n)
    licence = rng.random(n) < 0.6
    jitter = rng.normal(0, 0.02, (n, 2))
    docs = []
    for i in range(n):
        postcode, (_, lat, lon) = towns[where[i]]
        docs.append(Document("citizen", str(i), 1, vectors[i], "", {
            "benefit_group": BENEFIT_GROUPS[groups[i]], "readiness_group": READINESS_GROUPS[ready[i]],
            "postcode": postcode, "hours_available": float(hours[i]), "max_commute_km": 30.0,
            "driving_licences": ["AM", "B"] if licence[i] else [],
            "location": (lat + jitter[i, 0], lon + jitter[i, 1]),
        }, {GOAL_FIELD: goals[i]}))
    return docs


def synthetic_openings(n: int, rng: np.random.Generator) -> list[OpeningProfile]:
    """Openings of every kind and town, some requiring a driving licence."""
    towns = list(POSTCODES)
    return [
        OpeningProfile(
            f"o{i}", 1, "c1", OPENING_KINDS[i % len(OPENING_KINDS)], "Opslag",
            hours_min=float(rng.choice([0.0, 5.0, 10.0, 20.0])), postcode=towns[i % len(towns)],
            required_licences=frozenset({"B"} if i % 3 == 0 else ()),
        )
        for i in range(n)
    ]


Query = tuple[np.ndarray, list[Condition]]


def synthetic_queries(n: int, dim: int, rng: np.random.Generator) -> list[Query]:
    """One (query vector, hard-constraint filters) pair per synthetic opening."""
    return [(rng.standard_normal(dim).astype(np.float32),
             citizen_conditions(opening, Filters(), DEFAULT_ELIGIBILITY))
            for opening in synthetic_openings(n, rng)]


def timed_searches(backend: MatchBackend, queries: Sequence[Query], k: int) -> tuple[list[float], list[list[str]]]:
    """Milliseconds per filtered search, and the ids each search returned."""
    timings, found = [], []
    for vector, conditions in queries:
        start = time.perf_counter()
        hits = backend.search("citizen", vector, k, conditions)
        timings.append((time.perf_counter() - start) * 1000)
        found.append([hit.id for hit in hits])
    return timings, found


def timed_counts(backend: MatchBackend, queries: Sequence[Query]) -> dict[str, float]:
    """p50/p95 milliseconds of the filtered count a ranking makes before its search
    (``MatchingService``: every eligible is scored while there are at most 1,000)."""
    timings = []
    for _, conditions in queries:
        start = time.perf_counter()
        backend.count_matching("citizen", conditions)
        timings.append((time.perf_counter() - start) * 1000)
    return {f"count_{key}": value for key, value in _percentiles(timings).items()}


def recall_at_k(found: Sequence[Sequence[str]], exact: Sequence[Sequence[str]]) -> float:
    """Share of the exact top-k ids that were found, over all queries (1.0 if none exist)."""
    wanted = sum(len(ids) for ids in exact)
    hit = sum(len(set(got) & set(ids)) for got, ids in zip(found, exact, strict=True))
    return hit / wanted if wanted else 1.0


def find_server(url: str) -> tuple[Any, str]:
    """The local process listening on the port of `url` (a psutil.Process), and a label.

    Only loopback URLs are looked up; psutil (a dev dependency) sees the sockets of this
    user's processes only. Returns (None, "not known: <reason>") when it cannot be found.
    """
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        return None, f"not known: {parts.hostname} is not this machine"
    try:
        import psutil
    except ImportError:
        return None, "not known: psutil is not installed"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            try:
                proc = psutil.Process(conn.pid)
                return proc, f"{proc.name()} (pid {proc.pid})"
            except (psutil.NoSuchProcess, psutil.AccessDenied) as err:
                return None, f"not known: {err}"
    return None, f"not known: no process of this user listens on port {port}"


def _cpu_s(proc: Any) -> float | None:
    """User + system CPU seconds of a psutil.Process so far (None without one)."""
    if proc is None:
        return None
    times = proc.cpu_times()
    return times.user + times.system


def _delta(after: float | None, before: float | None, per: int = 1, scale: float = 1.0) -> float | None:
    return None if after is None or before is None else round(scale * (after - before) / per, 2)


def synthetic_texts(n: int, rng: np.random.Generator) -> list[str]:
    """Distinct short Danish-ish CV texts (so a cache cannot help across them)."""
    return [f"Jobmål: {' '.join(rng.choice(_WORDS, 3))}. Erfaring nr. {i}: "
            + " ".join(rng.choice(_WORDS, 40)) for i in range(n)]


def _rate(encode: Callable[[list[str]], np.ndarray], texts: Sequence[str]) -> float:
    start = time.perf_counter()
    encode(list(texts))
    return len(texts) / (time.perf_counter() - start)


class TimingEncoder:
    """Passes through to an encoder and adds up the seconds spent inside it."""

    def __init__(self, inner: Encoder) -> None:
        self.inner, self.name, self.dimension, self.seconds = inner, inner.name, inner.dimension, 0.0

    def _timed(self, encode: Callable[[Sequence[str]], np.ndarray], texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        try:
            return encode(texts)
        finally:
            self.seconds += time.perf_counter() - start

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._timed(self.inner.encode_queries, texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._timed(self.inner.encode_passages, texts)


def encode_rates(encoder: Encoder, texts: Sequence[str], repeats: int = 3) -> dict[str, float]:
    """Throughput of the CachedEncoder path (cold cache) and of the raw encoder.

    The sides alternate (ABBA) and the best of `repeats` runs counts. On a busy shared
    machine the model's own speed varies by +-30% between runs, so the wrapper's cost is
    also measured directly: time in the cached path minus time inside the model
    (`cache_overhead_pct`), which is immune to that noise.
    """
    # Warm up on other texts of a full batch: model load, thread pools, buffer shapes.
    encoder.encode_passages([f"opvarmning {t}" for t in texts[:64]])
    cached, raw, overhead = [], [], []
    for run in range(repeats):
        timed = TimingEncoder(encoder)
        cold = CachedEncoder(timed, MemoryEmbeddingCache(max_entries=len(texts) + 1))
        sides = [(raw, encoder.encode_passages), (cached, cold.encode_passages)]
        for rates, encode in sides if run % 2 == 0 else sides[::-1]:
            rates.append(_rate(encode, texts))
        total = len(texts) / cached[-1]
        overhead.append(100 * (total - timed.seconds) / timed.seconds)
    return {"encode_texts_per_s": round(max(cached), 1),
            "raw_encoder_texts_per_s": round(max(raw), 1),
            "cache_overhead_pct": round(min(overhead), 2)}


def _percentiles(timings: Sequence[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(timings, 50)), 2),
            "p95_ms": round(float(np.percentile(timings, 95)), 2)}


def _prefixed(name: str, timings: Sequence[float]) -> dict[str, float]:
    return {f"{name}_{key}": value for key, value in _percentiles(timings).items()}


def memory_run(docs: Sequence[Document], queries: Sequence[Query], k: int) -> dict[str, Any]:
    """Index into the in-process backend and time the searches."""
    backend = MemoryBackend()
    start = time.perf_counter()
    backend.index(docs)
    index_s = time.perf_counter() - start
    timed_searches(backend, queries[:5], k)  # warm caches and pages
    cpu = time.process_time()
    timings, found = timed_searches(backend, queries[5:], k)
    cpu, union_cpu = time.process_time() - cpu, time.process_time()
    union = union_searches(backend, queries[5:], k)
    union_cpu = time.process_time() - union_cpu
    # CPU milliseconds per search (this process, BLAS threads included): what a search costs
    # whatever else the shared machine runs, which the wall-clock percentiles include.
    return {**_percentiles(timings), **_prefixed("union", union), **timed_counts(backend, queries[5:]),
            "search_cpu_ms": round(1000 * cpu / len(timings), 2),
            "union_cpu_ms": round(1000 * union_cpu / len(union), 2),
            "index_s": round(index_s, 2),
            "index_docs_per_s": round(len(docs) / index_s, 1),
            "hits_per_search": round(float(np.mean([len(ids) for ids in found])), 1)}


def _drop_indices(client: Any, alias: str) -> None:
    """Delete the bench's indices (behind the alias, and any left by a failed run)."""
    from elasticsearch import ApiError, TransportError

    try:  # by name: Elasticsearch 8+ refuses wildcard deletes (destructive_requires_name)
        for name in client.options(ignore_status=404).indices.get(index=f"{alias}-*").body:
            client.options(ignore_status=404).indices.delete(index=name)
    except (ApiError, TransportError) as err:  # the run's own error matters more
        print(f"could not delete the bench indices {alias}-*: {err}", file=sys.stderr)


def elasticsearch_run(docs: Sequence[Document], queries: Sequence[Query], k: int,
                      settings: MatchingSettings, timeout: float) -> dict[str, Any]:
    """Bulk-write through the real backend (rebuild + alias swap), time the same searches.

    Recall is measured against the exact in-memory backend on the same documents.
    """
    from elasticsearch import Elasticsearch

    from matching.backends.elasticsearch import ElasticsearchBackend

    client = Elasticsearch(settings.elasticsearch_url, request_timeout=timeout, max_retries=1)
    backend = ElasticsearchBackend(dims=docs[0].vector.size, prefix=f"{settings.index_prefix}-bench",
                                   request_timeout=timeout, bulk_timeout=max(timeout, 60.0),
                                   client=client)
    server, process = find_server(settings.elasticsearch_url)
    try:
        cpu = [(time.process_time(), _cpu_s(server))]
        start = time.perf_counter()
        writer = backend.begin_rebuild("citizen", meta={"bench": True})
        written = writer.index(docs)
        writer.commit()
        index_s = time.perf_counter() - start
        cpu.append((time.process_time(), _cpu_s(server)))
        if written != len(docs) or backend.count("citizen") != len(docs):
            raise RuntimeError(f"wrote {written} of {len(docs)} documents")
        print(f"indexed at {len(docs) / index_s:.0f} docs/s; searching", file=sys.stderr)
        timed_searches(backend, queries[:5], k)  # warm caches and connections
        cpu.append((time.process_time(), _cpu_s(server)))
        timings, found = timed_searches(backend, queries[5:], k)
        cpu.append((time.process_time(), _cpu_s(server)))
        counts = timed_counts(backend, queries[5:]) | _prefixed("union", union_searches(backend, queries[5:], k))
        rss = None if server is None else round(server.memory_info().rss / 2**20, 1)
    finally:
        _drop_indices(client, backend.alias("citizen"))
        client.close()
    exact = MemoryBackend()
    exact.index(docs)
    _, wanted = timed_searches(exact, queries[5:], k)
    # How selective the hard constraints are: Lucene's filtered HNSW turns to exact search
    # over the passing documents when few pass, so this decides real Elasticsearch's cost.
    _, passing = timed_searches(exact, queries[5:], len(docs))
    return {**_percentiles(timings), **counts, "index_s": round(index_s, 2),
            "index_docs_per_s": round(len(docs) / index_s, 1),
            "index_client_cpu_s": round(cpu[1][0] - cpu[0][0], 2),
            "index_server_cpu_s": _delta(cpu[1][1], cpu[0][1]),
            "search_client_cpu_ms": _delta(cpu[3][0], cpu[2][0], len(timings), 1000),
            "search_server_cpu_ms": _delta(cpu[3][1], cpu[2][1], len(timings), 1000),
            "hits_per_search": round(float(np.mean([len(ids) for ids in found])), 1),
            "recall_at_k": round(recall_at_k(found, wanted), 4),
            "filter_pass_pct": round(100 * float(np.mean([len(ids) for ids in passing])) / len(docs), 1),
            "over_portal_timeout": sum(t > settings.timeout * 1000 for t in timings),
            "portal_timeout_s": settings.timeout,
            "server_rss_mb": rss, "server_process": process,
            "elasticsearch_url": settings.elasticsearch_url}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; prints and returns the figures."""
    # The indexer's and portal's own settings: ELASTICSEARCH_URL, _INDEX_PREFIX, _TIMEOUT.
    settings = MatchingSettings.from_config(os.environ, ".")
    parser = argparse.ArgumentParser(prog="python -m matching.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("memory", "elasticsearch"), default="memory")
    parser.add_argument("--elasticsearch-url", default=settings.elasticsearch_url,
                        help="default: ELASTICSEARCH_URL, as the indexer reads it")
    parser.add_argument("--elasticsearch-timeout", type=float, default=60.0,
                        help="seconds per request in the bench (the portal's own timeout only "
                             "counts the searches slower than it)")
    parser.add_argument("--citizens", type=int, default=100_000)
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--encoder", default="e5", help="e5 | minilm | hashing | ...")
    parser.add_argument("--encode-texts", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3, help="encode runs per side")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--distinct-goals", type=int, default=None,
                        help="distinct jobmål vectors among the citizens (default: a tenth of them; "
                             "0: every citizen its own)")
    parser.add_argument("--pool-citizens", type=int, default=3000,
                        help="synthetic citizens for the pool recall (over the 1,000 limit; 0: skip)")
    parser.add_argument("--pool-openings", type=int, default=32)
    parser.add_argument("--pool-encoder", default="hashing",
                        help="encoder of the pool recall's texts (e5 takes minutes per 1,000 citizens)")
    args = parser.parse_args(argv)
    if args.citizens < 1 or args.queries < 1:
        parser.error("--citizens and --queries must be at least 1")
    if args.pool_citizens < 0 or args.pool_openings < 1:
        parser.error("--pool-citizens must be at least 0 and --pool-openings at least 1")
    rng = np.random.default_rng(args.seed)
    encoder = make_encoder(args.encoder)
    print(f"encoding {args.encode_texts} texts with {encoder.name}", file=sys.stderr)
    encode = encode_rates(encoder, synthetic_texts(args.encode_texts, rng), args.repeats)
    print(f"indexing {args.citizens} synthetic citizens ({args.backend})", file=sys.stderr)
    distinct = max(1, args.citizens // 10) if args.distinct_goals is None else args.distinct_goals or None
    docs = synthetic_citizens(args.citizens, encoder.dimension, rng, distinct)
    queries = synthetic_queries(5 + args.queries, encoder.dimension, rng)
    if args.backend == "memory":
        run = memory_run(docs, queries, args.k)
    else:
        es = MatchingSettings(backend="elasticsearch", elasticsearch_url=args.elasticsearch_url,
                              index_prefix=settings.index_prefix, timeout=settings.timeout)
        try:
            run = elasticsearch_run(docs, queries, args.k, es, args.elasticsearch_timeout)
        except BackendError as err:  # down, timed out or refused: say so, no traceback
            parser.exit(2, f"{parser.prog}: {args.elasticsearch_url}: {err}\n")
    recall = {}
    if args.pool_citizens:
        print(f"pool recall over {args.pool_citizens} synthetic citizens ({args.pool_encoder})", file=sys.stderr)
        recall = pool_recall(make_encoder(args.pool_encoder), args.pool_citizens, args.pool_openings,
                             seed=args.seed)
    figures = {
        "backend": args.backend, "citizens": args.citizens,
        **run, **recall,
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **encode,
        "encoder": encoder.name, "k": args.k, "queries": args.queries,
        "distinct_goals": distinct or args.citizens,
    }
    print(json.dumps(figures, ensure_ascii=False))
    return figures


if __name__ == "__main__":
    main()
