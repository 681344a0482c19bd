"""Backend documents of profiles, and the embedding-cache keys a ranking may store for them.

What the indexer needs of matching to fill the index and sweep the cache, without the
ranking service: a document holds the whole text's vector (encoded the way
``RelevanceScorer`` expects, so the ranking finds the stored vector in the cache), a
citizen's jobmål vector (:data:`GOAL_FIELD`), and the fields the backend filters on
(``matching.conditions``), among them the profile's location (``ranking.known_location``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from matching import licences
from matching.backends.base import Document
from matching.cache import ROLES, cache_key
from matching.concept_channel import occupation_title, profile_key
from matching.domain import CitizenProfile, OpeningProfile
from matching.encoders import Encoder
from matching.ranking import citizen_text, known_location, opening_text
from matching.relevance import RelevanceConfig, RelevanceScorer

# The citizen documents' second vector: the jobmål alone (``goals_text``), which a ranking of
# many citizens also searches by (``MatchingService``).
GOAL_FIELD = "goal_vector"


def _encode_docs(encoder: Encoder, texts: list[str], config: RelevanceConfig) -> np.ndarray:
    # The scorer's own document encoding (its doc_role), so stored vectors, cached vectors
    # and the vectors the rerank uses are one and the same: nothing is encoded twice.
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    return RelevanceScorer(encoder, config).encode_docs(texts)


def goals_text(profile: CitizenProfile) -> str:
    """The text of a citizen's jobmål vector (``GOAL_FIELD``): the jobmål alone, joined by
    "; " ("" without any). With one jobmål it is that jobmål as the ranking scores it alone, so
    the vector the indexer stores is the one a ranking's cache then finds for it."""
    return "; ".join(profile.goal_texts)


def documents_for_citizens(profiles: Sequence[CitizenProfile], encoder: Encoder,
                           config: RelevanceConfig = RelevanceConfig()) -> list[Document]:
    """Backend documents for citizens, encoded in one batch the way the scorer expects: the
    whole text's vector and the jobmål's (``GOAL_FIELD``; left out without jobmål, or when the
    encoder gives them no direction, e.g. the hashing encoder on digits alone)."""
    texts = [citizen_text(p) for p in profiles]
    goals = [goals_text(p) for p in profiles]
    wanted = [g for g in goals if g]
    vectors = _encode_docs(encoder, texts + wanted, config)
    by_goal = dict(zip(wanted, vectors[len(texts):]))
    return [
        Document("citizen", p.id, p.version, v, text, {
            "benefit_group": p.benefit_group, "readiness_group": p.readiness_group,
            "postcode": p.postcode, "hours_available": p.hours_available,
            "max_commute_km": p.max_commute_km,
            "driving_licences": sorted(licences.expand(p.driving_licences)),
            "location": known_location(p),
        }, {GOAL_FIELD: by_goal[g]} if g and np.any(by_goal[g]) else {})
        for p, v, text, g in zip(profiles, vectors, texts, goals)
    ]


def documents_for_openings(profiles: Sequence[OpeningProfile], encoder: Encoder,
                           config: RelevanceConfig = RelevanceConfig()) -> list[Document]:
    """Backend documents for openings, encoded in one batch the way the scorer expects."""
    texts = [opening_text(p) for p in profiles]
    vectors = _encode_docs(encoder, texts, config)
    return [
        Document("opening", p.id, p.version, v, text, {
            "kind": p.kind, "company_id": p.company_id, "status": p.status,
            "postcode": p.postcode, "hours_min": p.hours_min, "hours_max": p.hours_max,
            "licence_options": list(licences.options(p.required_licences)),
            "location": known_location(p),
        })
        for p, v, text in zip(profiles, vectors, texts)
    ]


def stored_keys(encoder_name: str, citizens: Iterable[CitizenProfile], openings: Iterable[OpeningProfile],
                concept_version: str | None = None) -> set[str]:
    """The embedding cache's keys of everything a ranking may store for these profiles: the
    vectors (both roles) of each whole text, jobmål, opening title and the occupation the title
    names, and, with the concept channel's table ``concept_version``, the concept profiles of
    the jobmål and occupations. What the indexer's sweep keeps: everything else belongs to
    erased citizens or older texts."""
    vectors: set[str] = set()
    profiled: set[str] = set()
    for citizen in citizens:
        vectors.add(citizen.text)
        vectors.update(citizen.goal_texts)
        if len(citizen.goal_texts) > 1:  # the index's jobmål vector: their joint text
            vectors.add(goals_text(citizen))
        profiled.update(citizen.goal_texts)
    for opening in openings:
        occupation = occupation_title(opening.title_text)
        vectors.update((opening.text, opening.title_text, occupation))
        profiled.add(occupation)
    keys = {cache_key(encoder_name, role, text) for text in vectors for role in ROLES}
    if concept_version is not None:
        keys.update(profile_key(encoder_name, concept_version, "query", text) for text in profiled)
    return keys
