"""What several rankings share, given to ``MatchingService`` by its caller: the pair-score
cache (:class:`PairScoreCache`, the portal: one per process and encoder) and the encoding
budget of reduced mode (:class:`EncodeBudget`, the portal: one per request).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator

from cachetools import LRUCache

# Most texts a ranking in reduced mode encodes that no cache holds (``reduced_encode_limit``, or
# an ``EncodeBudget`` shared by several rankings, the portal's per request; the excluded it lists
# encode none): e5 encodes a CV in about 0.05-0.5 s (a loaded 2-core host:
# 20 texts took about 10 s), so a page stays well under a proxy's 60 s while the index is rebuilt
# (review BB 1: unbounded, a page ran for more than 17 minutes).
REDUCED_ENCODE_LIMIT = 20
# Most seconds the same may spend encoding (``EncodeBudget``; the portal's REDUCED_ENCODE_SECONDS):
# on a slow or busy host 20 texts can still take long (review BF: a bound on time as well as on
# the count). Checked before each profile's texts are encoded.
REDUCED_ENCODE_SECONDS = 5.0


class EncodeBudget:
    """What degraded rankings may still encode of the texts no cache holds: at most ``texts``
    texts and ``seconds`` seconds spent encoding them, whichever runs out first.

    Give one to every ranking that should share it (``MatchingService(encode_budget=...)``;
    the portal: one per request, so a page that ranks several times pays the bound once, not
    once per ranking). Without one, each degraded ranking gets its own. The time is read from
    ``clock`` around each encode and checked before the next: a profile whose texts still need
    encoding once ``seconds`` are spent is scored without its vector, so at most one profile's
    texts are encoded after the time is up. Not thread-safe: one per request.

    Args:
        texts: most texts encoded (None: ``REDUCED_ENCODE_LIMIT``; below 0 counts as 0).
        seconds: most seconds spent encoding (None: ``REDUCED_ENCODE_SECONDS``; ``math.inf``:
            no time bound).
        clock: seconds, monotonic (injectable for tests).
    """

    def __init__(self, texts: int | None = None, seconds: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.texts = max(REDUCED_ENCODE_LIMIT if texts is None else texts, 0)
        self.seconds = REDUCED_ENCODE_SECONDS if seconds is None else seconds
        self.texts_left, self.spent = self.texts, 0.0
        self._clock = clock

    @property
    def time_left(self) -> bool:
        return self.spent < self.seconds

    def take(self, missing: int) -> bool:
        """Whether ``missing`` more texts may be encoded now (and count them if so); 0 always may."""
        if missing == 0:
            return True
        if missing > self.texts_left or not self.time_left:
            return False
        self.texts_left -= missing
        return True

    @contextlib.contextmanager
    def timing(self) -> Iterator[None]:
        """Count the time spent inside against ``seconds``."""
        began = self._clock()
        try:
            yield
        finally:
            self.spent += max(self._clock() - began, 0.0)



class PairScoreCache:
    """Most recently used pair scores, bounded and thread-safe (see ``MatchingService``): a
    lock around one ``cachetools.LRUCache``; a ``get_many`` hit or a ``put_many`` makes an
    entry the most recently used.

    Give one to every service that shares an encoder (the portal: one per process and
    encoder); entries are keyed by the models' ids and the two texts' hashes.

    Raises:
        ValueError: ``max_entries`` below 1.
    """

    def __init__(self, max_entries: int = 20_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._items: LRUCache[Hashable, tuple] = LRUCache(max_entries)
        self._lock = threading.Lock()

    @property
    def max_entries(self) -> int:
        return self._items.maxsize

    def get_many(self, keys: Iterable[Hashable]) -> dict[Hashable, tuple]:
        with self._lock:
            # ``in`` leaves the recency alone; indexing marks each hit used once.
            return {key: self._items[key] for key in dict.fromkeys(keys) if key in self._items}

    def put_many(self, items: Iterable[tuple[Hashable, tuple]]) -> dict[Hashable, tuple]:
        stored = dict(items)
        with self._lock:
            self._items.update(stored)
        return stored

    def clear(self) -> None:
        fresh = LRUCache(self._items.maxsize)  # cheaper than LRUCache.clear()'s LRU pops
        with self._lock:
            self._items = fresh
