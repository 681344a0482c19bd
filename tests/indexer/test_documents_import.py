"""Review BN 9: the indexer builds documents and sweeps the embedding cache with
``matching.documents``; the worker does not import the ranking service to do so."""
from __future__ import annotations

import subprocess
import sys


def test_the_indexer_worker_does_not_import_the_ranking_service():
    code = "import sys, indexer.worker, indexer.documents; print('matching.service' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
