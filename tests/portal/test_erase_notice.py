"""The erasure's confirmation says what is done now and what the indexer does after
(review BL 1): the index delete is a queued change, not done when the page answers."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from portal.extensions import db
from portal.matching_runtime import _runtime
from store.index_status import REBUILD_KEY
from store.models import IndexerState, OutboxEvent
from tests.portal.citizen_fixtures import make_citizen

pytestmark = pytest.mark.usefixtures("frozen_today")


def _erase(app, client, auth, make_user) -> tuple[int, str]:
    admin = make_user("admin", email="admin@jc.dk")
    cid = make_citizen(app)
    auth.login(admin.email)
    response = client.post(f"/borgere/{cid}/slet", data={
        "csrf_token": auth.csrf_token(f"/borgere/{cid}/slet"), "purpose": "J.nr. 2026-1",
        "confirm_name": "Sofie Andersen"}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return cid, html.split('data-testid="flash-messages"', 1)[1].split("</div>", 1)[0]


def test_the_index_is_said_to_be_cleared_by_the_indexer_not_already(app, client, auth, make_user):
    cid, flash = _erase(app, client, auth, make_user)
    assert f"Borger nr. {cid} er slettet fra portalen og fillageret." in flash
    assert "matchingindekset og fillageret" not in flash
    assert "Indekseringen fjerner borgeren fra matchingindekset (normalt inden for få sekunder)." in flash
    assert 'href="/admin/indexer"' in flash


def test_an_unreachable_backend_is_said_to_delay_the_removal(app, client, auth, make_user, monkeypatch):
    with app.app_context():
        monkeypatch.setattr(type(_runtime().backend), "open", property(lambda self: True))
    _cid, flash = _erase(app, client, auth, make_user)
    assert "Søgeindekset kan ikke nås lige nu; borgeren fjernes fra matchingindekset, når søgeindekset svarer igen." in flash
    assert "normalt inden for få sekunder" not in flash


def test_changes_the_indexer_could_not_write_say_the_same(app, client, auth, make_user):
    other = make_citizen(app, name="Karl Jensen")
    with app.app_context():
        db.session.add(OutboxEvent(entity="citizen", entity_id=other, op="upsert",
                                   last_error="Søgeindekset kan ikke nås", attempts=1))
        db.session.commit()
    _cid, flash = _erase(app, client, auth, make_user)
    assert "når søgeindekset svarer igen" in flash


def test_a_rebuild_running_is_said_to_come_first(app, client, auth, make_user):
    now = datetime.now(timezone.utc)
    with app.app_context():
        db.session.merge(IndexerState(key=REBUILD_KEY, value=json.dumps({
            "owner": "vært:1:a", "started": (now - timedelta(minutes=4)).isoformat(),
            "updated": now.isoformat(), "phase": "citizen", "done": {"citizen": 3}, "totals": {"citizen": 6}})))
        db.session.commit()
    _cid, flash = _erase(app, client, auth, make_user)
    assert "En genopbygning af matchingindekset er i gang" in flash
    assert "normalt inden for få sekunder" not in flash
