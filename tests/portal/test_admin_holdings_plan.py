"""What users hold (/admin/users, deactivation, handover) is counted once per kind, grouped by the
holder, through the citizen's VK and adviser indexes (review AB 4): never a scan of every citizen
per user and kind."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.admin import service
from portal.extensions import db
from store.models import Citizen
from tests.portal import test_deactivated_consultant as deactivated

world = deactivated.world  # Susanne (VK of Anna, Bo, closed Carl, a company, requests), Michael (VK of Dorte)

pytestmark = pytest.mark.usefixtures("frozen_today")


def _holdings_with_plan(app, *args, **kwargs) -> tuple[list, list[str], str]:
    """``service.holdings(*args, **kwargs)``, the statements it ran and SQLite's plan of the one."""
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        seen.append((statement, parameters))

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            held = service.holdings(*args, **kwargs)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        statement, parameters = seen[-1]
        cursor = db.session.connection().connection.cursor()
        plan = "\n".join(str(row[-1]) for row in cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters))
    return held, [s for s, _ in seen], plan


def test_a_users_holdings_are_read_through_the_citizen_indexes(app, world):
    held, statements, plan = _holdings_with_plan(app, [world["leaving"].id], include_active=True)
    assert [(h.name, h.citizens, h.companies, h.requests) for h in held] == [("Susanne Andersen", 2, 1, 2)]
    assert len(statements) == 1
    assert "CORRELATED" not in plan, plan
    assert "ix_citizen_vk_id" in plan and "ix_citizen_adviser_id" in plan, plan


def test_every_users_holdings_take_one_grouped_statement_whatever_the_citizens(app, world):
    few, statements, plan = _holdings_with_plan(app, include_active=True)
    assert len(statements) == 1 and "CORRELATED" not in plan, plan
    with app.app_context():
        leaving = world["leaving"].id
        db.session.add_all(deactivated._citizen(f"Borger {n}", leaving, restricted=n % 2 == 0) for n in range(30))
        db.session.commit()
    many, statements, _ = _holdings_with_plan(app, include_active=True)
    assert len(statements) == 1
    before = {h.name: (h.citizens, h.restricted_citizens) for h in few}
    after = {h.name: (h.citizens, h.restricted_citizens) for h in many}
    assert after == {**before, "Susanne Andersen": (before["Susanne Andersen"][0] + 15, 15)}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Citizen)) == 34
