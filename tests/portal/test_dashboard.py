"""Policy-goal figures (portal.dashboard.metrics, savings): hand-made cases for every rule."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from portal.dashboard.facts import Scope, add_months, load_facts
from portal.dashboard.savings import BUDGET_2024, PLAN_REFERENCE_SAVING, compute_savings, plan_reference_saving
from portal.extensions import db
from store.models import Opening, Team, User
from store.clock import today
from tests.portal.dashboard_figures import (active_share, all_metrics, case_duration, cooperation, focus_goal,
                                            matchable_share, outcome_share, savings_estimate, trend)
from tests.portal.dashboard_fixtures import AS_OF, TWELVE_MONTHS_BEFORE, WINDOW_START, World


@pytest.fixture
def world(app):
    return World(app)


# --- Focus goal ---------------------------------------------------------------------------

def test_case_of_exactly_12_months_is_in_the_focus_population(world):
    world.citizen(case_start=TWELVE_MONTHS_BEFORE)
    world.citizen(case_start=TWELVE_MONTHS_BEFORE + timedelta(days=1))  # 11 months and a bit: not yet
    metric = world.metric(focus_goal)
    assert metric.denominator == 1
    assert metric.numerator == 0 and metric.value == 0.0 and metric.met is False


def test_closed_case_leaves_the_focus_population(world):
    world.citizen(case_closed=AS_OF)
    world.citizen(case_closed=AS_OF + timedelta(days=1))
    assert world.metric(focus_goal).denominator == 1


@pytest.mark.parametrize("hours, met", [("99.00", False), ("99.99", False), ("100.00", True)])
def test_focus_needs_100_ordinary_wage_hours(world, hours, met):
    cid = world.citizen()
    half = Decimal(hours) / 2
    world.placement(cid, "smaajob", date(2025, 1, 1),
                    hours={date(2025, 9, 1): str(half), date(2026, 6, 1): str(Decimal(hours) - half)})
    assert (world.metric(focus_goal).numerator == 1) is met


def test_wage_hours_add_up_across_placements_but_not_outside_12_months(world):
    cid = world.citizen()
    world.placement(cid, "ordinaert", date(2025, 1, 1), hours={
        date(2025, 6, 1): "300",  # the 13th month back: outside the window
        date(2025, 7, 1): "60"})
    world.placement(cid, "fleksjob", date(2026, 1, 1), hours={date(2026, 5, 1): "40"})
    assert world.metric(focus_goal).numerator == 1
    assert world.metric(focus_goal, as_of=date(2026, 7, 15)).numerator == 0  # July 2025 dropped out


def test_hours_in_praktik_are_not_wage_hours(world):
    cid = world.citizen()
    # Unpaid praktik hours do not count as wage hours, but the praktik counts (it overlaps).
    world.placement(cid, "virksomhedspraktik", date(2024, 1, 1), date(2024, 3, 1),
                    hours={date(2024, 2, 1): "300"})
    assert world.metric(focus_goal).numerator == 0


@pytest.mark.parametrize("kind, end, counts", [
    ("virksomhedspraktik", WINDOW_START, True),  # ends on the window's first day
    ("virksomhedspraktik", WINDOW_START - timedelta(days=1), False),  # the same day a year back (review BA 1)
    ("loentilskud", None, True),
    ("smaajob", None, False),  # småjob counts only through its hours
])
def test_company_based_placement_overlapping_the_window(world, kind, end, counts):
    cid = world.citizen()
    world.placement(cid, kind, date(2025, 1, 1), end, "forloeb_slut" if end else None)
    assert (world.metric(focus_goal).numerator == 1) is counts


def test_placement_starting_after_as_of_does_not_count(world):
    cid = world.citizen()
    world.placement(cid, "virksomhedspraktik", AS_OF + timedelta(days=1))
    assert world.metric(focus_goal).numerator == 0


# --- Active share ---------------------------------------------------------------------------

def test_active_share_counts_placements_and_contact_with_a_company_in_the_month(world):
    placed, idle = world.citizen(), world.citizen()
    world.citizen(case_start=AS_OF + timedelta(days=1))  # not yet a case: not in the population
    world.placement(placed, "smaajob", date(2026, 1, 1), date(2026, 6, 1), "forloeb_slut")
    world.placement(idle, "smaajob", date(2026, 1, 1), date(2026, 5, 31), "forloeb_slut")
    june = datetime(2026, 6, 3, 9, tzinfo=timezone.utc)
    disclosed, answered, interviewed = world.citizen(), world.citizen(), world.citizen()
    world.proposal(disclosed, datetime(2026, 5, 1, tzinfo=timezone.utc), status="disclosed", disclosed=june)
    world.proposal(answered, datetime(2026, 5, 1, tzinfo=timezone.utc), answered=june, response="declined")
    world.proposal(interviewed, datetime(2026, 5, 1, tzinfo=timezone.utc), interview=june)
    world.proposal(idle, datetime(2026, 5, 20, 9, tzinfo=timezone.utc))
    metric = world.metric(active_share)
    assert (metric.numerator, metric.denominator) == (4, 5)
    assert metric.breakdown == {"placement": 1, "contact_only": 3}
    assert metric.target == 0.80 and metric.first_target == 0.75 and metric.met is True


def test_a_consultants_decision_alone_does_not_make_a_citizen_active(world):
    """Review F 9: a rejection on a ranking, an approval the company never answered, a proposal
    made: steps inside the job centre, with no contact with the citizen or a company."""
    june = datetime(2026, 6, 3, 9, tzinfo=timezone.utc)
    rejected, approved, proposed, cancelled, later = (world.citizen() for _ in range(5))
    world.proposal(rejected, june, june, status="rejected")
    world.proposal(approved, june, june, status="approved")
    world.proposal(proposed, june)
    world.proposal(cancelled, june, interview=june, interview_status="cancelled")
    world.proposal(later, june, interview=datetime(2026, 6, 16, 9, tzinfo=timezone.utc))  # after AS_OF
    metric = world.metric(active_share)
    assert (metric.numerator, metric.denominator) == (0, 5)
    assert "fravalgt i jobcentret, tæller ikke" in metric.definition


# --- CV + jobmål + VK ---------------------------------------------------------------------

def test_matchable_share_reuses_the_citizen_rule(world, make_user):
    vk = make_user("consultant")
    world.citizen(matchable=True, vk_id=vk.id)
    world.citizen(matchable=True)  # no VK
    world.citizen(vk_id=vk.id)  # no CV, no jobmål
    world.citizen(matchable=True, vk_id=vk.id, case_closed=date(2026, 1, 1))  # closed: not counted
    metric = world.metric(matchable_share, as_of=today())
    assert (metric.numerator, metric.denominator) == (1, 3)


def test_matchable_in_a_past_month_needs_the_cv_stored_by_then(world, make_user):
    vk = make_user("consultant")
    world.citizen(matchable=True, vk_id=vk.id, cv_at=datetime(2026, 7, 1, tzinfo=timezone.utc))
    assert world.metric(matchable_share).numerator == 0
    assert world.metric(matchable_share, as_of=date(2026, 7, 31)).numerator == 1


# --- Outcomes, duration, co-operation -----------------------------------------------------

def test_outcome_share_and_average_case_duration(world):
    a, b = world.citizen(), world.citizen()
    world.placement(a, "loentilskud", date(2025, 9, 1), date(2026, 3, 1), "ordinaert_job")
    world.placement(a, "smaajob", date(2025, 9, 1), date(2026, 4, 1), "uddannelse")
    world.placement(b, "virksomhedspraktik", date(2025, 9, 1), date(2026, 2, 1), "afbrudt")
    world.placement(b, "virksomhedspraktik", date(2024, 1, 1), date(2024, 2, 1), "fleksjob")  # too old
    world.placement(b, "smaajob", date(2026, 1, 1))  # still running
    outcome = world.metric(outcome_share)
    assert (outcome.numerator, outcome.denominator) == (2, 3)
    world.citizen(case_start=date(2026, 1, 1), case_closed=date(2026, 1, 11))  # 10 days
    world.citizen(case_start=date(2025, 1, 1), case_closed=date(2025, 1, 31))  # closed too long ago
    world.citizen(case_start=date(2025, 6, 1), case_closed=date(2026, 6, 1))  # 365 days
    duration = world.metric(case_duration)
    assert duration.value == pytest.approx((10 + 365) / 2) and duration.denominator == 2


def test_cooperation_counts_companies_with_an_open_opening_or_an_ongoing_placement(world, app):
    cid = world.citizen()
    running, ended, open_one, closed_one = (world.company() for _ in range(4))
    world.placement(cid, "smaajob", date(2026, 1, 1), company_id=running)
    world.placement(cid, "smaajob", date(2026, 1, 1), date(2026, 6, 14), "forloeb_slut", company_id=ended)
    with app.app_context():
        db.session.add_all([
            Opening(company_id=open_one, kind="smaajob", title="A", postcode="8722", status="open",
                    created_at=datetime(2026, 2, 1, tzinfo=timezone.utc)),
            Opening(company_id=running, kind="smaajob", title="B", postcode="8722", status="open",
                    created_at=datetime(2026, 2, 1, tzinfo=timezone.utc)),
            Opening(company_id=closed_one, kind="smaajob", title="C", postcode="8722", status="closed",
                    created_at=datetime(2026, 2, 1, tzinfo=timezone.utc))])
        db.session.commit()
    assert world.metric(cooperation).value == 2
    assert world.metric(cooperation, as_of=date(2026, 1, 31)).value == 2  # opening not yet posted


# --- Scopes -------------------------------------------------------------------------------

def test_scopes_filter_by_team_and_by_own_caseload(world, app, make_user):
    me, colleague = make_user("consultant"), make_user("consultant")
    with app.app_context():
        other_team = Team(name="Team Nord")
        db.session.add(other_team)
        db.session.commit()
        other_team_id = other_team.id
        my_team_id = db.session.get(User, me.id).team_id
    world.citizen(vk_id=me.id, team_id=my_team_id)
    world.citizen(adviser_id=me.id, team_id=my_team_id)
    world.citizen(vk_id=colleague.id, team_id=my_team_id)
    world.citizen(team_id=other_team_id)
    counts = {kind: world.metric(active_share, scope=scope).denominator for kind, scope in {
        "all": Scope(), "team": Scope("team", team_id=my_team_id), "mine": Scope("mine", user_id=me.id),
        "other": Scope("team", team_id=other_team_id), "no_team": Scope("team", team_id=None)}.items()}
    assert counts == {"all": 4, "team": 3, "mine": 2, "other": 1, "no_team": 0}


def test_company_scope_follows_the_companys_consultant(world, app, make_user):
    me, colleague = make_user("consultant"), make_user("consultant")
    mine, theirs = world.company(consultant_id=me.id), world.company(consultant_id=colleague.id)
    with app.app_context():
        db.session.add_all([Opening(company_id=c, kind="smaajob", title="A", postcode="8722", status="open",
                                    created_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
                            for c in (mine, theirs)])
        db.session.commit()
    assert world.metric(cooperation, scope=Scope("mine", user_id=me.id)).value == 1
    assert world.metric(cooperation).value == 2


def test_unknown_scope_is_refused():
    with pytest.raises(ValueError):
        Scope("everyone")


@pytest.mark.parametrize("end, counted", [(date(2025, 11, 30), False), (date(2025, 12, 1), True)])
def test_the_last_12_months_are_12_months_not_a_day_more(world, end, counted):
    """Review BA 1: November 2026's 12 months are 01.12.2025–30.11.2026. An outcome, a closing
    and a self-support outcome on 30.11.2025 count in November 2025's figures only, never in
    two years' figures."""
    cid = world.citizen(case_start=date(2024, 1, 1), case_closed=end)
    world.placement(cid, "virksomhedspraktik", date(2025, 11, 2), end, "ordinaert_job")
    for as_of, expected in ((date(2026, 11, 30), counted), (date(2025, 11, 30), not counted)):
        assert world.metric(outcome_share, as_of=as_of).denominator == int(expected)
        assert world.metric(case_duration, as_of=as_of).denominator == int(expected)
        assert world.metric(savings_estimate, as_of=as_of).counted == int(expected)
    assert world.metric(outcome_share, as_of=date(2026, 12, 1)).denominator == 0  # a day later: out


def test_the_focus_window_ends_a_year_on(world):
    """A praktik that ended 30.11.2025 meets the focus goal of November 2025, not of November 2026."""
    cid = world.citizen(case_start=date(2024, 1, 1))
    world.placement(cid, "virksomhedspraktik", date(2025, 11, 2), date(2025, 11, 30), "forloeb_slut")
    assert world.metric(focus_goal, as_of=date(2025, 11, 30)).numerator == 1
    assert world.metric(focus_goal, as_of=date(2026, 11, 30)).numerator == 0


# --- Trend --------------------------------------------------------------------------------

def test_trend_has_12_months_ending_with_the_current_one(world):
    cid = world.citizen(case_start=date(2024, 1, 1))
    world.placement(cid, "virksomhedspraktik", date(2026, 3, 1), date(2026, 3, 31), "forloeb_slut")
    points = world.metric(trend)
    assert [p.month for p in points] == [add_months(date(2026, 6, 1), -n) for n in range(11, -1, -1)]
    active = [p.metrics["active"].numerator for p in points]
    assert active == [0] * 8 + [1, 0, 0, 0]  # active only in March 2026
    assert points[-1].metrics["focus"].value == 1.0


# --- Savings ------------------------------------------------------------------------------

def test_budget_table_reproduces_the_plans_reference_figure():
    assert plan_reference_saving() == PLAN_REFERENCE_SAVING == 2 * 118_804 + 2 * 65_091 + 2 * 131_469
    for cost in BUDGET_2024.values():
        # The table's own arithmetic: net = gross minus refund; per week = per year / 52.
        assert abs(cost.gross_year * (1 - cost.refund_percent / 100) - cost.net_year) < 1
        assert round(cost.net_year / 52) == cost.net_week


def test_savings_per_outcome_and_benefit_group(world, app):
    kh = world.citizen(benefit_group="kontanthjaelp", case_closed=AS_OF - timedelta(weeks=10, days=3))
    world.placement(kh, "loentilskud", date(2026, 1, 1), AS_OF - timedelta(weeks=10, days=3), "ordinaert_job")
    world.placement(kh, "smaajob", date(2026, 1, 1), AS_OF - timedelta(weeks=2), "fleksjob")  # counted once
    uh = world.citizen(benefit_group="uddannelseshjaelp", case_closed=WINDOW_START)
    world.placement(uh, "smaajob", date(2025, 1, 1), WINDOW_START, "uddannelse")  # 52 weeks, capped
    failed = world.citizen(benefit_group="ressourceforloeb", case_closed=AS_OF)
    world.placement(failed, "virksomhedspraktik", date(2026, 1, 1), AS_OF, "afbrudt")
    dp = world.citizen(benefit_group="dagpenge", case_closed=AS_OF - timedelta(weeks=4))
    world.placement(dp, "smaajob", date(2026, 1, 1), AS_OF - timedelta(weeks=4), "ordinaert_job")
    estimate = world.metric(savings_estimate)
    rows = {r.benefit_group: r for r in estimate.rows}
    assert (rows["kontanthjaelp"].citizens, rows["kontanthjaelp"].weeks) == (1, 10)
    assert rows["kontanthjaelp"].amount == 10 * 2_285
    assert rows["uddannelseshjaelp"].amount == 52 * 1_252
    assert rows["ressourceforloeb"].amount == 0
    assert rows["dagpenge"].amount is None and rows["dagpenge"].citizens == 1
    assert "sygedagpenge" not in rows  # unpriced groups without outcomes are left out
    assert estimate.total == 10 * 2_285 + 52 * 1_252
    by_outcome = {r.end_reason: (r.citizens, r.amount) for r in estimate.by_outcome}
    # The kontanthjælp citizen counts once, from the first outcome (the job, not the later fleksjob).
    assert by_outcome == {"ordinaert_job": (2, 10 * 2_285), "fleksjob": (0, 0),
                          "uddannelse": (1, 52 * 1_252)}


def test_savings_leave_out_a_citizen_whose_case_is_open_and_count_from_the_closing(world, app):
    """Review F 5: Dorthe Krogh's småjob ended «Ordinært job» 29.06.2026, her case is open and
    since 11.11.2026 she is in an unpaid virksomhedspraktik: she is on benefit, not a saving."""
    back_in_praktik = world.citizen(benefit_group="kontanthjaelp")
    world.placement(back_in_praktik, "smaajob", date(2026, 1, 1), date(2026, 3, 2), "ordinaert_job")
    world.placement(back_in_praktik, "virksomhedspraktik", date(2026, 5, 1))
    still_open = world.citizen(benefit_group="kontanthjaelp")
    world.placement(still_open, "smaajob", date(2026, 1, 1), date(2026, 3, 2), "uddannelse")
    closed_later = world.citizen(benefit_group="kontanthjaelp", case_closed=AS_OF - timedelta(weeks=3))
    world.placement(closed_later, "smaajob", date(2026, 1, 1), date(2026, 3, 2), "ordinaert_job")
    closes_after = world.citizen(benefit_group="kontanthjaelp", case_closed=AS_OF + timedelta(days=1))
    world.placement(closes_after, "smaajob", date(2026, 1, 1), date(2026, 3, 2), "ordinaert_job")
    estimate = world.metric(savings_estimate)
    row = next(r for r in estimate.rows if r.benefit_group == "kontanthjaelp")
    # Only the closed case counts, from its closing three weeks ago (not from the job in March).
    assert (row.citizens, row.weeks, row.amount, row.left_out) == (1, 3, 3 * 2_285, 3)
    assert (estimate.left_out, estimate.left_out_placed, estimate.counted) == (3, 1, 1)
    assert "sag er afsluttet" in estimate.assumption and "åben sag får stadig ydelse" in estimate.assumption
    with app.app_context():
        from portal.dashboard.savings import savings_citizens
        people = {p.citizen_id: p for p in savings_citizens(load_facts(db.session, Scope()), AS_OF)}
    assert not people[back_in_praktik].counted and people[back_in_praktik].in_placement
    assert people[closed_later].since == AS_OF - timedelta(weeks=3) and people[closed_later].weeks == 3


def test_savings_from_facts_ignore_outcomes_after_as_of(world, app):
    cid = world.citizen()
    world.placement(cid, "smaajob", date(2026, 1, 1), AS_OF + timedelta(days=1), "ordinaert_job")
    with app.app_context():
        assert compute_savings(load_facts(db.session, Scope()), AS_OF).total == 0


def test_all_metrics_returns_every_card_with_a_definition(world):
    metrics = world.metric(all_metrics)
    assert [m.key for m in metrics] == ["focus", "active", "matchable", "outcomes", "duration", "cooperation"]
    assert all(len(m.definition) > 60 for m in metrics)


# --- Savings: gross, deadweight, net ----------------------------------------------------------

@pytest.mark.parametrize("deadweight, net", [(0.8, 12_833), (0.0, 64_166), (1.0, 0), (0.6, 25_666)])
def test_net_savings_take_the_deadweight_share_off_the_gross_figure(world, app, deadweight, net):
    cid = world.citizen(benefit_group="kontanthjaelp", case_closed=AS_OF - timedelta(weeks=10))
    world.placement(cid, "loentilskud", date(2026, 1, 1), AS_OF - timedelta(weeks=10), "ordinaert_job")
    uh = world.citizen(benefit_group="uddannelseshjaelp", case_closed=WINDOW_START)  # before: from the outcome
    world.placement(uh, "smaajob", date(2025, 6, 1), AS_OF - timedelta(weeks=33), "uddannelse")
    with app.app_context():
        estimate = compute_savings(load_facts(db.session, Scope()), AS_OF, deadweight)
    gross = 10 * 2_285 + 33 * 1_252
    assert estimate.total == gross == 64_166
    assert estimate.deadweight == deadweight
    assert estimate.net == net == round(gross * (1 - deadweight))
    assert estimate.deadweight_amount == gross - net


@pytest.mark.parametrize("deadweight", [-0.1, 1.01, float("nan")])
def test_a_deadweight_outside_0_to_1_is_refused(deadweight):
    from portal.dashboard.facts import Facts

    with pytest.raises(ValueError):
        compute_savings(Facts(), AS_OF, deadweight)


def test_the_deadweight_default_is_the_configured_default_and_states_it_is_an_assumption():
    from portal.config import defaults
    from portal.dashboard.savings import DEFAULT_DEADWEIGHT, SavingsEstimate

    assert defaults("")["SAVINGS_DEADWEIGHT"] == DEFAULT_DEADWEIGHT == 0.8
    source = SavingsEstimate([], deadweight=0.8).deadweight_source
    assert source.startswith("Antagelse (jobcentrets administrator kan ændre den): 80 %")
    assert "SAVINGS_DEADWEIGHT" not in source  # review BI 9: a setting consultants cannot see
    assert "ikke et tal fra én bestemt undersøgelse" in source


@pytest.mark.parametrize("value", [1.5, -0.2, "0.8", True, None, float("nan")])
def test_a_bad_deadweight_setting_stops_the_start(tmp_path, value):
    from portal import create_app
    from portal.config import ConfigError

    with pytest.raises(ConfigError, match="SAVINGS_DEADWEIGHT"):
        create_app({"TESTING": True, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p",
                    "INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}",
                    "SAVINGS_DEADWEIGHT": value})


@pytest.mark.parametrize("text, value", [("0.6", 0.6), ("0,75", 0.75), ("1", 1.0), ("0", 0.0)])
def test_the_deadweight_setting_is_read_from_the_environment(text, value):
    from portal.config import from_environment

    assert from_environment({"SAVINGS_DEADWEIGHT": text})["SAVINGS_DEADWEIGHT"] == value


@pytest.mark.parametrize("text", ["80%", "høj", "0.8.1"])
def test_a_deadweight_that_is_not_a_number_is_refused(text):
    from portal.config import ConfigError, from_environment

    with pytest.raises(ConfigError, match="SAVINGS_DEADWEIGHT must be a share"):
        from_environment({"SAVINGS_DEADWEIGHT": text})


def test_the_page_shows_gross_deadweight_net_and_the_plans_figure(app, client, auth, world, frozen_today,
                                                                   make_user):
    cid = world.citizen(benefit_group="kontanthjaelp", case_closed=date(2026, 8, 29))  # closed: off benefit
    world.placement(cid, "loentilskud", date(2026, 1, 1), date(2026, 8, 29), "ordinaert_job")  # 9 weeks to 31 Oct
    app.config["SAVINGS_DEADWEIGHT"] = 0.75
    auth.login(make_user("consultant").email)
    html = " ".join(client.get("/maal/").get_data(as_text=True).split())
    assert 'data-testid="savings-gross">20.565 kr.<' in html  # 9 × 2,285
    assert 'data-testid="savings-deadweight">75 % = −15.424 kr.<' in html
    assert 'data-testid="savings-net"><strong>5.141 kr.</strong>' in html
    assert 'data-testid="savings-plan">630.728 kr. om året<' in html
    assert "Brutto × (1 − 0,75)" in html
    assert "Antagelse (jobcentrets administrator kan ændre den): 75 %" in html


@pytest.mark.parametrize("first, last, months", [
    (date(2024, 1, 1), date(2026, 10, 31), 33), (date(2024, 1, 31), date(2024, 2, 29), 0),
    (date(2024, 1, 31), date(2024, 3, 1), 1), (date(2026, 5, 15), date(2026, 5, 14), 0),
    (date(2025, 10, 31), date(2026, 10, 31), 12),
    # review B 11: case start 14.10.2024 is 25 whole months on 30.11 and still on 04.12.2026
    # (the ranking card's 26 rounds 25,7 months of 30,44 days up)
    (date(2024, 10, 14), date(2026, 11, 30), 25), (date(2024, 10, 14), date(2026, 12, 4), 25)])
def test_whole_months_between_two_days(first, last, months):
    from portal.dashboard.metrics import whole_months

    assert whole_months(first, last) == months
