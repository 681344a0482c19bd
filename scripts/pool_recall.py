"""The ranking pool's recall of the exhaustive top 10 on the demo municipality:
``python -m scripts.pool_recall [--encoder e5]``.

The demo's matchable citizens (591) are under the service's ``exhaustive_limit`` (1,000), so
every eligible is scored there; this takes the pools wherever more than ``pool_size`` (200)
are eligible (``exhaustive_limit`` 0), as a collection over the limit does, and counts how many
of each opening's exhaustive top 10 the pool of the nearest by whole text holds (before 6
December 2026) and the union with the nearest by jobmål (now): see
``matching.bench_pool.recall_of_pools``. The JSON summary is the last stdout line.

    python -m scripts.pool_recall --encoder hashing   # a few minutes on the shared VM
    python -m scripts.pool_recall --encoder e5        # 10-30 min, by the machine's load
"""
from __future__ import annotations

import argparse
import json
from datetime import date

from matching.bench_pool import recall_of_pools
from matching.cache import CachedEncoder, MemoryEmbeddingCache
from matching.concept_channel import DEFAULT_CONCEPTS, load_channel
from matching.domain import EligibilityRules
from matching.encoders import make_encoder
from portal.demo import generate_demo
from scripts.demo_eval import profiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="hashing", help="hashing (fast, default) or e5")
    parser.add_argument("--seed", type=int, default=2024, help="demo seed (default 2024)")
    parser.add_argument("--today", default="2026-12-01", help="the demo's today (ISO date)")
    parser.add_argument("--pool-size", type=int, default=200)
    args = parser.parse_args(argv)
    today = date.fromisoformat(args.today)
    data = generate_demo(args.seed, today)
    citizens, openings, _ = profiles(data, today)
    rules = EligibilityRules({g: {k for (g2, k), ok in data.eligibility.items() if g2 == g and ok}
                              for g in {g for g, _ in data.eligibility}})
    encoder = CachedEncoder(make_encoder(args.encoder), MemoryEmbeddingCache())  # each text once
    channel = load_channel(DEFAULT_CONCEPTS, encoder.name)
    figures = recall_of_pools(encoder, citizens, openings, pool_size=args.pool_size, exhaustive_limit=0,
                              rules=rules, clock=lambda: today, concepts=channel)
    print(json.dumps({**figures, "encoder": args.encoder}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
