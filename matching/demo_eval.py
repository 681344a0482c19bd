"""Ranking quality on labelled profiles: P@10, nDCG@10 and the off-family share of the top 10.

Pure evaluation over data passed in (matching imports nothing of ours): the caller supplies
citizen and opening profiles and an occupation family for each (the demo generator knows
them; ``python -m scripts.demo_eval`` builds the demo and calls :func:`evaluate`). Every
opening is ranked through a real :class:`MatchingService` over a memory backend built here,
with the index-time lexical statistics, exactly as the portal ranks.

Relevance of a candidate for an opening: grade 2 when one of the citizen's occupations is the
opening's, 1 when it is in the same family, else 0. P@10 and the off-family share count grade
>= 1 as relevant. The headline P@10 is over the openings with at least ``min_family`` eligible
citizens of their family (others cannot fill a top 10 with relevant candidates).
"""
from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from matching.backends.memory import MemoryBackend
from matching.cache import CachedEncoder, MemoryEmbeddingCache
from matching.concept_channel import ConceptChannel, occupation_title
from matching.domain import DEFAULT_ELIGIBILITY, DEFAULT_PRIORITY, CitizenProfile, EligibilityRules, OpeningProfile
from matching.encoders import Encoder
from matching.explain import goal_tuple, title_contains
from matching.index_meta import index_meta_for, lexical_meta, lexical_stats
from matching.ranking import check_hard_constraints, citizen_text, opening_text
from matching.relevance import RelevanceScorer
from matching.documents import documents_for_citizens, documents_for_openings
from matching.service import MatchingService

K = 10


@dataclass(frozen=True)
class Labelled:
    """Occupation keys per profile id and the family of each occupation key."""

    citizen_occupations: Mapping[str, frozenset[str]]
    opening_occupation: Mapping[str, str]
    family: Mapping[str, str]

    def grade(self, citizen_id: str, opening_id: str) -> int:
        occ = self.opening_occupation[opening_id]
        mine = self.citizen_occupations.get(citizen_id, frozenset())
        if occ in mine:
            return 2
        fam = self.family.get(occ, occ)
        return 1 if any(self.family.get(o, o) == fam for o in mine) else 0


def precision_at(grades: Sequence[int], k: int = K) -> float:
    """Share of the first k ranks that are relevant (grade >= 1); missing ranks count as misses."""
    return sum(1 for g in grades[:k] if g >= 1) / k


def ndcg_at(grades: Sequence[int], ideal: Sequence[int], k: int = K) -> float:
    """nDCG@k with gain 2^g - 1; ``ideal`` are the grades of every eligible candidate."""
    def dcg(gs: Sequence[int]) -> float:
        return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gs[:k]))
    best = dcg(sorted(ideal, reverse=True))
    return dcg(grades) / best if best > 0 else 0.0


def evaluate(citizens: Sequence[CitizenProfile], openings: Sequence[OpeningProfile],
             labels: Labelled, encoder: Encoder, *, rules: EligibilityRules = DEFAULT_ELIGIBILITY,
             today: date, min_family: int = K, service_options: Mapping | None = None,
             priority: str = DEFAULT_PRIORITY) -> dict:
    """Rank every opening's citizens and score the top ``K`` against the labels.

    Returns:
        A JSON-ready dict: ``p_at_10``, ``ndcg_at_10``, ``off_family_share`` (over the openings
        with >= ``min_family`` eligible family members), the same over all openings
        (``*_all``), counts, seconds, and ``per_opening`` rows.
    """
    started = time.monotonic()
    # As in production (the database cache): every text is encoded once, however often it
    # is reranked.
    encoder = CachedEncoder(encoder, MemoryEmbeddingCache())
    backend = MemoryBackend()
    for kind, docs in (("citizen", documents_for_citizens(list(citizens), encoder)),
                       ("opening", documents_for_openings(list(openings), encoder))):
        writer = backend.begin_rebuild(kind, meta=index_meta_for(encoder, [d.text for d in docs]))
        writer.index(docs)
        writer.commit()
    service = MatchingService(encoder, backend, rules=rules, clock=lambda: today,
                              **dict(service_options or {}))
    by_id = {c.id: c for c in citizens}
    rows = []
    for opening in openings:
        eligible = [c for c in citizens
                    if all(x.passed for x in check_hard_constraints(c, opening, rules)[0])]
        ideal = [labels.grade(c.id, opening.id) for c in eligible]
        result = service.rank_candidates(opening, K, citizens=by_id, priority=priority)
        grades = [labels.grade(m.citizen_id, opening.id) for m in result.matches]
        rows.append({
            "opening": opening.id, "title": opening.title, "kind": opening.kind,
            "family": labels.family.get(labels.opening_occupation[opening.id]),
            "eligible": len(eligible), "eligible_family": sum(1 for g in ideal if g >= 1),
            "p_at_10": precision_at(grades), "ndcg_at_10": ndcg_at(grades, ideal),
            "off_family": sum(1 for g in grades if g == 0), "returned": len(grades),
        })
    return _summary(rows, min_family, time.monotonic() - started)


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def _summary(rows: list[dict], min_family: int, seconds: float) -> dict:
    full = [r for r in rows if r["eligible_family"] >= min_family]

    def off(rs: list[dict]) -> float:
        returned = sum(r["returned"] for r in rs)
        return round(sum(r["off_family"] for r in rs) / returned, 4) if returned else 0.0

    return {
        "p_at_10": _mean([r["p_at_10"] for r in full]),
        "ndcg_at_10": _mean([r["ndcg_at_10"] for r in full]),
        "off_family_share": off(full),
        "openings": len(full),
        "p_at_10_all": _mean([r["p_at_10"] for r in rows]),
        "ndcg_at_10_all": _mean([r["ndcg_at_10"] for r in rows]),
        "off_family_share_all": off(rows),
        "openings_all": len(rows),
        "seconds": round(seconds, 1),
        "per_opening": rows,
    }


GOAL_CLASSES = ("title", "same_occupation", "family", "unrelated")


def goal_bands(citizens: Sequence[CitizenProfile], openings: Sequence[OpeningProfile],
               labels: Labelled, goal_occupation: Mapping[str, str], encoder: Encoder) -> dict:
    """How the per-jobmål bands fall on every (opening, jobmål title) pair of the data.

    Each pair is scored as the service scores a jobmål (whole opening text and the occupation
    the title names, the index's lexical statistics over ``citizens`` and ``openings``) and put
    in a class: ``title`` (the title contains the jobmål), ``same_occupation``, ``family``
    (another occupation of the opening's family) or ``unrelated``.

    Returns:
        Per class: the number of pairs, the share in "høj" and in "middel" or better, and
        the 5th, 50th and 95th percentile and maximum of the fit the band is read from.
    """
    stats = lexical_stats([lexical_meta([citizen_text(c) for c in citizens]),
                           lexical_meta([opening_text(o) for o in openings])])
    scorer = RelevanceScorer(encoder)
    lexical = scorer.lexical_model(stats)
    goals = sorted(goal_occupation)
    vectors = scorer.encode_docs(goals)
    fits: dict[str, list[tuple[float, str]]] = {c: [] for c in GOAL_CLASSES}
    for opening in openings:
        query = opening_text(opening)
        whole = scorer.score(query, goals, query_vector=encoder.encode_queries([query])[0],
                             doc_vectors=vectors, lexical=lexical).fused
        occupation = occupation_title(opening.title)  # what the service's title channel reads
        on_title = scorer.score(occupation, goals, doc_vectors=vectors, lexical=lexical,
                                query_vector=encoder.encode_queries([occupation])[0]).fused
        for goal, w, t in zip(goals, whole, on_title):
            (scored,) = goal_tuple([(goal, float(w), float(t))], opening.title)
            fits[_goal_class(opening, goal, labels, goal_occupation)].append((scored.fit, scored.band))
    return {cls: _band_row(rows) for cls, rows in fits.items()}


def _goal_class(opening: OpeningProfile, goal: str, labels: Labelled, goal_occupation: Mapping[str, str]) -> str:
    """The class of an (opening, jobmål title) pair (``GOAL_CLASSES``)."""
    occupation = labels.opening_occupation[opening.id]
    mine = goal_occupation[goal]
    if title_contains(opening.title, goal):
        return "title"
    if mine == occupation:
        return "same_occupation"
    return "family" if labels.family.get(mine, mine) == labels.family.get(occupation, occupation) else "unrelated"


def goal_concepts(openings: Sequence[OpeningProfile], labels: Labelled, goal_occupation: Mapping[str, str],
                  encoder: Encoder, channel: ConceptChannel) -> dict:
    """What the concept channel says about every (opening, jobmål title) pair of the data, by
    class (as :func:`goal_bands`): the concept similarity of the occupation the title names
    (``occupation_title``) and the jobmål, as the ranking reads it.

    Returns:
        Per class: the number of pairs, the share the ranking card would show a lift for
        (``lift_shown``: a lift of at least 0.005 on a jobmål scored 0.5), the share sharing
        any concept, and the mean and 95th percentile of the similarity; ``auc``: how well the
        similarity alone, the dense cosine alone and the cosine lifted by the channel tell each
        class from ``unrelated`` (ROC AUC; 0.5 is chance); and ``unrelated_lifted``: the unrelated pairs with the highest
        similarity (title, jobmål, similarity).
    """
    from sklearn.metrics import roc_auc_score

    goals = sorted(goal_occupation)
    occupations = sorted({occupation_title(o.title) for o in openings})
    goal_vectors, occupation_vectors = encoder.encode_queries(goals), encoder.encode_queries(occupations)
    similarity = channel.similarity(channel.profiles(occupations, occupation_vectors),
                                    channel.profiles(goals, goal_vectors))
    cosine = occupation_vectors @ goal_vectors.T
    row_of = {t: i for i, t in enumerate(occupations)}
    pairs: dict[str, list[tuple[float, float, str, str]]] = {c: [] for c in GOAL_CLASSES}
    for opening in openings:
        i = row_of[occupation_title(opening.title)]
        for j, goal in enumerate(goals):
            cls = _goal_class(opening, goal, labels, goal_occupation)
            pairs[cls].append((float(similarity[i, j]), float(cosine[i, j]), opening.title, goal))
    half = np.float32(0.5)
    out: dict = {}
    for cls, rows in pairs.items():
        sims = np.array([r[0] for r in rows], dtype=np.float32)
        out[cls] = {"pairs": len(rows)} if not rows else {
            "pairs": len(rows),
            "lift_shown": round(float(np.mean(channel.lift(np.full_like(sims, half), sims) - half >= 0.005)), 3),
            "shares_a_concept": round(float(np.mean(sims > 0)), 3),
            "similarity_mean": round(float(sims.mean()), 4),
            "similarity_p95": round(float(np.quantile(sims, 0.95)), 4)}
    unrelated = pairs["unrelated"]
    out["auc"] = {}
    for cls in ("title", "same_occupation", "family"):
        if pairs[cls] and unrelated:
            truth = [1] * len(pairs[cls]) + [0] * len(unrelated)
            both = pairs[cls] + unrelated
            sims = np.array([r[0] for r in both], dtype=np.float32)
            cosines = np.clip(np.array([r[1] for r in both], dtype=np.float32), 0, 1)
            out["auc"][cls] = {name: round(float(roc_auc_score(truth, values)), 3) for name, values in
                               (("concept", sims), ("cosine", cosines), ("cosine_lifted", channel.lift(cosines, sims)))}
    out["unrelated_lifted"] = [(t, g, round(s, 3)) for s, _, t, g in sorted(unrelated, reverse=True)[:5] if s > 0]
    return out


def _band_row(rows: list[tuple[float, str]]) -> dict:
    if not rows:
        return {"pairs": 0}
    values = sorted(f for f, _ in rows)

    def pct(q: float) -> float:
        return round(values[min(len(values) - 1, int(q * len(values)))], 3)

    return {"pairs": len(rows),
            "hoej": round(sum(1 for _, b in rows if b == "høj") / len(rows), 3),
            "middel_or_better": round(sum(1 for _, b in rows if b != "lav") / len(rows), 3),
            "fit_p5": pct(0.05), "fit_p50": pct(0.5), "fit_p95": pct(0.95), "fit_max": round(values[-1], 3)}
