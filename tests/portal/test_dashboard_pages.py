"""The /maal pages: access, filters, CSV export (escaping, aggregates only), demo data, PostgreSQL."""
from __future__ import annotations

import csv
import json
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from portal.dashboard.facts import Scope, load_facts
from portal.dashboard.savings import compute_savings
from portal.exports import safe_cell
from portal.extensions import db
from store.clock import today
from tests.portal.dashboard_figures import compute_trend
from tests.portal.dashboard_fixtures import World


@pytest.fixture
def world(app):
    return World(app)


@pytest.mark.parametrize("path", ["/maal/", "/maal/eksport.csv"])
def test_company_users_get_403(client, auth, make_user, path):
    auth.login(make_user("company").email)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/maal/", "/maal/eksport.csv"])
def test_anonymous_users_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("query", [
    "", "?omfang=team", "?omfang=mine", "?omfang=%27+OR+1%3D1--", "?omfang=%00", "?maaned=2026-02-31",
    "?maaned=1999-01", "?maaned=" + "9" * 1000, "?maaned=%3Cscript%3E", "?omfang=all&omfang=team"])
def test_page_renders_for_any_filter(client, auth, make_user, query):
    auth.login(make_user("admin").email)
    response = client.get("/maal/" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>" not in html.split("</head>")[1]
    assert 'data-testid="card-focus"' in html


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"), ("+1+1", "'+1+1"), ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("Fokusmål", "Fokusmål"), ("", ""), (None, "")])
def test_csv_cells_that_start_like_a_formula_are_escaped(value, expected):
    assert safe_cell(value) == expected


def test_export_is_aggregates_only(client, auth, make_user, world, frozen_today):
    world.citizen(name="MARKØR-Navn-4711", matchable=True)
    auth.login(make_user("consultant").email)
    response = client.get("/maal/eksport.csv?maaned=" + f"{frozen_today:%Y-%m}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert "MARKØR" not in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    labels = [r[0] for r in rows if r]
    assert "Fokusmål: virksomhedsrettet indsats" in labels
    assert {"I alt, brutto", "Fradrag for dødvægt (andel, beløb der trækkes fra)",
            "I alt, netto efter dødvægt"} <= set(labels)
    gross, deduction, net = (next(r for r in rows if r and r[0] == label)[4] for label in (
        "I alt, brutto", "Fradrag for dødvægt (andel, beløb der trækkes fra)", "I alt, netto efter dødvægt"))
    assert int(gross) - int(deduction) == int(net)  # the deduction is what takes gross to net
    counts = [r for r in rows if len(r) > 2 and r[2] == "antal"]
    assert counts and all("," not in r[1] for r in counts)  # a count is whole
    assert ["Måned", "november 2026 (foreløbig – måneden er ikke slut)"] in rows
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_demo_data_page_shows_a_focus_figure_between_0_and_100(app, client, auth, make_user):
    from portal.demo.loader import load_demo

    with app.app_context():
        load_demo(db.session, today(), citizen_count=150)
    auth.login(make_user("consultant").email)
    html = client.get("/maal/").get_data(as_text=True)
    match = re.search(r'data-testid="value-focus">([\d.,]+) %<', html)
    assert match, "no focus figure on the page"
    assert 0 <= float(match.group(1).replace(".", "").replace(",", ".")) <= 100
    assert html.count("<canvas") == 6 and html.count('data-testid="table-') == 6
    assert "630.728 kr." in html


def test_export_needs_a_fresh_login_and_is_audited(app, client, auth, make_user, frozen_today):
    from store.models import AuditEvent

    auth.login(make_user("consultant").email)
    with client.session_transaction() as session:
        session["_fresh"] = False
    response = client.get("/maal/eksport.csv")
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]
    with client.session_transaction() as session:
        session["_fresh"] = True
    response = client.get("/maal/eksport.csv?omfang=mine")
    assert response.status_code == 200
    # Like the page, the export defaults to the last complete month (measured on its last day).
    assert 'filename="maal-2026-10.csv"' in response.headers["Content-Disposition"]
    with app.app_context():
        events = db.session.query(AuditEvent).filter_by(action="export_policy_goals").all()
        assert [e.purpose for e in events] == ["mine:2026-10-31"]


def test_page_scope_filter_changes_the_population(client, auth, make_user, world):
    me = make_user("consultant")
    world.citizen(vk_id=me.id)
    world.citizen()
    world.citizen()
    auth.login(me.email)
    everyone = client.get("/maal/").get_data(as_text=True)
    mine = client.get("/maal/?omfang=mine").get_data(as_text=True)
    plain = re.compile(r"<[^>]+>")  # the card's numbers are links (review T 4)
    assert "0 af 3" in plain.sub("", everyone) and "0 af 1" in plain.sub("", mine)
    assert 'value="mine" selected' in mine or 'selected value="mine"' in mine



@pytest.mark.parametrize("path", ["/maal/", "/maal/borgere", "/maal/grundlag"])
def test_a_caseload_scope_says_it_is_todays_caseload(client, auth, make_user, path):
    """Review Y 5: "mine"/"team" select today's caseload, also for past months; a handover moves
    a month that is not frozen yet to the new consultant, and the page must not let the
    definition's "a VK changed later leaves the month" be read as covering the scope."""
    auth.login(make_user("consultant").email)
    for scope, whose in (("mine", "din sagsstamme i dag"), ("team", "teamets sagsstamme i dag")):
        page = client.get(f"{path}?omfang={scope}").get_data(as_text=True)
        assert whose in page and "overdraget, tæller hos den nye konsulent" in page
    assert "sagsstamme i dag" not in client.get(f"{path}?omfang=all").get_data(as_text=True)

def _add_history(day: date) -> None:
    """An earlier VK, a deactivation undone and an earlier answer (review T 2), at moments
    around midnight in Copenhagen, so both databases read their rows and their days."""
    import sqlalchemy as sa

    from store.models import Citizen, Proposal, ProposalAnswer, User, UserDeactivation, VkChange

    first = db.session.scalars(sa.select(Citizen).where(Citizen.vk_id.is_not(None)).order_by(Citizen.id)).first()
    proposal = db.session.scalars(sa.select(Proposal).order_by(Proposal.id)).first()
    midnight = datetime(day.year, day.month - 1, 14, 23, 30, tzinfo=timezone.utc)  # 00:30 on the 15th in Copenhagen
    db.session.add_all([
        VkChange(citizen_id=first.id, vk_id=None, replaced_at=midnight),
        UserDeactivation(user_id=first.vk_id, deactivated_at=midnight - timedelta(days=40), reactivated_at=midnight),
        UserDeactivation(user_id=db.session.scalar(sa.select(sa.func.min(User.id))), deactivated_at=None,
                         reactivated_at=midnight - timedelta(days=20)),
        ProposalAnswer(proposal_id=proposal.id, response="interested", answered_at=midnight - timedelta(days=5))])
    db.session.commit()


@pytest.mark.postgres
def test_postgresql_gives_the_same_figures_as_sqlite(app, postgres_url):
    """Date and timestamp handling differ between the two databases; the figures must not."""
    from portal import create_app
    from portal.demo.loader import load_demo
    from tests.postgres_server import fresh_database

    day = date(2026, 11, 23)

    def figures(target) -> list:
        with target.app_context():
            load_demo(db.session, day, citizen_count=120)
            _add_history(day)
            facts = load_facts(db.session, Scope())
            assert facts.vc_citizen.size == 1 and facts.ua_user.size >= 2 and 0 in facts.ua_from.tolist()
            points = [(p.month, {k: (m.numerator, m.denominator, m.value) for k, m in p.metrics.items()})
                      for p in compute_trend(facts, day)]
            return points + [compute_savings(facts, day)]

    pg_app = create_app({"TESTING": True, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p",
                         "DATABASE_URL": fresh_database(postgres_url, "t_dashboard")})
    with pg_app.app_context():
        db.create_all()
    try:
        assert figures(pg_app) == figures(app)
    finally:
        with pg_app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("args, kind, as_of", [
    ({}, "all", date(2026, 10, 31)),  # default: the last complete month
    ({"maaned": "2026-11", "omfang": "team"}, "team", date(2026, 11, 23)),  # this month: measured today
    ({"maaned": "2026-06", "omfang": "mine"}, "mine", date(2026, 6, 30)),  # past month: its last day
    ({"maaned": "2025-02"}, "all", date(2026, 10, 31)),  # older than the 12 months offered
    ({"maaned": "2026-02-31"}, "all", date(2026, 10, 31)),
    ({"omfang": "role=admin"}, "all", date(2026, 10, 31)),
])
def test_filter_form_picks_scope_and_day(args, kind, as_of):
    from types import SimpleNamespace

    from werkzeug.datastructures import MultiDict

    from portal.dashboard.forms import FilterForm

    user = SimpleNamespace(id=7, team_id=3)
    form = FilterForm(MultiDict(args), date(2026, 11, 23))
    scope, day = form.cleaned(user)
    assert (scope.kind, day) == (kind, as_of)
    assert form.partial is (day == date(2026, 11, 23))
    assert scope.team_id == (3 if kind == "team" else None)
    assert scope.user_id == (7 if kind == "mine" else None)


def test_month_defaults_to_the_last_complete_month(client, auth, make_user, frozen_today):
    auth.login(make_user("consultant").email)
    html = client.get("/maal/").get_data(as_text=True)
    assert "nøgletal for oktober 2026 for hele jobcentret, opgjort pr. 31.10.2026." in " ".join(html.split())
    assert 'value="2026-10" selected' in html or 'selected value="2026-10"' in html
    assert 'data-testid="partial-month"' not in html
    # The current month is offered, labelled as partial.
    assert "november 2026 (foreløbig – måneden er ikke slut)</option>" in html


def _active_card(client, month="2026-10", scope="all") -> str:
    html = " ".join(client.get(f"/maal/?maaned={month}&omfang={scope}").get_data(as_text=True).split())
    return re.sub(r"<[^>]+>", "", re.search(r'data-testid="count-active">(.*?)</p>', html).group(1))


def _add_citizen(app, name: str) -> None:
    from store.models import Citizen

    with app.app_context():
        db.session.add(Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                               case_start=date(2025, 1, 5), hours_available=20))
        db.session.commit()


def test_a_finished_months_figures_are_frozen_at_their_first_computation(app, client, auth, make_user,
                                                                         frozen_today):
    """Review B 3: a citizen entered later with an earlier case start moved October's base."""
    _add_citizen(app, "Første")
    auth.login(make_user("consultant").email)
    before = _active_card(client)
    html = " ".join(client.get("/maal/?maaned=2026-10").get_data(as_text=True).split())
    assert "Tallene for oktober 2026 blev opgjort 23.11.2026 og står fast" in html
    assert 'data-testid="recompute-form"' not in html  # administrators only
    current = _active_card(client, "2026-11")
    _add_citizen(app, "Anden")
    assert _active_card(client) == before  # October stays as reported
    assert _active_card(client, "2026-11") != current  # the month in progress is live
    assert client.post("/maal/genberegn", data={"maaned": "2026-10"}).status_code in (400, 403)


def test_an_administrator_recomputes_a_month_explicitly_and_it_is_audited(app, client, auth, make_user,
                                                                          frozen_today):
    from store.models import AuditEvent

    _add_citizen(app, "Første")
    auth.login(make_user("admin").email)
    before = _active_card(client)
    html = client.get("/maal/?maaned=2026-10").get_data(as_text=True)
    assert 'data-testid="recompute-form"' in html
    _add_citizen(app, "Anden")
    assert _active_card(client) == before
    token = auth.csrf_token("/maal/?maaned=2026-10")
    response = client.post("/maal/genberegn", data={"maaned": "2026-10", "omfang": "all", "csrf_token": token})
    assert response.status_code == 302 and "maaned=2026-10" in response.headers["Location"]
    assert _active_card(client) != before
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="recompute_policy_goals").count() == 1
    for bad in ("2026-11", "2026-13", "x", ""):  # the month in progress is never frozen
        assert client.post("/maal/genberegn", data={"maaned": bad, "csrf_token": token}).status_code == 400


def test_a_goal_list_of_a_finished_month_says_it_is_frozen_and_the_month_in_progress_does_not(
        client, auth, make_user, frozen_today):
    auth.login(make_user("consultant").email)
    html = " ".join(client.get("/maal/borgere?maal=cv&maaned=2026-10").get_data(as_text=True).split())
    assert "Tallet for oktober 2026 blev opgjort 23.11.2026 og står fast" in html
    current = client.get("/maal/borgere?maal=cv&maaned=2026-11").get_data(as_text=True)
    assert 'data-testid="basis-note"' not in current  # the month in progress says it is partial


def test_the_current_month_is_marked_as_partial(client, auth, make_user, frozen_today):
    auth.login(make_user("consultant").email)
    html = " ".join(client.get("/maal/?maaned=2026-11").get_data(as_text=True).split())
    assert "nøgletal for november 2026 for hele jobcentret, opgjort pr. 23.11.2026 (foreløbige tal)." in html
    assert 'data-testid="partial-month"' in html
    # The export link keeps the chosen month.
    assert "/maal/eksport.csv?omfang=all&amp;maaned=2026-11" in html


def test_trend_tables_show_counts_and_days_whole_as_the_cards_do(app, client, auth, make_user, world, frozen_today):
    """27 companies read "27" in the 12-month table, not "27,0"; a share keeps its decimal."""
    for _ in range(2):
        world.placement(world.citizen(), "smaajob", date(2026, 1, 1))  # two companies, running all year
    world.citizen(date(2026, 1, 1), case_closed=date(2026, 3, 11))  # 69 days
    world.citizen(date(2026, 1, 1), case_closed=date(2026, 3, 12))  # 70 days: 69,5 on average
    auth.login(make_user("consultant").email)
    html = client.get("/maal/").get_data(as_text=True)

    def cells(key: str) -> dict[str, str]:
        table = html.split(f'data-testid="table-{key}"')[1].split("</table>")[0]
        return dict(re.findall(r'data-month="([\d-]+)".*?data-testid="trend-value">([^<]+)</td>', table, re.S))

    # October 2026, the month shown (the trend runs to November, the month in progress)
    assert cells("cooperation")["2026-10"] == "2" and re.search(r'data-testid="value-cooperation">2<', html)
    assert cells("duration")["2026-10"] == "70" and re.search(r'data-testid="value-duration">70 dage<', html)
    assert cells("active")["2026-10"] == "100,0"  # a share keeps its decimal (both open cases are placed)
    chart = json.loads(html.split('data-testid="chart-cooperation" data-chart=\'')[1].split("'")[0])
    assert chart["values"][-1] == 2 and chart["labels"][-1] == "okt. 2026"


def test_two_first_views_of_a_finished_month_keep_one_snapshot(app, frozen_today):
    """Two requests computing a month that just ended: the second keeps the first's figures
    (the unique (month, scope) refuses its row) instead of failing with an error page."""
    import json
    from datetime import date

    from portal.dashboard import snapshots
    from portal.dashboard.metrics import Metric
    from store.models import FigureSnapshot

    with app.app_context():
        first = [Metric("active", "Aktive borgere", 0.5, "share", "d", numerator=1, denominator=2, target=0.8)]
        kept, _, _ = snapshots._keep(db.session, date(2026, 10, 1), "all", first)
        db.session.commit()
        other = [Metric("active", "Aktive borgere", 1.0, "share", "d", numerator=2, denominator=2, target=0.8)]
        again, _, _ = snapshots._keep(db.session, date(2026, 10, 1), "all", other)
        db.session.commit()
        assert again == kept == first
        (row,) = db.session.query(FigureSnapshot).all()
        assert json.loads(row.metrics)["metrics"][0]["numerator"] == 1


def test_a_frozen_month_is_shown_under_todays_heading_with_what_it_counted(app, client, auth, make_user,
                                                                           frozen_today):
    """Review AD 12: a month kept under »Gennemsnitlig sagsvarighed (afsluttede sager)« showed
    »… (afsluttede sager) (dage)« above its chart; the heading is wording, the figure stays."""
    from datetime import date

    from portal.dashboard import snapshots
    from portal.dashboard.metrics import DURATION_DEFINITION, Metric

    old = Metric("duration", "Gennemsnitlig sagsvarighed (afsluttede sager)", 41.0, "days", DURATION_DEFINITION,
                 denominator=3)
    with app.app_context():
        snapshots._keep(db.session, date(2026, 10, 1), "all", [old])
        db.session.commit()
    auth.login(make_user("consultant").email)
    html = " ".join(client.get("/maal/?maaned=2026-10").get_data(as_text=True).split())
    assert "Gennemsnitlig sagsvarighed for afsluttede sager (dage)</h3>" in html
    assert "(afsluttede sager)" not in html
    assert 'data-testid="value-duration">41 dage<' in html  # the kept figure
