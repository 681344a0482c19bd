"""The citizen page says when the indexer is not running, decided as /admin/indexer decides
it, instead of »Afventer indeksering« forever (review AJ 11)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from store.index_status import STALLED_AFTER
from store.models import OutboxEvent
from store.models.base import utcnow
from tests.portal.citizen_fixtures import make_citizen


@pytest.fixture
def consultant(make_user, auth):
    user = make_user("consultant", email="vk@jc.dk")
    auth.login(user.email)
    return user


def _pending(app, cid: int, age: timedelta) -> None:
    with app.app_context():
        db.session.add(OutboxEvent(entity="citizen", entity_id=cid, status="pending",
                                   created_at=utcnow() - age))
        db.session.commit()


def test_a_change_waiting_longer_than_the_admin_page_allows_says_the_indexer_is_not_running(app, client, consultant):
    cid = make_citizen(app, vk_id=consultant.id)
    _pending(app, cid, STALLED_AFTER + timedelta(minutes=1))
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert 'data-testid="indexer-stalled"' in html
    assert "Indekseringen kører ikke lige nu" in html and "Sig det til en administrator" in html
    assert "indekseringen kører ikke lige nu" in html  # in the status line too


def test_a_fresh_change_just_waits(app, client, consultant):
    cid = make_citizen(app, vk_id=consultant.id)
    _pending(app, cid, timedelta(seconds=5))
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert "Afventer indeksering" in html and 'data-testid="indexer-stalled"' not in html


def test_another_stuck_change_stalls_this_citizens_change_too(app, client, consultant):
    """The worker drains the whole queue: a stuck queue holds this citizen's fresh change too."""
    other, cid = make_citizen(app, name="Bo Berg"), make_citizen(app, vk_id=consultant.id)
    _pending(app, other, timedelta(hours=2))
    _pending(app, cid, timedelta(seconds=5))
    assert 'data-testid="indexer-stalled"' in client.get(f"/borgere/{cid}").get_data(as_text=True)


def test_an_indexed_citizen_gets_no_stall_notice(app, client, consultant):
    other, cid = make_citizen(app, name="Bo Berg"), make_citizen(app, vk_id=consultant.id)
    _pending(app, other, timedelta(hours=2))
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert "Opdateret i matchingen" in html and 'data-testid="indexer-stalled"' not in html
