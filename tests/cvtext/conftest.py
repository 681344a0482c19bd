"""Fixtures for the CV extraction tests."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cvtext import extract
from tests.cvtext import badfiles

# A stand-in parser worker that records its pid and then blocks, like a parser stuck on a
# hostile file (select() with no descriptors never returns). The alarm makes it die after
# 60 s anyway, so a regression in the timeout handling fails the test instead of hanging it.
_HANGING_WORKER = (
    "import os, select, signal, sys\n"
    "signal.alarm(60)\n"
    "open(sys.argv[1], 'w').write(str(os.getpid()))\n"
    "select.select([], [], [])\n"
)


@pytest.fixture
def hanging_worker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Make PDF and DOCX parsing hang; yields the file where the hung child writes its pid."""
    pid_file = tmp_path / "worker.pid"

    def command(kind: str, limits: extract.ExtractLimits) -> list[str]:
        return [sys.executable, "-c", _HANGING_WORKER, str(pid_file)]

    monkeypatch.setattr(extract, "_worker_command", command)
    yield pid_file
    _kill_if_still_hanging(pid_file)


def _kill_if_still_hanging(pid_file: Path) -> None:
    """Never leave a stray child behind, even when the test failed."""
    if not pid_file.exists():
        return
    pid = pid_file.read_text()
    try:
        # Only our stand-in: the pid may already belong to an unrelated process.
        if "select.select" in Path(f"/proc/{pid}/cmdline").read_text():
            os.kill(int(pid), signal.SIGKILL)
    except (OSError, ValueError):
        pass


@pytest.fixture(scope="session")
def deflate_bomb_pdf() -> bytes:
    """A PDF whose page stream inflates to 100 MiB (built once: it takes ~0.3 s)."""
    return badfiles.deflate_bomb_pdf()
