"""Review AX 3: erasing a citizen the company saw only by pseudonym (approved, not yet named)
deleted the proposal and told the company's systems nothing: the API has no tombstone for a
deleted row, so an integrated system kept a candidate who no longer exists. Now every company
shown the candidate gets ``proposal.withdrawn`` with ``reason: erased`` (ids only, once per
proposal), through the real erase form; never for a proposal it was not shown."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.pseudonyms import pseudonym
from store.models import Citizen, Notification, Opening, Proposal
from tests.portal.proposal_fixtures import MARKER, set_status

from .test_events import EXTERNAL_ID, documented, make_world, queued


@pytest.fixture
def world(app, make_user, frozen_today):
    return make_world(app, make_user, frozen_today)


def _erase(client, auth, make_user, world):
    auth.login(make_user("admin").email)
    path = f"/borgere/{world['citizen']}/slet"
    return client.post(path, data={"csrf_token": auth.csrf_token(path), "purpose": "J.nr. 2026-9",
                                   "confirm_name": MARKER})


def _withdrawn(got: dict, name: str) -> list[dict]:
    return [body["data"] for body in got.get(name, []) if body["type"] == "proposal.withdrawn"]


@pytest.mark.parametrize("status", ["approved", "consented"])
def test_an_erased_pseudonymous_candidate_is_withdrawn_from_the_companys_systems(
        app, client, auth, make_user, world, status):
    set_status(app, world["proposal"], status, consent=status == "consented")
    with app.app_context():
        code = pseudonym(world["citizen"], world["opening"])
    assert _erase(client, auth, make_user, world).status_code == 302
    with app.app_context():
        assert db.session.get(Citizen, world["citizen"]) is None
        assert db.session.get(Proposal, world["proposal"]) is None
        # its users never had the name: no art. 19 notice, as before
        assert not db.session.scalars(sa.select(Notification).where(Notification.kind == "candidate_data")).all()
    got = queued(app, world)
    assert set(got) == {"a_all", "jc_all"}  # never company B's
    for name in ("a_all", "jc_all"):
        assert [body["type"] for body in got[name]] == ["proposal.withdrawn"]
        documented(got[name][0], jobcenter=name == "jc_all")
        data = got[name][0]["data"]
        assert (data["proposal_id"], data["opening_id"], data["reason"], data["must_delete"]) == (
            world["proposal"], world["opening"], "erased", True)
    assert got["jc_all"][0]["data"]["citizen_id"] is None and got["jc_all"][0]["data"]["citizen_external_id"] is None
    assert got["a_all"][0]["links"]["portal"].endswith(f"/opslag/{world['opening']}")
    text = json.dumps(got, ensure_ascii=False)
    assert MARKER not in text and EXTERNAL_ID not in text and code not in text


def test_one_event_per_proposal_and_none_for_one_never_shown(app, client, auth, make_user, world):
    """A named proposal is told once (as before), an ended one the company was shown is told too,
    a rejected or not yet assessed one never (the company never saw it)."""
    set_status(app, world["proposal"], "disclosed", consent=True)
    now = datetime.now(timezone.utc)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).disclosed_at = now
        company_id = db.session.get(Opening, world["opening"]).company_id
        ids = {}
        for status in ("ended", "rejected", "proposed"):  # one proposal per pair: an opening each
            opening = Opening(company_id=company_id, kind="virksomhedspraktik", title=f"Opslag {status}",
                              hours_min=10.0, hours_max=20.0, postcode="7130", status="open")
            decided = status != "proposed"
            row = Proposal(citizen=db.session.get(Citizen, world["citizen"]), opening=opening, status=status,
                           explanation={}, decided_by_id=world["consultant"].id if decided else None,
                           decided_at=now if decided else None)
            db.session.add(row)
            db.session.flush()
            ids[status] = row.id
        db.session.commit()
    assert _erase(client, auth, make_user, world).status_code == 302
    got = queued(app, world)
    assert set(got) == {"a_all", "jc_all"}
    for name in ("a_all", "jc_all"):
        told = _withdrawn(got, name)
        assert sorted(data["proposal_id"] for data in told) == sorted([world["proposal"], ids["ended"]])
        assert all(data["reason"] == "erased" and data["must_delete"] for data in told)
