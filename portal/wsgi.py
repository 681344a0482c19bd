"""WSGI entry point for gunicorn: ``gunicorn portal.wsgi:app``.

Each worker process loads the matching model and index as it starts (see
:func:`portal.matching_runtime.warm_up`), so no user's request pays for it. What is loaded
by then lives as long as the worker, so it is moved out of the garbage collector's reach
(``gc.freeze``): a full collection otherwise walks those ~260,000 objects and stops every
thread of the worker for about 130 ms, twice in a hundred page views (docs/performance.md).
"""
from __future__ import annotations

import gc

from . import create_app
from .matching_runtime import warm_up

app = create_app()
with app.app_context():
    warm_up()
gc.collect()
gc.freeze()
