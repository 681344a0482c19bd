"""The product's first stage on a MELO dev split, and the paired bootstrap the research tools report.

Shared by ``scripts.ce_residual`` and ``scripts.concept_transfer`` (research tools, issue 12):
both re-rank or re-score the ranking ``matching.evaluate`` measures and compare per query.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class FirstStage:
    """A split ranked as the product ranks it.

    Attributes:
        queries: Texts of the judged queries, in file order.
        docs: Corpus texts, in file order.
        relevant: Per query, ``{doc position: grade}``.
        encoder, scorer: The first stage's encoder and ``RelevanceScorer``.
        query_vectors, doc_vectors: Their vectors (from ``cache_dir`` when cached there).
        fused: (queries, docs) float32 fused scores (``RelevanceScorer.score``, lexical fitted on the docs).
    """

    queries: list[str]
    docs: list[str]
    relevant: list[dict[int, int]]
    encoder: object
    scorer: object
    query_vectors: np.ndarray
    doc_vectors: np.ndarray
    fused: np.ndarray


def first_stage(split: Path, adapter: str, cache_dir: Path | None) -> FirstStage:
    """``split`` (queries.tsv, corpus_elements.tsv, annotations.tsv) ranked with e5 + ``adapter``."""
    from matching.encoders import make_encoder
    from matching.evaluate import _encode_cached, read_qrels, read_texts
    from matching.relevance import RelevanceScorer

    queries = read_texts(str(split / "queries.tsv"))
    corpus = read_texts(str(split / "corpus_elements.tsv"))
    qrels = read_qrels(str(split / "annotations.tsv"), queries, corpus)
    asked = [q for q in queries if qrels.get(q)]
    docs = list(corpus.values())
    position = {d: i for i, d in enumerate(corpus)}
    encoder = make_encoder("e5", adapter)
    scorer = RelevanceScorer(encoder)
    texts = [queries[q] for q in asked]
    doc_vectors = _encode_cached(encoder, scorer.config.doc_role, docs, "corpus", cache_dir)
    query_vectors = _encode_cached(encoder, "query", texts, "queries", cache_dir)
    lexical = scorer.fit_lexical(docs)
    fused = np.stack([scorer.score(text, docs, query_vector=query_vectors[i], doc_vectors=doc_vectors,
                                   lexical=lexical).fused for i, text in enumerate(texts)]).astype(np.float32)
    relevant = [{position[d]: grade for d, grade in qrels[q].items()} for q in asked]
    return FirstStage(texts, docs, relevant, encoder, scorer, query_vectors, doc_vectors, fused)


def paired_difference(after: np.ndarray, before: np.ndarray, seed: int = 0, resamples: int = 2000) -> list:
    """Per-query difference ``after - before``: [mean, 2.5th and 97.5th percentile of the mean over
    ``resamples`` bootstrap resamples of the queries, queries better, queries worse]."""
    diff = np.asarray(after, dtype=np.float64) - np.asarray(before, dtype=np.float64)
    means = diff[np.random.default_rng(seed).integers(len(diff), size=(resamples, len(diff)))].mean(1)
    return [round(float(diff.mean()), 4), round(float(np.percentile(means, 2.5)), 4),
            round(float(np.percentile(means, 97.5)), 4), int((diff > 0).sum()), int((diff < 0).sum())]


def average_precisions(scores: np.ndarray, relevant: list[dict[int, int]]) -> np.ndarray:
    """Per row of ``scores`` (higher first, ties in corpus order), the AP of its ranking."""
    from matching.evaluate import average_precision

    return np.array([average_precision(np.argsort(-row, kind="stable"), rel) for row, rel in zip(scores, relevant)])


def run_command(args, tune: Callable, dev: Callable) -> int:
    """The research tools' ``tune`` / ``dev`` commands: progress on stderr, JSON on the last line.

    Returns:
        The exit code: 2 when ``dev`` is given a split without queries.tsv.
    """
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    if args.command == "dev" and not (args.split / "queries.tsv").is_file():
        print(f"error: no queries.tsv in {args.split}", file=sys.stderr)
        return 2
    result = tune(args, log) if args.command == "tune" else dev(args, log)
    print(json.dumps(result))
    return 0
