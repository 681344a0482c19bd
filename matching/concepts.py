"""Concept profiles: which ESCO occupation concepts a text is about, read from other countries' experts.

A *concept profile* is a probability distribution over ESCO concepts, a function of a text's
vector and a fixed table built from melo-train only (docs/matching.md, "Concept transfer"):

- ``title_share`` of it from national occupation titles of 20 lists in 18 languages: the
  text's ``title_k`` most similar titles (softmax over their cosines at ``title_temperature``),
  each passing its weight evenly to the ESCO concepts its list's experts judged it to match;
- the rest from the concepts' centroids (mean vector of a few ESCO names per concept and
  list): softmax over the text's ``concept_k`` nearest centroids.

Two texts' *concept similarity* is the dot product of their profiles, in [0, 1]. The same
function reads both sides, so it is symmetric, and it depends on the two texts and the table
only: no index, no other candidate, no other person's text. The title half reaches concepts
whose names share no word with the text, because experts elsewhere mapped similar titles to
them (a group title such as "Specialistofficerare" to the officer occupations).

numpy and scipy only (serving path). Research driver: ``scripts/concept_transfer.py``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

CHUNK = 1024  # rows per similarity block: bounds memory (1,024 x titles float32)


@dataclass(frozen=True)
class ProfileSettings:
    """How a profile is read from the table (chosen on melo-train lists, docs/matching.md)."""

    title_share: float = 0.5
    title_k: int = 10
    title_temperature: float = 0.05
    concept_k: int = 3
    concept_temperature: float = 0.02

    def __post_init__(self) -> None:
        if not 0.0 <= self.title_share <= 1.0:
            raise ValueError("title_share must be within [0, 1]")
        if self.title_k < 1 or self.concept_k < 1:
            raise ValueError("title_k and concept_k must be at least 1")
        if self.title_temperature <= 0 or self.concept_temperature <= 0:
            raise ValueError("temperatures must be positive")


@dataclass
class ConceptTable:
    """The fixed table profiles are read from.

    Attributes:
        title_vectors: (titles, dim) unit vectors of the national titles.
        membership: (titles, concepts) sparse; a title's row spreads 1 evenly over its concepts.
        centroids: (concepts, dim) unit mean vector of each concept's names (zero if it has none).
        concepts: ESCO concept ids, the columns.
    """

    title_vectors: np.ndarray
    membership: sparse.csr_matrix
    centroids: np.ndarray
    concepts: list[str]


def build_table(titles: Sequence[tuple[str, Sequence[str]]], title_vectors: np.ndarray,
                name_concepts: Sequence[str], name_vectors: np.ndarray) -> ConceptTable:
    """A table from judged titles ``(text, concepts)`` and concept-labelled names, with their vectors."""
    concepts = sorted(set(name_concepts) | {c for _, cs in titles for c in cs})
    column = {c: i for i, c in enumerate(concepts)}
    rows, cols, values = [], [], []
    for i, (_, cs) in enumerate(titles):
        for c in cs:
            rows.append(i)
            cols.append(column[c])
            values.append(1.0 / len(cs))
    membership = sparse.csr_matrix((values, (rows, cols)), shape=(len(titles), len(concepts)), dtype=np.float32)
    sums = np.zeros((len(concepts), np.shape(name_vectors)[1]), dtype=np.float64)
    np.add.at(sums, [column[c] for c in name_concepts], name_vectors)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    centroids = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0).astype(np.float32)
    return ConceptTable(np.asarray(title_vectors, dtype=np.float32), membership, centroids, concepts)


def quantise_rows(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and their float32 scales (max |x| / 127 per row): a quarter of float32's size."""
    vectors = np.asarray(vectors, dtype=np.float32)
    scales = np.abs(vectors).max(axis=1) / 127.0
    safe = np.where(scales > 0, scales, 1.0)
    return np.round(vectors / safe[:, None]).astype(np.int8), scales.astype(np.float32)


def dequantise_rows(rows: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Unit float32 rows back from :func:`quantise_rows` (renormalised; a zero row stays zero)."""
    vectors = rows.astype(np.float32) * scales[:, None]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def topk_softmax(scores: np.ndarray, k: int, temperature: float) -> sparse.csr_matrix:
    """Per row, a softmax over its ``k`` highest scores (``scores / temperature``), zero elsewhere.

    Ties at the k-th score are broken by column order, so a row's result never depends on
    the other rows.
    """
    k = min(k, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    logits = np.take_along_axis(scores, top, 1).astype(np.float64) / temperature
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    indptr = np.arange(0, top.size + 1, k)
    return sparse.csr_matrix((weights.reshape(-1).astype(np.float32), top.reshape(-1), indptr), shape=scores.shape)


def profiles(vectors: np.ndarray, table: ConceptTable,
             settings: ProfileSettings = ProfileSettings()) -> sparse.csr_matrix:
    """(texts, concepts) concept profiles of unit vectors; each row sums to 1 (a zero vector's is flat
    over its nearest entries, like any other row).

    In blocks of rows, each row on its own: a text's profile depends on its vector and the table only.
    """
    parts = []
    for at in range(0, len(vectors), CHUNK):
        block = np.asarray(vectors[at:at + CHUNK], dtype=np.float32)
        by_title = topk_softmax(block @ table.title_vectors.T, settings.title_k, settings.title_temperature)
        by_centroid = topk_softmax(block @ table.centroids.T, settings.concept_k, settings.concept_temperature)
        parts.append(settings.title_share * (by_title @ table.membership)
                     + (1.0 - settings.title_share) * by_centroid)
    if not parts:
        return sparse.csr_matrix((0, len(table.concepts)), dtype=np.float32)
    return sparse.vstack(parts).tocsr()


def concept_similarity(left: sparse.csr_matrix, right: sparse.csr_matrix) -> np.ndarray:
    """(left, right) dot products of profiles, in [0, 1]."""
    return np.asarray((left @ right.T).todense(), dtype=np.float32)


def combine(fused: np.ndarray, similarity: np.ndarray, weight: float, how: str = "add") -> np.ndarray:
    """The fused score with the concept channel.

    ``add``: ``fused + weight * similarity`` (unbounded; its order is that of
    ``(fused + weight * similarity) / (1 + weight)``). ``lift``: ``fused + (1 - fused) *
    min(1, weight * similarity)``, in [0, 1] and equal to ``fused`` for a pair that shares no
    concept, so the fused score's bands keep their meaning.
    """
    if how == "add":
        return fused + weight * similarity
    if how == "lift":
        return fused + (1.0 - fused) * np.minimum(1.0, weight * similarity)
    raise ValueError(f"unknown combination {how!r} (add or lift)")
