"""Matching service: retrieve from the backend, fill profiles from the caller, rerank.

The backend returns ids; the caller's `ProfileSource` (the portal's database) fills the
profiles; `RelevanceScorer` and `ranking` score and explain them. When the backend is down,
or the searched index is missing or empty while the caller has profiles to match, the service
ranks in process over the profiles the caller can supply and says so (`degraded=True` with a
reason and a cause): never a silently empty list.

Beside it: the backend filters a ranking searches with (``matching.conditions``), the index
documents the indexer writes and the cache keys it keeps (``matching.documents``), and what
the caller shares between rankings (``matching.shared``: the pair-score cache and the
reduced-mode encoding budget).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Generic, Protocol, TypeVar

import numpy as np

from matching.cache import cache_key
from matching.concept_channel import ConceptChannel, occupation_title
from matching.backends.base import (
    BackendError, BackendUnavailable, Condition, Hit, IndexBroken, IndexMissing, MatchBackend,
)
from matching.conditions import citizen_conditions, opening_conditions, within_km
from matching.domain import (
    DEFAULT_ELIGIBILITY, DEFAULT_PRIORITY, CitizenProfile, EligibilityRules, Exclusion, Filters,
    GoalScore, Match, OpeningProfile, RankingWeights, priority_strength,
)
from matching.explain import GOAL_WEIGHT, explain, goal_tuple, pair_relevance, shared_term_count
from matching.documents import GOAL_FIELD
from matching.index_meta import LexicalMemory, index_lexical_stats, mismatch
from matching.lexical import LexicalModel
from matching.encoders import Encoder, EncoderUnavailable
from matching.ranking import (
    Candidate, citizen_passes, citizen_text, exclusion, opening_passes, opening_text, rank,
)
from matching.relevance import RelevanceConfig, RelevanceScorer, similarity_band
from matching.rerank import Learned, apply as apply_learned
from matching.shared import REDUCED_ENCODE_LIMIT, EncodeBudget, PairScoreCache

log = logging.getLogger(__name__)

P = TypeVar("P", CitizenProfile, OpeningProfile)
P_co = TypeVar("P_co", CitizenProfile, OpeningProfile, covariant=True)
# Below this relevance (the "middel" band) a candidate is not a good match: when the best
# remaining candidate is below it, the result says so (`MatchResult.no_good_match`).
GOOD_MATCH_THRESHOLD = 0.40
# Asked only for the first few excluded pairs, the service reads the pool this many at a time.
EXCLUDED_READ_STEP = 50
# Why a result is degraded (``MatchResult.cause``), for a page to say in its own words:
# "unavailable": the backend cannot be reached (or shed load); "missing": the searched kind's
# index does not exist (never built, or lost: the indexer's worker builds it); "empty": the
# index exists but holds no document while the source has profiles to match (recreated, not
# refilled yet: the worker rebuilds it); "broken": the index exists but cannot be read (a
# corrupt or unreadable file: trying again does not help, a rebuild does, and the worker makes
# one); "rebuilding": the index was built with another encoder, postcode table or document
# fields (the worker rebuilds it); "refused": the backend refused the request (a bug, logged);
# "encoder": the encoder is unavailable (lexical relevance only).
DEGRADED_CAUSES = ("unavailable", "missing", "empty", "broken", "rebuilding", "refused", "encoder")


class _WrongIndex(BackendUnavailable):
    """The index of the kind searched was built with something else than this process uses."""


class _EmptyIndex(BackendUnavailable):
    """The index of the kind searched holds no document while the source has profiles to match."""


class ProfileSource(Protocol[P_co]):
    """Where the service gets profiles by id (the portal: its database)."""

    def get(self, ids: Sequence[str]) -> Mapping[str, P_co]:
        """Profiles for the ids that exist and may be matched; others are left out."""

    def all(self) -> Iterable[P_co]:
        """Every matchable profile; used only for the degraded in-process fallback."""

    def count(self) -> int:
        """How many profiles ``all`` gives, cheaply (the portal: one count query); asked only
        when a search found nothing, to tell an empty index from nothing to match."""


class MappingSource(Generic[P]):
    """A ProfileSource over an in-memory mapping (tests, small deployments)."""

    def __init__(self, profiles: Mapping[str, P] | Iterable[P]) -> None:
        items = profiles.values() if isinstance(profiles, Mapping) else profiles
        self._profiles = {p.id: p for p in items}

    def get(self, ids: Sequence[str]) -> Mapping[str, P]:
        return {i: self._profiles[i] for i in ids if i in self._profiles}

    def all(self) -> Iterable[P]:
        return list(self._profiles.values())

    def count(self) -> int:
        return len(self._profiles)


@dataclass(frozen=True)
class MatchResult:
    """Ranked matches, the excluded pairs when asked for, and the degraded-mode flag.

    Attributes:
        degraded: True when the backend was unavailable (or the searched index missing, or
            empty while the source had profiles to match) and ranking ran in process.
        reason: why the result is degraded (None otherwise); technical, for the log.
        cause: why, as one of DEGRADED_CAUSES (None when not degraded).
        approximate: the lexical statistics of an index that could not be read were never
            seen (a new install before its first build): the scores are made without them
            and may move once it is built. False whenever they are the index's own.
        missing_ids: ids the backend returned that the source could not fill (stale index).
        priority: the policy priority used ("off", "normal", "strong").
        threshold: the relevance a good match reaches (`no_good_match`).
        scored_of: None when every profile that passes the hard limits and filters was
            scored; else how many were scored (the nearest by the searches, united: for
            citizens, by whole text and by jobmål; for openings, by the citizen's whole text
            and by each of the citizen's jobmål), more being eligible (over `exhaustive_limit`
            in the index, over `fallback_limit` in degraded mode).
        unvectored: in degraded mode, the ids (of the matches and the excluded listed) scored
            without their vector, by the lexical channel alone: their texts were not stored
            yet and the encoding budget was spent (``EncodeBudget``: its texts or its seconds;
            the index is being rebuilt, e.g. after an encoder change). Their relevance is that other score, not
            the pair's usual one; the page says so. ``unvectored_count``: how many profiles
            the ranking scored so (listed or not).
    """

    matches: tuple[Match, ...]
    excluded: tuple[Exclusion, ...] = ()
    degraded: bool = False
    reason: str | None = None
    missing_ids: tuple[str, ...] = ()
    priority: str = DEFAULT_PRIORITY
    threshold: float = GOOD_MATCH_THRESHOLD
    scored_of: int | None = None
    cause: str | None = None
    approximate: bool = False
    unvectored: tuple[str, ...] = ()
    unvectored_count: int = 0

    @property
    def no_good_match(self) -> bool:
        """True when no candidate (or the best remaining one) reaches the threshold.

        The ranking is band first, so the first match has the highest band: when it is below
        "middel", nothing good is left, whatever priority or distance did to the order.
        """
        return not any(m.explanation.relevance >= self.threshold for m in self.matches)



@dataclass(frozen=True)
class _Plan(Generic[P]):
    """One direction of matching: what to retrieve and how to pair and filter it."""

    kind: str
    query: str
    conditions: list[Condition]
    pair: Callable[[P], tuple[CitizenProfile, OpeningProfile]]
    text: Callable[[P], str]
    passes: Callable[[P], bool]
    priority: str = DEFAULT_PRIORITY
    # The backend filters of the search for the excluded: the consultant's filters without the
    # hard constraints (None: the excluded are not asked for). The matches always come from
    # ``conditions``, so asking for the excluded never changes who is ranked.
    excluded_conditions: list[Condition] | None = None
    # The jobmål an opening plan also searches by beyond ``exhaustive_limit`` (the citizen's):
    # each is half of a pair's relevance alone (``explain.pair_relevance``: its best jobmål).
    goal_queries: tuple[str, ...] = ()


class _Spending:
    """One degraded ranking's draw on an ``EncodeBudget``, and which profiles it scored without
    their vector (``MatchResult.unvectored``: per ranking, though the budget may be shared)."""

    def __init__(self, budget: EncodeBudget) -> None:
        self.budget = budget
        self.unvectored: set[str] = set()


class MatchingService:
    """Ranks citizens for an opening and openings for a citizen.

    Args:
        encoder: encodes query and passage texts (wrap in a CachedEncoder in production so
            reranking reuses the indexer's vectors).
        backend: where candidates are retrieved from.
        weights, rules, relevance_config: ranking policy, eligibility table, fusion.
        fallback: rank in process when the backend or the encoder is unavailable (False:
            re-raise BackendUnavailable / EncoderUnavailable).
        fallback_limit: most profiles scored in process in degraded mode.
        reduced_encode_limit: most texts (CVs, jobmål, opening titles) one degraded ranking
            encodes for its matches that are not stored yet (the excluded it lists encode none) (e.g. after an encoder or adapter change, or before
            the first index is built, every one is missing): a profile whose texts are stored
            (or fit in what is left of the limit) is scored as usual; any other is scored by the
            lexical channel alone, without its vector, and ``MatchResult.unvectored`` names it,
            so its score is a stated, different one, never silently mixed in. The vectors made
            are stored as they are made (a ``CachedEncoder``'s cache), so the next ranking
            encodes the next ones. None: ``REDUCED_ENCODE_LIMIT``. Only for an encoder with a
            cache (the portal's): without one nothing made would be kept, so every text is
            encoded (tests, evaluation).
        reduced_encode_seconds: most seconds one degraded ranking spends encoding them (checked
            before each profile's texts, ``EncodeBudget``). None: ``REDUCED_ENCODE_SECONDS``.
        encode_budget: one budget every degraded ranking of this service draws from (the
            portal: the request's, shared by all its rankings); None: each degraded ranking
            gets its own of ``reduced_encode_limit`` texts and ``reduced_encode_seconds``.
        goal_weight: share of the best single jobmål in a pair's relevance (`pair_relevance`).
        exhaustive_limit: up to this many eligible profiles (after hard limits and filters)
            every one is scored, so who is listed depends on the pair scores alone, never on
            the search's order (review S 1: a citizen whose jobmål fits but whose CV text is
            far off was left out of a pool of the 200 nearest by CV text).
        pool_size: beyond `exhaustive_limit` eligible, candidates retrieved and reranked: the
            nearest by the search, whatever k (at least k), by each signal the pair's relevance
            has (for citizens: the whole text's vector and the jobmål's, ``GOAL_FIELD``; for
            openings: the citizen's whole text and each of its jobmål as a query; their
            union is scored); `MatchResult.scored_of` says how many. The pool does not grow
            with k, so the top k is always a prefix of the top k + n.
        clock: a required keyword: a function without arguments that gives the day where
            the job centre is, called once per ranking (and per ``explain_pair``); the policy
            flags count from that day (»N mdr. på ydelse«) and the priority score reads it.
            Matching imports nothing of ours, so the portal and the indexer pass
            ``store.clock.today`` (Danish local time) and tests a function of a fixed day; the
            host's ``date.today`` is another day between 23:00 and 01:00 Danish time (review
            BN 1).
        pair_cache: where pair scores are kept between services sharing this encoder
            (None: every ranking scores its whole pool).
        concepts: the concept channel (``matching.concept_channel.load_channel``) that
            lifts each jobmål's relevance by the ESCO occupations it shares with the
            opening's title; None: jobmål are scored by the fused relevance alone.
        lexical_memory: keeps the lexical statistics last read of each index, so a ranking
            that cannot read one (reduced mode) scores with them (``index_lexical_stats``);
            None: without an index's statistics the lexical channel runs without IDF.
    """

    def __init__(
        self, encoder: Encoder, backend: MatchBackend, weights: RankingWeights = RankingWeights(),
        rules: EligibilityRules = DEFAULT_ELIGIBILITY,
        relevance_config: RelevanceConfig = RelevanceConfig(), *, fallback: bool = True,
        fallback_limit: int = 5000, reduced_encode_limit: int | None = None,
        reduced_encode_seconds: float | None = None, encode_budget: EncodeBudget | None = None,
        pool_size: int = 200, exhaustive_limit: int = 1000, clock: Callable[[], date],
        goal_weight: float = GOAL_WEIGHT, pair_cache: PairScoreCache | None = None,
        concepts: ConceptChannel | None = None, lexical_memory: LexicalMemory | None = None,
    ) -> None:
        self.encoder, self.backend, self.weights, self.rules = encoder, backend, weights, rules
        self.scorer = RelevanceScorer(encoder, relevance_config)
        self.fallback, self.fallback_limit, self.pool_size = fallback, fallback_limit, pool_size
        self.exhaustive_limit = exhaustive_limit
        self.reduced_encode_limit = REDUCED_ENCODE_LIMIT if reduced_encode_limit is None else reduced_encode_limit
        self.reduced_encode_seconds = reduced_encode_seconds
        self.encode_budget = encode_budget
        self.clock, self.goal_weight, self.pair_cache = clock, goal_weight, pair_cache
        if concepts is not None and concepts.space != encoder.name:
            raise ValueError(f"the concept channel reads {concepts.space} vectors, not {encoder.name}'s")
        self.concepts, self.lexical_memory = concepts, lexical_memory
        self._lexical: LexicalModel | None = None
        self._lexical_known = True

    def lexical(self) -> LexicalModel:
        """The lexical model of the index: the IDF of both kinds' whole collections.

        Read from the index metadata once per service (the portal makes one per request); an
        index that cannot be read (the backend down, the index missing) gives the statistics
        ``lexical_memory`` last saw of it, so reduced mode scores a pair as a ranking over the
        index does. Without any (an index from before they were stored, or one never read)
        the lexical channel runs without IDF: still a function of the pair alone.
        """
        if self._lexical is None:
            found = index_lexical_stats(self.backend, self.lexical_memory)
            self._lexical_known = found.known
            self._lexical = self.scorer.lexical_model(found.stats)
        return self._lexical

    @property
    def approximate(self) -> bool:
        """Whether the scores made so far lack the statistics of an index never read
        (``MatchResult.approximate``)."""
        return self._lexical is not None and not self._lexical_known

    def rank_candidates(
        self, opening: OpeningProfile, k: int = 20, filters: Filters = Filters(), *,
        citizens: ProfileSource[CitizenProfile] | Mapping[str, CitizenProfile],
        include_excluded: bool = False, priority: str = DEFAULT_PRIORITY,
        excluded_limit: int | None = None, learned: Learned | None = None,
    ) -> MatchResult:
        """The k best citizens for `opening`, best first, each with an explanation.

        With `include_excluded`, a second search without the hard constraints finds the
        nearest candidates that break one; they come back in `excluded` with the reason: the
        first `excluded_limit` of them in retrieval order (None: all; in reduced mode nearest
        first by the pair's relevance, ties by ids). The matches come from
        the usual search, so they are the same with or without the excluded. The excluded
        pool is read a part at a time, only until that many are found.
        `priority` ("off", "normal", "strong") is how much the policy priority orders
        candidates within a relevance band (docs/matching.md); each match carries what it added.

        With `learned`, the learned re-ranking orders every eligible pair scored (`rerank.apply`:
        each pair the backend retrieved, adjusted, the history read from the opening's title
        when it has its key) before the first k are kept, so the first k are the learned top k
        of them and a filter only removes pairs; those pairs get only their number of shared
        terms (`explain.shared_term_count`, the feature the model reads) and the k kept are
        explained in full, each the same whatever k is.

        Raises:
            BackendUnavailable, EncoderUnavailable: only when `fallback` is False.
            ValueError: an unknown priority.
        """
        priority_strength(priority)
        plan: _Plan[CitizenProfile] = _Plan(
            "citizen", opening_text(opening),
            citizen_conditions(opening, filters, self.rules),
            lambda c: (c, opening), citizen_text,
            lambda c: citizen_passes(c, filters) and within_km(c, opening, filters.max_distance_km),
            priority,
            citizen_conditions(opening, filters, self.rules, hard=False) if include_excluded else None,
        )
        return self._run(plan, k, _as_source(citizens), include_excluded, excluded_limit, learned)

    def rank_openings(
        self, citizen: CitizenProfile, k: int = 20, filters: Filters = Filters(), *,
        openings: ProfileSource[OpeningProfile] | Mapping[str, OpeningProfile],
        include_excluded: bool = False, priority: str = DEFAULT_PRIORITY,
        excluded_limit: int | None = None,
    ) -> MatchResult:
        """The k best openings for `citizen` (the reverse of `rank_candidates`)."""
        priority_strength(priority)
        plan: _Plan[OpeningProfile] = _Plan(
            "opening", citizen_text(citizen),
            opening_conditions(citizen, filters, self.rules),
            lambda o: (citizen, o), opening_text,
            lambda o: opening_passes(o, filters) and within_km(citizen, o, filters.max_distance_km),
            priority,
            opening_conditions(citizen, filters, self.rules, hard=False) if include_excluded else None,
            goal_queries=citizen.goal_texts,
        )
        return self._run(plan, k, _as_source(openings), include_excluded, excluded_limit)

    def _run(self, plan: _Plan[P], k: int, source: ProfileSource[P],
             include_excluded: bool, excluded_limit: int | None = None,
             learned: Learned | None = None) -> MatchResult:
        try:
            query_vector = self.encoder.encode_queries([plan.query])[0]
        except EncoderUnavailable as err:
            if not self.fallback:
                raise
            cause = f"encoder unavailable ({err}); lexical relevance only"
            return self._degraded(plan, None, k, source, include_excluded, ("encoder", cause), excluded_limit,
                                  learned)
        try:
            wrong_encoder = mismatch(self.backend, self.encoder, plan.kind, unrecorded_fits=True)
            if wrong_encoder is not None:  # its vectors do not compare with ours
                raise _WrongIndex(f"{wrong_encoder}; the indexer rebuilds it")
            pool = max(self.pool_size, k)
            # Counted first, so the search asks for what will be scored: every eligible while
            # they are few enough, else the nearest `pool` (never limit + 1 hits to cut: on
            # Elasticsearch that is a kNN over 4 x 1,001 candidates on every ranking).
            eligible = 0 if k == 0 else self.backend.count_matching(plan.kind, plan.conditions)
            nearest = eligible > max(pool, self.exhaustive_limit)
            hits = [] if eligible == 0 else self.backend.search(
                plan.kind, query_vector, pool if nearest else eligible, plan.conditions, text=plan.query)
            if nearest and plan.kind == "citizen":
                # The pair's other half is its best jobmål (explain.pair_relevance): the nearest
                # by the jobmål vector join the nearest by whole text, under the same filters.
                hits = _union(hits, self.backend.search(plan.kind, query_vector, pool,
                                                        plan.conditions, field=GOAL_FIELD))
            elif nearest and plan.goal_queries:
                # The reverse: the nearest openings by each of the citizen's jobmål join the
                # nearest by the whole text (an opening of a jobmål far from the CV is not lost).
                hits = _union(hits, *self._goal_searches(plan, pool))
            scored_of = len(hits) if nearest and len(hits) < eligible else None
            excluded_searched = plan.excluded_conditions is not None and excluded_limit != 0
            excluded_hits = [] if not excluded_searched else \
                self.backend.search(plan.kind, query_vector, max(self.pool_size, k),
                                    plan.excluded_conditions, text=plan.query)
            if not hits and not excluded_hits and (k > 0 or excluded_searched):
                self._check_not_empty(plan.kind, source)
        except BackendError as err:
            if not self.fallback:
                raise
            if isinstance(err, BackendUnavailable):
                why = ("missing" if isinstance(err, IndexMissing) else
                       "empty" if isinstance(err, _EmptyIndex) else
                       "broken" if isinstance(err, IndexBroken) else
                       "rebuilding" if isinstance(err, _WrongIndex) else "unavailable")
                cause = (why, str(err) if why == "empty" else f"search backend unavailable ({err})")
            else:  # a refused request is a bug to fix, but the consultant still gets a ranking
                log.error("search backend refused the %s query: %s", plan.kind, err)
                cause = ("refused", f"search backend refused the request ({err})")
            return self._degraded(plan, query_vector, k, source, include_excluded, cause,
                                  excluded_limit, learned)
        # The excluded come from their own search, so they never take a place in the pool the
        # matches are ranked from (a display option must not change who is ranked).
        excluded, missing = self._excluded_only(plan, [h.id for h in excluded_hits], source,
                                                include_excluded, excluded_limit)
        if k == 0:  # no match is asked for: only the excluded, nothing scored
            return MatchResult((), excluded, missing_ids=missing, priority=plan.priority)
        ids = [h.id for h in hits]
        found = source.get(ids)
        # The database is the truth: re-check the consultant's filters on fresh profiles.
        profiles = [found[i] for i in ids if i in found and plan.passes(found[i])]
        matches, in_pool = self._rank(plan, query_vector, profiles, k, include_excluded, learned)
        if include_excluded:  # pairs the backend could not filter (e.g. a citizen's own commute)
            seen = {(e.citizen_id, e.opening_id) for e in excluded}
            excluded = (*excluded, *(e for e in in_pool if (e.citizen_id, e.opening_id) not in seen))
        missing = (*missing, *(i for i in ids if i not in found and i not in missing))
        return MatchResult(matches, tuple(excluded[:excluded_limit]), missing_ids=missing,
                           priority=plan.priority, scored_of=scored_of, approximate=self.approximate)

    def _goal_searches(self, plan: _Plan[P], pool: int) -> list[list[Hit]]:
        """The nearest ``pool`` of ``plan.kind`` by each of ``plan.goal_queries``, under the
        plan's filters (the jobmål's query vectors are the ones their scoring uses, so a
        caching encoder encodes each once)."""
        vectors = self.encoder.encode_queries(list(plan.goal_queries))
        return [self.backend.search(plan.kind, vector, pool, plan.conditions, text=goal)
                for goal, vector in zip(plan.goal_queries, vectors)]

    def _check_not_empty(self, kind: str, source: ProfileSource[P]) -> None:
        """Raise ``_EmptyIndex`` when ``kind``'s index holds no document while ``source`` has
        profiles to match: a search that found nothing there says nothing of who fits (the
        index was recreated and the indexer's worker has not refilled it yet), so the ranking
        is made in reduced mode instead, never read as "nobody fits". Asked only after a search
        found nothing: one backend count, and one count of the source when the index is empty.
        """
        if self.backend.count(kind) > 0:
            return
        expected = source.count()
        if expected > 0:
            raise _EmptyIndex(f"the {kind} index is empty while {expected} {kind}(s) can be matched; "
                              "the indexer's worker rebuilds it")

    def _excluded_only(self, plan: _Plan[P], ids: list[str], source: ProfileSource[P],
                       include_excluded: bool, limit: int | None,
                       ) -> tuple[tuple[Exclusion, ...], tuple[str, ...]]:
        """The first ``limit`` retrieved pairs that break a hard limit (None: all), and the
        ids the source could not fill among those read.

        Only the hard limits are checked. With a ``limit`` the pool is read
        ``EXCLUDED_READ_STEP`` ids at a time, in retrieval order, and reading stops once
        enough are found: the same first ``limit`` as reading it all, without reading it all.
        """
        if not include_excluded or limit == 0:
            return (), ()
        step = len(ids) if limit is None else EXCLUDED_READ_STEP
        excluded: list[Exclusion] = []
        missing: list[str] = []
        for start in range(0, len(ids), max(step, 1)):
            part = ids[start:start + step]
            found = source.get(part)
            missing.extend(i for i in part if i not in found)
            for i in part:
                if i in found and plan.passes(found[i]):
                    out = exclusion(*plan.pair(found[i]), self.rules)
                    if out is not None:
                        excluded.append(out)
            if limit is not None and len(excluded) >= limit:
                break
        return tuple(excluded[:limit]), tuple(missing)

    def _degraded(self, plan: _Plan[P], query_vector: np.ndarray | None, k: int,
                  source: ProfileSource[P], include_excluded: bool, cause: tuple[str, str],
                  excluded_limit: int | None = None, learned: Learned | None = None) -> MatchResult:
        """Rank in process over every profile ``source`` has; ``cause`` is (one of
        DEGRADED_CAUSES, the technical reason)."""
        why, cause_text = cause
        profiles = [p for p in source.all() if plan.passes(p)]
        # A cheap hard-constraint pass before the costly scoring: only the eligible are
        # scored and count against the limit, so the matches are the same whether the
        # excluded are asked for or not.
        eligible: list[P] = []
        excluded: list[tuple[P, Exclusion]] = []
        for p in profiles:
            out = exclusion(*plan.pair(p), self.rules)
            eligible.append(p) if out is None else excluded.append((p, out))
        note = f"{cause_text}; ranked {len(eligible)} profiles in process"
        scored_of = None
        if len(eligible) > self.fallback_limit:
            note += f", scored the first {self.fallback_limit} only"
            eligible, scored_of = eligible[: self.fallback_limit], self.fallback_limit
        budget = self.encode_budget if self.encode_budget is not None else \
            EncodeBudget(self.reduced_encode_limit, self.reduced_encode_seconds)
        spending = _Spending(budget)
        matches, _ = self._rank(plan, query_vector, eligible, k, False, learned, spending)
        # The excluded are only ordered, never ranked or scored on the page: they encode nothing,
        # and those ordered without their vector are not counted as ranked so (review BE 1).
        nearest = self._nearest_excluded(plan, query_vector, excluded, excluded_limit,
                                         _Spending(EncodeBudget(texts=0))) \
            if include_excluded else ()
        key = "citizen_id" if plan.kind == "citizen" else "opening_id"
        unvectored = tuple(dict.fromkeys(i for i in (getattr(m, key) for m in matches) if i in spending.unvectored))
        if spending.unvectored:
            note += (f"; {len(spending.unvectored)} scored without their vector (lexical channel alone: the "
                     f"budget of {budget.texts} new texts and {budget.seconds:g} s encoding was spent)")
        return MatchResult(matches, nearest, degraded=True, reason=note, priority=plan.priority,
                           scored_of=scored_of, cause=why, approximate=self.approximate,
                           unvectored=unvectored, unvectored_count=len(spending.unvectored))

    def _nearest_excluded(self, plan: _Plan[P], query_vector: np.ndarray | None,
                          excluded: list[tuple[P, Exclusion]], limit: int | None,
                          budget: _Spending | None = None) -> tuple[Exclusion, ...]:
        """The first ``limit`` excluded pairs (None: all), nearest first: by the relevance a
        ranking gives the pair (``pair_relevance``), ties by ids. A pure order of the pairs,
        never the source's order, so reduced mode lists the nearest excluded as a search over
        the index does. The first ``fallback_limit`` are scored; any more follow unscored.
        """
        if limit == 0 or not excluded:
            return ()
        scored, rest = excluded[:self.fallback_limit], excluded[self.fallback_limit:]
        relevances = self._relevances(plan, query_vector, [p for p, _ in scored], budget)
        order = sorted(((pair_relevance(w, g, self.goal_weight), out) for (_, out), (w, g) in zip(scored, relevances)),
                       key=lambda item: (-item[0], item[1].citizen_id, item[1].opening_id))
        return tuple([out for _, out in order] + [out for _, out in rest])[:limit]

    def _rank(self, plan: _Plan[P], query_vector: np.ndarray | None, profiles: list[P], k: int,
              include_excluded: bool, learned: Learned | None = None, budget: _Spending | None = None,
              ) -> tuple[tuple[Match, ...], tuple[Exclusion, ...]]:
        """The first ``k`` matches, explained, and the pairs that broke a hard limit.

        With ``learned`` (a citizen plan: one opening), the model adjusts every eligible pair
        scored here (all ``profiles``: every one the backend retrieved, or reduced mode
        scored) before the first ``k`` are cut, so whether a pair is kept depends on its own
        learned place alone, never on where the others stand under the hand-set weights (a
        hand-set cut first left out pairs the model lifts into the top ``k``, and a filter
        brought them back: review BP 1). The pairs are not explained; the model reads their
        jobmål scores and ``shared_term_count`` (both kept per pair), and only the ``k`` kept
        are explained.
        """
        if not profiles:
            return (), ()
        if k == 0:  # no match is asked for (the excluded alone: ``_excluded_only``)
            return (), ()
        candidates, by_id = [], {}
        for p, (w, g) in zip(profiles, self._relevances(plan, query_vector, profiles, budget)):
            relevance = pair_relevance(w, g, self.goal_weight)
            candidates.append(Candidate(*plan.pair(p), relevance, similarity_band(relevance)))
            by_id[p.id] = (*plan.pair(p), g)
        outcome = rank(candidates, self.weights, self.rules, today=self.clock(),
                       k=k if learned is None else None,  # the model orders every eligible pair
                       include_excluded=include_excluded, strength=priority_strength(plan.priority),
                       evidence=False)  # explain() finds the shared words of the pairs kept
        key = "citizen_id" if plan.kind == "citizen" else "opening_id"
        query = {"opening_doc" if plan.kind == "citizen" else "citizen_doc": plan.query}

        def explained(m: Match) -> Match:
            return explain(m, *by_id[getattr(m, key)], **query)

        if learned is None:
            return tuple(explained(m) for m in outcome.matches), outcome.excluded
        opening = plan.pair(profiles[0])[1]
        kept = apply_learned(outcome.matches, learned.model, k,
                             title=None if learned.secret is None else opening.title, secret=learned.secret,
                             goals=lambda m: by_id[getattr(m, key)][2],
                             shared_terms=lambda m: shared_term_count(*by_id[getattr(m, key)][:2]),
                             explain=explained)
        return tuple(kept), outcome.excluded

    def _relevances(self, plan: _Plan[P], query_vector: np.ndarray | None, profiles: list[P],
                    budget: _Spending | None = None) -> list[tuple[float, tuple[GoalScore, ...]]]:
        """Per profile, the whole-text relevance and the jobmål scores of its pair.

        Both are functions of the two sides' texts and the models alone, so they are kept
        per (models, query side's content, profile's content) in a process-wide cache
        (``pair_cache``): repeated rankings score only the pairs whose texts they have not
        met. Keys are hashes, never text; a changed text is a new key, so nothing is stale.
        Values are numbers only (a jobmål is kept as its position in the citizen's list), so
        no text of an erased citizen lingers in a process's memory.

        With a ``budget`` (reduced mode), a pair not in the cache whose profile's texts are
        not stored and do not fit in what is left of the budget (texts or seconds) is scored
        by the lexical channel alone (never cached: it is not the pair's usual score) and its
        id is added to ``budget.unvectored``. That score is the pair's lexical one whichever
        other profiles are scored with it; only whether the budget reached it depends on them.
        """
        if query_vector is None:  # no encoder: lexical only
            return self._score_pairs(plan, query_vector, profiles)
        keys: list[Hashable] = []
        goal_texts = [list(plan.pair(p)[0].goal_texts) for p in profiles]
        found: dict[Hashable, tuple] = {}
        if self.pair_cache is not None:
            other = plan.pair(profiles[0])[1 if plan.kind == "citizen" else 0]
            side = (self.encoder.name, self.lexical().stats_version, self.scorer.config,
                    self.goal_weight, None if self.concepts is None else self.concepts.key, plan.kind,
                    other.content_key)
            keys = [(side, p.content_key) for p in profiles]
            found = self.pair_cache.get_many(keys)
        missing = [i for i in range(len(profiles)) if not keys or keys[i] not in found]
        alone: dict[int, tuple[float, tuple[GoalScore, ...]]] = {}
        if budget is not None and missing and getattr(self.encoder, "cache", None) is not None:
            vectored = self._within_budget(plan, [profiles[i] for i in missing], budget)
            without = [i for i, ok in zip(missing, vectored) if not ok]
            missing = [i for i, ok in zip(missing, vectored) if ok]
            if without:
                budget.unvectored.update(profiles[i].id for i in without)
                alone = dict(zip(without, self._score_pairs(plan, None, [profiles[i] for i in without])))
        fresh = dict(zip(missing, self._score_pairs(plan, query_vector, [profiles[i] for i in missing]))) \
            if missing else {}
        if self.pair_cache is None:
            return [fresh[i] if i in fresh else alone[i] for i in range(len(profiles))]
        found.update(self.pair_cache.put_many((keys[i], _numbers_only(value, goal_texts[i]))
                                              for i, value in fresh.items()))
        return [alone[i] if i in alone else _with_texts(found[key], texts)
                for i, (key, texts) in enumerate(zip(keys, goal_texts))]

    def _within_budget(self, plan: _Plan[P], profiles: list[P], spending: _Spending) -> list[bool]:
        """Per profile, whether its texts' vectors are stored or are made now within the
        budget (then counted against it), in the profiles' order: the texts the pair's scoring
        encodes in the scorer's document role (the whole text, and the jobmål of a citizen or
        the occupation an opening's title names). One look-up in the encoder's cache (a
        ``CachedEncoder``'s); the texts are encoded a profile at a time through it (so they are
        stored, and the scoring after finds them), the time each takes counted, so encoding
        stops once the budget's seconds are spent."""
        needs = [self._doc_texts(plan, p) for p in profiles]
        role = "query" if self.scorer.config.doc_role == "query" else "passage"
        keys = {cache_key(self.encoder.name, role, t): t for texts in needs for t in texts}
        stored = {keys[key] for key in self.encoder.cache.get_many(keys)}
        budget = spending.budget
        fits = []
        for texts in needs:
            new = [t for t in dict.fromkeys(texts) if t not in stored]
            ok = budget.take(len(new))
            if ok and new:
                with budget.timing():
                    self.scorer.encode_docs(new)
                stored.update(new)
            fits.append(ok)
        return fits

    @staticmethod
    def _doc_texts(plan: _Plan[P], profile: P) -> list[str]:
        citizen, opening = plan.pair(profile)
        if plan.kind == "citizen":
            return [plan.text(profile), *citizen.goal_texts]
        return [plan.text(profile), occupation_title(opening.title_text)]

    def _score_pairs(self, plan: _Plan[P], query_vector: np.ndarray | None,
                     profiles: list[P]) -> list[tuple[float, tuple[GoalScore, ...]]]:
        docs = [plan.text(p) for p in profiles]
        lexical = self.lexical()
        doc_vectors = None if query_vector is None else self.scorer.encode_docs(docs)
        if query_vector is None:  # no encoder: the lexical channel alone still ranks sensibly
            whole = lexical.similarities(plan.query, docs)
        else:
            whole = self.scorer.score(plan.query, docs, query_vector=query_vector,
                                      doc_vectors=doc_vectors, lexical=lexical).fused
        goals = self._goal_scores(plan, query_vector, profiles, docs, doc_vectors)
        return [(float(w), g) for w, g in zip(whole, goals)]

    def _goal_scores(self, plan: _Plan[P], query_vector: np.ndarray | None, profiles: list[P],
                     docs: list[str], doc_vectors: np.ndarray | None) -> list[tuple[GoalScore, ...]]:
        """Each candidate's jobmål scored alone against the opening, in one batch per side.

        Every jobmål is scored twice: against the opening's whole text (its relevance, part
        of the pair's; its dense and lexical channels are kept too, facts the learned
        re-ranking reads) and against the occupation the title names (``occupation_title``:
        the title without its kind and hours, as the concept channel reads it), for its band
        alone (`explain.goal_tuple`; whether the title contains the jobmål is read on the
        whole title).
        The same pair gets the same goal scores in both directions: the fused relevance is
        symmetric (dense cosine of two "query" embeddings, lexical cosine).
        """
        lexical = self.lexical()
        dense = query_vector is not None
        if plan.kind == "citizen":
            title = plan.pair(profiles[0])[1].title_text
            groups = [list(p.goal_texts) for p in profiles]
            flat = [g for group in groups for g in group]
            if not flat:
                return [() for _ in groups]
            vectors = self.scorer.encode_docs(flat) if dense else None
            occupation = occupation_title(title)
            title_vector = self.encoder.encode_queries([occupation])[0] if dense else None
            whole = iter(zip(*self._channels(plan.query, flat, query_vector, vectors, lexical)))
            on_title = iter(self._channels(occupation, flat, title_vector, vectors, lexical)[0])
            concept = iter(self._title_concepts([title], flat, vectors)[0])
            return [goal_tuple([(g, *_whole_and_title(next(whole), next(on_title), next(concept), self.concepts))
                                for g in group], title)
                    for group in groups]
        citizen = plan.pair(profiles[0])[0]
        goals = list(citizen.goal_texts)
        titles = [plan.pair(p)[1].title_text for p in profiles]
        occupations = [occupation_title(t) for t in titles]
        title_vectors = self.scorer.encode_docs(occupations) if dense and goals else None
        goal_vectors = self.encoder.encode_queries(goals) if dense and goals else None
        concepts = self._title_concepts(titles, goals, goal_vectors, query_role=True)
        per_goal = []
        for n, goal in enumerate(goals):
            vector = goal_vectors[n] if goal_vectors is not None else None
            per_goal.append((list(zip(*self._channels(goal, docs, vector, doc_vectors, lexical))),
                             self._channels(goal, occupations, vector, title_vectors, lexical)[0],
                             concepts[:, n]))
        return [goal_tuple([(g, *_whole_and_title(whole[i], on_title[i], concept[i], self.concepts))
                            for g, (whole, on_title, concept) in zip(goals, per_goal)], titles[i])
                for i in range(len(profiles))]

    def _title_concepts(self, titles: list[str], goals: list[str], goal_vectors: np.ndarray | None,
                        query_role: bool = False) -> np.ndarray:
        """(len(titles), len(goals)) concept similarities of the occupation each opening title
        names (``occupation_title``) and each jobmål, both read as "query" texts (as the channel
        was tuned); NaN (not measured) without the channel or the encoder.

        ``goal_vectors``: the jobmål's vectors, in the "query" role when ``query_role`` else as
        ``RelevanceScorer.encode_docs`` made them.
        """
        if self.concepts is None or goal_vectors is None or not titles or not goals:
            return np.full((len(titles), len(goals)), np.nan, dtype=np.float32)
        if not query_role and self.scorer.config.doc_role != "query":
            goal_vectors = self.encoder.encode_queries(goals)
        occupations = [occupation_title(t) for t in titles]
        store = getattr(self.encoder, "cache", None)  # a CachedEncoder's: profiles beside the vectors
        return self.concepts.similarity(
            self.concepts.profiles(occupations, self.encoder.encode_queries(occupations), "query", store),
            self.concepts.profiles(goals, goal_vectors, "query", store))

    def _channels(self, query: str, docs: list[str], query_vector: np.ndarray | None,
                  doc_vectors: np.ndarray | None, lexical: LexicalModel) -> tuple[np.ndarray, list, np.ndarray]:
        """(fused, dense, lexical) of ``query`` against each of ``docs``; without an encoder
        the lexical channel alone is the relevance and ``dense`` is None for every pair."""
        if query_vector is None:
            alone = lexical.similarities(query, docs)
            return alone, [None] * len(docs), alone
        result = self.scorer.score(query, docs, query_vector=query_vector, doc_vectors=doc_vectors,
                                   lexical=lexical)
        return result.fused, list(result.dense), result.lexical

    def explain_pair(self, citizen: CitizenProfile, opening: OpeningProfile, *,
                     priority: str = DEFAULT_PRIORITY) -> Match | Exclusion:
        """Score one pair directly, exactly as a ranking would score it (no re-ranking).

        For approving or rejecting any eligible citizen, however far down the list. Uses the
        index's lexical statistics and the same fusion, so the score equals the ranking's.

        Returns:
            The explained `Match`, or the `Exclusion` naming the broken hard constraint.

        Raises:
            EncoderUnavailable: the encoder is down (then the pair cannot be scored as ranked).
            ValueError: an unknown priority.
        """
        priority_strength(priority)
        plan: _Plan[CitizenProfile] = _Plan("citizen", opening_text(opening), [],
                                             lambda c: (c, opening), citizen_text, lambda c: True,
                                             priority)
        query_vector = self.encoder.encode_queries([plan.query])[0]
        matches, excluded = self._rank(plan, query_vector, [citizen], 1, True)
        return matches[0] if matches else excluded[0]


def _whole_and_title(whole: tuple, on_title: float, concept: float = float("nan"),
                     channel: ConceptChannel | None = None) -> tuple:
    """(relevance, title relevance, dense, lexical, concept, concept lift) for
    ``explain.goal_tuple`` from one jobmål's (fused, dense, lexical) against the whole text, its
    title score and its concept similarity with the title (NaN: not measured). With a measured
    similarity the relevance is the fused score lifted by it (``ConceptChannel.lift``)."""
    fused, dense, lexical = whole
    measured = channel is not None and concept == concept
    relevance = float(channel.lift(np.float32(fused), np.float32(concept))) if measured else float(fused)
    return (relevance, float(on_title), None if dense is None else float(dense), float(lexical),
            float(concept) if measured else None,
            round(relevance, 6) - round(float(fused), 6) if measured else None)


def _numbers_only(value: tuple[float, tuple[GoalScore, ...]], goal_texts: list[str]) -> tuple:
    """A pair's scores for the cache: each jobmål replaced by its position in ``goal_texts``."""
    whole, goals = value
    return whole, tuple((goal_texts.index(g.goal), g.relevance, g.band, g.fit, g.dense, g.lexical,
                         g.concept, g.concept_lift) for g in goals)


def _with_texts(cached: tuple, goal_texts: list[str]) -> tuple[float, tuple[GoalScore, ...]]:
    """The inverse of :func:`_numbers_only` for the same pair (same content key)."""
    whole, goals = cached
    return whole, tuple(GoalScore(goal_texts[i], *numbers) for i, *numbers in goals)


def _union(*searches: list[Hit]) -> list[Hit]:
    """The hits of several searches, each id once, in the order first found."""
    first: dict[str, Hit] = {}
    for hits in searches:
        for hit in hits:
            first.setdefault(hit.id, hit)
    return list(first.values())


def _as_source(source: ProfileSource[P] | Mapping[str, P]) -> ProfileSource[P]:
    return MappingSource(source) if isinstance(source, Mapping) else source
