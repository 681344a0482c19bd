"""The benchmark CLI runs small and prints its figures as JSON on the last stdout line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_json_figures_on_the_last_line():
    cmd = [sys.executable, "-m", "matching.bench", "--citizens", "2000", "--k", "50",
           "--encoder", "hashing", "--queries", "20", "--encode-texts", "20",
           "--pool-citizens", "1200", "--pool-openings", "4"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["citizens"] == 2000
    for key in ("p50_ms", "p95_ms", "union_p50_ms", "union_p95_ms", "count_p50_ms", "count_p95_ms",
                "rss_mb", "encode_texts_per_s", "raw_encoder_texts_per_s"):
        assert isinstance(figures[key], float) and figures[key] > 0, key
    assert figures["p50_ms"] <= figures["p95_ms"]
    assert figures["cache_overhead_pct"] >= 0
    # The pool's recall of the exhaustive top 10, over the 1,000 limit: the union holds what
    # the nearest by whole text held, and the limited ranking is scored from it.
    assert figures["pool_citizens"] == 1200 and figures["pool_openings"] == 4
    assert 0 < figures["recall_at_10_old"] <= figures["recall_at_10_union"] <= 1
    assert figures["union_pool_mean"] >= 200
