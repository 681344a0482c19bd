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

numpy and scipy only (serving path). Research driver: ``scripts/concept_transfer.py``. Build
a table file: ``python -m matching.train --mode concepts --out FILE.npz`` (:func:`main`).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
import zipfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

FORMAT = 1  # of a table file; a newer one is refused with a clear error


class ConceptTableError(ValueError):
    """A concept table file is missing, corrupt or of a newer format (the message says which)."""

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
        if not all(isinstance(k, int) and not isinstance(k, bool) and k >= 1 for k in (self.title_k, self.concept_k)):
            raise ValueError("title_k and concept_k must be whole numbers of at least 1")
        if not (self.title_temperature > 0 and self.concept_temperature > 0):  # NaN fails too
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
    centroids = np.zeros((len(concepts), np.shape(name_vectors)[1]), dtype=np.float32)
    if len(name_concepts):
        from matching.anchors import centroids as name_centroids

        means, ids = name_centroids(np.asarray(name_vectors), name_concepts)
        centroids[[column[c] for c in ids]] = means
    return ConceptTable(np.asarray(title_vectors, dtype=np.float32), membership, centroids, concepts)


def quantise_rows(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and their float32 scales (max |x| / 127 per row): a quarter of float32's size."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if not np.isfinite(vectors).all():
        raise ValueError("only finite vectors can be quantised")
    scales = np.abs(vectors).max(axis=1) / 127.0
    safe = np.where(scales > 0, scales, 1.0)
    return np.round(vectors / safe[:, None]).astype(np.int8), scales.astype(np.float32)


def dequantise_rows(rows: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Unit float32 rows back from :func:`quantise_rows` (renormalised; a zero row stays zero)."""
    vectors = rows.astype(np.float32) * scales[:, None]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _top_columns(scores: np.ndarray, k: int) -> np.ndarray:
    """Per row, the columns of its ``k`` highest scores, highest first, ties by column order.

    A partition finds each row's k-th score; only a row with ties at that score is fully sorted.
    Row by row: a row's result never depends on the other rows.
    """
    if k >= scores.shape[1]:
        return np.argsort(-scores, axis=1, kind="stable")
    kth = -np.partition(-scores, k - 1, axis=1)[:, k - 1:k]
    above = scores >= kth
    counts = above.sum(axis=1)
    top = np.empty((len(scores), k), dtype=np.int64)
    plain = counts == k
    if plain.any():
        rows, cols = np.nonzero(above[plain])
        cols = cols.reshape(-1, k)
        order = np.argsort(-np.take_along_axis(scores[plain], cols, 1), axis=1, kind="stable")
        top[plain] = np.take_along_axis(cols, order, 1)
    for row in np.flatnonzero(~plain):  # ties at the k-th score: the first columns win
        top[row] = np.argsort(-scores[row], kind="stable")[:k]
    return top


def topk_softmax(scores: np.ndarray, k: int, temperature: float) -> sparse.csr_matrix:
    """Per row, a softmax over its ``k`` highest scores (``scores / temperature``), zero elsewhere.

    Ties at the k-th score are broken by column order, so a row's result never depends on
    the other rows.
    """
    k = min(k, scores.shape[1])
    top = _top_columns(scores, k)
    logits = np.take_along_axis(scores, top, 1).astype(np.float64) / temperature
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    indptr = np.arange(0, top.size + 1, k)
    return sparse.csr_matrix((weights.reshape(-1).astype(np.float32), top.reshape(-1), indptr), shape=scores.shape)


def _row_scores(block: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``block @ matrix.T``, one matrix-vector product per row: a row's scores are bit for bit the
    same whatever else is in the block (a matrix product's summation order may depend on the
    block's size)."""
    return np.stack([matrix @ row for row in block]) if len(block) else np.zeros((0, len(matrix)), np.float32)


def profiles(vectors: np.ndarray, table: ConceptTable,
             settings: ProfileSettings = ProfileSettings()) -> sparse.csr_matrix:
    """(texts, concepts) concept profiles of unit vectors; each row sums to 1, except a zero
    vector's (a text without content), which is all zero: it shares no concept with anything.

    Row by row: a text's profile depends on its vector and the table only, never on the other
    rows of the call.

    Raises:
        ValueError: ``vectors`` is not (n, the table's width) or has a non-finite value.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[1] != table.title_vectors.shape[1]:
        raise ValueError(f"profiles need (n, {table.title_vectors.shape[1]}) vectors, got {vectors.shape}")
    if not np.isfinite(vectors).all():
        raise ValueError("profiles need finite vectors (a missing vector is NaN)")
    parts = []
    for at in range(0, len(vectors), CHUNK):
        block = vectors[at:at + CHUNK]
        by_title = topk_softmax(_row_scores(block, table.title_vectors), settings.title_k, settings.title_temperature)
        by_centroid = topk_softmax(_row_scores(block, table.centroids), settings.concept_k,
                                   settings.concept_temperature)
        part = settings.title_share * (by_title @ table.membership) + (1.0 - settings.title_share) * by_centroid
        parts.append(sparse.diags(block.any(axis=1).astype(np.float32)) @ part)
    if not parts:
        return sparse.csr_matrix((0, len(table.concepts)), dtype=np.float32)
    return sparse.vstack(parts).tocsr().astype(np.float32)


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


# --- building from melo-train and the table file -------------------------------------------


@dataclass
class MeloList:
    """One melo-train list: judged titles ``(text, ESCO concepts)``, names ``(element id,
    concept, text)`` and the relevant element ids per title (aligned with ``titles``)."""

    titles: list[tuple[str, tuple[str, ...]]]
    names: list[tuple[str, str, str]]
    relevant: list[set[str]]


def read_tsv(path: Path, fields: int | None = None) -> list[list[str]]:
    """Rows of a tab-separated file without header (blank lines skipped).

    Raises:
        ValueError: a row has other than ``fields`` fields (the message names the file and line).
    """
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                row = line.rstrip("\n").split("\t")
                if fields is not None and len(row) != fields:
                    raise ValueError(f"{path}:{number}: {len(row)} fields, expected {fields}")
                rows.append(row)
    return rows


def read_list(folder: Path) -> MeloList:
    """A melo-train list (element ids ``<concept>_<lang>_<n>``); titles without judgements are left out."""
    names = [(element, element.split("_")[0], text.strip())
             for element, text in read_tsv(folder / "corpus_elements.tsv", 2)]
    relevant: dict[str, set[str]] = defaultdict(set)
    for query_id, _, element, grade in read_tsv(folder / "annotations.tsv", 4):
        if float(grade) > 0:  # as matching.evaluate.read_qrels
            relevant[query_id].add(element)
    judged = [(q, text.strip()) for q, text in read_tsv(folder / "queries.tsv", 2) if q in relevant]
    return MeloList([(text, tuple(sorted({e.split("_")[0] for e in relevant[q]}))) for q, text in judged],
                    names, [relevant[q] for q, _ in judged])


def list_folders(root: Path) -> list[Path]:
    """The list folders under ``root`` (those with a corpus_elements.tsv), sorted.

    Raises:
        FileNotFoundError: there are none.
    """
    folders = sorted(p for p in Path(root).iterdir() if (p / "corpus_elements.tsv").is_file()) \
        if Path(root).is_dir() else []
    if not folders:
        raise FileNotFoundError(f"no MELO list folders (with corpus_elements.tsv) under {root}")
    return folders


def table_from_lists(folders: Sequence[Path], encode: Callable[[list[str]], np.ndarray],
                     names_per_concept: int = 3) -> ConceptTable:
    """The table of ``folders``: all judged titles; the first ``names_per_concept`` non-empty
    names of each concept in each list, in file order."""
    titles, name_texts, name_concepts = [], [], []
    for folder in folders:
        data = read_list(folder)
        titles += data.titles
        taken: dict[str, int] = defaultdict(int)
        for _, concept, text in data.names:
            if text and taken[concept] < names_per_concept:
                taken[concept] += 1
                name_texts.append(text)
                name_concepts.append(concept)
    return build_table(titles, encode([t for t, _ in titles]), name_concepts, encode(name_texts))


def save_table(table: ConceptTable, path: Path, meta: dict) -> None:
    """Write ``table`` (int8 title rows, float16 centroids) with ``meta`` (version, base encoder, ...)."""
    rows, scales = quantise_rows(table.title_vectors)
    membership = table.membership.tocsr()
    np.savez_compressed(path, T=rows, T_scale=scales, M_data=membership.data.astype(np.float32),
                        M_indices=membership.indices.astype(np.int32), M_indptr=membership.indptr.astype(np.int64),
                        C=table.centroids.astype(np.float16), concepts=np.array(table.concepts),
                        meta=json.dumps({**meta, "format": FORMAT}))


def _read_npz(path: Path, read: Callable) -> Any:
    """``read(data)`` of the table file's arrays, its errors as :class:`ConceptTableError`."""
    path = Path(path)
    if not path.is_file():
        raise ConceptTableError(f"concept table {path} not found")
    try:
        with np.load(path, allow_pickle=False) as data:
            return read(data)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise ConceptTableError(f"concept table {path} is not a valid table: {exc}") from exc


def table_meta(path: Path) -> dict:
    """The metadata of a table file alone (version, base encoder, ...), without its arrays.

    Raises:
        ConceptTableError: no such file, or no readable metadata in it.
    """
    meta = _read_npz(path, lambda data: json.loads(str(data["meta"])))
    if not isinstance(meta, dict):
        raise ConceptTableError(f"concept table {path} has no metadata object")
    return meta


def load_table(path: Path) -> tuple[ConceptTable, dict]:
    """Read a table file written by :func:`save_table`; returns the table and its metadata.

    Raises:
        ConceptTableError: no such file, not a table, inconsistent shapes or a newer format.
    """
    path = Path(path)
    meta, rows, scales, centroids, concepts, parts = _read_npz(path, lambda data: (
        json.loads(str(data["meta"])), data["T"], data["T_scale"].astype(np.float32),
        data["C"].astype(np.float32), [str(c) for c in data["concepts"]],
        (data["M_data"].astype(np.float32), data["M_indices"], data["M_indptr"])))
    version = meta.get("format") if isinstance(meta, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise ConceptTableError(f"concept table {path} has no format number in its metadata")
    if version > FORMAT:
        raise ConceptTableError(f"concept table {path} has format {version}; this version reads format "
                                f"{FORMAT} or older (update Jobbro or rebuild the table)")
    if rows.dtype != np.int8 or rows.ndim != 2:
        raise ConceptTableError(f"concept table {path} has title rows of type {rows.dtype} and shape "
                                f"{rows.shape}; expected 2-d int8")
    if len(rows) == 0 or not concepts or scales.shape != (len(rows),) \
            or centroids.shape != (len(concepts), rows.shape[1]):
        raise ConceptTableError(f"concept table {path} has inconsistent shapes: titles {rows.shape}, "
                                f"scales {scales.shape}, centroids {centroids.shape}, concepts {len(concepts)}")
    try:
        membership = sparse.csr_matrix(parts, shape=(len(rows), len(concepts)), dtype=np.float32)
        membership.check_format(full_check=True)  # indices within the concepts, indptr ordered
    except ValueError as exc:
        raise ConceptTableError(f"concept table {path} has an invalid title-concept map: {exc}") from exc
    sums = np.asarray(membership.sum(axis=1)).ravel()
    if not (np.isfinite(scales).all() and (scales >= 0).all() and np.isfinite(centroids).all()
            and (membership.data >= 0).all() and np.allclose(sums, 1.0, atol=1e-4)):
        raise ConceptTableError(f"concept table {path} has invalid values (non-finite or negative numbers, "
                                f"or a title whose concepts do not sum to 1)")
    return ConceptTable(dequantise_rows(rows, scales), membership, centroids, concepts), meta


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching.train --mode concepts",
                                     description="Build a concept table from melo-train (matching.concepts).")
    parser.add_argument("--data", type=Path, default=None, help="melo-train folder (default: matching.train's)")
    parser.add_argument("--out", type=Path, required=True, help="table file to write (.npz)")
    parser.add_argument("--version", default=None, help="table version (default: the --out file's stem)")
    parser.add_argument("--names-per-concept", type=int, default=3)
    parser.add_argument("--exclude-lists", nargs="*", default=[], metavar="LIST")
    return parser


def main(argv: Sequence[str] | None = None, encode: Callable[[list[str]], np.ndarray] | None = None) -> int:
    """Build and write a table; return the exit code (0 ok, 2 bad input or missing data).

    ``encode`` (texts -> zero-shot e5 vectors) replaces ``matching.train.encode_cached`` (tests).
    """
    from matching.train import DEFAULT_DATA, encode_cached

    args = _parser().parse_args(argv)
    if args.out.suffix != ".npz":
        print("error: --out must end in .npz", file=sys.stderr)
        return 2
    if args.names_per_concept < 1:
        print("error: --names-per-concept must be at least 1", file=sys.stderr)
        return 2
    data = args.data or DEFAULT_DATA
    try:
        folders = list_folders(data)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    unknown = sorted(set(args.exclude_lists) - {f.name for f in folders})
    if unknown:
        print(f"error: no list folder {', '.join(unknown)} under {data}", file=sys.stderr)
        return 2
    folders = [f for f in folders if f.name not in set(args.exclude_lists)]
    if not folders:
        print("error: --exclude-lists leaves no list to build from", file=sys.stderr)
        return 2
    table = table_from_lists(folders, encode or encode_cached, args.names_per_concept)
    from matching.encoders import E5Encoder

    command = "python -m matching.train --mode concepts " + " ".join(sys.argv[1:] if argv is None else argv)
    summary = {"titles": len(table.title_vectors), "concepts": len(table.concepts),
               "lists": [f.name for f in folders], "names_per_concept": args.names_per_concept}
    meta = {"version": args.version or args.out.stem, "base_encoder": E5Encoder().name, "command": command,
            "built": _dt.datetime.now(_dt.timezone.utc).date().isoformat(), "summary": summary}
    save_table(table, args.out, meta)
    print(json.dumps({**summary, "out": str(args.out), "bytes": args.out.stat().st_size}))
    return 0
