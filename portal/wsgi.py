"""WSGI entry point for gunicorn: ``gunicorn portal.wsgi:app``.

Each worker process loads the matching model and index as it starts (see
:func:`portal.matching_runtime.warm_up`), so no user's request pays for it.
"""
from __future__ import annotations

from . import create_app
from .matching_runtime import warm_up

app = create_app()
with app.app_context():
    warm_up()
