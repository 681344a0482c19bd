"""The fine-tune's own checks on melo-train for finished patches (issue 12).

Usage::

    OMP_NUM_THREADS=1 nice -n 10 python -m scripts.ft_list_check [--select-list est_q_et_c_et] \\
        [--cross-list pol_q_pl_c_pl] none ft-v1 /tmp/x.patch ...

For each variant (``none``, a shipped patch version or a .patch path) it measures what
``python -m matching.train --mode finetune --cross-list L`` reports at every evaluation: the
selection list's titles ranking its own names (selection MAP) and ranking list L's names
(the cross-language check), dense only, from the training run's cached layer-10 states
(``--max-tokens`` 16, as in training; missing states are computed and cached). So a patch
trained without ``--cross-list`` (ft-v1) can be compared on the check with one trained with
it. melo-train only: nothing from ``melo/`` is read. Prints one JSON line per variant.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 missing data)."""
    import torch

    from matching.finetune import DEFAULT_SELECT_LIST, check_corpora, states_folder, top_vectors, variant_models
    from matching.train import DEFAULT_DATA, heldout_map

    parser = argparse.ArgumentParser(prog="python -m scripts.ft_list_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="melo-train folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--select-list", default=DEFAULT_SELECT_LIST)
    parser.add_argument("--cross-list", default="pol_q_pl_c_pl")
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("variants", nargs="+", help="none, a shipped patch version, or a .patch path")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    try:
        held, (texts, concepts, is_query) = check_corpora(args.data, args.seed, args.select_list, args.cross_list)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    folder = states_folder()
    held_rows = cross_rows = None
    started = time.process_time()
    for spec, model, cache in variant_models(args.variants, args.max_tokens, folder,
                                             log=lambda line: print(line, file=sys.stderr, flush=True)):
        if held_rows is None:
            held_rows, cross_rows = cache.rows(held.texts), cache.rows(texts)
        model.eval()
        selection = heldout_map(top_vectors(model, cache, held_rows), held.concepts, held.lists, held.is_query)
        cross = heldout_map(top_vectors(model, cache, cross_rows), concepts, np.zeros(len(texts), np.int64),
                            is_query)
        print(json.dumps({"variant": spec, "select_list": args.select_list, "cross_list": args.cross_list,
                          "selection_map": round(selection, 4), "cross_map": round(cross, 4),
                          "cpu_s": round(time.process_time() - started, 1)}), flush=True)
        started = time.process_time()
    return 0


if __name__ == "__main__":
    sys.exit(main())
