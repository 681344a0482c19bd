"""Fixtures for the indexer tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from indexer import extract

# A stand-in PDF worker that records its pid and then blocks forever, like a parser
# stuck on a hostile file. select() with no descriptors never returns.
_HANGING_WORKER = (
    "import os, select, sys\n"
    "open(sys.argv[1], 'w').write(str(os.getpid()))\n"
    "select.select([], [], [])\n"
)


@pytest.fixture
def hanging_pdf_worker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Make PDF parsing hang; returns the file where the hung child writes its pid."""
    pid_file = tmp_path / "worker.pid"

    def command(mode: str, limits: extract.ExtractLimits) -> list[str]:
        return [sys.executable, "-c", _HANGING_WORKER, str(pid_file)]

    monkeypatch.setattr(extract, "_pdf_worker_command", command)
    return pid_file
