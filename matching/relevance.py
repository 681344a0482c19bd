"""Relevance: how well a text (an opening) fits other texts (jobmål, CVs).

Two channels are fused: the dense encoder (meaning, synonyms, other languages) and the
lexical TF-IDF channel (shared letters, compounds, rare exact terms). The fused score is a
fixed function of the two similarities, never of the rest of the candidate list, so it is
comparable across calls and can be combined with soft ranking factors. See
docs/matching.md ("Relevance and evaluation") for how the defaults were tuned.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from cachetools import LRUCache

from matching.encoders import Encoder
from matching.language import cross_language
from matching.lexical import FLOOR_DOCUMENTS, LexicalModel, LexicalStats, floored

# Lexical models by statistics version and settings, most recently used kept (~4 MB of IDF each);
# shared by the threads of a process, so read and written under the lock.
_MODELS: LRUCache[tuple, LexicalModel] = LRUCache(maxsize=4)
_MODELS_LOCK = threading.Lock()

# Cosine ranges mapped to [0, 1] per encoder family (prefix of Encoder.name; the longest
# matching prefix wins). e5 squeezes everything into ~0.78-1.0: on swe_q_sv_c_sv (both sides
# "query: ") the median unrelated pair is 0.84 and the median relevant pair 0.905. The
# occupation adapter spreads cosines out: on its held-out MELO training concepts the median
# unrelated pair is ADAPTED_UNRELATED (matching/adapters/PROVENANCE.md), mapped to 0 like
# e5's 0.80. MiniLM: a rough, untuned ~0.1-0.8.
ADAPTED_UNRELATED = 0.24
DENSE_RANGES: dict[str, tuple[float, float]] = {
    "e5-": (0.80, 1.00),
    "e5-small-4bit+occupation-v1": (ADAPTED_UNRELATED, 1.00),
    "e5-small-4bit+occupation-v2": (0.26, 1.00),  # its held-out unrelated median, 0.263
    "e5-small-4bit+ft-v1": (0.31, 1.00),  # its unrelated median on the held-out list est_q_et_c_et, 0.307
    # occupation-v1 with concept anchors: its 0.24 moved with the median of reference names
    # (matching.anchors.range_low, stored in the file's meta as summary.anchors.range_low)
    "e5-small-4bit+occupation-v1-anchored": (0.305, 1.00),
    # the same anchors on title-like texts only (matching.adapter.length_anchoring): this range
    # for a pair of two titles; a pair with a long side keeps occupation-v1's (dense_lows)
    "e5-small-4bit+occupation-v1-anchored-titles": (0.305, 1.00),
    "all-minilm": (0.10, 0.80),
    "hashing-": (0.0, 1.0),
}


@dataclass(frozen=True)
class RelevanceConfig:
    """Fusion settings. Defaults are tuned on MELO swe_q_sv_c_sv (see docs/matching.md).

    Attributes:
        dense_weight: Weight of the calibrated dense similarity; lexical gets the rest. Kept
            at 0.55 for the adapted encoders too: 0.7-0.8, best on held-out melo-train
            concepts, lost on nor_q_no_c_no (docs/matching.md, issue 12).
        doc_role: How documents are embedded: "query" (symmetric, both sides as e5
            "query: "; right for title-like texts such as jobmål) or "passage" (for long
            texts, e.g. a CV). Tuned: symmetric gave dense MAP 0.311 against 0.287.
        dense_range: Cosine mapped to (0, 1) before fusing; None picks by encoder name
            from DENSE_RANGES (unknown encoders use (0, 1)).
        char_ngrams: Character n-gram sizes of the lexical channel (None = off).
        word_weight: Weight of word unigrams in the lexical channel.
        cross_language_dense_weight: Dense weight for a pair whose texts are surely in
            different languages (``matching.language``): shared letters mean little there,
            so by default only the dense channel counts. None: no language detection.
        lexical_floor: An index's statistics of fewer documents are topped up to this many
            with the shipped reference (``matching.lexical.floored``); 0: never.
    """

    dense_weight: float = 0.55
    doc_role: str = "query"
    dense_range: tuple[float, float] | None = None
    char_ngrams: tuple[int, int] | None = (2, 4)
    word_weight: float = 0.0
    cross_language_dense_weight: float | None = 1.0
    lexical_floor: int = FLOOR_DOCUMENTS

    def __post_init__(self) -> None:
        if self.lexical_floor < 0:
            raise ValueError("lexical_floor must be 0 or more")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError("dense_weight must be within [0, 1]")
        if self.cross_language_dense_weight is not None and not 0.0 <= self.cross_language_dense_weight <= 1.0:
            raise ValueError("cross_language_dense_weight must be within [0, 1] or None")
        if self.doc_role not in ("query", "passage"):
            raise ValueError('doc_role must be "query" or "passage"')
        if self.dense_range is not None and not self.dense_range[0] < self.dense_range[1]:
            raise ValueError("dense_range must be (low, high) with low < high")

    def range_for(self, encoder_name: str) -> tuple[float, float]:
        """The dense calibration range used with ``encoder_name``."""
        if self.dense_range is not None:
            return self.dense_range
        matches = [prefix for prefix in DENSE_RANGES if encoder_name.startswith(prefix)]
        return DENSE_RANGES[max(matches, key=len)] if matches else (0.0, 1.0)


@dataclass(frozen=True)
class RelevanceResult:
    """Scores per document, aligned with the input order.

    Attributes:
        fused: Final relevance in [0, 1]; higher is better.
        dense: Raw cosine similarity from the encoder.
        lexical: TF-IDF cosine similarity in [0, 1].
    """

    fused: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray


class RelevanceScorer:
    """Scores one query text against many document texts.

    Args:
        encoder: Dense encoder (wrap it in a CachedEncoder to avoid re-encoding).
        config: Fusion settings.
    """

    def __init__(self, encoder: Encoder, config: RelevanceConfig = RelevanceConfig()):
        self.encoder = encoder
        self.config = config
        self._dense_low, self._dense_high = config.range_for(encoder.name)
        # An encoder that anchors only title-like texts: a pair is on the anchored scale only
        # when both its texts are anchored; a pair with a long (unanchored) side keeps the
        # source encoder's range. A fact about the pair's two texts, never about other pairs.
        self._length_rule = None
        if config.dense_range is None:
            from matching.adapter import length_anchoring

            rule = length_anchoring(encoder.name)
            if rule is not None:
                self._length_rule = (rule, config.range_for(rule.source_name)[0])

    def encode_docs(self, docs: Sequence[str]) -> np.ndarray:
        """Embed documents the way :meth:`score` expects ``doc_vectors`` (see doc_role).

        Indexers must use this (not encode_passages directly) so stored vectors match.
        """
        if self.config.doc_role == "query":
            return self.encoder.encode_queries(docs)
        return self.encoder.encode_passages(docs)

    def lexical_model(self, stats: LexicalStats | None) -> LexicalModel:
        """The lexical model for fixed collection statistics (None: no IDF), built once per version.

        This is what ranking uses: the IDF of the whole index, so a pair's score never
        depends on the other candidates of a request. Statistics of fewer than
        ``config.lexical_floor`` documents are topped up with the reference first
        (``matching.lexical.floored``), so a new installation's few citizens do not set the
        weights alone; the model's ``stats_version`` is then that of the topped-up statistics.
        """
        key = (stats.version if stats is not None else None, self.config.char_ngrams,
               self.config.word_weight, self.config.lexical_floor)
        with _MODELS_LOCK:
            model = _MODELS.get(key)  # a hit becomes the most recently used
        if model is None:
            model = LexicalModel(self.config.char_ngrams, self.config.word_weight).with_stats(
                floored(stats, self.config.lexical_floor))
            with _MODELS_LOCK:
                _MODELS[key] = model
        return model

    def fit_lexical(self, docs: Sequence[str]) -> LexicalModel:
        """A lexical model with this scorer's settings, fitted on ``docs``.

        Fit it once per document collection and pass it to :meth:`score` for every query.
        """
        return LexicalModel(self.config.char_ngrams, self.config.word_weight).fit(docs)

    def dense_lows(self, query: str, docs: Sequence[str]) -> np.ndarray | None:
        """Per pair, the low end of the dense range, when the encoder anchors by text length.

        ``source low + (anchored low - source low) * min(share(query), share(doc))``: the
        anchored encoder's range when both texts are title-like, the source encoder's when
        either is long. None: every pair has the encoder's one range.
        """
        if self._length_rule is None:
            return None
        rule, source_low = self._length_rule
        share = np.minimum(rule.shares([query])[0], rule.shares(list(docs)))
        return (source_low + (self._dense_low - source_low) * share).astype(np.float32)

    def fuse(self, dense: np.ndarray, lexical: np.ndarray, cross: np.ndarray | None = None,
             low: np.ndarray | None = None) -> np.ndarray:
        """Combine raw dense cosines and lexical similarities into scores in [0, 1].

        Args:
            dense, lexical: Per-pair similarities.
            cross: Per pair, True when its texts are in different languages (they then get
                ``cross_language_dense_weight``); None: all pairs get ``dense_weight``.
            low: Per pair, the dense range's low end (:meth:`dense_lows`); None: the encoder's.
        """
        low = self._dense_low if low is None else np.asarray(low, dtype=np.float32)
        span = self._dense_high - low
        calibrated = np.clip((np.asarray(dense, dtype=np.float32) - low) / span, 0.0, 1.0)
        weight = np.full(calibrated.shape, self.config.dense_weight, dtype=np.float32)
        if cross is not None and self.config.cross_language_dense_weight is not None:
            weight[np.asarray(cross, dtype=bool)] = self.config.cross_language_dense_weight
        return (weight * calibrated + (1.0 - weight) * np.asarray(lexical, dtype=np.float32)).astype(np.float32)

    def cross_language(self, query: str, docs: Sequence[str]) -> np.ndarray | None:
        """Per document, whether it and ``query`` are surely in different languages (None: off)."""
        if self.config.cross_language_dense_weight is None:
            return None
        return cross_language(query, list(docs))

    def score(self, query: str, docs: Sequence[str], *, query_vector: np.ndarray | None = None,
              doc_vectors: np.ndarray | None = None,
              lexical: LexicalModel | None = None) -> RelevanceResult:
        """Score ``query`` against every text in ``docs``.

        Args:
            query: E.g. the opening's title and description.
            docs: E.g. the citizens' jobmål texts.
            query_vector: The query's embedding (``encode_queries``); encoded when None.
            doc_vectors: (len(docs), dim) embeddings from :meth:`encode_docs`; encoded when None.
            lexical: The lexical model (``lexical_model(stats)`` of the index, or ``fit_lexical``
                on a collection); None: no IDF. Never fitted on ``docs`` here: a score must
                not depend on the other documents of the call.

        Returns:
            Arrays of length len(docs) in input order.

        Raises:
            ValueError: ``doc_vectors`` or ``query_vector`` has the wrong shape.
        """
        if len(docs) == 0:
            empty = np.zeros(0, dtype=np.float32)
            return RelevanceResult(empty, empty, empty)
        if query_vector is None:
            query_vector = self.encoder.encode_queries([query])[0]
        if doc_vectors is None:
            doc_vectors = self.encode_docs(docs)
        query_vector = np.asarray(query_vector, dtype=np.float32)
        if doc_vectors.shape[0] != len(docs) or query_vector.shape != doc_vectors.shape[1:]:
            raise ValueError(f"vectors do not fit: {len(docs)} docs, doc_vectors {doc_vectors.shape}, "
                             f"query_vector {query_vector.shape}")
        # Row by row in float64 (not a BLAS matrix-vector product, whose summation order can
        # depend on how many rows there are): a pair's cosine is the same in any batch.
        dense = (np.asarray(doc_vectors, dtype=np.float64) * query_vector.astype(np.float64)).sum(axis=1)
        lexical_scores = (lexical or self.lexical_model(None)).similarities(query, docs)
        fused = self.fuse(dense, lexical_scores, self.cross_language(query, docs), self.dense_lows(query, docs))
        return RelevanceResult(fused, dense, lexical_scores)


# Thresholds on the fused score, calibrated on swe_q_sv_c_sv with e5 (docs/matching.md):
# per query, about 0.5 of 7,506 unrelated titles reach 0.70, 4 reach 0.55 and 35 reach 0.40,
# while half of the relevant titles score 0.43 or more.
BANDS = ((0.70, "meget høj"), (0.55, "høj"), (0.40, "middel"))


def similarity_band(score: float) -> str:
    """Danish label for a fused score, for consultants: "meget høj", "høj", "middel", "lav".

    NaN and anything below the lowest threshold is "lav".
    """
    if math.isnan(score):
        return "lav"
    for threshold, label in BANDS:
        if score >= threshold:
            return label
    return "lav"
