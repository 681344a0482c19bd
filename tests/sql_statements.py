"""Count the SQL a block of test code runs: for tests that a page's statements do not grow
with its rows (N+1 queries) and of which statements a request writes."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from portal.extensions import db


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """The SQL statements run on the app's engine inside the block (a list, filled as they run)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
