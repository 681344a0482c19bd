"""Learned fusion: a small model combines a pair's channels instead of the hand-set fusion (issue 12).

Research tool for the MELO goals (docs/matching.md, "A learned fusion of the pair's channels").
Usage::

    nice -n 10 python -m scripts.learned_fusion tune [--models listwise hgb ...] [--k 100]
    nice -n 10 python -m scripts.learned_fusion dev --split $M/swe_q_sv_c_sv [--references lift:1.6 add:0.8]

The product's relevance of a pair is hand-set: the adapted dense cosine mapped from its range,
fused with the lexical channel at dense weight 0.55 (dense alone for a pair the language rule
calls cross-language), then lifted by the concept channel (``lift`` 0.4). Here a model learns
the combination from *pair features* only (:data:`FEATURES`): the adapted and the zero-shot e5
cosine, the lexical score, the concept similarity, the language rule's decision, the hand-set
scores themselves, text lengths, exact equality and shared words. No feature depends on other
candidates or ranks (the lexical channel's IDF of the collection is accepted, as in the
product), so a learned score is a fact about the pair.

Candidates: a query's top ``k`` by the product's score; the learned score re-orders those
``k``, the rest keep the product's order below. The pair sets also hold each query's relevant
documents outside its top ``k``, but models train on the top ``k`` only (with the others every
pointwise model lost 0.05-0.16 MAP on the tuning lists).

``tune`` trains and selects on melo-train only: est, pol and lva and two cross-language lists
made from them (Estonian titles against Polish ESCO names and the reverse, relevance by concept
id), in three groups (est + et→pl, pol + pl→et, lva), each held out in turn. Vectors come
from ``matching.train``'s cache; the first stage's adapter is ``--adapter-file`` (an adapter
trained without the three lists, so the dense features are held out); each list's concept
table leaves out its languages. ``dev`` fits the chosen model on all five lists and measures a
MELO dev split once against the product's current setting (occupation-v1, concepts-v1 at lift
0.4) with the paired bootstrap of ``scripts.melo_dev``. Both print JSON on the last line.

Outcome (4 December 2026): the listwise linear model on the channels gains on all three dev
splits against the product, but it learned the hand-set score with a higher concept weight
(about ``add`` 0.75) and is within noise of hand-set ``add`` 0.8; it loses on the Danish demo.
Not in the product.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FEATURES = ("dense", "base", "lexical", "concept", "cross", "fused", "lifted",
            "query_chars", "doc_chars", "exact", "shared_words", "word_jaccard", "shared_stems")
# Monotone increasing in the similarities (a higher cosine never lowers the score); the text
# facts are free, since their direction is not obvious (an exact self-match is not always relevant).
MONOTONE = {"dense": 1, "base": 1, "lexical": 1, "concept": 1, "fused": 1, "lifted": 1}
PRODUCT_LIFT = 0.4
MODELS = ("linear", "logreg", "hgb", "listwise", "listwise-mlp", "listwise-spline")
GROUPS = {"est_q_et_c_et": "est", "et->pl": "est", "pol_q_pl_c_pl": "pol", "pl->et": "pol", "lva_q_lv_c_lv": "lva"}
_WORD = re.compile(r"\w+")


def words(text: str) -> frozenset[str]:
    """The lower-cased words of ``text``."""
    return frozenset(_WORD.findall(text.casefold()))


def text_features(query: str, doc: str, stem: int = 5) -> tuple[float, ...]:
    """Facts about the two texts alone: log lengths, exact equality, shared words, their
    Jaccard share and shared word beginnings (the first ``stem`` letters: a crude stemmer)."""
    a, b = words(query), words(doc)
    shared = len(a & b)
    stems = len({w[:stem] for w in a} & {w[:stem] for w in b})
    return (float(np.log1p(len(query))), float(np.log1p(len(doc))),
            float(query.strip().casefold() == doc.strip().casefold()),
            float(shared), shared / len(a | b) if a | b else 0.0, float(stems))


@dataclass
class PairSet:
    """Candidate pairs of one list with their features.

    Attributes:
        name: The list's name.
        features: (pairs, len(FEATURES)) float32.
        query, doc: Per pair, the query's and the document's index.
        label: Per pair, 1 when judged relevant.
        in_top: Per pair, whether it is among its query's top ``k`` by the product's score.
        top: (queries, k) the top ``k`` documents per query in the product's order.
        relevant: Per query, the relevant documents' indices.
        relevant_rank: Per query, the product's (1-based) rank of each relevant document.
    """

    name: str
    features: np.ndarray
    query: np.ndarray
    doc: np.ndarray
    label: np.ndarray
    in_top: np.ndarray
    top: np.ndarray
    relevant: list[np.ndarray]
    relevant_rank: list[np.ndarray]

    def save(self, path: Path) -> None:
        np.savez(path, features=self.features, query=self.query, doc=self.doc, label=self.label,
                 in_top=self.in_top, top=self.top, name=self.name,
                 relevant=np.array(self.relevant, dtype=object), relevant_rank=np.array(self.relevant_rank, dtype=object))

    @classmethod
    def load(cls, path: Path) -> "PairSet":
        with np.load(path, allow_pickle=True) as z:
            return cls(str(z["name"]), z["features"], z["query"], z["doc"], z["label"], z["in_top"], z["top"],
                       list(z["relevant"]), list(z["relevant_rank"]))


def stable_ranks(row: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """1-based ranks of ``docs`` in ``row`` sorted high first, ties in index order (a stable sort)."""
    values = row[docs]
    above = (row[None, :] > values[:, None]).sum(1)
    ties = ((row[None, :] == values[:, None]) & (np.arange(len(row))[None, :] < docs[:, None])).sum(1)
    return above + ties + 1


def pair_set(name: str, q_texts: Sequence[str], d_texts: Sequence[str], relevant: Sequence[Sequence[int]],
             dense: np.ndarray, base_q: np.ndarray, base_d: np.ndarray, lexical: np.ndarray, concept: np.ndarray,
             cross: np.ndarray, fused: np.ndarray, k: int, with_relevant: bool = True) -> PairSet:
    """The candidate pairs of one list from its (queries, docs) channel matrices.

    ``fused`` is the product's score before the concept channel; the candidates are each
    query's top ``k`` after it (``lift`` :data:`PRODUCT_LIFT`), plus, ``with_relevant``, every
    relevant document (training).
    """
    from matching.concepts import combine

    lifted = combine(fused, concept, PRODUCT_LIFT, "lift")
    rows, tops, ranks, rels = [], [], [], []
    for i in range(len(q_texts)):
        order = np.argsort(-lifted[i], kind="stable")
        top = order[:k]
        rel = np.asarray(sorted(relevant[i]), dtype=np.int64)
        docs = np.union1d(top, rel) if with_relevant else top
        labels = np.isin(docs, rel)
        rows += [(i, int(j), float(y), bool(flag)) for j, y, flag in zip(docs, labels, np.isin(docs, top))]
        tops.append(top)
        rels.append(rel)
        ranks.append(stable_ranks(lifted[i], rel))
    q = np.array([r[0] for r in rows], dtype=np.int64)
    d = np.array([r[1] for r in rows], dtype=np.int64)
    base = (base_q[q] * base_d[d]).sum(1)
    texts = np.array([text_features(q_texts[a], d_texts[b]) for a, b in zip(q, d)], dtype=np.float32)
    features = np.column_stack([dense[q, d], base, lexical[q, d], concept[q, d], cross[q, d].astype(np.float32),
                                fused[q, d], lifted[q, d], texts]).astype(np.float32)
    return PairSet(name, features, q, d, np.array([r[2] for r in rows], dtype=np.int8),
                   np.array([r[3] for r in rows], dtype=bool), np.stack(tops), rels, ranks)


def reranked_ap(pairs: PairSet, scores: np.ndarray | None) -> np.ndarray:
    """Per query, the AP when its top ``k`` are ordered by ``scores`` (one per pair; None: the
    product's order), ties in the product's order, the other documents after them as before."""
    ap = np.zeros(len(pairs.top))
    position = {}
    for index, (a, b) in enumerate(zip(pairs.query, pairs.doc)):
        position[(int(a), int(b))] = index
    for i, top in enumerate(pairs.top):
        rel = pairs.relevant[i]
        if len(rel) == 0:
            continue
        if scores is None:
            order = top
        else:
            own = scores[[position[(i, int(j))] for j in top]]
            order = top[np.argsort(-own, kind="stable")]
        rank_in_top = {int(j): r + 1 for r, j in enumerate(order)}
        ranks = np.sort([rank_in_top.get(int(j), int(r)) for j, r in zip(rel, pairs.relevant_rank[i])])
        ap[i] = float(np.sum(np.arange(1, len(ranks) + 1) / ranks) / len(rel))
    return ap


# --- models -----------------------------------------------------------------------------------


def make_model(kind: str, columns: Sequence[str]):
    """An sklearn classifier of the given kind on the features ``columns``."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import SplineTransformer, StandardScaler

    if kind == "hgb":
        return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, max_leaf_nodes=15,
                                              min_samples_leaf=200, random_state=0,
                                              monotonic_cst=[MONOTONE.get(c, 0) for c in columns])
    if kind == "linear":  # learned weights of the same features: the hand-set fusion's shape
        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=500))
    if kind == "logreg":  # spline features: monotone-looking curves, no interactions
        return make_pipeline(SplineTransformer(n_knots=6, degree=2), LogisticRegression(C=1.0, max_iter=1000))
    raise ValueError(f"unknown model {kind!r}")


class ListwiseModel:
    """A pair score ``f(features)`` (linear, or linear plus a small ReLU layer) trained with a
    listwise loss: per query, a softmax over its top-``k`` candidates against the relevant ones
    (ListNet). Only differences within a query count, so a level shift of a feature between
    languages costs nothing; the score itself stays a function of the pair's features."""

    def __init__(self, hidden: int = 0, epochs: int = 30, lr: float = 0.01, seed: int = 0, splines: bool = False):
        self.hidden, self.epochs, self.lr, self.seed = hidden, epochs, lr, seed
        self.splines = None
        if splines:  # a curve per feature (an additive model); knots at the training quantiles, then fixed
            from sklearn.preprocessing import SplineTransformer

            self.splines = SplineTransformer(n_knots=6, degree=2, knots="quantile")

    def _expand(self, x: np.ndarray) -> np.ndarray:
        return x if self.splines is None else np.hstack([x, self.splines.transform(x)]).astype(np.float32)

    def fit(self, x_lists: list[np.ndarray], y_lists: list[np.ndarray]) -> "ListwiseModel":
        import torch

        torch.manual_seed(self.seed)
        torch.set_num_threads(2)
        if self.splines is not None:
            self.splines.fit(np.vstack(x_lists))
            x_lists = [self._expand(x) for x in x_lists]
        stacked = np.vstack(x_lists)
        self.mean, self.scale = stacked.mean(0), stacked.std(0) + 1e-6
        width = max(len(x) for x in x_lists)
        x = np.zeros((len(x_lists), width, stacked.shape[1]), np.float32)
        y = np.zeros((len(x_lists), width), np.float32)
        mask = np.zeros((len(x_lists), width), bool)
        for i, (a, b) in enumerate(zip(x_lists, y_lists)):
            x[i, :len(a)], y[i, :len(b)], mask[i, :len(a)] = (a - self.mean) / self.scale, b, True
        x, y, mask = torch.from_numpy(x), torch.from_numpy(y / y.sum(1, keepdims=True)), torch.from_numpy(mask)
        layers = [torch.nn.Linear(x.shape[2], 1)] if not self.hidden else [
            torch.nn.Linear(x.shape[2], self.hidden), torch.nn.ReLU(), torch.nn.Linear(self.hidden, 1)]
        self.net = torch.nn.Sequential(*layers)
        optimiser = torch.optim.Adam(self.net.parameters(), lr=self.lr)
        generator = torch.Generator().manual_seed(self.seed)
        for _ in range(self.epochs):
            for batch in torch.randperm(len(x), generator=generator).split(256):
                logits = self.net(x[batch]).squeeze(-1).masked_fill(~mask[batch], -1e9)
                loss = -(y[batch] * torch.log_softmax(logits, 1)).sum(1).mean()
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        return self

    def decision_function(self, features: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            x = torch.from_numpy(((self._expand(features) - self.mean) / self.scale).astype(np.float32))
            return self.net(x).squeeze(-1).numpy().astype(np.float64)


def fit_model(kind: str, sets: Sequence[PairSet], columns: Sequence[str]):
    """Fit a model on the top-``k`` candidate pairs of ``sets`` (relevant documents outside the
    top ``k`` left out: with them, every pointwise model lost 0.05-0.16 MAP on the tuning lists).

    ``linear``, ``logreg`` and ``hgb`` are pointwise (relevant or not); ``listwise``,
    ``listwise-mlp`` and ``listwise-spline`` learn from each query's candidates together (:class:`ListwiseModel`).
    """
    index = [FEATURES.index(c) for c in columns]
    if kind.startswith("listwise"):
        x_lists, y_lists = [], []
        for s in sets:
            keep = s.in_top
            order = np.argsort(s.query[keep], kind="stable")
            q, x, y = s.query[keep][order], s.features[keep][order][:, index], s.label[keep][order]
            for part_x, part_y in zip(np.split(x, np.flatnonzero(np.diff(q)) + 1), np.split(y, np.flatnonzero(np.diff(q)) + 1)):
                if part_y.any():
                    x_lists.append(part_x)
                    y_lists.append(part_y.astype(np.float32))
        return ListwiseModel(hidden=16 if kind == "listwise-mlp" else 0,
                             splines=kind == "listwise-spline").fit(x_lists, y_lists)
    x = np.vstack([s.features[s.in_top][:, index] for s in sets])
    y = np.concatenate([s.label[s.in_top] for s in sets])
    return make_model(kind, columns).fit(x, y)


def model_scores(model, pairs: PairSet, columns: Sequence[str]) -> np.ndarray:
    """The model's score (log-odds) per pair."""
    index = [FEATURES.index(c) for c in columns]
    return model.decision_function(pairs.features[:, index])


# --- channel matrices -------------------------------------------------------------------------


def languages(texts: Sequence[str]) -> np.ndarray:
    """``matching.language.language_of`` per text ("" when unsure)."""
    from matching.language import language_of

    return np.array([language_of(t) or "" for t in texts], dtype=object)


def cross_matrix(q_texts: Sequence[str], d_texts: Sequence[str]) -> np.ndarray:
    """The product's language rule per pair (both sides claimed and different)."""
    a, b = languages(q_texts), languages(d_texts)
    return (a[:, None] != "") & (b[None, :] != "") & (a[:, None] != b[None, :])


def channels(q_texts, d_texts, q_adapted, d_adapted, table, scorer):
    """(dense, lexical, concept, cross, fused) matrices of a list, as the product computes them."""
    from matching.concepts import ProfileSettings, concept_similarity, profiles

    lexical_model = scorer.fit_lexical(d_texts)
    lexical = (lexical_model.transform(q_texts) @ lexical_model.transform(d_texts).T).toarray().astype(np.float32)
    dense = (q_adapted @ d_adapted.T).astype(np.float32)
    concept = concept_similarity(profiles(q_adapted, table, ProfileSettings()), profiles(d_adapted, table, ProfileSettings()))
    cross = cross_matrix(q_texts, d_texts)
    fused = scorer.fuse(dense, lexical, cross)
    return dense, lexical, np.asarray(concept, dtype=np.float32), cross, fused


def tuning_lists(data: Path, adapter_file: Path, k: int, cache: Path, log) -> list[PairSet]:
    """The five tuning lists' candidate pairs (cached in ``cache``)."""
    from matching.adapter import load_adapter
    from matching.concepts import list_folders, read_list, table_from_lists
    from matching.encoders import make_encoder
    from matching.relevance import RelevanceScorer
    from matching.train import encode_cached

    cache.mkdir(parents=True, exist_ok=True)
    folders = list_folders(data)
    by_name = {f.name: f for f in folders}
    adapter = load_adapter(str(adapter_file))
    scorer = RelevanceScorer(make_encoder("e5", "occupation-v1"))  # the product's fusion (range 0.24..1)
    found: dict[str, np.ndarray] = {}

    def encode(batch: list[str]) -> np.ndarray:
        missing = sorted(set(batch) - found.keys())
        if missing:
            found.update(zip(missing, encode_cached(missing)))
        return np.stack([found[t] for t in batch])

    lists = {n: read_list(by_name[n]) for n in ("est_q_et_c_et", "pol_q_pl_c_pl", "lva_q_lv_c_lv")}
    specs = [(n, n, n) for n in lists] + [("et->pl", "est_q_et_c_et", "pol_q_pl_c_pl"),
                                          ("pl->et", "pol_q_pl_c_pl", "est_q_et_c_et")]
    out = []
    for name, q_list, d_list in specs:
        path = cache / f"{name.replace('>', '')}-k{k}.npz"
        if path.is_file():
            out.append(PairSet.load(path))
            continue
        started = time.perf_counter()
        q_data, d_data = lists[q_list], lists[d_list]
        q_texts = [t for t, _ in q_data.titles]
        d_texts = [t for _, _, t in d_data.names]
        if q_list == d_list:
            position = {e: i for i, (e, _, _) in enumerate(d_data.names)}
            relevant = [[position[e] for e in rel] for rel in q_data.relevant]
        else:  # relevance by ESCO concept id across the two lists
            by_concept: dict[str, list[int]] = {}
            for i, (_, concept, _) in enumerate(d_data.names):
                by_concept.setdefault(concept, []).append(i)
            relevant = [sorted({i for c in concepts for i in by_concept.get(c, [])}) for _, concepts in q_data.titles]
            keep = [i for i, rel in enumerate(relevant) if rel]
            q_texts, relevant = [q_texts[i] for i in keep], [relevant[i] for i in keep]
        left_out = {q_list.split("_")[-1], d_list.split("_")[-1]}
        table = table_from_lists([f for f in folders if f.name.split("_")[-1] not in left_out], encode)
        table.title_vectors, table.centroids = adapter.apply(table.title_vectors), adapter.apply(table.centroids)
        qb, db = encode(q_texts), encode(d_texts)
        qa, da = adapter.apply(qb), adapter.apply(db)
        dense, lexical, concept, cross, fused = channels(q_texts, d_texts, qa, da, table, scorer)
        pairs = pair_set(name, q_texts, d_texts, relevant, dense, qb, db, lexical, concept, cross, fused, k)
        pairs.save(path)
        log(f"{name}: {len(q_texts)} queries, {len(d_texts)} docs, {len(pairs.label)} pairs, "
            f"{time.perf_counter() - started:.0f} s")
        out.append(pairs)
    return out


FEATURE_SETS = {"all": FEATURES, "no-exact": tuple(f for f in FEATURES if f != "exact"),
                "channels": ("dense", "base", "lexical", "concept", "cross", "fused", "lifted")}


def tune(args: argparse.Namespace, log) -> dict:
    """Grouped hold-out on the tuning lists: train on two groups, measure the third; beside it
    the hand-set form at other concept weights (the same candidates re-ordered)."""
    from matching.concepts import combine
    from scripts.melo_dev import paired_difference

    sets = tuning_lists(args.data, args.adapter_file, args.k, args.work, log)
    out: dict = {"mode": "tune", "k": args.k, "lists": {}}
    fused, concept = FEATURES.index("fused"), FEATURES.index("concept")
    for s in sets:
        before = reranked_ap(s, None)
        row = out["lists"][s.name] = {"queries": len(s.top), "product": round(float(before.mean()), 4)}
        for how in ("lift", "add"):
            for weight in (0.8, 1.6):
                after = reranked_ap(s, combine(s.features[:, fused], s.features[:, concept], weight, how))
                row[f"hand/{how}{weight}"] = [round(float(after.mean()), 4), paired_difference(after, before)]
    for kind in args.models:
        for label in args.feature_sets:
            columns = FEATURE_SETS[label]
            for group in sorted(set(GROUPS.values())):
                started = time.perf_counter()
                model = fit_model(kind, [s for s in sets if GROUPS[s.name] != group], columns)
                for s in sets:
                    if GROUPS[s.name] != group:
                        continue
                    after, before = reranked_ap(s, model_scores(model, s, columns)), reranked_ap(s, None)
                    result = [round(float(after.mean()), 4), paired_difference(after, before)]
                    out["lists"][s.name][f"{kind}/{label}"] = result
                    log(f"{kind}/{label} held out {s.name}: {result} ({time.perf_counter() - started:.0f} s)")
    return out


def describe(model, columns: Sequence[str]) -> dict | None:
    """A linear listwise model's weight per feature, in the feature's own units (None otherwise)."""
    if not isinstance(model, ListwiseModel) or model.hidden or model.splines is not None:
        return None
    weights = model.net[0].weight.detach().numpy()[0] / model.scale
    return {c: round(float(w), 3) for c, w in zip(columns, weights)}


def dev(args: argparse.Namespace, log) -> dict:
    """Fit on all tuning lists; measure a dev split once against the product's setting."""
    from matching.concepts import dequantise_rows, list_folders, quantise_rows, table_from_lists
    from matching.encoders import make_encoder
    from matching.evaluate import _encode_cached
    from matching.train import encode_cached
    from scripts.melo_dev import average_precisions, first_stage, paired_difference

    columns = FEATURE_SETS[args.features]
    model = fit_model(args.model, tuning_lists(args.data, args.adapter_file, args.k, args.work, log), columns)
    log(f"model {args.model}/{args.features}: {describe(model, columns)}")
    stage = first_stage(args.split, "occupation-v1", args.cache_dir)
    adapter = stage.encoder.adapter
    table = table_from_lists(list_folders(args.data), encode_cached)  # as concepts-v1: all 20 lists, quantised
    table.title_vectors = adapter.apply(dequantise_rows(*quantise_rows(table.title_vectors)))
    table.centroids = adapter.apply(table.centroids.astype(np.float16).astype(np.float32))
    dense, lexical, concept, cross, _ = channels(stage.queries, stage.docs, stage.query_vectors, stage.doc_vectors,
                                                 table, stage.scorer)
    base = make_encoder("e5", "none")
    qb = _encode_cached(base, "query", stage.queries, "queries", args.cache_dir)
    db = _encode_cached(base, stage.scorer.config.doc_role, stage.docs, "corpus", args.cache_dir)
    relevant = [sorted(r) for r in stage.relevant]
    pairs = pair_set(args.split.name, stage.queries, stage.docs, relevant, dense, qb, db, lexical, concept, cross,
                     stage.fused, args.k, with_relevant=False)
    from matching.concepts import combine

    product = average_precisions(combine(stage.fused, concept, PRODUCT_LIFT, "lift"), stage.relevant)
    before = reranked_ap(pairs, None)
    after = reranked_ap(pairs, model_scores(model, pairs, columns))
    out = {"mode": "dev", "split": args.split.name, "model": args.model, "features": args.features, "k": args.k,
           "queries": len(stage.queries), "map_product": round(float(product.mean()), 4),
           "map_product_top_k": round(float(before.mean()), 4), "map_learned": round(float(after.mean()), 4),
           "diff": paired_difference(after, before), "weights": describe(model, columns)}
    fused, similarity = pairs.features[:, FEATURES.index("fused")], pairs.features[:, FEATURES.index("concept")]
    for reference in args.references:  # the hand-set form at another concept weight, same candidates
        how, _, weight = reference.partition(":")
        hand = reranked_ap(pairs, combine(fused, similarity, float(weight), how))
        out[f"map_hand_{how}{weight}"] = round(float(hand.mean()), 4)
        out[f"learned_minus_hand_{how}{weight}"] = paired_difference(after, hand)
    log(json.dumps(out))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from matching.train import CACHE_DIR, DEFAULT_DATA

    parser = argparse.ArgumentParser(prog="python -m scripts.learned_fusion", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tune", help="grouped hold-out on melo-train lists")
    t.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    t.add_argument("--feature-sets", nargs="+", default=["channels", "all"], choices=tuple(FEATURE_SETS))
    d = sub.add_parser("dev", help="a MELO dev split, once")
    d.add_argument("--split", type=Path, required=True)
    d.add_argument("--model", default="listwise", choices=MODELS)
    d.add_argument("--features", default="channels", choices=tuple(FEATURE_SETS))
    d.add_argument("--cache-dir", type=Path, default=CACHE_DIR / "eval")
    d.add_argument("--references", nargs="*", default=[], metavar="HOW:WEIGHT",
                   help="also compare with the hand-set form at these concept weights (e.g. lift:1.6 add:0.8)")
    for p in (t, d):
        p.add_argument("--k", type=int, default=100, help="candidates per query (the product's top k)")
        p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="melo-train")
        p.add_argument("--adapter-file", type=Path, default=Path("/tmp/qlt/occx.npz"),
                       help="the tuning lists' adapter (trained without est, pol and lva)")
        p.add_argument("--work", type=Path, default=Path("/tmp/learned_fusion"), help="cache of the tuning pairs")
    args = parser.parse_args(argv)
    from scripts.melo_dev import run_command

    return run_command(args, tune, dev)


if __name__ == "__main__":
    sys.exit(main())
