"""WSGI entry point for gunicorn: ``gunicorn portal.wsgi:app``.

Each worker process loads the matching model and index as it starts (see
:func:`portal.matching_runtime.warm_up`), so no user's request pays for it. What is loaded
by then lives as long as the worker, so it is moved out of the garbage collector's reach
(``gc.freeze``): a full collection otherwise walks those ~260,000 objects and stops every
thread of the worker for about 130 ms, twice in a hundred page views (docs/performance.md).

A request then still allocates thousands of short-lived objects (a ranking about 4,000), and
at Python's default threshold (700) each ranking paid six young collections and every tenth
request an older one: about 2.7 ms of a 37 ms ranking. ``GC_THRESHOLDS`` collects the young
generation every 20,000 surviving allocations instead (about 0.6 ms per ranking, measured
in-process; docs/performance.md, ninth round).
"""
from __future__ import annotations

import gc

from . import create_app
from .matching_runtime import warm_up

# (young, middle, old): a young collection every 20,000 net allocations, the older
# generations every 10 of the one below, as by default.
GC_THRESHOLDS = (20_000, 10, 10)

app = create_app()
with app.app_context():
    warm_up()
gc.collect()
gc.freeze()
gc.set_threshold(*GC_THRESHOLDS)
