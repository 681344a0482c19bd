"""/admin/indexer says so when no indexer worker is running (changes wait untried)."""
from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from store.models import OutboxEvent
from store.models.base import utcnow


def _pending(app, age: timedelta, error: str | None = None) -> None:
    with app.app_context():
        db.session.add(OutboxEvent(entity="citizen", entity_id=1, status="pending",
                                   created_at=utcnow() - age, last_error=error))
        db.session.commit()


def _page(client, auth, make_user) -> str:
    auth.login(make_user("admin").email)
    return client.get("/admin/indexer").get_data(as_text=True)


def test_a_change_untried_for_minutes_says_the_indexer_is_not_running(app, client, auth, make_user):
    _pending(app, timedelta(minutes=6))
    html = _page(client, auth, make_user)
    assert 'data-testid="indexer-stalled"' in html and "python -m indexer run" in html


def test_fresh_changes_and_retries_are_not_a_stall(app, client, auth, make_user):
    _pending(app, timedelta(seconds=20))
    _pending(app, timedelta(hours=2), error="backend unavailable")  # a retry waits on purpose
    assert 'data-testid="indexer-stalled"' not in _page(client, auth, make_user)
