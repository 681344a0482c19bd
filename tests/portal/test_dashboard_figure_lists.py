"""The lists behind the figures that are not a goal's misses (review F 3): /maal/grundlag.

``frozen_today`` is 23 November 2026: the default month is October 2026 (measured on 31 October,
frozen on first view), the 12-month window starts 31 October 2025.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from portal.extensions import db
from store.models import AuditEvent
from tests.portal.dashboard_fixtures import World


@pytest.fixture
def world(app):
    return World(app)


def ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="figure-row" data-id="(\d+)"', html)]


def flat(html: str) -> str:
    return " ".join(html.split())


def link(page: str, testid: str) -> str:
    found = re.search(rf'<a href="([^"]+)" data-testid="{testid}">', page)
    assert found, f"no link {testid}"
    return found.group(1).replace("&amp;", "&")


def test_each_card_links_to_its_rows_with_the_cards_count(client, auth, make_user, world, frozen_today):
    me = make_user("admin")
    job = world.citizen(name="Anna Job", case_closed=date(2026, 9, 30), case_start=date(2026, 1, 1))
    world.placement(job, "smaajob", date(2026, 2, 1), date(2026, 9, 1), "ordinaert_job")
    stopped = world.citizen(name="Bo Afbrudt")
    world.placement(stopped, "virksomhedspraktik", date(2026, 5, 1), date(2026, 6, 30), "afbrudt")
    world.placement(stopped, "virksomhedspraktik", date(2026, 7, 1), date(2026, 7, 31))  # no reason: not counted
    old = world.citizen(name="Carl Gammel", case_start=date(2025, 1, 1), case_closed=date(2025, 12, 1))
    running = world.citizen(name="Dorte Kører")
    company = world.company()
    world.placement(running, "loentilskud", date(2026, 10, 1), company_id=company)
    auth.login(me.email)
    page = client.get("/maal/").get_data(as_text=True)

    outcomes = client.get(link(page, "basis-outcomes")).get_data(as_text=True)
    assert "1</strong> af 2 forløb" in flat(outcomes)
    assert len(ids(outcomes)) == 2 and ids(outcomes)[0] != ids(outcomes)[1]
    assert re.findall(r'data-testid="counts">(\w+)<', outcomes) == ["Ja", "Nej"]  # the one counted first

    durations = client.get(link(page, "basis-duration")).get_data(as_text=True)
    assert re.search(r'data-testid="value-duration">[\d.]+ dage<', page)
    assert sorted(ids(durations)) == sorted([job, old])
    assert "2</strong> sager afsluttet" in flat(durations)
    assert re.findall(r'data-testid="days">([\d.]+)<', durations) == ["272", "334"]  # by name: Anna, Carl

    companies = client.get(link(page, "basis-cooperation")).get_data(as_text=True)
    assert re.search(r'data-testid="value-cooperation">1<', page)
    assert ids(companies) == [company] and "forløb i gang" in companies
    # review BI 7: after 1 the singular, on the page's link and over the list
    assert re.search(r'data-testid="basis-cooperation">Se virksomheden</a>', page)
    assert "1</strong> virksomhed med et åbent opslag" in flat(companies)
    assert re.search(r'data-testid="basis-duration">Se de 2 sager og deres varighed</a>', page)


def test_the_savings_rows_lead_to_the_citizens_counted_and_those_left_out(client, auth, make_user, world,
                                                                          frozen_today):
    me = make_user("admin")
    counted = world.citizen(name="Anna Ude", benefit_group="kontanthjaelp", case_closed=date(2026, 8, 29))
    world.placement(counted, "smaajob", date(2026, 1, 1), date(2026, 8, 29), "ordinaert_job")
    open_case = world.citizen(name="Bo Åben", benefit_group="kontanthjaelp")
    world.placement(open_case, "smaajob", date(2026, 1, 1), date(2026, 6, 29), "ordinaert_job")
    world.placement(open_case, "virksomhedspraktik", date(2026, 10, 1))
    other = world.citizen(name="Carl Uddannelse", benefit_group="uddannelseshjaelp", case_closed=date(2026, 9, 1))
    world.placement(other, "smaajob", date(2026, 1, 1), date(2026, 9, 1), "uddannelse")
    auth.login(me.email)
    page = flat(client.get("/maal/").get_data(as_text=True))
    assert re.search(r'data-testid="savings-counted-kontanthjaelp">1</td>', page)
    # the link's number is the list's rows: one counted, one left out (review J 6)
    # review BI 9: the link says what its 2 are, next to the column's 1 counted
    assert re.search(r'data-testid="savings-who-kontanthjaelp">se de 2 borgere \(også dem, der ikke er talt med\)</a>',
                     page)
    assert re.search(r'data-testid="savings-who-uddannelseshjaelp">se borgeren</a>', page)  # one, counted
    # October is measured on 31.10.2026: the open case and the placement are that day's (review BA 4)
    assert ("1 borger</strong> med et forløb, der endte i job, fleksjob eller uddannelse, er ikke talt med, fordi sagen"
            " var åben pr. 31.10.2026 (1 af dem var i et forløb pr. 31.10.2026)") in page
    html = client.get(link(page, "savings-who-kontanthjaelp")).get_data(as_text=True)
    assert ids(html) == [counted, open_case]  # counted first; only the kontanthjælp group
    assert re.findall(r'data-counted="(\w+)"', html) == ["ja", "nej"]
    assert "Nej: sagen var åben pr. 31.10.2026, og borgeren var i et forløb da" in html and "forløb nu" not in html
    assert "1</strong> borger på kontanthjælp er talt med i besparelsen; 1" in flat(html)  # review BI 7
    # the month in progress is measured today: »nu« is then true
    now = flat(client.get("/maal/?maaned=2026-11").get_data(as_text=True))
    assert "fordi sagen stadig er åben (1 af dem er i et forløb nu)" in now
    assert "Nej: sagen er åben, og borgeren er i et forløb nu" in client.get(
        "/maal/grundlag?tal=besparelse&omfang=all&maaned=2026-11").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(client.get("/maal/grundlag.csv?tal=besparelse&omfang=all").get_data(
        as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert sorted(r[6] for r in rows[1:]) == ["ja", "ja", "nej, sagen var åben pr. 31.10.2026 (i forløb da)"]
    rows = list(csv.reader(io.StringIO(client.get("/maal/grundlag.csv?tal=besparelse&omfang=all&maaned=2026-11")
                                       .get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert "nej, sagen er åben (i forløb nu)" in [r[6] for r in rows[1:]]


def test_a_consultant_sees_the_rows_of_the_chosen_scope_only(client, auth, make_user, world, frozen_today):
    me = make_user("consultant")
    mine = world.citizen(name="Min Borger", vk_id=me.id)
    world.placement(mine, "smaajob", date(2026, 2, 1), date(2026, 9, 1), "ordinaert_job")
    theirs = world.citizen(name="MARKØR-Andens")
    world.placement(theirs, "smaajob", date(2026, 2, 1), date(2026, 9, 1), "ordinaert_job")
    auth.login(me.email)
    own = client.get("/maal/grundlag?tal=udfald").get_data(as_text=True)  # own caseload by default
    assert len(ids(own)) == 1 and "MARKØR" not in own and "Min Borger" in own
    assert len(ids(client.get("/maal/grundlag?tal=udfald&omfang=all").get_data(as_text=True))) == 2


def test_the_rows_as_csv_need_a_fresh_login_and_are_audited(app, client, auth, make_user, world, frozen_today):
    me = make_user("admin")
    cid = world.citizen(name="Anna Job", case_closed=date(2026, 9, 30), case_start=date(2026, 1, 1))
    world.placement(cid, "smaajob", date(2026, 2, 1), date(2026, 9, 1), "ordinaert_job")
    auth.login(me.email)
    response = client.get("/maal/grundlag.csv?tal=varighed&omfang=all")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows == [["Borger nr.", "Borger", "Sagsstart", "Sagen afsluttet", "Varighed (dage)"],
                    [str(cid), "Anna Job", "01.01.2026", "30.09.2026", "272"]]  # dates as the page writes them
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="export_figure_list").count() == 1


@pytest.mark.parametrize("query", ["?tal=besparelse&gruppe=nope", "?side=-1", "?omfang=x", "?tal="])
def test_any_filter_value_gives_a_page(client, auth, make_user, world, frozen_today, query):
    world.citizen()
    auth.login(make_user("admin").email)
    response = client.get("/maal/grundlag" + query)
    assert response.status_code == 200 and 'data-testid="goal-count"' in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/maal/grundlag?tal=fokus", "/maal/grundlag.csv?tal=fokus",
                                 "/maal/grundlag?tal=%3Cscript%3E&omfang=all"])
def test_an_unknown_figure_is_404_with_a_danish_reason_never_another_figures_rows(
        client, auth, make_user, world, frozen_today, url):
    """Review T 4: ``tal=fokus`` returned the outcomes' list and CSV."""
    cid = world.citizen(name="MARKØR-Borger", case_closed=date(2026, 9, 30), case_start=date(2026, 1, 1))
    world.placement(cid, "smaajob", date(2026, 2, 1), date(2026, 9, 1), "ordinaert_job")
    auth.login(make_user("admin").email)  # a fresh login: the CSV is refused for the value, not the login
    response = client.get(url)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "findes ikke" in body and "MARKØR" not in body and "Forløb nr." not in body
    assert "»fokus«" in body or "»&lt;script&gt;«" in body


def test_company_users_get_403(client, auth, make_user, frozen_today):
    auth.login(make_user("company").email)
    assert client.get("/maal/grundlag").status_code == 403
    assert client.get("/maal/grundlag.csv").status_code == 403


def test_on_demo_data_each_list_has_the_count_its_card_states(app, frozen_today):
    from portal.dashboard import figure_lists
    from portal.dashboard.basis import figure_ids
    from portal.dashboard.facts import Scope, load_facts
    from portal.dashboard.metrics import compute_all
    from portal.dashboard.savings import compute_savings
    from portal.demo.loader import load_demo

    as_of = date(2026, 10, 31)
    with app.app_context():
        load_demo(db.session, frozen_today, citizen_count=150)
        facts = load_facts(db.session, Scope())
        cards = {m.key: m for m in compute_all(facts, as_of)}
        basis = figure_ids(facts, as_of)

        def every(build):
            first = build(1)
            return first, sum(len(build(p).rows) for p in range(1, first.pages + 1))

        outcomes, n = every(lambda p: figure_lists.outcome_list(db.session, basis["outcomes"], p))
        assert (outcomes.counted, n) == (cards["outcomes"].numerator, cards["outcomes"].denominator)
        durations, n = every(lambda p: figure_lists.duration_list(db.session, basis["duration"], p))
        assert n == cards["duration"].denominator > 0
        assert durations.days_total / n == pytest.approx(cards["duration"].value)
        companies, n = every(lambda p: figure_lists.company_list(db.session, facts, as_of, basis["cooperation"], p))
        assert n == cards["cooperation"].numerator > 0
        estimate = compute_savings(facts, as_of)
        for row in estimate.rows:
            listed = figure_lists.savings_list(db.session, facts, as_of, row.benefit_group, 1)
            assert (listed.counted, listed.total - listed.counted) == (row.citizens, row.left_out)
