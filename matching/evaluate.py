"""Offline evaluation of the production relevance code on TREC-style TSV files.

Usage::

    python -m matching.evaluate --queries Q.tsv --corpus C.tsv --qrels R.tsv [--encoder e5]
        [--adapter occupation-v1|none] [--dense-weight W] [--cache-dir DIR]

Ranks the whole corpus for every query with :class:`RelevanceScorer` (same encoder, lexical
channel and fusion as the portal; no constraints), prints a short summary and, on the last
line of stdout, a JSON object with map, mrr, recall_at_10, ndcg_at_10, queries, corpus,
encoder (its name, adapter included), language_fusion and seconds. Queries without any
relevant document are skipped, as trec_eval does. Malformed input gives a message naming
the file and line, and exit code 2.

With ``--cache-dir`` the base encoder's vectors of each whole text list are kept on disk
(keyed by encoder name, role and a hash of the texts), so comparing adapters, or fusion
settings, encodes each collection once.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tqdm import tqdm

if TYPE_CHECKING:
    from matching.concept_channel import ConceptChannel
    from matching.encoders import Encoder

# matching.encoders / matching.relevance pull in scikit-learn (seconds to import); they are
# imported after the input files are validated, so malformed input fails fast.
ENCODER_HELP = "e5 (default), minilm, sentence-transformers:<name-or-path>, hashing"

BATCH = 256


class InputError(Exception):
    """A malformed input file; ``str()`` is "path:line: message"."""

    def __init__(self, path: str, line: int | None, message: str):
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


def _lines(path: str) -> list[tuple[int, str]]:
    """Non-blank lines of a UTF-8 file as (line number, text without line break)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InputError(path, None, f"cannot read file: {exc.strerror}") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    rows = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            raise InputError(path, number, f"not valid UTF-8 (byte {exc.start + 1} of the line)") from exc
        if line.strip():
            rows.append((number, line))
    if not rows:
        raise InputError(path, 1, "file is empty")
    return rows


def read_texts(path: str) -> dict[str, str]:
    """Read ``id<TAB>text`` lines into {id: text}, in file order.

    Raises:
        InputError: unreadable, empty, not UTF-8, a missing column or a duplicate id.
    """
    texts: dict[str, str] = {}
    for number, line in _lines(path):
        fields = line.split("\t", 1)
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            raise InputError(path, number, "expected 2 tab-separated columns: id, text")
        key = fields[0].strip()
        if key in texts:
            raise InputError(path, number, f"duplicate id {key!r}")
        texts[key] = fields[1]
    return texts


def read_qrels(path: str, query_ids: Mapping[str, str], doc_ids: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """Read ``query_id<TAB>0<TAB>doc_id<TAB>relevance`` lines into {query: {doc: grade}}.

    Grades <= 0 mean "judged not relevant" and are dropped.

    Raises:
        InputError: unreadable, empty, not UTF-8, wrong column count, a non-integer grade,
            or an id missing from the queries or corpus file.
    """
    qrels: dict[str, dict[str, int]] = {}
    for number, line in _lines(path):
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) != 4:
            raise InputError(path, number, f"expected 4 tab-separated columns (query_id, 0, doc_id, relevance), found {len(fields)}")
        query, _, doc, grade_text = fields
        try:
            grade = int(grade_text)
        except ValueError:
            raise InputError(path, number, f"relevance {grade_text!r} is not an integer") from None
        if query not in query_ids:
            raise InputError(path, number, f"unknown query id {query!r}")
        if doc not in doc_ids:
            raise InputError(path, number, f"unknown document id {doc!r}")
        if grade > 0:
            qrels.setdefault(query, {})[doc] = grade
    return qrels


def _relevant_ranks(ranking: Sequence[int], relevant: Mapping[int, int]) -> np.ndarray:
    """1-based ranks at which relevant documents appear, ascending."""
    hits = np.isin(np.asarray(ranking), np.fromiter(relevant, dtype=np.int64, count=len(relevant)))
    return np.flatnonzero(hits) + 1


def average_precision(ranking: Sequence[int], relevant: Mapping[int, int]) -> float:
    """Mean of precision at each relevant document's rank, over all relevant documents.

    Args:
        ranking: Document indices, best first.
        relevant: {document index: grade > 0}.
    """
    if not relevant:
        return 0.0
    ranks = _relevant_ranks(ranking, relevant)
    return float(np.sum(np.arange(1, len(ranks) + 1) / ranks) / len(relevant))


def reciprocal_rank(ranking: Sequence[int], relevant: Mapping[int, int]) -> float:
    """1 / rank of the first relevant document (0 when none is ranked)."""
    ranks = _relevant_ranks(ranking, relevant) if relevant else []
    return 1.0 / ranks[0] if len(ranks) else 0.0


def recall_at(ranking: Sequence[int], relevant: Mapping[int, int], k: int) -> float:
    """Share of the relevant documents found in the top ``k``."""
    return sum(doc in relevant for doc in list(ranking[:k])) / len(relevant) if relevant else 0.0


def ndcg_at(ranking: Sequence[int], relevant: Mapping[int, int], k: int) -> float:
    """nDCG@k with gain = grade and discount log2(rank + 1) (trec_eval's ndcg_cut)."""
    top = list(ranking[:k])
    dcg = sum(relevant.get(doc, 0) / math.log2(rank + 1) for rank, doc in enumerate(top, start=1))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(grade / math.log2(rank + 1) for rank, grade in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


def _encode(encode, texts: list[str], what: str) -> np.ndarray:
    parts = []
    with tqdm(total=len(texts), desc=f"encoding {what}", unit="text", file=sys.stderr) as bar:
        for start in range(0, len(texts), BATCH):
            parts.append(encode(texts[start : start + BATCH]))
            bar.update(len(parts[-1]))
    return np.vstack(parts)


def _encode_cached(encoder: Encoder, role: str, texts: list[str], what: str,
                   cache_dir: Path | None) -> np.ndarray:
    """Encode ``texts`` in ``role``; with ``cache_dir``, the base encoder's vectors come from disk.

    An adapted encoder caches its base encoder's vectors and applies the adapter after, so
    every adapter (and "none") shares one encoding of a collection.
    """
    adapter = getattr(encoder, "adapter", None)
    base = getattr(encoder, "base", encoder) if adapter is not None else encoder
    encode = base.encode_queries if role == "query" else base.encode_passages
    if cache_dir is None:
        vectors = _encode(encode, texts, what)
    else:
        digest = hashlib.sha256("\x00".join([base.name, role, *texts]).encode("utf-8", "surrogatepass"))
        path = cache_dir / f"{base.name}-{role}-{digest.hexdigest()[:24]}.npy"
        if path.is_file():
            vectors = np.load(path)
        else:
            vectors = _encode(encode, texts, what)
            cache_dir.mkdir(parents=True, exist_ok=True)
            np.save(path, vectors)
    return adapter.apply(vectors, texts) if adapter is not None else vectors


def evaluate(encoder: Encoder, queries: dict[str, str], corpus: dict[str, str],
             qrels: dict[str, dict[str, int]], cache_dir: Path | None = None,
             language_fusion: bool = True, dense_weight: float | None = None,
             concepts: ConceptChannel | None = None) -> dict[str, float | int]:
    """Rank the whole corpus for every judged query and average the metrics.

    ``language_fusion=False`` fuses every pair alike (no language detection), as before issue 12.
    ``dense_weight`` overrides the fusion's default (for tuning on data held out from training).
    ``concepts``: lift every pair's fused score by its concept similarity, as the ranking lifts
    a jobmål against an opening's title (``matching.concept_channel``); MELO's queries and
    documents are titles like those.
    """
    from matching.relevance import RelevanceConfig, RelevanceScorer

    started = time.perf_counter()
    options = {} if language_fusion else {"cross_language_dense_weight": None}
    if dense_weight is not None:
        options["dense_weight"] = dense_weight
    config = RelevanceConfig(**options)
    scorer = RelevanceScorer(encoder, config)
    doc_ids, doc_texts = list(corpus), list(corpus.values())
    position = {doc: i for i, doc in enumerate(doc_ids)}
    judged = [q for q in queries if q in qrels]
    doc_vectors = _encode_cached(encoder, scorer.config.doc_role, doc_texts, "corpus", cache_dir)
    query_vectors = _encode_cached(encoder, "query", [queries[q] for q in judged], "queries", cache_dir)
    lexical = scorer.fit_lexical(doc_texts)
    similarity = None
    if concepts is not None:
        similarity = concepts.similarity(
            concepts.profiles([queries[q] for q in judged], query_vectors, "query"),
            concepts.profiles(doc_texts, doc_vectors, scorer.config.doc_role))
    totals = np.zeros(4)
    for i, query in enumerate(tqdm(judged, desc="ranking", unit="query", file=sys.stderr)):
        fused = scorer.score(queries[query], doc_texts, query_vector=query_vectors[i],
                             doc_vectors=doc_vectors, lexical=lexical).fused
        if similarity is not None:
            fused = concepts.lift(fused, similarity[i])
        # Stable sort: ties keep corpus order, so a run is reproducible.
        ranking = np.argsort(-fused, kind="stable")
        relevant = {position[doc]: grade for doc, grade in qrels[query].items()}
        totals += (average_precision(ranking, relevant), reciprocal_rank(ranking, relevant),
                   recall_at(ranking, relevant, 10), ndcg_at(ranking, relevant, 10))
    means = totals / max(len(judged), 1)
    return {"map": round(means[0], 4), "mrr": round(means[1], 4), "recall_at_10": round(means[2], 4),
            "ndcg_at_10": round(means[3], 4), "queries": len(judged), "corpus": len(doc_ids),
            "encoder": encoder.name, "language_fusion": language_fusion,
            "concepts": None if concepts is None else f"{concepts.version} (lift {concepts.weight})",
            "seconds": round(time.perf_counter() - started, 1)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", required=True, help="TSV: query_id, text")
    parser.add_argument("--corpus", required=True, help="TSV: doc_id, text")
    parser.add_argument("--qrels", required=True, help="TSV: query_id, 0, doc_id, relevance")
    parser.add_argument("--encoder", default="e5", help=ENCODER_HELP)
    parser.add_argument("--adapter", default=None,
                        help="trained adapter: a shipped version, a .npz file or 'none' (default: MATCHING_ADAPTER "
                             "or the shipped default)")
    parser.add_argument("--no-language-fusion", action="store_true",
                        help="fuse cross-language pairs like same-language ones (the pre-issue-12 fusion)")
    parser.add_argument("--dense-weight", type=float, default=None,
                        help="fusion weight of the dense channel, 0..1 (default: RelevanceConfig's); tune it "
                             "only on data held out from training, never on the dev splits")
    parser.add_argument("--concepts", default="none",
                        help="concept table lifting each pair as the ranking lifts a jobmål (e.g. concepts-v1, "
                             "the portal's MATCHING_CONCEPTS default; default here: none)")
    parser.add_argument("--concept-weight", type=float, default=None,
                        help="the concept channel's lift (default: the portal's MATCHING_CONCEPT_WEIGHT default)")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="keep the base encoder's vectors here (e.g. ~/.cache/jobbro/eval)")
    return parser


def _read_inputs(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, int]]]:
    queries = read_texts(args.queries)
    corpus = read_texts(args.corpus)
    qrels = read_qrels(args.qrels, queries, corpus)
    if not qrels:
        raise InputError(args.qrels, None, "no relevant documents (all grades <= 0)")
    return queries, corpus, qrels


def _run(spec: str, queries: dict[str, str], corpus: dict[str, str],
         qrels: dict[str, dict[str, int]], adapter: str | None = None,
         cache_dir: Path | None = None, language_fusion: bool = True,
         dense_weight: float | None = None, concepts: str = "none",
         concept_weight: float | None = None) -> dict[str, float | int]:
    import os

    from matching.concept_channel import CONCEPT_WEIGHT, load_channel
    from matching.concepts import ConceptTableError

    from matching.encoders import EncoderUnavailable, make_encoder

    try:
        encoder = make_encoder(spec, adapter or os.environ.get("MATCHING_ADAPTER") or None)
    except ValueError as exc:  # unknown spec or adapter: a usage error, not a crash
        raise InputError("--encoder", None, str(exc)) from None
    try:
        channel = load_channel(concepts, encoder.name, CONCEPT_WEIGHT if concept_weight is None else concept_weight)
    except ConceptTableError as exc:
        raise InputError("--concepts", None, str(exc)) from None
    except ValueError as exc:  # the weight is out of range
        raise InputError("--concept-weight", None, str(exc)) from None
    if channel is None and concepts.strip().lower() not in ("", "none"):
        raise InputError("--concepts", None, f"the table does not fit the encoder {encoder.name}")
    try:
        return evaluate(encoder, queries, corpus, qrels, cache_dir, language_fusion, dense_weight, channel)
    except EncoderUnavailable as exc:  # model missing: say so, no traceback
        raise InputError("--encoder", None, str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 bad input or unusable encoder)."""
    args = _parser().parse_args(argv)
    try:
        queries, corpus, qrels = _read_inputs(args)
        cache_dir = args.cache_dir.expanduser() if args.cache_dir else None
        if args.dense_weight is not None and not 0.0 <= args.dense_weight <= 1.0:
            raise InputError("--dense-weight", None, f"{args.dense_weight} is not within 0..1")
        result = _run(args.encoder, queries, corpus, qrels, args.adapter, cache_dir,
                      not args.no_language_fusion, args.dense_weight, args.concepts, args.concept_weight)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    skipped = len(queries) - result["queries"]
    print(f"encoder {result['encoder']}: {result['queries']} queries ({skipped} without judgements skipped), "
          f"{result['corpus']} documents, {result['seconds']} s")
    print(f"MAP {result['map']:.4f}  MRR {result['mrr']:.4f}  R@10 {result['recall_at_10']:.4f}  "
          f"nDCG@10 {result['ndcg_at_10']:.4f}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
