"""Binds the shared database settings (``store.database``) to the portal's engine."""
from __future__ import annotations

from flask import Flask

from store.database import install_prepared_statements, install_sqlite_pragmas, is_sqlite, upsert

from .extensions import db

__all__ = ["init_app", "is_sqlite", "upsert"]


def init_app(app: Flask) -> None:
    """Turn on WAL, a busy timeout, foreign keys and the sync mode (``SQLITE_SYNCHRONOUS``)
    for every SQLite connection; on PostgreSQL keep prepared statements across requests."""
    with app.app_context():
        install_sqlite_pragmas(db.engine, app.config["SQLITE_SYNCHRONOUS"])
        install_prepared_statements(db.engine)
