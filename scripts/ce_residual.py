"""A cross-encoder residual on the first stage's fused score, from e5's cached states (issue 12).

Research tool for next step 3 of docs/matching.md (a cross-encoder re-ranking the top 50).
Usage::

    nice -n 5 python -m scripts.ce_residual train [--steps 1000] [--eval-every 200] --out /tmp/ce.pt
    nice -n 5 python -m scripts.ce_residual dev --split $M/swe_q_sv_c_sv --model /tmp/ce.pt \\
        [--encoder-adapter none] [--weights 0.25 0.5 0.75 1]

The pair is read together, cheaply: the lower ten layers of e5 run on each text alone (the
layer-10 states ``matching.finetune`` already caches, ``query: `` prefix), and the top two
layers run on the two texts' states side by side, every token attending to both texts (a
"late-interaction" cross-encoder; the top layers start from e5's weights and are trained).
A linear head (zero at the start) reads the joint states: the ``<s>`` token, the mean of all
tokens and the product of the two texts' mean vectors. Its output is a residual on the first
stage: a candidate among the first stage's top ``k`` (50) is ranked by ``scale * fused +
weight * residual`` (scale 20, the first stage's fused score as
``matching.relevance.RelevanceScorer`` gives it); at weight 0 that is the first stage's order,
bit for bit, and a pair's score stays a fact about the pair.

``train`` learns on melo-train (never ``melo/``): the 40,000 texts of ft-v1's recipe (est
held out), each national title against its own list's names, with 15 hard negatives per title
from the zero-shot first stage's top 30 and one name of its concept as the positive; softmax
loss over the 16. Every ``--eval-every`` steps it measures 500 est titles re-ranking the top 50
of all est names (concept labels as ``matching.train.heldout_map``) at several weights and keeps
the step best at ``--select-weight`` (written at once, so an interrupted run keeps it). ``dev`` re-ranks a MELO split's product ranking
(``matching.evaluate``'s fused score, base vectors from ``--cache-dir``) and prints MAP per
weight, with the per-query difference to the first stage (mean, 95% paired-bootstrap
interval, queries better, queries worse). Both print JSON on the last line. torch is imported here only (research, not serving).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SPLIT = 10  # the trained top layers are 10 and 11
SCALE = 20.0  # the first stage's fused score in logits (a temperature of 0.05)
SELECT_LIST = "est_q_et_c_et"


def rerank(first: np.ndarray, residual: np.ndarray, top: np.ndarray, weight: float) -> np.ndarray:
    """Scores of one query's whole row: the first stage's ``top`` candidates re-ranked by
    ``SCALE * first + weight * residual`` (``residual`` aligned with ``top``) and kept above
    the rest, which keep the first stage's order."""
    scores = first.astype(np.float64) * SCALE
    scores[top] = 1e4 + first[top].astype(np.float64) * SCALE + weight * residual
    return scores


def average_precision(scores: np.ndarray, relevant: np.ndarray) -> float:
    """AP of one ranking (higher first, ties in corpus order); ``relevant`` is a bool mask."""
    from matching.evaluate import average_precision as ap

    return ap(np.argsort(-scores, kind="stable"), dict.fromkeys(np.flatnonzero(relevant).tolist(), 1))


def _torch():
    import torch
    import torch.nn.functional as F

    return torch, F


def build_model(state: dict | None = None):
    """e5 in torch with the pair head (``ce_head``, zero-initialised); ``state`` loads a checkpoint."""
    torch, _ = _torch()
    from matching.finetune import E5Torch

    model = E5Torch()
    model.ce_head = torch.nn.Linear(3 * model.config.hidden, 1)
    torch.nn.init.zeros_(model.ce_head.weight)
    torch.nn.init.zeros_(model.ce_head.bias)
    if state is not None:
        model.load_state_dict(state, strict=False)
    return model


def residuals(model, q_cache, q_rows: np.ndarray, d_cache, d_rows: np.ndarray, cap: int):
    """The head's residual for each (query row, document row) pair (a torch vector)."""
    torch, _ = _torch()
    qs, qm = q_cache.batch_tensors(q_rows, cap)
    ds, dm = d_cache.batch_tensors(d_rows, cap)
    x = model.run_layers(torch.cat([qs, ds], 1), torch.cat([qm, dm], 1), SPLIT)
    split = qs.shape[1]
    both = model.pool(x, torch.cat([qm, dm], 1))
    features = torch.cat([x[:, 0], both * 10, model.pool(x[:, :split], qm) * model.pool(x[:, split:], dm) * 10], -1)
    return model.ce_head(features).squeeze(-1)


def score_pairs(model, q_cache, q_rows, d_cache, d_rows, cap: int, batch: int = 512) -> np.ndarray:
    """``residuals`` without gradients, in batches of similar length."""
    torch, _ = _torch()
    out = np.empty(len(q_rows), np.float32)
    order = np.argsort(q_cache.lengths[q_rows] + d_cache.lengths[d_rows], kind="stable")
    with torch.no_grad():
        for at in range(0, len(order), batch):
            chosen = order[at:at + batch]
            out[chosen] = residuals(model, q_cache, q_rows[chosen], d_cache, d_rows[chosen], cap).numpy()
    return out


def fused_same_language(q_vectors, d_vectors, q_texts, d_texts) -> np.ndarray:
    """The product's fusion (``RelevanceScorer.fuse``) of zero-shot e5 for same-language pairs,
    the lexical channel fitted on the documents, as a (queries, documents) matrix."""
    from matching.encoders import make_encoder
    from matching.relevance import RelevanceScorer

    scorer = RelevanceScorer(make_encoder("e5", "none"))
    lexical = scorer.fit_lexical(d_texts)
    return scorer.fuse(q_vectors @ d_vectors.T, (lexical.transform(q_texts) @ lexical.transform(d_texts).T).toarray())


# --- train ----------------------------------------------------------------------------------


def training_titles(corpus, vectors: np.ndarray, k: int, negatives: int) -> list:
    """Per national title: (row, positive rows, hard negative rows, fused score by row)."""
    texts = np.asarray(corpus.texts, dtype=object)
    out = []
    for index in np.unique(corpus.lists):
        titles = np.nonzero(corpus.is_query & (corpus.lists == index))[0]
        names = np.nonzero(~corpus.is_query & (corpus.lists == index))[0]
        if len(titles) == 0 or len(names) < k:
            continue
        fused = fused_same_language(vectors[titles], vectors[names], list(texts[titles]), list(texts[names]))
        top = np.argsort(-fused, axis=1, kind="stable")[:, :k]
        for i, title in enumerate(titles):
            same = corpus.concepts[names] == corpus.concepts[title]
            negs = [names[j] for j in top[i] if not same[j]]
            if same.any() and len(negs) >= negatives:
                keep = same.copy()
                keep[top[i]] = True
                out.append((title, names[same], np.array(negs),
                            {int(names[j]): float(fused[i, j]) for j in np.nonzero(keep)[0]}))
    return out


def train(args: argparse.Namespace, log) -> dict:
    torch, F = _torch()
    from matching.finetune import StateCache, check_corpora, states_folder, top_vectors
    from matching.train import load_corpus

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = build_model()
    cache = StateCache(model, SPLIT, 16, states_folder(), log=log)
    corpus = load_corpus(args.data, seed=0, max_texts=40000, exclude=[SELECT_LIST])
    rows = cache.rows(corpus.texts)
    titles = training_titles(corpus, top_vectors(model, cache, rows), args.k, args.negatives)
    log(f"{len(titles)} training titles")

    held, _ = check_corpora(args.data, 0, SELECT_LIST)
    held_rows = cache.rows(held.texts)
    held_vectors = top_vectors(model, cache, held_rows)
    h_titles, h_names = np.nonzero(held.is_query)[0], np.nonzero(~held.is_query)[0]
    h_texts = np.asarray(held.texts, dtype=object)
    h_fused = fused_same_language(held_vectors[h_titles], held_vectors[h_names],
                                  list(h_texts[h_titles]), list(h_texts[h_names]))
    measured = np.random.default_rng(1).permutation(len(h_titles))[:args.eval_titles]
    h_top = np.argsort(-h_fused, axis=1, kind="stable")[:, :args.top]
    weights = (0.0, 0.25, 0.5, 0.75, 1.0)

    def measure() -> dict:
        model.eval()
        q = np.repeat(measured, args.top)
        res = score_pairs(model, cache, held_rows[h_titles[q]], cache, held_rows[h_names[h_top[measured].reshape(-1)]],
                          cap=16).reshape(len(measured), args.top)
        model.train()
        out = {}
        for weight in weights:
            out[str(weight)] = round(float(np.mean([
                average_precision(rerank(h_fused[t], res[a], h_top[t], weight),
                                  held.concepts[h_names] == held.concepts[h_titles[t]])
                for a, t in enumerate(measured)])), 4)
        return out

    for p in model.parameters():
        p.requires_grad_(False)
    layers = [p for i in range(SPLIT, model.config.layers) for p in model.layers[i].parameters()]
    head = list(model.ce_head.parameters())
    for p in layers + head:
        p.requires_grad_(True)
    optimiser = torch.optim.AdamW([{"params": layers, "lr": args.lr}, {"params": head, "lr": args.head_lr}],
                                  weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / 30) * max(0.0, 1.0 - s / args.steps))
    keys = tuple(f"layers.{i}." for i in range(SPLIT, model.config.layers)) + ("ce_head.",)
    snapshot = lambda: {k: v.detach().clone() for k, v in model.state_dict().items() if k.startswith(keys)}  # noqa: E731
    started = time.process_time()
    first = measure()
    best, history = (first, 0, snapshot()), [(0, first, None)]
    log(f"step 0: est {first}")
    model.train()
    order, cursor, losses = rng.permutation(len(titles)), 0, []
    for step in range(1, args.steps + 1):
        if cursor + args.queries > len(order):
            order, cursor = rng.permutation(len(titles)), 0
        q_rows, d_rows, fused = [], [], []
        for index in order[cursor:cursor + args.queries]:
            title, positives, negatives, by_row = titles[index]
            docs = [positives[rng.integers(len(positives))], *rng.choice(negatives, args.negatives, replace=False)]
            q_rows += [title] * len(docs)
            d_rows += docs
            fused += [by_row[int(d)] for d in docs]
        cursor += args.queries
        res = residuals(model, cache, rows[np.array(q_rows)], cache, rows[np.array(d_rows)], cap=16)
        logits = (res + torch.tensor(fused) * SCALE).view(args.queries, 1 + args.negatives)
        loss = F.cross_entropy(logits, torch.zeros(args.queries, dtype=torch.long))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
        if step % args.eval_every == 0 or step == args.steps:
            figures = measure()
            mean_loss = round(float(np.mean(losses[-args.eval_every:])), 4)
            history.append((step, figures, mean_loss))
            log(f"step {step}: loss {mean_loss}, est {figures} ({time.process_time() - started:.0f} s CPU)")
            if figures[str(args.select_weight)] > best[0][str(args.select_weight)]:
                best = (figures, step, snapshot())
                torch.save(best[2], args.out)  # an interrupted run keeps its best step
    torch.save(best[2], args.out)
    return {"mode": "train", "best_step": best[1], "est": best[0], "est_step0": first, "history": history,
            "titles": len(titles), "out": str(args.out), "cpu_s": round(time.process_time() - started, 1),
            "select_weight": args.select_weight, "steps": args.steps, "seed": args.seed}


# --- dev ------------------------------------------------------------------------------------


def dev(args: argparse.Namespace, log) -> dict:
    torch, _ = _torch()
    from matching.finetune import StateCache, states_folder
    from scripts.melo_dev import first_stage, paired_difference

    torch.set_num_threads(args.threads)
    stage = first_stage(args.split, args.encoder_adapter, args.cache_dir)
    first, docs = stage.fused, stage.docs
    asked = len(stage.queries)
    top = np.argsort(-first, axis=1, kind="stable")[:, :args.top]
    model = build_model(torch.load(args.model))
    model.eval()
    cache = StateCache(model, SPLIT, 48, states_folder("-eval-w48"), log=log)
    q_rows, d_rows = cache.rows(stage.queries), cache.rows(docs)
    started = time.process_time()
    res = score_pairs(model, cache, q_rows[np.repeat(np.arange(asked), args.top)], cache,
                      d_rows[top.reshape(-1)], cap=args.max_tokens).reshape(asked, args.top)
    log(f"{res.size} pairs scored in {time.process_time() - started:.0f} s CPU")
    relevant = []
    for positions in stage.relevant:
        mask = np.zeros(len(docs), dtype=bool)
        mask[list(positions)] = True
        relevant.append(mask)
    out = {"mode": "dev", "split": args.split.name, "queries": asked, "corpus": len(docs),
           "first_stage": stage.encoder.name, "top": args.top, "model": str(args.model)}
    aps = {}
    for weight in (0.0, *args.weights):
        aps[weight] = np.array([average_precision(rerank(first[i], res[i], top[i], weight), relevant[i])
                                for i in range(asked)])
        out[f"map_w{weight}"] = round(float(aps[weight].mean()), 4)
        if weight:  # paired bootstrap of the per-query difference to the first stage: 95% interval
            out[f"diff_w{weight}"] = paired_difference(aps[weight], aps[0.0])
    out["pairs_cpu_s"] = round(time.process_time() - started, 1)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from matching.train import CACHE_DIR, DEFAULT_DATA

    parser = argparse.ArgumentParser(prog="python -m scripts.ce_residual", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train on melo-train, choose the step on est")
    t.add_argument("--data", type=Path, default=DEFAULT_DATA)
    t.add_argument("--out", type=Path, required=True, help="checkpoint to write (torch state of the top layers and head)")
    t.add_argument("--steps", type=int, default=1000)
    t.add_argument("--eval-every", type=int, default=200)
    t.add_argument("--eval-titles", type=int, default=500)
    t.add_argument("--queries", type=int, default=16, help="titles per step")
    t.add_argument("--negatives", type=int, default=15, help="hard negatives per title")
    t.add_argument("--k", type=int, default=30, help="first-stage candidates the negatives come from")
    t.add_argument("--top", type=int, default=50, help="candidates re-ranked in the est measure")
    t.add_argument("--lr", type=float, default=5e-5)
    t.add_argument("--head-lr", type=float, default=1e-3)
    t.add_argument("--select-weight", type=float, default=0.5, choices=(0.0, 0.25, 0.5, 0.75, 1.0))
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=int, default=2)
    d = sub.add_parser("dev", help="re-rank a MELO split's product ranking")
    d.add_argument("--split", type=Path, required=True)
    d.add_argument("--model", type=Path, required=True)
    d.add_argument("--encoder-adapter", default="none", help="the first stage's adapter (none: zero-shot e5)")
    d.add_argument("--cache-dir", type=Path, default=CACHE_DIR / "eval")
    d.add_argument("--top", type=int, default=50)
    d.add_argument("--max-tokens", type=int, default=24, help="tokens per text in the pair")
    d.add_argument("--weights", type=float, nargs="+", default=[0.25, 0.5, 0.75, 1.0])
    d.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    if args.command == "dev" and not (args.split / "queries.tsv").is_file():
        print(f"error: no queries.tsv in {args.split}", file=sys.stderr)
        return 2
    if args.command == "dev" and not args.model.is_file():
        print(f"error: no checkpoint {args.model}", file=sys.stderr)
        return 2
    result = train(args, log) if args.command == "train" else dev(args, log)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
