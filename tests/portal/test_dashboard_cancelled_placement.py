"""A placement cancelled before its start (end reason "aflyst") is in no goal or figure (review T 1).

Each test has a control: the same placement ended on its start date as "afbrudt" (what consultants
did before »Aflys forløbet« existed) does count, so the test fails if the cancelled one is loaded.
"""
from __future__ import annotations

from datetime import date

import pytest

from portal.dashboard.facts import NEVER, Scope, load_facts
from portal.extensions import db
from store.models.vocab import COMPANY_BASED_KINDS
from tests.portal.dashboard_figures import active_share, cooperation, focus_goal, outcome_share
from tests.portal.dashboard_fixtures import AS_OF, World

JUNE_3 = date(2026, 6, 3)  # in the month measured (AS_OF is 15.06.2026)


@pytest.fixture
def world(app):
    return World(app)


@pytest.mark.parametrize("reason, counts", [("aflyst", False), ("afbrudt", True)])
def test_a_cancelled_praktik_is_no_company_based_placement_in_the_focus_goal(world, reason, counts):
    cid = world.citizen()
    world.placement(cid, "virksomhedspraktik", JUNE_3, JUNE_3, reason)
    assert (world.metric(focus_goal).numerator == 1) is counts


@pytest.mark.parametrize("reason, counts", [("aflyst", False), ("afbrudt", True)])
def test_a_cancelled_placement_does_not_make_the_citizen_active_that_month(world, reason, counts):
    cid = world.citizen()
    world.placement(cid, "smaajob", JUNE_3, JUNE_3, reason)
    metric = world.metric(active_share)
    assert (metric.numerator, metric.denominator) == (int(counts), 1)


def test_a_cancelled_placement_is_not_an_ended_placement_in_the_outcome_share(world):
    a, b = world.citizen(), world.citizen()
    world.placement(a, "loentilskud", date(2025, 9, 1), date(2026, 3, 1), "ordinaert_job")
    world.placement(b, "virksomhedspraktik", date(2026, 4, 1), date(2026, 4, 1), "aflyst")
    outcome = world.metric(outcome_share)
    assert (outcome.numerator, outcome.denominator) == (1, 1)  # not (1, 2)


def test_a_company_with_only_a_cancelled_placement_is_not_cooperating(world):
    cid = world.citizen()
    cancelled, ended = world.company(), world.company()
    world.placement(cid, "smaajob", AS_OF, AS_OF, "aflyst", company_id=cancelled)
    world.placement(cid, "smaajob", AS_OF, AS_OF, "afbrudt", company_id=ended)
    assert world.metric(cooperation).value == 1


def test_months_without_a_placement_and_the_next_start_ignore_a_cancelled_placement(world, app):
    cid = world.citizen(case_start=date(2024, 1, 1))
    world.placement(cid, "virksomhedspraktik", date(2026, 5, 4), date(2026, 5, 4), "aflyst")
    world.placement(cid, "virksomhedspraktik", date(2025, 1, 1), date(2025, 2, 1), "forloeb_slut")
    with app.app_context():
        facts = load_facts(db.session, Scope())
        assert facts.last_placement_end(COMPANY_BASED_KINDS, AS_OF).tolist() == [date(2025, 2, 1).toordinal()]
        assert facts.next_placement_start(date(2026, 5, 1)).tolist() == [NEVER]
        assert len(facts.p_id) == 1
