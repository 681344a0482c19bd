"""WSGI entry point for gunicorn: ``gunicorn portal.wsgi:app``."""
from __future__ import annotations

from . import create_app

app = create_app()
