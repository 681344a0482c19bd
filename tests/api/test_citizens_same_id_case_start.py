"""``/api/v1/citizens/{external_id}`` follows the web's and the import's rules (review AV 7, AV 9).

AV 9: a PUT with a case_start after the case's closing is refused with 422 at ``case_start`` (the
profile form's message, with the date), and nothing is written. AV 7: the external id in the path
finds its citizen without regard to upper or lower case, so PUT /citizens/av-9 updates the citizen
AV-9 (whose stored id stays) and GET finds it; an id held by several citizens in different case,
none exactly as sent, is a 409.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import Citizen
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN
from tests.portal.citizen_fixtures import make_citizen, snapshot

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def raw(app, make_user):
    return make_token(app, make_user("consultant", email="vk@jc.dk"))


def _rows(app) -> list[tuple]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(Citizen.id, Citizen.external_id, Citizen.hours_available, Citizen.case_start).order_by(Citizen.id))]


def test_a_case_start_after_the_closing_is_422_at_its_field_and_nothing_is_written(app, client, raw):
    cid = make_citizen(app, external_id="AV-9", case_start=date(2025, 3, 1), case_closed=date(2026, 11, 5),
                       case_close_reason="flyttet")
    before = snapshot(app, cid)
    answer = client.put("/api/v1/citizens/AV-9", json=dict(CITIZEN, case_start="2026-11-06", hours_available=20),
                        headers=bearer(raw))
    assert answer.status_code == 422, answer.json
    [message] = answer.json["errors"]["case_start"]
    assert message.startswith("Sagsstart kan ikke ligge efter sagens afslutning (05.11.2026)")
    assert snapshot(app, cid) == before
    on_the_day = client.put("/api/v1/citizens/AV-9", json=dict(CITIZEN, case_start="2026-11-05"), headers=bearer(raw))
    assert on_the_day.status_code == 200, on_the_day.json
    assert _rows(app) == [(cid, "AV-9", CITIZEN["hours_available"], date(2026, 11, 5))]


def test_the_path_id_in_another_case_updates_and_reads_the_citizen(app, client, raw):
    cid = make_citizen(app, external_id="AV-9", hours_available=7.5)
    got = client.get("/api/v1/citizens/av-9", headers=bearer(raw))
    assert got.status_code == 200 and got.json["id"] == cid and got.json["external_id"] == "AV-9"
    answer = client.put("/api/v1/citizens/av-9", json=dict(CITIZEN, hours_available=20),
                        headers=bearer(raw, **{"If-Match": got.headers["ETag"]}))
    assert answer.status_code == 200, answer.json
    assert answer.json["result"] == "updated" and answer.json["id"] == cid and answer.json["external_id"] == "AV-9"
    assert _rows(app) == [(cid, "AV-9", 20, date(2026, 1, 5))]
    stale = client.put("/api/v1/citizens/aV-9", json=dict(CITIZEN, hours_available=30),
                       headers=bearer(raw, **{"If-Match": got.headers["ETag"]}))
    assert stale.status_code == 412  # the If-Match is checked against the citizen found by the rule


def test_an_id_several_citizens_hold_in_other_case_is_409_and_an_exact_one_wins(app, client, raw):
    first = make_citizen(app, external_id="Av-9", hours_available=7.5)
    second = make_citizen(app, external_id="aV-9", hours_available=7.5)
    for answer in (client.get("/api/v1/citizens/AV-9", headers=bearer(raw)),
                   client.put("/api/v1/citizens/AV-9", json=dict(CITIZEN, hours_available=20), headers=bearer(raw))):
        assert answer.status_code == 409, answer.json
        assert f"borger nr. {first} (Av-9), borger nr. {second} (aV-9)" in answer.json["detail"]
    exact = client.put("/api/v1/citizens/aV-9", json=dict(CITIZEN, hours_available=20), headers=bearer(raw))
    assert exact.status_code == 200 and exact.json["id"] == second
    assert [row[2] for row in _rows(app)] == [7.5, 20]
