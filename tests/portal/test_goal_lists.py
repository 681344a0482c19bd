"""The goal lists under /maal/borgere: who misses the focus goal, the active-citizens goal or
the CV/jobmål/VK goal.

``frozen_today`` is 23 November 2026, so the default month is October 2026 (measured on
31 October) and the focus population is open cases started on or before 31 October 2025.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from portal.extensions import db
from store.models import AuditEvent, Team
from tests.portal.dashboard_fixtures import World

LONG_CASE = date(2024, 1, 1)


@pytest.fixture
def world(app):
    return World(app)


def rows(html: str) -> list[int]:
    """Citizen ids of the list's rows, in order."""
    return [int(i) for i in re.findall(r'data-testid="goal-row" data-citizen-id="(\d+)"', html)]


def count(html: str) -> tuple[int, int]:
    match = re.search(r'data-testid="goal-count"><strong>([\d.]+)</strong> af ([\d.]+)', html)
    assert match, "no count above the list"
    return int(match.group(1).replace(".", "")), int(match.group(2).replace(".", ""))


def flat(html: str) -> str:
    return " ".join(html.split())


# --- Focus goal -------------------------------------------------------------------------------

def test_focus_list_names_who_misses_the_goal_with_their_figures(client, auth, make_user, world, frozen_today):
    me = make_user("consultant")
    anna = world.citizen(LONG_CASE, name="Anna Ikkenået", vk_id=me.id)
    world.placement(anna, "virksomhedspraktik", date(2025, 1, 1), date(2025, 3, 31), "forloeb_slut")
    world.placement(anna, "smaajob", date(2026, 4, 1), hours={date(2026, 5, 1): "40.5"})
    bo = world.citizen(LONG_CASE, name="Bo Løntilskud", vk_id=me.id)
    world.placement(bo, "loentilskud", date(2026, 2, 1))  # running: meets the goal
    carl = world.citizen(LONG_CASE, name="Carl Timer", vk_id=me.id)
    world.placement(carl, "ordinaert", date(2026, 1, 1), hours={date(2026, 3, 1): "100"})
    world.citizen(date(2026, 1, 1), name="Dorte Ny", vk_id=me.id)  # case too young: not in the goal
    dan = world.citizen(LONG_CASE, name="Dan Aldrig", vk_id=me.id)
    auth.login(me.email)

    html = client.get("/maal/borgere").get_data(as_text=True)
    assert rows(html) == [anna, dan]  # by name
    assert count(html) == (2, 4)
    assert f'href="/borgere/{anna}"' in html and f'href="/borgere/{dan}"' in html
    assert "Bo Løntilskud" not in html and "Carl Timer" not in html and "Dorte Ny" not in html
    row = flat(html.split(f'data-citizen-id="{anna}"')[1].split("</tr>")[0])
    # 1 Jan 2024 → 31 Oct 2026: 33 months; the praktik ended 31 Mar 2025: 19 months ago.
    assert "<td>33</td> <td>19</td> <td>40,5</td>" in row
    assert "eller 59,5 løntimer mere" in row
    dan_row = flat(html.split(f'data-citizen-id="{dan}"')[1].split("</tr>")[0])
    # Dan came into Jobbro on the day of the test, after his case started: none registered in Jobbro (review BG 2)
    assert ("<td>33</td> <td>33 (ingen praktik eller løntilskud registreret i Jobbro siden sagsstart)</td> "
            "<td>0</td>") in dan_row  # hours_dk
    assert 'href="/kandidater/"' in html  # where to find an opening for them


def test_the_focus_list_says_a_smaajob_is_not_the_placement_it_counts_months_from(
        client, auth, make_user, world, frozen_today):
    """Review L 9: a citizen who worked a småjob was told "(intet forløb siden sagsstart)"; the
    months count from the latest praktik or løntilskud only, and the column and note say so."""
    me = make_user("consultant")
    bo = world.citizen(LONG_CASE, name="Bo Småjob", vk_id=me.id)
    world.placement(bo, "smaajob", date(2025, 12, 11), date(2026, 3, 19), "forloeb_slut",
                    hours={date(2025, 12, 1): "20", date(2026, 1, 1): "22.5"})
    auth.login(me.email)
    html = flat(client.get("/maal/borgere").get_data(as_text=True))
    assert rows(html) == [bo]
    assert '<th scope="col">Måneder uden praktik eller løntilskud</th>' in html
    row = html.split(f'data-citizen-id="{bo}"')[1].split("</tr>")[0]
    assert "<td>33 (ingen praktik eller løntilskud registreret i Jobbro siden sagsstart)</td> <td>42,5</td>" in row
    assert "intet forløb" not in html and "virksomhedsrettet forløb" not in html


def test_the_focus_card_links_to_its_list_and_the_counts_agree(client, auth, make_user, world, frozen_today):
    me = make_user("consultant")
    for n in range(3):
        world.citizen(LONG_CASE, name=f"Mangler {n}")
    placed = world.citizen(LONG_CASE, name="Har praktik")
    world.placement(placed, "virksomhedspraktik", date(2026, 9, 1), date(2026, 10, 15), "forloeb_slut")
    auth.login(me.email)
    page = client.get("/maal/").get_data(as_text=True)
    assert re.search(r'data-testid="value-focus">25,0 %<', page)
    link = re.search(r'<a href="([^"]+)" data-testid="misses-focus">\s*3\s+borgere når ikke målet', page)
    assert link, "the focus card does not link to who misses it"
    url = link.group(1).replace("&amp;", "&")
    assert url == "/maal/borgere?maal=fokus&omfang=all&maaned=2026-10"
    html = client.get(url).get_data(as_text=True)
    assert count(html) == (3, 4) and len(rows(html)) == 3
    assert placed not in rows(html)


def test_a_citizen_placed_before_the_window_is_listed_in_a_later_month(client, auth, make_user, world,
                                                                       frozen_today):
    me = make_user("consultant")
    cid = world.citizen(LONG_CASE, vk_id=me.id)
    world.placement(cid, "virksomhedspraktik", date(2025, 9, 1), date(2025, 11, 1), "forloeb_slut")
    auth.login(me.email)
    # October 2026: still inside its 12 months (01.11.2025–31.10.2026; review BA 1: not from 31.10.2025)
    assert rows(client.get("/maal/borgere").get_data(as_text=True)) == []
    html = client.get("/maal/borgere?maaned=2026-11").get_data(as_text=True)  # on 23 Nov: out
    assert rows(html) == [cid]
    assert "November 2026 for mine borgere, opgjort pr. 23.11.2026 (foreløbige tal)." in html


# --- Whose citizens ---------------------------------------------------------------------------

def test_scope_filter_mine_team_and_all(app, client, auth, make_user, world, frozen_today):
    me = make_user("consultant")
    with app.app_context():
        other_team = Team(name="Team Nord")
        db.session.add(other_team)
        db.session.commit()
        other_team_id = other_team.id
    as_vk = world.citizen(LONG_CASE, vk_id=me.id, team_id=other_team_id)
    as_adviser = world.citizen(LONG_CASE, adviser_id=me.id)
    in_team = world.citizen(LONG_CASE, team_id=me.team_id)
    elsewhere = world.citizen(LONG_CASE, team_id=other_team_id)
    auth.login(me.email)
    listed = {kind: set(rows(client.get(f"/maal/borgere{query}").get_data(as_text=True)))
              for kind, query in [("default", ""), ("mine", "?omfang=mine"), ("team", "?omfang=team"),
                                  ("all", "?omfang=all")]}
    assert listed["default"] == listed["mine"] == {as_vk, as_adviser}  # a consultant starts with own caseload
    assert listed["team"] == {in_team}
    assert listed["all"] == {as_vk, as_adviser, in_team, elsewhere}


def test_an_administrator_starts_with_everyone(client, auth, make_user, world, frozen_today):
    cid = world.citizen(LONG_CASE)
    auth.login(make_user("admin").email)
    html = client.get("/maal/borgere").get_data(as_text=True)
    assert rows(html) == [cid]


def test_an_empty_own_list_offers_the_team_and_everyone(client, auth, make_user, world, frozen_today):
    world.citizen(LONG_CASE)
    auth.login(make_user("consultant").email)
    html = client.get("/maal/borgere").get_data(as_text=True)
    assert rows(html) == [] and "Ingen borgere i udvalget." in html
    assert "/maal/borgere?maal=fokus&amp;omfang=all&amp;maaned=2026-10" in html


def test_long_lists_are_paged_and_the_count_is_the_whole_list(client, auth, make_user, world, frozen_today):
    ids = [world.citizen(LONG_CASE, name=f"Borger {n:03d}") for n in range(53)]
    auth.login(make_user("consultant").email)
    first = client.get("/maal/borgere?omfang=all").get_data(as_text=True)
    assert rows(first) == ids[:50] and count(first) == (53, 53)
    assert "Viser nr. 1–50." in first and "Side 1 af 2." in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(next_link).get_data(as_text=True)
    assert rows(second) == ids[50:] and "Viser nr. 51–53." in second
    past_the_end = client.get("/maal/borgere?omfang=all&side=99").get_data(as_text=True)
    assert rows(past_the_end) == ids[50:]


# --- Active citizens --------------------------------------------------------------------------

def test_active_list_names_who_was_not_active_in_the_month_and_why(client, auth, make_user, world,
                                                                   frozen_today):
    me = make_user("consultant")
    placed = world.citizen(date(2026, 1, 1), name="Anna Småjob", vk_id=me.id)
    world.placement(placed, "smaajob", date(2026, 10, 20))  # running in October: active
    proposed = world.citizen(date(2026, 1, 1), name="Bo Foreslået", vk_id=me.id)
    world.proposal(proposed, datetime(2026, 10, 2, 9, tzinfo=timezone.utc),
                   answered=datetime(2026, 10, 12, 9, tzinfo=timezone.utc))  # the company answered: active
    earlier = world.citizen(date(2026, 1, 1), name="Carl Tidligere", vk_id=me.id)
    world.placement(earlier, "virksomhedspraktik", date(2026, 6, 1), date(2026, 8, 31), "forloeb_slut")
    world.proposal(earlier, datetime(2026, 9, 5, 9, tzinfo=timezone.utc), datetime(2026, 9, 6, 9, tzinfo=timezone.utc),
                   status="disclosed", disclosed=datetime(2026, 9, 20, 9, tzinfo=timezone.utc))
    world.proposal(earlier, datetime(2026, 10, 5, 9, tzinfo=timezone.utc), datetime(2026, 10, 6, 9, tzinfo=timezone.utc),
                   status="rejected")  # a consultant's no in October: not activity
    planned = world.citizen(date(2026, 1, 1), name="Dorte Planlagt", vk_id=me.id)
    world.placement(planned, "loentilskud", date(2026, 12, 1))
    idle = world.citizen(date(2026, 1, 1), name="Erik Ingenting", vk_id=me.id)
    world.citizen(date(2026, 1, 1), vk_id=me.id, case_closed=date(2026, 9, 30))  # closed: not counted
    auth.login(me.email)

    page = client.get("/maal/").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" data-testid="misses-active">\s*3\s+borgere når ikke målet', page)
    assert link, "the active card does not link to who misses it"
    url = link.group(1).replace("&amp;", "&")
    assert url == "/maal/borgere?maal=aktiv&omfang=all&maaned=2026-10"
    html = client.get(url).get_data(as_text=True)
    assert "Vælg en af mulighederne" not in html
    assert "<h1>Borgere der ikke når målet: Aktive borgere</h1>" in html
    assert rows(html) == [earlier, planned, idle] and count(html) == (3, 5)  # by name
    for cid in (earlier, planned, idle):
        assert f'href="/borgere/{cid}"' in html
    assert placed not in rows(html) and proposed not in rows(html)

    def cells(cid: int) -> list[str]:
        row = html.split(f'data-citizen-id="{cid}"')[1].split("</tr>")[0]
        return re.findall(r'data-testid="(?:last-placement|last-proposal|next-placement)">([^<]+)<', row)

    assert cells(earlier) == ["31.08.2026", "20.09.2026", "–"]
    assert cells(planned) == ["Intet forløb", "Ingen kontakt", "01.12.2026"]
    assert cells(idle) == ["Intet forløb", "Ingen kontakt", "–"]
    assert 'href="/kandidater/"' in html  # where to find an opening for them


def test_active_list_counts_the_current_month_up_to_today(client, auth, make_user, world, frozen_today):
    me = make_user("consultant")
    cid = world.citizen(date(2026, 1, 1), vk_id=me.id)
    world.proposal(cid, datetime(2026, 10, 20, 9, tzinfo=timezone.utc), interview=datetime(2026, 11, 2, 9, tzinfo=timezone.utc))
    auth.login(me.email)
    assert rows(client.get("/maal/borgere?maal=aktiv").get_data(as_text=True)) == [cid]  # October
    assert rows(client.get("/maal/borgere?maal=aktiv&maaned=2026-11").get_data(as_text=True)) == []


# --- CV, jobmål and VK --------------------------------------------------------------------

def test_matchable_list_says_what_is_missing_and_links_to_the_fix(client, auth, make_user, world, frozen_today):
    me = make_user("consultant")
    bare = world.citizen(date(2026, 9, 1), name="Bare Borger", adviser_id=me.id)
    ready = world.citizen(date(2026, 9, 1), matchable=True, vk_id=me.id)
    late_cv = world.citizen(date(2026, 9, 1), matchable=True, vk_id=me.id, name="Sen CV",
                            cv_at=datetime(2026, 11, 5, tzinfo=timezone.utc))
    world.citizen(date(2026, 9, 1), adviser_id=me.id, case_closed=date(2026, 10, 1))  # closed: not counted
    auth.login(me.email)
    page = client.get("/maal/?omfang=mine").get_data(as_text=True)
    assert re.search(r'data-testid="misses-matchable">\s*2\s+borgere når ikke målet', page)
    html = client.get("/maal/borgere?maal=cv").get_data(as_text=True)
    assert "<h1>Borgere der ikke når målet: CV, jobmål og virksomhedskonsulent</h1>" in html
    assert rows(html) == [bare, late_cv] and count(html) == (2, 3)
    assert ready not in rows(html)
    bare_row = html.split(f'data-citizen-id="{bare}"')[1].split("</tr>")[0]
    fixes = re.findall(r'<a href="([^"]+)" data-testid="fix">([^<]+)</a>', bare_row)
    assert fixes == [(f"/borgere/{bare}/cv", "Tilføj CV"), (f"/borgere/{bare}/jobmaal", "Tilføj jobmål"),
                     (f"/borgere/{bare}/sagsbehandlere", "Tildel virksomhedskonsulent")]
    late_row = html.split(f'data-citizen-id="{late_cv}"')[1].split("</tr>")[0]
    assert "CV'et blev gemt efter 31.10.2026" in late_row and "rettet efter opgørelsen" not in late_row
    # In the current month the late CV counts: only the bare citizen is left.
    assert rows(client.get("/maal/borgere?maal=cv&maaned=2026-11").get_data(as_text=True)) == [bare]


# --- Access, audit, bad input -------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "?maal=cv", "?omfang=all"])
def test_company_users_get_403_and_see_no_names(client, auth, make_user, world, frozen_today, query):
    world.citizen(LONG_CASE, name="MARKØR-Hemmelig")
    auth.login(make_user("company").email)
    response = client.get("/maal/borgere" + query)
    assert response.status_code == 403
    assert "MARKØR" not in response.get_data(as_text=True)


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get("/maal/borgere")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_showing_a_list_is_audited(app, client, auth, make_user, world, frozen_today):
    world.citizen(LONG_CASE)
    auth.login(make_user("consultant").email)
    client.get("/maal/borgere?maal=cv&omfang=team")
    with app.app_context():
        events = db.session.query(AuditEvent).filter_by(action="read_goal_list").all()
        assert [e.purpose for e in events] == ["cv:team:2026-10-31"]


@pytest.mark.parametrize("query", [
    "?maal=", "?vis=", "?maal=fokus&maal=cv", "?omfang=%00", "?omfang=role%3Dadmin", "?side=-1", "?side=abc", "?side=" + "9" * 50, "?side=%27+OR+1%3D1--"])
def test_any_filter_value_gives_a_page(client, auth, make_user, world, frozen_today, query):
    world.citizen(LONG_CASE)
    auth.login(make_user("admin").email)
    response = client.get("/maal/borgere" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>" not in html.split("</head>")[1]
    assert 'data-testid="goal-count"' in html


@pytest.mark.parametrize("month", ["2026-02-31", "9" * 1000, "<script>"])
def test_a_month_not_offered_is_refused_not_shown_as_another(client, auth, make_user, world, frozen_today, month):
    """Review BA 3: a bad ``maaned`` showed the default month's list under a small error."""
    world.citizen(LONG_CASE)
    auth.login(make_user("admin").email)
    response = client.get("/maal/borgere", query_string={"maaned": month})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<script>" not in html.split("</head>")[1] and 'data-testid="goal-count"' not in html
    assert f"Måneden »{month[:20]}« kan ikke vælges" in html.replace("&lt;", "<").replace("&gt;", ">")


def test_on_demo_data_each_list_has_as_many_citizens_as_its_card_misses(app, frozen_today):
    from portal.dashboard.facts import Scope, load_facts
    from portal.dashboard.metrics import compute_active_share, compute_focus_goal, compute_matchable_share
    from tests.portal.dashboard_figures import active_misses, focus_misses, matchable_misses
    from portal.demo.loader import load_demo

    as_of = date(2026, 10, 31)
    with app.app_context():
        load_demo(db.session, frozen_today, citizen_count=150)
        facts = load_facts(db.session, Scope())
        for build, metric in ((focus_misses, compute_focus_goal), (active_misses, compute_active_share),
                              (matchable_misses, compute_matchable_share)):
            card = metric(facts, as_of)
            result = build(db.session, facts, as_of)
            assert result.total == card.denominator - card.numerator > 0
            assert result.population == card.denominator
            shown = len(result.rows)
            for page in range(2, result.pages + 1):
                shown += len(build(db.session, facts, as_of, page).rows)
            assert shown == result.total


# --- A frozen month's list (review F 6) ------------------------------------------------------

def test_a_frozen_months_list_is_the_citizens_the_card_counted_and_today_is_an_option(
        app, client, auth, make_user, world, frozen_today):
    """November was 113 of 398 on the card and 114 of 399 on its list: the list is now the 113
    kept with the figure, an erased one shows by id only, and today's list is one click away."""
    from store.models import Citizen

    a, b = world.citizen(LONG_CASE, name="Anna"), world.citizen(LONG_CASE, name="Bo")
    gone = world.citizen(LONG_CASE, name="MARKØR-Slettet")
    placed = world.citizen(LONG_CASE, name="Har praktik")
    world.placement(placed, "virksomhedspraktik", date(2026, 9, 1), date(2026, 10, 15), "forloeb_slut")
    auth.login(make_user("admin").email)
    page = client.get("/maal/?maaned=2026-10").get_data(as_text=True)  # October is frozen now
    assert re.search(r'data-testid="misses-focus">\s*3\s+borgere', page)
    late = [world.citizen(LONG_CASE, name=f"Senere {n}") for n in range(2)]  # back-dated cases entered later
    with app.app_context():
        db.session.delete(db.session.get(Citizen, gone))  # erased since
        db.session.commit()

    html = client.get("/maal/borgere?maal=fokus&omfang=all&maaned=2026-10").get_data(as_text=True)
    assert rows(html) == [a, b, gone] and count(html) == (3, 4)  # exactly the card's 3 of 4
    assert "MARKØR" not in html and 'data-erased="ja"><td colspan="6">Slettet borger</td>' in html
    text = flat(html)
    assert re.search(r'data-testid="basis-frozen">3 af 4<', text) and re.search(r'data-testid="basis-today">4 af 5<', text)
    today_link = re.search(r'<a href="([^"]+)" data-testid="basis-switch">Vis listen som i dag', html)
    assert today_link
    today_html = client.get(today_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert rows(today_html) == [a, b, *late] and count(today_html) == (4, 5)
    assert "Vis listen, som den blev opgjort" in today_html


def test_a_frozen_cv_list_says_a_citizen_was_fixed_since_and_only_a_late_cv_is_late(
        app, client, auth, make_user, world, frozen_today):
    """Review L 7: a citizen with an old CV counted as missing a jobmål in October and given one
    afterwards was told "CV'et blev gemt efter 31.10.2026"; that is said only of a CV stored after
    the month, the other is fixed since."""
    from store.models import Citizen, JobGoal

    me = make_user("consultant")
    fixed = world.citizen(date(2026, 1, 5), matchable=True, vk_id=me.id, name="Cecilie Rettet",
                          cv_at=datetime(2026, 3, 13, 9, tzinfo=timezone.utc))
    late_cv = world.citizen(date(2026, 1, 5), matchable=True, vk_id=me.id, name="Sen CV",
                            cv_at=datetime(2026, 11, 5, 9, tzinfo=timezone.utc))
    with app.app_context():
        db.session.query(JobGoal).filter_by(citizen_id=fixed).delete()  # no jobmål in October
        db.session.commit()
    auth.login(me.email)
    client.get("/maal/?omfang=mine&maaned=2026-10")  # October is final: frozen now, both missing
    with app.app_context():
        db.session.get(Citizen, fixed).job_goals = [JobGoal(title="Pædagogmedhjælper", position=0)]
        db.session.commit()

    html = flat(client.get("/maal/borgere?maal=cv&maaned=2026-10").get_data(as_text=True))
    assert rows(html) == [fixed, late_cv]  # the frozen list
    fixed_row = html.split(f'data-citizen-id="{fixed}"')[1].split("</tr>")[0]
    assert "Har nu CV, jobmål og VK (rettet efter opgørelsen)" in fixed_row
    assert "CV'et blev gemt efter" not in fixed_row and 'data-testid="fix"' not in fixed_row
    late_row = html.split(f'data-citizen-id="{late_cv}"')[1].split("</tr>")[0]
    assert "CV'et blev gemt efter 31.10.2026 (tæller fra den måned, det blev gemt)" in late_row
    assert "rettet efter opgørelsen" not in late_row


def test_a_month_frozen_before_the_ids_were_kept_lists_today_and_says_why(app, client, auth, make_user, world,
                                                                         frozen_today):
    """A snapshot kept as a bare list of figures (before review F) stays as it is: its figures
    are history; the list says it is today's, and that the definition changed since."""
    import dataclasses
    import json

    from portal.dashboard.metrics import Metric
    from store.models import FigureSnapshot

    idle = world.citizen(date(2026, 1, 1), name="Idle")
    world.proposal(idle, datetime(2026, 10, 5, 9, tzinfo=timezone.utc), datetime(2026, 10, 6, 9, tzinfo=timezone.utc),
                   status="rejected")  # active by the old definition, not by today's
    old = Metric("active", "Aktive borgere", 1.0, "share", "Gammel definition: forslag tæller.", numerator=1,
                 denominator=1, target=0.8, first_target=0.75)
    with app.app_context():
        db.session.add(FigureSnapshot(month=date(2026, 10, 1), scope="all",
                                      metrics=json.dumps([dataclasses.asdict(old)])))
        db.session.commit()
    auth.login(make_user("admin").email)
    page = flat(client.get("/maal/?maaned=2026-10").get_data(as_text=True))
    assert re.search(r'data-testid="value-active">100,0 %<', page)  # the frozen figure stands
    note = page.split('data-testid="redefined-active">')[1].split("</p>")[0]
    assert "Definitionen er ændret" in note and "0,0 % (0 af 1)" in note
    assert "Gammel definition: forslag tæller." in page  # how the frozen figure was computed
    assert 'data-testid="redefined-months-active">okt. 2026 er opgjort efter en tidligere definition' in page
    html = flat(client.get("/maal/borgere?maal=aktiv&omfang=all&maaned=2026-10").get_data(as_text=True))
    assert "blev ikke gemt, da måneden blev opgjort" in html and "efter en tidligere definition" in html
    assert re.search(r'data-testid="basis-frozen">0 af 1<', html) and re.search(r'data-testid="basis-today">1 af 1<', html)
    assert rows(html) == [idle]
    export = client.get("/maal/eksport.csv?maaned=2026-10").get_data(as_text=True)
    assert "Aktive borgere: opgjort efter en tidligere definition (se Definition)" in export
