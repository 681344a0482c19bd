"""Readable reasons for a ranked pair: each jobmål scored alone, shared terms, hours as data.

The ranking scores a citizen's whole text (jobmål, then CV) against the opening; a consultant
wants to know *which* jobmål fits. Each goal is scored alone with the same fused relevance
(same encoder, same index-time lexical statistics), so "Jobmål der matcher" names the
best-fitting goal, with its band, and never a goal that merely shares a letter sequence.
A jobmål's band has its own thresholds (GOAL_BANDS): one title is not a CV.
"""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Sequence

from cachetools import LRUCache

from matching import geo
from matching.domain import CitizenProfile, GoalScore, Match, OpeningProfile
from matching.lexical import tokens
from matching.ranking import citizen_text, opening_text
from matching.terms import matched_terms


# A pair's relevance blends the whole citizen text (jobmål and CV) with the best jobmål
# alone: a citizen with three jobmål is not diluted by the two that do not fit.
GOAL_WEIGHT = 0.5

# Per-jobmål bands, on GoalScore.fit (the higher of the jobmål against the opening's whole
# text and against the occupation its title names), calibrated on the demo's 39 open
# openings x 95 jobmål titles with both encoders (docs/matching.md, "Per-jobmål bands";
# python -m scripts.demo_eval --goal-bands): no unrelated pair reaches 0.74 (highest: e5
# 0.737, hashing 0.706); at 0.35 e5 puts 74% of same-occupation titles in "middel" or
# better and 2.0% of unrelated ones. The whole-text thresholds (relevance.BANDS) do not fit
# a single jobmål: against the whole e5 text a jobmål equal to the title scores 0.40, and
# "Gartner" for "Småjob som gartner" 0.17.
GOAL_BANDS = ((0.74, "høj"), (0.35, "middel"))
_BAND_RANK = {"lav": 0, "middel": 1, "høj": 2}


def title_contains(title: str, goal: str) -> bool:
    """True when the jobmål's words appear, in order and whole, in the opening's title.

    "Smed" in "Smed i virksomhedspraktik", "Chauffør (C/CE)" in "Chauffør (C/CE) i
    fleksjob"; never a part of a word ("Gartner" is not in "Anlægsgartner").
    """
    want, have = tokens(goal), tokens(title)
    if not want:
        return False
    return any(have[i:i + len(want)] == want for i in range(len(have) - len(want) + 1))


def goal_band(fit: float, contained: bool = False) -> str:
    """The band of one jobmål: "høj" when the title contains it, else by GOAL_BANDS on ``fit``.

    NaN is "lav". A fact about the pair alone: never the pool, k or the filters.
    """
    if contained:
        return "høj"
    if fit == fit:  # not NaN
        for threshold, label in GOAL_BANDS:
            if fit >= threshold:
                return label
    return "lav"


def goal_tuple(scored: Sequence[tuple], title: str) -> tuple[GoalScore, ...]:
    """GoalScores from (jobmål, relevance, title relevance[, dense, lexical[, concept,
    concept_lift]]), best fitting first.

    ``dense`` and ``lexical`` are the two channels fused against the opening's whole text,
    ``concept`` the jobmål's concept similarity with the title, which lifted that fused
    score by ``concept_lift`` into the relevance given (None or left out: not measured). Scores are rounded like
    every relevance; the order is band, then fit; ties keep the jobmål order.
    """
    goals = []
    for goal, whole, on_title, *channels in scored:
        relevance = round(float(whole), 6)
        fit = round(max(relevance, float(on_title)), 6)
        dense, lexical, concept, lift = (*channels, None, None, None, None)[:4]
        goals.append(GoalScore(goal, relevance, goal_band(fit, title_contains(title, goal)), fit,
                               _rounded(dense), _rounded(lexical), _rounded(concept), _rounded(lift)))
    return tuple(sorted(goals, key=lambda g: (-_BAND_RANK[g.band], -g.fit)))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def pair_relevance(whole: float, goals: tuple[GoalScore, ...], goal_weight: float = GOAL_WEIGHT) -> float:
    """The pair's relevance in [0, 1]: (1 - w) * whole text + w * the highest jobmål
    relevance (whole alone when there is no jobmål), rounded to 1e-6 (the last float32 bits
    of an encoder's output may depend on its batch)."""
    if goals:
        whole = (1.0 - goal_weight) * whole + goal_weight * max(g.relevance for g in goals)
    return round(float(whole), 6)


def explain(match: Match, citizen: CitizenProfile, opening: OpeningProfile,
            goals: tuple[GoalScore, ...], *, opening_doc: str | None = None,
            citizen_doc: str | None = None) -> Match:
    """``match`` with the per-goal reasons and true shared terms filled in (score unchanged).

    ``opening_doc`` / ``citizen_doc``: the sides' texts (:func:`opening_text`,
    :func:`citizen_text`) when the caller has made them already; else they are made here.
    """
    best = goals[0] if goals else None
    explanation = dataclasses.replace(
        match.explanation,
        matched_goals=(best.goal,) if best is not None and best.band != "lav" else (),
        matched_goal=best.goal if best else None,
        matched_goal_band=best.band if best else None,
        goal_scores=goals,
        matched_terms=tuple(matched_terms(opening_text(opening) if opening_doc is None else opening_doc,
                                          citizen_text(citizen) if citizen_doc is None else citizen_doc)),
    )
    # Built directly, not with dataclasses.replace: a ranking explains its whole pool.
    return Match(match.citizen_id, match.opening_id, match.score, explanation, match.priority)


# Shared-term counts by (opening's content key, citizen's content key, postcode table version):
# numbers under hashes, never a text, so nothing of an erased citizen stays in the process.
_COUNTS: LRUCache = LRUCache(maxsize=65536)
_COUNTS_LOCK = threading.Lock()


def shared_term_count(citizen: CitizenProfile, opening: OpeningProfile) -> int:
    """How many shared terms :func:`explain` shows for the pair: always
    ``len(explain(...).explanation.matched_terms)``, without building the explanation.

    The number the learned re-ranking reads (``rerank``'s "shared_terms") for every pair of a
    pool it reorders, before the words are built for the pairs a page shows. It is not a
    second rule (a word-set intersection would count what the card never shows: compound
    parts, inflected forms, a term inside an earlier one, the citizen's name, the limit), but
    the same function of the same two texts (``matched_terms`` of :func:`opening_text` and
    :func:`citizen_text`), kept per pair under the profiles' content keys, which are hashes of
    exactly the texts those are made from. A pair met again costs one lookup instead of
    hashing both whole texts, copying the explanation and building the words; the first time,
    the words are found once and ``matched_terms``'s own cache serves the page's explanation.
    A fact about the pair alone: never k, the filters or the other candidates.
    """
    key = (opening.content_key, citizen.content_key, geo.table_version())
    with _COUNTS_LOCK:
        found = _COUNTS.get(key)
    if found is None:
        found = len(matched_terms(opening_text(opening), citizen_text(citizen)))
        with _COUNTS_LOCK:
            _COUNTS[key] = found
    return found
