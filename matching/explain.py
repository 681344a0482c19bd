"""Readable reasons for a ranked pair: each jobmål scored alone, shared terms, hours as data.

The ranking scores a citizen's whole text (jobmål, then CV) against the opening; a consultant
wants to know *which* jobmål fits. Each goal is scored alone with the same fused relevance
(same encoder, same index-time lexical statistics), so "Jobmål der matcher" names the
best-scoring goal, with its band, and never a goal that merely shares a letter sequence.
"""
from __future__ import annotations

import dataclasses

from matching.domain import CitizenProfile, GoalScore, Match, OpeningProfile
from matching.ranking import citizen_text, opening_text
from matching.relevance import similarity_band
from matching.terms import matched_terms


# A pair's relevance blends the whole citizen text (jobmål and CV) with the best jobmål
# alone: a citizen with three jobmål is not diluted by the two that do not fit.
GOAL_WEIGHT = 0.5


def goal_tuple(scored: list[tuple[str, float]]) -> tuple[GoalScore, ...]:
    """GoalScores (rounded like every relevance), best first; ties keep the jobmål order."""
    goals = [GoalScore(g, round(s, 6), similarity_band(round(s, 6))) for g, s in scored]
    return tuple(sorted(goals, key=lambda g: -g.relevance))


def pair_relevance(whole: float, goals: tuple[GoalScore, ...], goal_weight: float = GOAL_WEIGHT) -> float:
    """The pair's relevance in [0, 1]: (1 - w) * whole text + w * best jobmål (whole alone
    when there is no jobmål), rounded to 1e-6 (the last float32 bits of an encoder's output
    may depend on its batch)."""
    if goals:
        whole = (1.0 - goal_weight) * whole + goal_weight * goals[0].relevance
    return round(float(whole), 6)


def explain(match: Match, citizen: CitizenProfile, opening: OpeningProfile,
            goals: tuple[GoalScore, ...]) -> Match:
    """``match`` with the per-goal reasons and true shared terms filled in (score unchanged)."""
    best = goals[0] if goals else None
    explanation = dataclasses.replace(
        match.explanation,
        matched_goals=(best.goal,) if best is not None and best.band != "lav" else (),
        matched_goal=best.goal if best else None,
        matched_goal_band=best.band if best else None,
        goal_scores=goals,
        matched_terms=tuple(matched_terms(opening_text(opening), citizen_text(citizen))),
    )
    return dataclasses.replace(match, explanation=explanation)
