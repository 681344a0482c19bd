"""Concept transfer: occupation concepts read from other countries' judged titles (issue 12).

Research tool for the MELO goals (docs/matching.md, "Concept transfer"). Usage::

    nice -n 5 python -m scripts.concept_transfer tune [--lists est_q_et_c_et pol_q_pl_c_pl lva_q_lv_c_lv]
    nice -n 5 python -m scripts.concept_transfer dev --split $M/swe_q_sv_c_sv [--adapter occupation-v1]

Every text gets a *concept profile* (``matching.concepts``: half from the 10 most similar
national titles of melo-train's lists and the ESCO concepts experts judged them to match, half
from the 3 nearest concept centroids of up to 3 ESCO names per concept and list), read here from
zero-shot e5 vectors (``--space base``) or the first stage's adapted ones (``--space adapted``,
the table mapped by the same adapter). A pair's concept similarity (the profiles' dot product)
joins the fused score by ``matching.concepts.combine`` (``add`` or ``lift``). The title half is
what the concept anchors (``matching.anchors``) lack: a national title is mapped to ESCO by how
experts mapped *similar titles elsewhere*, which reaches concepts whose names share no words
with it (e.g. a group title such as "Specialistofficerare").

``tune`` measures melo-train lists, each with a table built without it, over a grid of
weights and title shares (first stage: zero-shot e5 fused with the lexical channel, as
``scripts.ce_residual``); ``dev`` measures a MELO dev split once on the product's ranking
(``matching.evaluate``'s fused score with ``--adapter``; table from all 20 lists) with a paired
bootstrap. Both print JSON on the last line.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from matching.concepts import (ProfileSettings, combine, concept_similarity, dequantise_rows, list_folders,
                               profiles, quantise_rows, read_list, table_from_lists)


def tune(args: argparse.Namespace, log) -> dict:
    from matching.train import encode_cached
    from scripts.ce_residual import fused_same_language
    from scripts.melo_dev import average_precisions

    folders = list_folders(args.data)
    by_name = {f.name: f for f in folders}
    adapter = None
    if args.adapter_file is not None:
        from matching.adapter import load_adapter

        adapter = load_adapter(str(args.adapter_file))
        if adapter.anchors is not None:
            raise SystemExit(f"error: --adapter-file needs a plain adapter; {adapter.version} anchors its vectors")
        excluded = set(adapter.meta.get("summary", {}).get("excluded_lists") or [])
        seen = sorted(set(args.lists) - excluded)
        if seen:
            log(f"note: adapter {adapter.version} was trained on {', '.join(seen)}: not held out there")
    found: dict[str, np.ndarray] = {}

    def encode(batch: list[str]) -> np.ndarray:
        """encode_cached, remembered: it reads the whole vector cache on each call."""
        missing = sorted(set(batch) - found.keys())
        if missing:
            found.update(zip(missing, encode_cached(missing)))
        return np.stack([found[t] for t in batch])

    out: dict = {"mode": "tune", "weights": args.weights, "shares": args.shares, "title_k": args.title_k,
                 "concept_k": args.concept_k, "names_per_concept": args.names_per_concept,
                 "adapter_file": None if args.adapter_file is None else str(args.adapter_file), "lists": {}}
    for name in args.lists:
        if name not in by_name:
            raise FileNotFoundError(f"no list folder {name} under {args.data}")
        started = time.perf_counter()
        data = read_list(by_name[name])
        q_texts, d_texts = [t for t, _ in data.titles], [t for _, _, t in data.names]
        qv, dv = encode(q_texts), encode(d_texts)
        fused = fused_same_language(qv, dv, q_texts, d_texts)
        position = {e: i for i, (e, _, _) in enumerate(data.names)}
        relevant = [dict.fromkeys([position[e] for e in rel], 1) for rel in data.relevant]
        # The held-out list and any list sharing its corpus language (aut/deu, bel/fra, bel/nld:
        # the same ESCO names) stay out of its table.
        language = name.split("_")[-1]
        table = table_from_lists([f for f in folders if f.name.split("_")[-1] != language], encode,
                                 args.names_per_concept)
        p_qv, p_dv = qv, dv
        if adapter is not None:  # profiles in the adapter's space, the table mapped alike
            p_qv, p_dv = adapter.apply(qv), adapter.apply(dv)
            table.title_vectors, table.centroids = adapter.apply(table.title_vectors), adapter.apply(table.centroids)
        base = average_precisions(fused, relevant)
        row = {"queries": len(q_texts), "names": len(d_texts), "base": round(float(base.mean()), 4)}
        for share in args.shares:
            settings = ProfileSettings(title_share=share, title_k=args.title_k, concept_k=args.concept_k)
            similarity = concept_similarity(profiles(p_qv, table, settings), profiles(p_dv, table, settings))
            for how in args.combine:
                maps = {}
                for w in args.weights:
                    maps[str(w)] = round(float(average_precisions(combine(fused, similarity, w, how), relevant).mean()), 4)
                row[f"{how}_share{share}"] = maps
        row["seconds"] = round(time.perf_counter() - started, 1)
        log(f"{name}: {row}")
        out["lists"][name] = row
    return out


def dev(args: argparse.Namespace, log) -> dict:
    from matching.encoders import make_encoder
    from matching.evaluate import _encode_cached
    from matching.train import encode_cached
    from scripts.melo_dev import average_precisions, first_stage, paired_difference

    stage = first_stage(args.split, args.adapter, args.cache_dir)
    adapter = getattr(stage.encoder, "adapter", None)
    if args.space == "adapted" and (adapter is None or adapter.anchors is not None):
        raise SystemExit(f"error: --space adapted needs a plain adapter (linear map), not {args.adapter!r}")
    table = table_from_lists(list_folders(args.data), encode_cached)
    if args.quantise:  # as a shipped table would hold it: int8 title rows, float16 centroids
        table.title_vectors = dequantise_rows(*quantise_rows(table.title_vectors))
        table.centroids = table.centroids.astype(np.float16).astype(np.float32)
    if args.space == "base":  # profiles from zero-shot e5 vectors
        base = make_encoder("e5", "none")
        p_dv = _encode_cached(base, stage.scorer.config.doc_role, stage.docs, "corpus", args.cache_dir)
        p_qv = _encode_cached(base, "query", stage.queries, "queries", args.cache_dir)
    else:  # the first stage's own vectors, the table mapped by its adapter
        p_dv, p_qv = stage.doc_vectors, stage.query_vectors
        table.title_vectors = adapter.apply(table.title_vectors)
        table.centroids = adapter.apply(table.centroids)
    settings = ProfileSettings(title_share=args.share)
    similarity = concept_similarity(profiles(p_qv, table, settings), profiles(p_dv, table, settings))
    before = average_precisions(stage.fused, stage.relevant)
    out = {"mode": "dev", "split": args.split.name, "adapter": args.adapter, "space": args.space, "quantise": args.quantise,
           "queries": len(stage.queries), "share": args.share, "map_first_stage": round(float(before.mean()), 4)}
    for how in args.combine:
        for weight in args.weights:
            after = average_precisions(combine(stage.fused, similarity, weight, how), stage.relevant)
            out[f"map_{how}_w{weight}"] = round(float(after.mean()), 4)
            out[f"diff_{how}_w{weight}"] = paired_difference(after, before)  # mean, 95% interval, better, worse
            log(f"{how} {weight}: {out[f'map_{how}_w{weight}']} {out[f'diff_{how}_w{weight}']}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from matching.train import CACHE_DIR, DEFAULT_DATA

    parser = argparse.ArgumentParser(prog="python -m scripts.concept_transfer", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("tune", help="melo-train lists, each with a table built without it")
    t.add_argument("--lists", nargs="+", default=["est_q_et_c_et", "pol_q_pl_c_pl", "lva_q_lv_c_lv"])
    t.add_argument("--weights", type=float, nargs="+", default=[0.4, 0.8, 1.6, 3.2])
    t.add_argument("--shares", type=float, nargs="+", default=[0.0, 0.5, 1.0], help="title shares of the profile")
    t.add_argument("--title-k", type=int, default=ProfileSettings.title_k)
    t.add_argument("--concept-k", type=int, default=ProfileSettings.concept_k)
    t.add_argument("--names-per-concept", type=int, default=3, help="ESCO names per concept and list in the table")
    t.add_argument("--adapter-file", type=Path, default=None,
                   help="read profiles in this adapter's space (the table mapped alike); the first stage stays zero-shot")
    d = sub.add_parser("dev", help="a MELO dev split, once, on the product's ranking")
    d.add_argument("--split", type=Path, required=True)
    d.add_argument("--adapter", default="occupation-v1", help="the first stage's adapter")
    d.add_argument("--cache-dir", type=Path, default=CACHE_DIR / "eval")
    d.add_argument("--weights", type=float, nargs="+", default=[0.8, 1.6])
    d.add_argument("--share", type=float, default=0.5)
    d.add_argument("--quantise", action="store_true", help="int8 title vectors, float16 centroids")
    d.add_argument("--space", choices=("base", "adapted"), default="base",
                   help="profiles from zero-shot e5 vectors, or from the adapter's (table mapped alike)")
    for p in (t, d):
        p.add_argument("--combine", nargs="+", default=["add"], choices=("add", "lift"))
        p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="melo-train (the table's source)")
    args = parser.parse_args(argv)
    from scripts.melo_dev import run_command

    return run_command(args, tune, dev)


if __name__ == "__main__":
    sys.exit(main())
