"""A case's closings are kept (review T 2, T 5): reopening keeps the closing as a CaseClosure,
so the policy goals read the case as closed in its gap, a reopened case's 12 months run from
the reopening, the closing still counts in the average case duration, and the savings leave
out a citizen who moved away."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from portal.dashboard.facts import Scope, load_facts
from portal.dashboard.metrics import case_days, closed_cases, focus_statuses
from portal.dashboard.savings import compute_savings, savings_citizens
from portal.extensions import db
from store.models import Citizen, Placement
from tests.clock import TODAY
from tests.portal.citizen_fixtures import csrf, make_citizen

pytestmark = pytest.mark.usefixtures("frozen_today")
START = date(2024, 3, 1)


@pytest.fixture
def consultant(make_user):
    return make_user("consultant", email="vk@jc.dk")


@pytest.fixture
def cid(app, auth, consultant):
    auth.login(consultant.email)
    return make_citizen(app, vk_id=consultant.id, case_start=START)


def _close(client, auth, cid, on: date, reason: str = "andet"):
    return client.post(f"/borgere/{cid}/afslut", data={"csrf_token": csrf(auth), "closed_on": on.isoformat(),
                                                        "reason": reason})


def _reopen(client, auth, cid):
    return client.post(f"/borgere/{cid}/genaabn", data={"csrf_token": csrf(auth), "reason": "Mistede jobbet"})


def _facts(app):
    with app.app_context():
        return load_facts(db.session, Scope("all"))


def test_reopening_keeps_the_closing_and_the_goals_read_the_gap(app, client, auth, cid):
    closed_on = TODAY - timedelta(days=60)
    assert _close(client, auth, cid, closed_on).status_code == 302
    with app.app_context():
        assert db.session.get(Citizen, cid).case_close_reason == "andet"
    assert _reopen(client, auth, cid).status_code == 302
    with app.app_context():
        citizen = db.session.get(Citizen, cid)
        assert citizen.case_closed is None and citizen.case_close_reason is None
        assert [(c.closed_on, c.reopened_on, c.reason) for c in citizen.case_closures] == [(closed_on, TODAY, "andet")]

    facts = _facts(app)
    row = int(np.flatnonzero(facts.ids == cid)[0])
    assert facts.open_on(closed_on - timedelta(days=1))[row]
    assert not facts.open_on(closed_on)[row] and not facts.open_on(TODAY - timedelta(days=1))[row]
    assert facts.open_on(TODAY)[row]
    assert facts.period_start(TODAY)[row] == TODAY.toordinal()  # the 12 months run from the reopening
    assert facts.period_start(closed_on - timedelta(days=1))[row] == START.toordinal()
    assert cid not in {s.citizen_id for s in focus_statuses(facts, TODAY)}  # not a 12-month case now
    assert cid in {s.citizen_id for s in focus_statuses(facts, closed_on - timedelta(days=1))}
    assert closed_cases(facts, TODAY)[row]  # the closing still counts in the average duration
    assert case_days(facts, TODAY)[row] == (closed_on - START).days

    assert _close(client, auth, cid, TODAY).status_code == 302  # closed again: two periods, both kept
    facts = _facts(app)
    assert case_days(facts, TODAY)[row] == 0 and not facts.open_on(TODAY)[row]


def test_a_closing_dated_before_the_last_reopening_is_refused(app, client, auth, cid):
    _close(client, auth, cid, TODAY - timedelta(days=60))
    _reopen(client, auth, cid)
    response = _close(client, auth, cid, TODAY - timedelta(days=10))
    assert response.status_code == 400
    assert f"før {TODAY:%d.%m.%Y}, hvor sagen blev genåbnet" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Citizen, cid).case_closed is None


def test_a_placement_cancelled_before_its_start_does_not_block_closing(app, client, auth, cid, make_user):
    company = make_user("company").company_id
    with app.app_context():
        start = TODAY + timedelta(days=10)
        db.session.add(Placement(citizen_id=cid, company_id=company, kind="virksomhedspraktik", start_date=start,
                                 end_date=start, end_reason="aflyst", weekly_hours=10))
        db.session.commit()
    assert _close(client, auth, cid, TODAY).status_code == 302


@pytest.mark.parametrize("reason, counted", [("flyttet", False), ("selvforsoergende", True), ("ordinaert_job", True)])
def test_a_citizen_who_moved_away_is_left_out_of_the_savings_and_counted_apart(app, client, auth, cid, make_user,
                                                                                 reason, counted):
    company = make_user("company").company_id
    ended = TODAY - timedelta(days=90)
    with app.app_context():
        db.session.add(Placement(citizen_id=cid, company_id=company, kind="loentilskud", start_date=ended - timedelta(days=60),
                                 end_date=ended, end_reason="ordinaert_job", weekly_hours=30))
        db.session.commit()
    assert _close(client, auth, cid, ended + timedelta(days=1), reason).status_code == 302
    facts = _facts(app)
    [person] = [p for p in savings_citizens(facts, TODAY) if p.citizen_id == cid]
    assert (person.counted, person.moved) == (counted, not counted)
    estimate = compute_savings(facts, TODAY)
    assert (estimate.left_out, estimate.left_out_moved) == ((0, 0) if counted else (1, 1))
