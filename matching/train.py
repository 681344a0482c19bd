"""Train the occupation adapter on MELO training lists (issue 12).

Usage::

    python -m matching.train [--out matching/adapters/occupation-v1.npz] [--seed 0]
        [--max-texts N] [--epochs 12] [--kind linear|mlp] [--hard-negatives 0] [--data DIR]
    python -m matching.train --mode finetune [--steps N] [--out matching/adapters/ft-v1.patch]
        (fine-tunes e5's top layers instead: see matching.finetune)
    python -m matching.train --mode anchors --adapter occupation-v1 --out FILE.npz
        (adds ESCO concept anchors to an adapter: see matching.anchors)

Reads the national occupation lists in ``/work/shared/data/melo-train`` (MIT, ESCO names;
never ``melo/``, which stays the evaluation), encodes every selected text with the
production e5 encoder the way the relevance code embeds titles (e5 "query: " on both sides,
``RelevanceConfig.doc_role``), caches those vectors on disk outside the repository (so a
second run skips encoding), then trains a small adapter on the frozen vectors with in-batch
InfoNCE: texts of one ESCO concept (a national title, its ESCO names, and the same concept's
names in other languages) are pulled together; optionally each anchor also gets hard
negatives, texts of the concepts nearest its own in the current mapped space. 10% of the concepts are held out; the epoch
with the best held-out MAP is kept. Prints a JSON summary on the last line.

torch is imported here only; the shipped adapter is applied with numpy (matching.adapter).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matching.concepts import list_folders, read_tsv

DEFAULT_DATA = Path(os.environ.get("MELO_TRAIN_DIR", "/work/shared/data/melo-train"))
CACHE_DIR = Path(os.environ.get("JOBBRO_CACHE_DIR", Path.home() / ".cache" / "jobbro"))
NAMES_PER_CONCEPT = 3
CHUNK = 2048


@dataclass
class Corpus:
    """Training texts with their ESCO concepts.

    Attributes:
        texts: Distinct texts, in concept order (seeded), so a ``--max-texts`` prefix keeps
            whole concepts and a bigger run reuses the cached vectors of a smaller one.
        concepts: Integer concept label per text (a title judged against several concepts
            gets its first one).
        lists: Index of the national list each text came from.
        list_names: Folder names of the lists.
        is_query: True for national titles (queries), False for ESCO names.
    """

    texts: list[str]
    concepts: np.ndarray
    lists: np.ndarray
    list_names: list[str]
    is_query: np.ndarray


def load_corpus(root: Path, seed: int = 0, max_texts: int | None = None,
                names_per_concept: int = NAMES_PER_CONCEPT, exclude: Sequence[str] = ()) -> Corpus:
    """Select training texts from every list folder under ``root`` except those in ``exclude``.

    Raises:
        FileNotFoundError: ``root`` has no list folders, or an excluded list does not exist.
    """
    folders = list_folders(root)
    unknown = sorted(set(exclude) - {f.name for f in folders})
    if unknown:
        raise FileNotFoundError(f"no list folder {', '.join(unknown)} under {root}")
    folders = [f for f in folders if f.name not in set(exclude)]
    if not folders:
        raise FileNotFoundError(f"every list folder under {root} is excluded")
    by_concept: dict[str, list[tuple[str, int, bool]]] = defaultdict(list)
    for index, folder in enumerate(folders):
        taken: dict[str, int] = defaultdict(int)
        for element_id, text in read_tsv(folder / "corpus_elements.tsv"):
            concept = element_id.split("_")[0]
            if taken[concept] < names_per_concept:
                taken[concept] += 1
                by_concept[concept].append((text.strip(), index, False))
        first_concept: dict[str, str] = {}
        for query_id, _, element_id, _grade in read_tsv(folder / "annotations.tsv"):
            first_concept.setdefault(query_id, element_id.split("_")[0])
        for query_id, text in read_tsv(folder / "queries.tsv"):
            if query_id in first_concept:
                by_concept[first_concept[query_id]].append((text.strip(), index, True))
    order = sorted(by_concept)
    random.Random(seed).shuffle(order)
    texts, concepts, lists, is_query, seen = [], [], [], [], set()
    for label, concept in enumerate(order):
        for text, index, query in by_concept[concept]:
            if not text or (text, label) in seen:
                continue
            seen.add((text, label))
            texts.append(text)
            concepts.append(label)
            lists.append(index)
            is_query.append(query)
        if max_texts is not None and len(texts) >= max_texts:
            break
    return Corpus(texts, np.asarray(concepts), np.asarray(lists), [f.name for f in folders],
                  np.asarray(is_query, dtype=bool))


def _text_key(encoder_name: str, text: str) -> bytes:
    return hashlib.sha256(f"{encoder_name}\x00query\x00{text}".encode()).digest()[:16]


def key_sample(corpus: Corpus, fraction: float, encoder_name: str) -> Corpus:
    """The texts whose cache key, read as a number in [0, 1), is below ``fraction``.

    A fixed pseudo-random sample (no seed: the key is a hash of encoder name and text). It is
    also exactly what an interrupted encoding run has cached, since new texts are encoded in
    key order; so a run on part of the data is reproducible with one command.
    """
    limit = int(fraction * 2**128)
    keep = np.array([int.from_bytes(_text_key(encoder_name, t), "big") < limit for t in corpus.texts],
                    dtype=bool)
    return Corpus([t for t, k in zip(corpus.texts, keep) if k], corpus.concepts[keep], corpus.lists[keep],
                  corpus.list_names, corpus.is_query[keep])


def _load_cache(folder: Path) -> dict[bytes, np.ndarray]:
    vectors: dict[bytes, np.ndarray] = {}
    for path in sorted(folder.glob("chunk-*.npz")):
        with np.load(path) as data:
            for key, row in zip(data["keys"], data["vectors"]):
                vectors[bytes(key)] = row
    return vectors


def _encode_worker(args: tuple[list[str], str]) -> np.ndarray:
    from matching.encoders import E5Encoder

    texts, _ = args
    # One OpenMP thread per process: much faster than one process with two spinning threads.
    return E5Encoder(num_threads=1).encode_queries(texts)


def encode_cached(texts: Sequence[str], workers: int = 2, cached_only: bool = False) -> np.ndarray:
    """e5 "query: " vectors of ``texts``, through an on-disk cache keyed by text and encoder name.

    New vectors are written in chunks as they are made, so an interrupted run keeps its work.
    With ``cached_only`` nothing is encoded: texts not in the cache get NaN rows.
    """
    from matching.encoders import E5Encoder

    name = E5Encoder().name
    folder = CACHE_DIR / f"melo-train-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    cache = _load_cache(folder)
    keys = [_text_key(name, t) for t in texts]
    missing = sorted({k: t for k, t in zip(keys, texts) if k not in cache}.items())
    if cached_only:
        print(f"{len(missing)} texts not cached, left out", file=sys.stderr, flush=True)
        blank = np.full(E5Encoder.dimension, np.nan, dtype=np.float32)
        return np.vstack([cache.get(k, blank) for k in keys]).astype(np.float32)
    if missing:
        print(f"encoding {len(missing)} texts ({len(texts) - len(missing)} cached) in {folder}",
              file=sys.stderr, flush=True)
        started = time.perf_counter()
        chunks = [missing[i : i + CHUNK] for i in range(0, len(missing), CHUNK)]
        import multiprocessing

        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            jobs = [(c, pool.apply_async(_encode_worker, (([t for _, t in c], name),))) for c in chunks]
            for number, (chunk, job) in enumerate(jobs):
                vectors = job.get()
                chunk_keys = np.frombuffer(b"".join(k for k, _ in chunk), dtype="V16")
                path = folder / f"chunk-{int(time.time() * 1000)}-{number:05d}.npz"
                np.savez(path, keys=chunk_keys, vectors=vectors.astype(np.float32))
                for (key, _), row in zip(chunk, vectors):
                    cache[key] = row
                done = (number + 1) * CHUNK
                rate = done / (time.perf_counter() - started)
                print(f"  {min(done, len(missing))}/{len(missing)} ({rate:.0f}/s)", file=sys.stderr, flush=True)
    return np.vstack([cache[k] for k in keys]).astype(np.float32)


# --- training -------------------------------------------------------------------------


def split_concepts(concepts: np.ndarray, seed: int, held_out: float = 0.1) -> np.ndarray:
    """Boolean mask of texts whose concept is held out (``held_out`` of the concepts)."""
    labels = np.unique(concepts)
    rng = np.random.default_rng(seed + 1)
    chosen = rng.choice(labels, size=max(1, int(round(len(labels) * held_out))), replace=False)
    return np.isin(concepts, chosen)


def heldout_map(vectors: np.ndarray, concepts: np.ndarray, lists: np.ndarray,
                is_query: np.ndarray) -> float:
    """MAP of titles ranking the same list's names (held-out concepts only), averaged over titles.

    Mirrors the MELO task: a national title against its own list's ESCO names. Lists
    without titles fall back to names as queries (each name against the other names).
    """
    scores = []
    for index in np.unique(lists):
        in_list = lists == index
        docs = np.flatnonzero(in_list & ~is_query)
        queries = np.flatnonzero(in_list & is_query)
        if len(docs) < 2 or len(queries) == 0:
            continue
        sims = vectors[queries] @ vectors[docs].T
        relevant = concepts[queries][:, None] == concepts[docs][None, :]
        order = np.argsort(-sims, axis=1, kind="stable")
        hits = np.take_along_axis(relevant, order, axis=1)
        counts = hits.sum(axis=1)
        ranks = np.arange(1, hits.shape[1] + 1)
        precision = np.cumsum(hits, axis=1) / ranks
        ap = (precision * hits).sum(axis=1) / np.maximum(counts, 1)
        scores.extend(ap[counts > 0].tolist())
    return float(np.mean(scores)) if scores else 0.0


def _pairs(concepts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(anchor, positive) index pairs: every text with a random other text of its concept."""
    groups: dict[int, np.ndarray] = {}
    for label in np.unique(concepts):
        groups[int(label)] = np.flatnonzero(concepts == label)
    anchors, positives = [], []
    for members in groups.values():
        if len(members) < 2:
            continue
        partners = rng.integers(0, len(members) - 1, size=len(members))
        partners = partners + (partners >= np.arange(len(members)))  # never the text itself
        anchors.append(members)
        positives.append(members[partners])
    pairs = np.stack([np.concatenate(anchors), np.concatenate(positives)], axis=1)
    return pairs[rng.permutation(len(pairs))]


def _concept_members(concepts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Texts grouped by concept: (labels, order, starts, counts); members of labels[i] are
    order[starts[i] : starts[i] + counts[i]]."""
    order = np.argsort(concepts, kind="stable")
    labels, starts, counts = np.unique(concepts[order], return_index=True, return_counts=True)
    return labels, order, starts, counts


def nearest_concepts(mapped: np.ndarray, concepts: np.ndarray, neighbours: int,
                     block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """For every concept, its ``neighbours`` nearest other concepts by centroid cosine.

    Returns (labels, nearest): ``nearest[i]`` holds indices into ``labels`` (never ``i``).
    Concept level, not text level: 20,000 centroids cost seconds, 200,000 texts would not.
    """
    labels, order, starts, counts = _concept_members(concepts)
    sums = np.add.reduceat(mapped[order], starts, axis=0)
    centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    k = min(neighbours, len(labels) - 1)
    nearest = np.empty((len(labels), max(k, 0)), dtype=np.int64)
    if k <= 0:
        return labels, nearest
    for start in range(0, len(labels), block):
        sims = centroids[start : start + block] @ centroids.T
        rows = np.arange(sims.shape[0])
        sims[rows, start + rows] = -np.inf  # a concept is not its own negative
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        nearest[start : start + block] = top
    return labels, nearest


class HardNegatives:
    """Samples, per anchor, texts of the concepts nearest to the anchor's own (seeded).

    Built from the current mapped vectors of the training texts; ``sample`` draws, for each
    anchor concept, ``count`` of its nearest concepts at random and a random text of each.
    """

    def __init__(self, mapped: np.ndarray, concepts: np.ndarray, neighbours: int):
        self.labels, self.nearest = nearest_concepts(mapped, concepts, neighbours)
        _, self.order, self.starts, self.counts = _concept_members(concepts)

    def sample(self, anchor_concepts: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
        """(len(anchor_concepts), count) positions (into the texts given at construction)."""
        rows = np.searchsorted(self.labels, anchor_concepts)
        picks = self.nearest[rows[:, None], rng.integers(0, self.nearest.shape[1], size=(len(rows), count))]
        offsets = (rng.random(picks.shape) * self.counts[picks]).astype(np.int64)
        return self.order[self.starts[picks] + offsets]


def train_adapter(vectors: np.ndarray, concepts: np.ndarray, lists: np.ndarray, is_query: np.ndarray,
                  *, seed: int = 0, epochs: int = 12, batch: int = 1024, lr: float = 3e-4,
                  temperature: float = 0.05, kind: str = "linear", hidden: int = 512,
                  hard_negatives: int = 0, neighbours: int = 20, mine_every: int = 1,
                  threads: int = 1, log=None) -> dict:
    """Train an adapter; return {"W", "b", ... , "heldout": {...}} with the best epoch's weights.

    ``kind`` "linear": v @ W + b, W initialised at identity. "mlp": a residual block
    v @ W + b + relu(v @ W1 + b1) @ W2, with W2 at zero, folded into the returned arrays.

    ``hard_negatives`` > 0 adds that many extra negatives per anchor to the batch's: texts of
    the anchor concept's ``neighbours`` nearest concepts, mined from the current mapped
    vectors every ``mine_every`` epochs. A negative with the anchor's exact text (one name
    filed under two concepts) is masked, in the batch and among the hard negatives.
    """
    import torch

    if kind not in ("linear", "mlp"):
        raise ValueError('kind must be "linear" or "mlp"')
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    rng = np.random.default_rng(seed)
    held = split_concepts(concepts, seed)
    train_idx = np.flatnonzero(~held)
    held_idx = np.flatnonzero(held)
    dim = vectors.shape[1]
    data = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
    # Identical vectors are identical texts: never a negative of each other.
    _, text_ids = np.unique(vectors, axis=0, return_inverse=True)
    text_ids = torch.from_numpy(text_ids.reshape(-1))
    weight = torch.nn.Parameter(torch.eye(dim))
    bias = torch.nn.Parameter(torch.zeros(dim))
    params = [weight, bias]
    if kind == "mlp":
        w1 = torch.nn.Parameter(torch.randn(dim, hidden) / dim ** 0.5)
        b1 = torch.nn.Parameter(torch.zeros(hidden))
        w2 = torch.nn.Parameter(torch.zeros(hidden, dim))
        params += [w1, b1, w2]

    def forward(x: torch.Tensor) -> torch.Tensor:
        out = x @ weight + bias
        if kind == "mlp":
            out = out + torch.relu(x @ w1 + b1) @ w2
        return torch.nn.functional.normalize(out, dim=1)

    def mapped(index: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return torch.cat([forward(data[index[i : i + 8192]]) for i in range(0, len(index), 8192)]).numpy()

    def evaluate() -> float:
        return heldout_map(mapped(held_idx), concepts[held_idx], lists[held_idx], is_query[held_idx])

    optimiser = torch.optim.Adam(params, lr=lr)
    baseline = heldout_map(vectors[held_idx], concepts[held_idx], lists[held_idx], is_query[held_idx])
    best = {"map": evaluate(), "epoch": 0, "state": [p.detach().clone() for p in params]}
    history = [round(best["map"], 4)]
    train_concepts = concepts[train_idx]
    miner = None
    for epoch in range(1, epochs + 1):
        if hard_negatives > 0 and (miner is None or (epoch - 1) % mine_every == 0):
            miner = HardNegatives(mapped(train_idx), train_concepts, neighbours)
        pairs = train_idx[_pairs(train_concepts, rng)]
        for start in range(0, len(pairs) - batch // 4, batch):
            rows = pairs[start : start + batch]
            chunk = torch.from_numpy(rows)
            left, right = forward(data[chunk[:, 0]]), forward(data[chunk[:, 1]])
            logits = left @ right.T / temperature
            labels = torch.from_numpy(concepts[rows[:, 0]])
            anchor_text, partner_text = text_ids[chunk[:, 0]], text_ids[chunk[:, 1]]
            eye = torch.eye(len(chunk), dtype=torch.bool)
            same = ((labels[:, None] == labels[None, :]) | (anchor_text[:, None] == partner_text[None, :])
                    | (partner_text[:, None] == anchor_text[None, :])) & ~eye
            logits = logits.masked_fill(same, float("-inf"))  # other texts of the concept are no negatives
            columns, rows_logits = logits, logits.T
            if miner is not None:
                hard = torch.from_numpy(train_idx[miner.sample(concepts[rows[:, 0]], hard_negatives, rng)])
                negatives = forward(data[hard.reshape(-1)]).reshape(len(chunk), hard_negatives, dim)
                hard_text = text_ids[hard]
                for side, text, extra in ((0, anchor_text, left), (1, partner_text, right)):
                    scores = torch.einsum("bd,bhd->bh", extra, negatives) / temperature
                    scores = scores.masked_fill(hard_text == text[:, None], float("-inf"))
                    if side == 0:
                        columns = torch.cat([columns, scores], dim=1)
                    else:
                        rows_logits = torch.cat([rows_logits, scores], dim=1)
            target = torch.arange(len(chunk))
            loss = (torch.nn.functional.cross_entropy(columns, target)
                    + torch.nn.functional.cross_entropy(rows_logits, target)) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        score = evaluate()
        history.append(round(score, 4))
        if log:
            log(f"epoch {epoch}: loss {loss.item():.4f}, held-out MAP {score:.4f}")
        if score > best["map"]:
            best = {"map": score, "epoch": epoch, "state": [p.detach().clone() for p in params]}
    for param, value in zip(params, best["state"]):
        param.data.copy_(value)
    held_mapped = mapped(held_idx)
    result = {"W": weight.detach().numpy().copy(), "b": bias.detach().numpy().copy(),
              "kind": kind, "heldout": {"baseline_map": round(baseline, 4), "map": round(best["map"], 4),
                                        "best_epoch": best["epoch"], "history": history,
                                        "heldout_texts": int(len(held_idx)), "train_texts": int(len(train_idx))},
              "calibration": calibration(held_mapped, concepts[held_idx])}
    if kind == "mlp":
        result.update(W1=w1.detach().numpy().copy(), b1=b1.detach().numpy().copy(),
                      W2=w2.detach().numpy().copy())
    return result


def calibration(vectors: np.ndarray, concepts: np.ndarray, sample: int = 4000, seed: int = 0) -> dict:
    """Median cosine of unrelated and of same-concept pairs (for the fusion's dense range)."""
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(vectors), size=min(sample, len(vectors)), replace=False)
    sims = vectors[pick] @ vectors[pick].T
    same = concepts[pick][:, None] == concepts[pick][None, :]
    off = ~np.eye(len(pick), dtype=bool)
    return {"unrelated_median": round(float(np.median(sims[off & ~same])), 4),
            "related_median": round(float(np.median(sims[off & same])), 4) if (off & same).any() else None}


def save_adapter(result: dict, out: Path, meta: dict) -> None:
    """Write the adapter as float16 arrays plus its metadata (JSON in the ``meta`` entry)."""
    arrays = {key: result[key].astype(np.float16) for key in ("W", "b", "W1", "b1", "W2") if key in result}
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("adapter", "finetune", "anchors", "concepts"), default="adapter",
                        help="adapter: linear map on frozen vectors (this command); finetune: e5's top "
                             "layers (python -m matching.train --mode finetune --help); anchors: concept "
                             "anchors for an adapter (--mode anchors --help); concepts: a concept table "
                             "(matching.concepts, --mode concepts --help)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="melo-train folder")
    parser.add_argument("--out", type=Path, default=None, help="adapter file to write (.npz)")
    parser.add_argument("--version", default=None, help="adapter version (default: the --out file's stem)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exclude-lists", nargs="*", default=[], metavar="LIST",
                        help="list folders left out entirely (e.g. to tune fusion on a whole unseen list)")
    parser.add_argument("--key-fraction", type=float, default=None,
                        help="use only the texts whose cache key is below this fraction (0..1]: a fixed "
                             "sample, and what a partial encoding run has already cached")
    parser.add_argument("--max-texts", type=int, default=None, help="use only the first N texts (whole concepts)")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--temperature", type=float, default=0.05)
    parser.add_argument("--kind", choices=("linear", "mlp"), default="linear")
    parser.add_argument("--hidden", type=int, default=512, help="width of the mlp's residual block")
    parser.add_argument("--hard-negatives", type=int, default=0,
                        help="extra negatives per anchor from its nearest wrong concepts (0: in-batch only)")
    parser.add_argument("--neighbours", type=int, default=20, help="nearest concepts to draw hard negatives from")
    parser.add_argument("--mine-every", type=int, default=1, help="re-mine hard negatives every N epochs")
    parser.add_argument("--workers", type=int, default=2, help="encoding processes")
    parser.add_argument("--cached-only", action="store_true",
                        help="train on the selected texts already in the vector cache (encode nothing)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 missing data).

    ``--mode finetune`` hands the remaining options to :mod:`matching.finetune` (fine-tunes
    the top layers of e5 itself and writes a patch); the default ``--mode adapter`` trains
    the linear adapter on frozen vectors.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    mode = argparse.ArgumentParser(add_help=False)
    mode.add_argument("--mode", choices=("adapter", "finetune", "anchors", "concepts"), default="adapter")
    chosen, rest = mode.parse_known_args(argv)
    if chosen.mode == "finetune":
        from matching.finetune import main as finetune_main

        return finetune_main(rest)
    if chosen.mode == "anchors":
        from matching.anchors import main as anchors_main

        return anchors_main(rest)
    if chosen.mode == "concepts":
        from matching.concepts import main as concepts_main

        return concepts_main(rest)
    args = _parser().parse_args(rest)
    started = time.perf_counter()
    try:
        corpus = load_corpus(args.data, seed=args.seed, max_texts=args.max_texts,
                             exclude=args.exclude_lists)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.key_fraction is not None:
        if not 0.0 < args.key_fraction <= 1.0:
            print("error: --key-fraction must be within (0, 1]", file=sys.stderr)
            return 2
        from matching.encoders import E5Encoder

        corpus = key_sample(corpus, args.key_fraction, E5Encoder().name)
    vectors = encode_cached(corpus.texts, workers=args.workers, cached_only=args.cached_only)
    keep = ~np.isnan(vectors).any(axis=1)
    if not keep.all():
        corpus = Corpus([t for t, k in zip(corpus.texts, keep) if k], corpus.concepts[keep],
                        corpus.lists[keep], corpus.list_names, corpus.is_query[keep])
        vectors = vectors[keep]
    encoded = time.perf_counter()
    result = train_adapter(vectors, corpus.concepts, corpus.lists, corpus.is_query, seed=args.seed,
                           epochs=args.epochs, batch=args.batch, lr=args.lr,
                           temperature=args.temperature, kind=args.kind, hidden=args.hidden,
                           hard_negatives=args.hard_negatives, neighbours=args.neighbours,
                           mine_every=args.mine_every, log=lambda line: print(line, file=sys.stderr, flush=True))
    summary = {"texts": len(corpus.texts), "concepts": int(len(np.unique(corpus.concepts))),
               "lists": len(corpus.list_names), "excluded_lists": args.exclude_lists,
               "key_fraction": args.key_fraction, "kind": args.kind, "seed": args.seed,
               "epochs": args.epochs, "batch": args.batch, "lr": args.lr, "temperature": args.temperature,
               "hard_negatives": args.hard_negatives, "neighbours": args.neighbours, "mine_every": args.mine_every,
               **result["heldout"], "calibration": result["calibration"],
               "encode_seconds": round(encoded - started, 1),
               "train_seconds": round(time.perf_counter() - encoded, 1)}
    if args.out is not None:
        from matching.encoders import E5Encoder

        command = "python -m matching.train " + " ".join(sys.argv[1:] if argv is None else argv)
        meta = {"version": args.version or args.out.stem, "base_encoder": E5Encoder().name,
                "kind": args.kind, "dimension": int(vectors.shape[1]), "command": command,
                "trained": _dt.datetime.now(_dt.timezone.utc).date().isoformat(), "summary": summary}
        save_adapter(result, args.out, meta)
        summary["out"] = str(args.out)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
