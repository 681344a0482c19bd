"""Small pieces of the worker's bookkeeping: batch results, back-off, failure reasons."""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from matching.backends import BackendError

from .documents import REASON_LEN

MAX_ATTEMPTS = 5


def failure_reason(err: Exception) -> str:
    """The Danish reason stored in ``last_error`` for an unexpected failure."""
    if isinstance(err, BackendError):
        return f"søgeindekset afviste skrivningen: {err}"[:REASON_LEN]
    return f"uventet fejl under indeksering: {type(err).__name__}: {err}"[:REASON_LEN]


def backoff_seconds(attempt: int, base: float = 1.0, cap: float = 60.0,
                    rng: Callable[[], float] = random.random) -> float:
    """Exponential back-off with full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return rng() * min(cap, base * 2 ** min(attempt, 30))


@dataclass
class BatchResult:
    """What one batch did. ``unavailable`` holds the reason when nothing could be written."""

    claimed: int = 0
    written: int = 0
    removed: int = 0
    failed: int = 0
    retried: int = 0
    unavailable: str | None = None
    written_ids: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: "BatchResult") -> None:
        for name in ("claimed", "written", "removed", "failed", "retried"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.written_ids += other.written_ids
        self.unavailable = other.unavailable
