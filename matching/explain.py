"""Readable reasons for a ranked pair: each jobmål scored alone, shared terms, hours as data.

The ranking scores a citizen's whole text (jobmål, then CV) against the opening; a consultant
wants to know *which* jobmål fits. Each goal is scored alone with the same fused relevance
(same encoder, same index-time lexical statistics), so "Jobmål der matcher" names the
best-scoring goal, with its band, and never a goal that merely shares a letter sequence.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from matching.domain import CitizenProfile, GoalScore, Match, OpeningProfile
from matching.lexical import LexicalModel
from matching.ranking import citizen_text, opening_text
from matching.relevance import RelevanceScorer, similarity_band
from matching.terms import matched_terms


def goal_scores(scorer: RelevanceScorer, lexical: LexicalModel, citizen: CitizenProfile,
                opening: OpeningProfile, opening_vector: np.ndarray | None) -> tuple[GoalScore, ...]:
    """Every non-empty jobmål scored alone against the opening, best first (ties: goal order).

    ``opening_vector`` is the opening text's query embedding; None scores lexically only
    (the encoder is unavailable).
    """
    goals = [g.strip() for g in citizen.job_goals if g.strip()]
    if not goals:
        return ()
    text = opening_text(opening)
    if opening_vector is None:
        fused = lexical.similarities(text, goals)
    else:
        fused = scorer.score(text, goals, query_vector=opening_vector, lexical=lexical).fused
    scored = [GoalScore(g, round(float(s), 6), similarity_band(round(float(s), 6)))
              for g, s in zip(goals, fused)]
    return tuple(sorted(scored, key=lambda g: -g.relevance))


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
