"""The wage hours the case system told of (``prior_wage_hours``, migration 0044) in the focus goal,
its list and export, on the citizen's page and in the art. 15 export; an erasure deletes them.

A month with hours both in Jobbro and from the case system counts the larger figure, never both.
``frozen_today`` is 23 November 2026: the default month is October 2026 (measured on 31 October),
its 12 calendar months November 2025 to October 2026."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.dashboard.facts import Scope, load_facts
from portal.dashboard.metrics import FOCUS_DEFINITION, compute_focus_goal, wage_hour_months
from portal.extensions import db
from portal.privacy.erasure import erase_citizen
from store.models import PriorWageHours
from tests.portal.dashboard_fixtures import World

LONG_CASE = date(2024, 1, 1)
AS_OF = date(2026, 10, 31)
pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app):
    return World(app)


def _told(app, citizen_id: int, hours: dict[date, str]) -> None:
    with app.app_context():
        db.session.add_all([PriorWageHours(citizen_id=citizen_id, month=m, hours=Decimal(h),
                                           imported_at=datetime(2026, 11, 1, tzinfo=timezone.utc))
                            for m, h in hours.items()])
        db.session.commit()


@pytest.fixture
def citizens(app, world):
    before = world.citizen(LONG_CASE, name="Anna Før")  # only the case system's hours: 110
    _told(app, before, {date(2026, 1, 1): "60", date(2026, 2, 1): "50"})
    both = world.citizen(LONG_CASE, name="Bo Begge")  # March in both: 60 (not 110), April 30: 90
    world.placement(both, "smaajob", date(2025, 10, 1), hours={date(2026, 3, 1): "60"})
    _told(app, both, {date(2026, 3, 1): "50", date(2026, 4, 1): "30"})
    more = world.citizen(LONG_CASE, name="Carl Mere")  # May: the case system's 90 over Jobbro's 20; June 15: 105
    world.placement(more, "fleksjob", date(2025, 10, 1), hours={date(2026, 5, 1): "20"})
    _told(app, more, {date(2026, 5, 1): "90", date(2026, 6, 1): "15"})
    old = world.citizen(LONG_CASE, name="Dorte Gammel")  # October 2025 is before the 12 months
    _told(app, old, {date(2025, 10, 1): "200"})
    return {"before": before, "both": both, "more": more, "old": old}


def test_the_focus_goal_counts_the_case_systems_hours_and_never_a_month_twice(app, citizens):
    with app.app_context():
        facts = load_facts(db.session, Scope())
        hours = dict(zip(facts.ids.tolist(), facts.hundredths_per_citizen(
            ("smaajob", "ordinaert", "fleksjob"), *wage_hour_months(AS_OF), started_by=AS_OF, with_prior=True).tolist()))
        assert hours == {citizens["before"]: 11_000, citizens["both"]: 9_000, citizens["more"]: 10_500,
                         citizens["old"]: 0}
        without = dict(zip(facts.ids.tolist(), facts.hundredths_per_citizen(
            ("smaajob", "ordinaert", "fleksjob"), *wage_hour_months(AS_OF), started_by=AS_OF).tolist()))
        assert without == {citizens["before"]: 0, citizens["both"]: 6_000, citizens["more"]: 2_000, citizens["old"]: 0}
        focus = compute_focus_goal(facts, AS_OF)
        assert (focus.numerator, focus.denominator) == (2, 4)  # Anna and Carl; Bo is not counted 110
        assert "inkl. timer, fagsystemet har oplyst;" in FOCUS_DEFINITION
        assert "tæller det højeste tal, aldrig begge" in focus.definition
        # January 2026's figure no longer counts in December 2026's 12 months... but still in November's
        assert compute_focus_goal(facts, date(2026, 11, 30)).numerator == 2


def test_without_imported_hours_the_figure_is_jobbros_alone(app, world):
    only = world.citizen(LONG_CASE, name="Eva Jobbro")
    world.placement(only, "smaajob", date(2025, 10, 1), hours={date(2026, 3, 1): "99.99"})
    with app.app_context():
        facts = load_facts(db.session, Scope())
        assert facts.ph_citizen.size == 0
        assert compute_focus_goal(facts, AS_OF).numerator == 0
    _told(app, only, {date(2026, 4, 1): "0.01"})
    with app.app_context():
        assert compute_focus_goal(load_facts(db.session, Scope()), AS_OF).numerator == 1


def test_the_goal_list_and_its_export_show_the_hours_with_them(app, client, auth, make_user, citizens):
    auth.login(make_user("consultant").email)
    html = client.get("/maal/borgere?maal=fokus&omfang=all&maaned=2026-10&vis=alle").get_data(as_text=True)

    def row(citizen_id: int) -> str:
        return " ".join(html.split(f'data-citizen-id="{citizen_id}"')[1].split("</tr>")[0].split())

    assert "<td>110 <span" in row(citizens["before"]) and "(heraf 110 oplyst af fagsystemet)" in row(citizens["before"])
    # Bo: March counts Jobbro's 60 (larger than the case system's 50), April the case system's 30
    assert "<td>90 <span" in row(citizens["both"]) and "(heraf 30 oplyst af fagsystemet)" in row(citizens["both"])
    assert "10 løntimer mere" in row(citizens["both"]) and 'data-met="ja"' not in row(citizens["both"])
    assert "(heraf 85 oplyst af fagsystemet)" in row(citizens["more"])  # May: 70 over Jobbro's 20; June: 15
    assert "oplyst af fagsystemet" not in row(citizens["old"])
    assert "inkl. timer, fagsystemet har oplyst)" in html
    export = client.get("/maal/borgere.csv?maal=fokus&omfang=all&maaned=2026-10&vis=alle").get_data(as_text=True)
    assert "Løntimer seneste 12 mdr.;Heraf oplyst af fagsystemet;Løntimer der mangler" in export
    line = next(line for line in export.splitlines() if "Bo Begge" in line)
    assert re.search(r";90(,00)?;30(,00)?;10(,00)?;", line), line


def test_the_citizens_page_and_the_access_export_show_them(app, client, auth, make_user, citizens):
    auth.login(make_user("admin").email)
    html = client.get(f"/borgere/{citizens['more']}").get_data(as_text=True)
    shown = " ".join(html.split('data-testid="prior-wage-hours">')[1].split("</td>")[0].split())
    assert shown == ('105 timer i de seneste 12 måneder (december 2025–november 2026; indgår i '
                     '<a href="/maal/">fokusmålet</a>, når sagen er åben og mindst 12 måneder gammel); '
                     'oplyst for maj 2026–juni 2026, i alt 105 timer')
    none = client.get(f"/borgere/{citizens['both']}").get_data(as_text=True)
    assert "Løntimer oplyst af fagsystemet" in none
    with app.app_context():
        from portal.admin.access_export import gather
        from store.models import Citizen

        sections = gather(db.session.get(Citizen, citizens["more"]), retention_days=1825, made_by="Admin",
                          organisation="Jobcenter")
        told = next(s for s in sections if s["id"] == "profil")["indhold"]["Løntimer oplyst af fagsystemet"]
        assert [(r["Måned (første dag)"], r["Timer"]) for r in told] == [(date(2026, 5, 1), Decimal("90.00")),
                                                                           (date(2026, 6, 1), Decimal("15.00"))]


def test_erasure_deletes_them(app, citizens):
    with app.app_context():
        assert erase_citizen(db.session, citizens["more"], purpose="art. 17")
        db.session.commit()
        left = db.session.scalars(sa.select(PriorWageHours.citizen_id)).all()
        assert citizens["more"] not in left and len(left) == 5


def test_the_citizen_page_sums_the_focus_window_beside_every_month_told():
    from types import SimpleNamespace

    from portal.citizens.queries import told_wage_hours

    rows = [SimpleNamespace(month=date(2025, 11, 1), hours=Decimal("200")),  # before the window
            SimpleNamespace(month=date(2025, 12, 1), hours=Decimal("30")),
            SimpleNamespace(month=date(2026, 11, 1), hours=Decimal("7.5"))]
    told = told_wage_hours(SimpleNamespace(prior_wage_hours=rows), date(2026, 11, 23))
    assert (told.recent, told.total, told.window_first) == (Decimal("37.5"), Decimal("237.5"), date(2025, 12, 1))
    assert (told.first, told.last) == (date(2025, 11, 1), date(2026, 11, 1))
    assert told_wage_hours(SimpleNamespace(prior_wage_hours=[]), date(2026, 11, 23)) is None
