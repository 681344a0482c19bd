"""A consent that runs out by its date changes what a company sees without any write: the next
sync with ``updated_since`` still gets the candidate (and a placement or hotline request labelled
with the name), now without the name. ``disclosed_until`` says when that happens."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal import consents
from portal.api import disclosure
from portal.extensions import db
from store import clock
from store.models import Citizen, Consent, HotlineRequest, Opening, Placement, Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.clock import TODAY, travel
from tests.portal import hours_fixtures, proposal_fixtures

LONG_AGO = datetime(2026, 1, 1, tzinfo=timezone.utc)
RUNS_OUT = TODAY + timedelta(days=2)  # its last day; gone from the start of TODAY + 3, Danish time
STAYS = TODAY + timedelta(days=20)
AFTER = TODAY + timedelta(days=3)  # the second sync's day


def _age_everything(app) -> None:
    with app.app_context():
        for model in (Proposal, Placement, HotlineRequest, Citizen, Opening):
            db.session.execute(model.__table__.update().values(updated_at=LONG_AGO))
        db.session.commit()


def _disclosed(app, world, company_id: int, deadline: date, count: int = 1) -> list[int]:
    """``count`` proposals, each of its own citizen on a new opening of ``company_id``, disclosed
    under a consent whose last day is ``deadline``."""
    ids = []
    with app.app_context():
        for n in range(count):
            citizen = Citizen(name=f"Navn {deadline} {n}", postcode="8722", benefit_group="kontanthjaelp",
                              readiness_group="i_gang", case_start=date(2026, 1, 5), hours_available=10)
            opening = Opening(company_id=company_id, kind="smaajob", title="Lager", hours_min=5, hours_max=15,
                              postcode="8722", status="open")
            db.session.add_all([citizen, opening])
            db.session.flush()
            proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status="disclosed",
                                decided_by_id=world["consultant"].id)
            db.session.add(proposal)
            db.session.flush()
            db.session.add(Consent(proposal_id=proposal.id, text_version=consents.CONSENT_TEXT_VERSION,
                                   channel="telefon", deadline=deadline, recorded_by_id=world["consultant"].id))
            ids.append(proposal.id)
        db.session.commit()
    return ids


def _set_deadline(app, deadline: date) -> None:
    with app.app_context():
        for consent in db.session.scalars(sa.select(Consent)):
            consent.deadline = deadline
        db.session.commit()


def _sync(client, raw, area: str, since: str, **extra) -> dict:
    answer = client.get(f"/api/v1/{area}/", query_string={"updated_since": since, **extra}, headers=bearer(raw))
    assert answer.status_code == 200, answer.json
    return answer.json


def _now() -> str:
    return clock.utcnow().isoformat()


@pytest.mark.parametrize("deadline", [date(2026, 3, 28), date(2026, 3, 29), date(2026, 10, 24),
                                      date(2026, 10, 25), RUNS_OUT, date(2026, 12, 31)])
def test_ends_at_is_the_first_moment_the_consent_rule_fails(deadline):
    """disclosure.ends_at agrees with Consent.in_force (Danish date), across summer time."""
    consent = Consent(deadline=deadline, withdrawn_at=None, replaced_at=None)
    moment = disclosure.ends_at(deadline)
    assert not consent.in_force(moment.astimezone(clock.LOCAL).date())
    assert consent.in_force((moment - timedelta(microseconds=1)).astimezone(clock.LOCAL).date())


def test_a_consent_running_out_between_two_syncs_is_in_the_second(app, client, make_user, frozen_today):
    world = proposal_fixtures.build_world(app, make_user)
    company, staff = make_token(app, world["company"]), make_token(app, world["consultant"])
    with app.app_context():
        company_id = world["company"].company_id
    lapsing = _disclosed(app, world, company_id, RUNS_OUT)[0]
    staying = _disclosed(app, world, company_id, STAYS)[0]
    _age_everything(app)

    first = {item["id"]: item for item in _sync(client, company, "proposals", "0001-01-01")["items"]}
    assert first[lapsing]["name"] and first[staying]["name"]
    # the first moment of the day after the last one, Danish time (CET: UTC+1)
    assert first[lapsing]["disclosed_until"] == "2026-11-25T23:00:00+00:00"
    assert first[staying]["disclosed_until"] == disclosure.ends_at(STAYS).isoformat()
    last_sync = _now()

    with travel(AFTER):
        for raw in (company, staff):
            second = _sync(client, raw, "proposals", last_sync)["items"]
            assert [item["id"] for item in second] == [lapsing]
            assert second[0]["disclosed_until"] is None
        assert second[0]["name"] and _sync(client, company, "proposals", last_sync)["items"][0]["name"] is None
        # a sync after the consent ran out does not get it again
        assert _sync(client, company, "proposals", _now())["items"] == []
        # a date is its first moment in Danish time: the day it ran out counts, the next does not
        assert [i["id"] for i in _sync(client, company, "proposals", AFTER.isoformat())["items"]] == [lapsing]
        assert _sync(client, company, "proposals", (AFTER + timedelta(days=1)).isoformat())["items"] == []


def test_the_moment_it_runs_out_is_included_and_one_after_is_not(app, client, make_user, frozen_today):
    world = proposal_fixtures.build_world(app, make_user)
    company = make_token(app, world["company"])
    with app.app_context():
        company_id = world["company"].company_id
    lapsing = _disclosed(app, world, company_id, RUNS_OUT)[0]
    _age_everything(app)
    moment = disclosure.ends_at(RUNS_OUT)
    with travel(AFTER):
        assert [i["id"] for i in _sync(client, company, "proposals", moment.isoformat())["items"]] == [lapsing]
        just_after = (moment + timedelta(microseconds=1)).isoformat()
        assert _sync(client, company, "proposals", just_after)["items"] == []


def test_a_consent_not_yet_run_out_is_not_listed(app, client, make_user, frozen_today):
    world = proposal_fixtures.build_world(app, make_user)
    company = make_token(app, world["company"])
    with app.app_context():
        company_id = world["company"].company_id
    _disclosed(app, world, company_id, AFTER)  # its last day is the second sync's day
    _age_everything(app)
    last_sync = _now()
    with travel(AFTER):
        assert _sync(client, company, "proposals", last_sync)["items"] == []


def test_lapsed_candidates_page_without_repeats(app, client, make_user, frozen_today):
    world = proposal_fixtures.build_world(app, make_user)
    company = make_token(app, world["company"])
    with app.app_context():
        company_id = world["company"].company_id
    lapsing = _disclosed(app, world, company_id, RUNS_OUT, count=5)
    _disclosed(app, world, company_id, STAYS, count=2)
    _age_everything(app)
    last_sync = _now()
    with app.app_context():  # one lapsing proposal is also written after the sync: still listed once
        db.session.get(Proposal, lapsing[2]).updated_at = clock.utcnow() + timedelta(seconds=1)
        db.session.commit()
    with travel(AFTER):
        seen, cursor, pages = [], None, 0
        while True:
            extra = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            answer = _sync(client, company, "proposals", last_sync, **extra)
            seen += [item["id"] for item in answer["items"]]
            pages += 1
            cursor = answer["next_cursor"]
            if cursor is None:
                break
        assert seen == sorted(lapsing) and pages == 3


def test_a_company_never_gets_another_companys_lapsed_candidate(app, client, make_user, frozen_today):
    world = proposal_fixtures.build_world(app, make_user)
    company, other = make_token(app, world["company"]), make_token(app, world["other"])
    with app.app_context():
        company_id, other_id = world["company"].company_id, world["other"].company_id
    own = _disclosed(app, world, company_id, RUNS_OUT)[0]
    foreign = _disclosed(app, world, other_id, RUNS_OUT)[0]
    _age_everything(app)
    last_sync = _now()
    with travel(AFTER):
        assert [i["id"] for i in _sync(client, company, "proposals", last_sync)["items"]] == [own]
        assert [i["id"] for i in _sync(client, other, "proposals", last_sync)["items"]] == [foreign]


def test_placements_and_hotline_labelled_with_the_name_follow_the_consent(app, client, make_user, frozen_today):
    world = hours_fixtures.build_world(app, make_user)
    _set_deadline(app, RUNS_OUT)
    company, other = make_token(app, world["company"]), make_token(app, world["other"])
    created = client.post("/api/v1/hotline/", headers=bearer(company), json={
        "category": "fravaer", "urgency": "normal", "subject": "Fravær i dag", "message": "Kom ikke.",
        "placement_id": world["named"]})
    assert created.status_code == 201, created.json
    _age_everything(app)
    placements = {p["id"]: p for p in _sync(client, company, "placements", "0001-01-01")["items"]}
    assert placements[world["named"]]["label"].startswith(hours_fixtures.NAME)
    assert placements[world["named"]]["disclosed_until"] == disclosure.ends_at(RUNS_OUT).isoformat()
    assert placements[world["hidden"]]["disclosed_until"] is None
    last_sync = _now()
    assert _sync(client, company, "placements", last_sync)["items"] == []
    assert _sync(client, company, "hotline", last_sync)["items"] == []

    with travel(AFTER):
        [named] = _sync(client, company, "placements", last_sync)["items"]
        assert named["id"] == world["named"] and named["disclosed_until"] is None
        assert not named["label"].startswith(hours_fixtures.NAME)
        [request] = _sync(client, company, "hotline", last_sync)["items"]
        assert request["id"] == created.json["id"]
        assert not request["placement_label"].startswith(hours_fixtures.NAME)
        assert _sync(client, other, "placements", last_sync)["items"] == []
        assert _sync(client, other, "hotline", last_sync)["items"] == []
        assert _sync(client, company, "placements", _now())["items"] == []
        assert _sync(client, company, "hotline", _now())["items"] == []


def test_since_at_the_ends_of_the_calendar_with_a_lapsed_consent(app, client, make_user, frozen_today):
    """The lapse filter clamps a moment at the ends of the calendar (no OverflowError, no 500)."""
    world = proposal_fixtures.build_world(app, make_user)
    company = make_token(app, world["company"])
    with app.app_context():
        company_id = world["company"].company_id
    lapsing = _disclosed(app, world, company_id, RUNS_OUT)[0]
    with travel(AFTER):
        assert lapsing in [i["id"] for i in _sync(client, company, "proposals", "0001-01-01")["items"]]
        assert _sync(client, company, "proposals", "9999-12-31T23:59:59-23:59")["items"] == []
