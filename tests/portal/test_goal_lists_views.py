"""Every number on a goal card leads to a list of that many citizens (review T 4), and citizens
under restricted processing are marked there without fix links (review T 6).

``frozen_today`` is 23 November 2026: October is final (frozen at its first view), November is
the month in progress; on 5 December November is provisional (computed live until 09.12).
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import pytest

from portal.extensions import db
from store.models import AuditEvent, Citizen
from tests.clock import travel
from tests.portal.dashboard_fixtures import World

LONG_CASE = date(2024, 1, 1)


@pytest.fixture
def world(app):
    return World(app)


def flat(html: str) -> str:
    return " ".join(html.split())


def rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="goal-row" data-citizen-id="(\d+)"', html)]


def number(text: str) -> int:
    return int(text.replace(".", ""))


def links(page: str) -> dict[str, tuple[str, int]]:
    """Every list link on the goal cards → (URL, the number the card states for it)."""
    page = flat(page)
    found = {}
    for key in ("focus", "active", "matchable"):
        hits = re.search(rf'<a href="([^"]+)" data-testid="hits-{key}"[^>]*>([\d.]+)</a> af '
                         rf'<a href="([^"]+)" data-testid="population-{key}"[^>]*>([\d.]+)</a>', page)
        assert hits, f"the {key} card does not link its numbers"
        found[f"hits-{key}"] = (hits.group(1), number(hits.group(2)))
        found[f"population-{key}"] = (hits.group(3), number(hits.group(4)))
        misses = re.search(rf'<a href="([^"]+)" data-testid="misses-{key}">\s*([\d.]+)', page)
        found[f"misses-{key}"] = (misses.group(1), number(misses.group(2)))
        restricted = re.search(rf'data-testid="restricted-{key}"><a href="([^"]+)">Heraf ([\d.]+)', page)
        if restricted:
            found[f"restricted-{key}"] = (restricted.group(1), number(restricted.group(2)))
    for part in ("placement", "contact"):
        match = re.search(rf'<a href="([^"]+)" data-testid="part-{part}">([\d.]+)', page)
        assert match, f"the active card does not link its part {part}"
        found[f"part-{part}"] = (match.group(1), number(match.group(2)))
    return {name: (url.replace("&amp;", "&"), n) for name, (url, n) in found.items()}


def csv_rows(client, url: str) -> tuple[list[list[str]], list[list[str]]]:
    """(header lines, data rows) of a goal list's CSV."""
    response = client.get(url.replace("/maal/borgere?", "/maal/borgere.csv?"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    blank = lines.index([])
    return lines[:blank], lines[blank + 2:]


def a_world(app, world) -> dict[str, int]:
    """Citizens for every list: focus hits and misses, active by a placement, by contact only
    and not at all, matchable or not, and misses under restricted processing."""
    made = {
        "placed": world.citizen(LONG_CASE, name="Anna Praktik", matchable=True),
        "contact": world.citizen(LONG_CASE, name="Bo Kontakt"),
        "idle": world.citizen(LONG_CASE, name="Carl Ingenting", matchable=True),
        "young": world.citizen(date(2026, 3, 1), name="Dorte Ny"),
        "restricted": world.citizen(LONG_CASE, name="Erik Begrænset", restricted=True),
    }
    world.placement(made["placed"], "virksomhedspraktik", date(2026, 9, 1), date(2026, 12, 31))
    for day in (datetime(2026, 10, 12, 9, tzinfo=timezone.utc), datetime(2026, 11, 12, 9, tzinfo=timezone.utc)):
        world.proposal(made["contact"], day, answered=day)
    return made


def check_every_link(client, page: str, basis: str) -> dict[str, list[int]]:
    """Each card link's list has the card's number of rows, and so has its CSV (with ``basis``
    and the day measured in the file); returns the ids of each list."""
    listed = {}
    for name, (url, expected) in links(page).items():
        html = client.get(url).get_data(as_text=True)
        assert len(rows(html)) == expected, f"{name}: {url} lists {len(rows(html))}, the card says {expected}"
        header, data = csv_rows(client, url)
        assert len(data) == expected, f"{name}: the CSV has {len(data)} rows, the card says {expected}"
        assert sorted(int(r[0]) for r in data) == sorted(rows(html))
        assert header[4][1].startswith(basis) and header[2][0] == "Opgjort pr."
        listed[name] = rows(html)
    return listed


def test_a_frozen_months_card_numbers_each_list_exactly_the_frozen_ids(app, client, auth, make_user, world,
                                                                     frozen_today):
    made = a_world(app, world)
    auth.login(make_user("admin").email)
    client.get("/maal/?maaned=2026-10")  # October is final: frozen now
    later = world.citizen(LONG_CASE, name="Frede Senere")  # a back-dated case entered afterwards
    page = client.get("/maal/?maaned=2026-10").get_data(as_text=True)
    assert 'data-testid="frozen-note"' in page
    listed = check_every_link(client, page, "Står fast")
    assert later not in listed["population-focus"] and later not in listed["population-active"]
    assert sorted(listed["population-focus"]) == sorted(m for k, m in made.items() if k != "young")
    assert listed["hits-focus"] == [made["placed"]]
    assert listed["part-placement"] == [made["placed"]] and listed["part-contact"] == [made["contact"]]
    assert listed["restricted-focus"] == listed["restricted-active"] == [made["restricted"]]
    assert links(page)["misses-focus"][0] == "/maal/borgere?maal=fokus&omfang=all&maaned=2026-10"  # as before
    # The note above a list compares the frozen and today's counts of that list, not of the misses.
    for view, frozen, today in (("opfyldt", "1 af 4", "1 af 5"), ("alle", "4 af 4", "5 af 5"),
                                (None, "3 af 4", "4 af 5")):
        html = flat(client.get("/maal/borgere?maal=fokus&omfang=all&maaned=2026-10"
                               + (f"&vis={view}" if view else "")).get_data(as_text=True))
        assert f'data-testid="basis-frozen">{frozen}<' in html and f'data-testid="basis-today">{today}<' in html


def test_the_month_in_progress_card_numbers_each_list_todays_ids(app, client, auth, make_user, world, frozen_today):
    made = a_world(app, world)
    auth.login(make_user("admin").email)
    page = client.get("/maal/?maaned=2026-11").get_data(as_text=True)
    listed = check_every_link(client, page, "Foreløbig")
    assert listed["part-contact"] == [made["contact"]]
    assert made["young"] in listed["population-active"] and made["young"] not in listed["population-focus"]


def test_a_provisional_months_card_numbers_each_list_and_the_csv_says_provisional(
        app, client, auth, make_user, world):
    with travel(date(2026, 12, 5)):
        a_world(app, world)
        auth.login(make_user("admin").email)
        page = client.get("/maal/?maaned=2026-11").get_data(as_text=True)
        assert 'data-testid="provisional-month"' in page
        check_every_link(client, page, "Foreløbig")
        header, _data = csv_rows(client, "/maal/borgere?maal=aktiv&vis=alle&omfang=all&maaned=2026-11")
        assert header[1] == ["Måned", "november 2026 (foreløbig – timerne skal registreres senest 09.12.2026)"]
        assert header[2] == ["Opgjort pr.", "30.11.2026"]  # as every date the portal writes (review AA 3)


def test_the_lists_say_who_meets_the_goal_and_how(app, client, auth, make_user, world, frozen_today):
    made = a_world(app, world)
    auth.login(make_user("admin").email)
    hits = flat(client.get("/maal/borgere?maal=fokus&vis=opfyldt&omfang=all").get_data(as_text=True))
    assert "<h1>Borgere der når målet: Fokusmålet (virksomhedsrettet indsats)</h1>" in hits
    assert 'data-testid="goal-count"><strong>1</strong> af 4 borgere med en sag på mindst 12 måneder når fokusmålet.' in hits
    assert "Intet: når målet med virksomhedspraktik eller løntilskud" in hits
    everyone = flat(client.get("/maal/borgere?maal=aktiv&vis=alle&omfang=all").get_data(as_text=True))
    assert "<strong>5</strong> borgere med en åben sag er i målgruppen; 2 af dem når målet." in everyone
    part = everyone.split(f'data-citizen-id="{made["contact"]}"')[1].split("</tr>")[0]
    assert 'data-testid="active-part">Ja, kun kontakt fra en virksomhed<' in part
    idle = everyone.split(f'data-citizen-id="{made["idle"]}"')[1].split("</tr>")[0]
    assert 'data-testid="active-part">Nej<' in idle


@pytest.mark.parametrize("query", ["maal=fokus&vis=forloeb", "maal=udfald", "maal=%3Cscript%3E", "vis=hemmelig",
                                   "maal=cv&vis=kun-kontakt", "begraenset=nej", "begraenset=1"])
@pytest.mark.parametrize("path", ["/maal/borgere", "/maal/borgere.csv"])
def test_an_unknown_goal_view_or_filter_is_404_in_danish_and_lists_no_one(client, auth, make_user, world,
                                                                           frozen_today, query, path):
    world.citizen(LONG_CASE, name="MARKØR-Borger")
    auth.login(make_user("admin").email)
    response = client.get(f"{path}?omfang=all&{query}")
    assert response.status_code == 404 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "findes ikke. Vælg en af listerne på siden Mål og opfølgning." in body
    assert "MARKØR" not in body and 'data-testid="goal-row"' not in body and "<script>" not in body.split("</head>")[1]


def test_the_csv_needs_a_fresh_login_and_is_audited(app, client, auth, make_user, world, frozen_today):
    made = a_world(app, world)
    me = make_user("consultant")
    auth.login(me.email)
    with client.session_transaction() as session:
        del session["password_at"]  # stale
    url = "/maal/borgere.csv?maal=fokus&vis=opfyldt&omfang=all&maaned=2026-10"
    response = client.get(url)
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]
    with app.app_context():
        assert db.session.query(AuditEvent).filter_by(action="export_figure_list").count() == 0
    auth.logout()
    auth.login(me.email)  # a password just given: fresh
    header, data = csv_rows(client, url)
    assert header[0] == ["Liste", "Fokusmålet (virksomhedsrettet indsats): Når målet"]
    assert [r[:3] for r in data] == [[str(made["placed"]), "Anna Praktik", "ja"]]
    with app.app_context():
        purposes = [e.purpose for e in db.session.query(AuditEvent).filter_by(action="export_figure_list")]
    assert purposes == ["fokus/opfyldt:all:2026-10-31:1"]


# --- Restricted processing (review T 6) ------------------------------------------------------

def test_a_restricted_citizen_is_counted_marked_and_offered_no_fix(app, client, auth, make_user, world,
                                                                   frozen_today):
    me = make_user("consultant")
    bare = world.citizen(date(2026, 9, 1), name="Bare Borger", vk_id=me.id)
    locked = world.citizen(date(2026, 9, 1), name="Cecilie Thygesen", vk_id=me.id)
    with app.app_context():
        db.session.get(Citizen, locked).restricted = True
        db.session.commit()
    auth.login(me.email)
    page = flat(client.get("/maal/?omfang=mine&maaned=2026-11").get_data(as_text=True))
    assert re.search(r'data-testid="misses-matchable">\s*2\s+borgere når ikke målet', page)  # still counted
    note = re.search(r'data-testid="restricted-matchable"><a href="([^"]+)">Heraf 1 med begrænset behandling</a>: '
                     r'kan ikke rettes, før begrænsningen er ophævet', page)
    assert note
    definition = page.split('data-testid="restricted-definition-matchable">')[1].split("</p>")[0]
    assert "Borgere med begrænset behandling tæller med i målgruppen og i tallet" in definition
    assert "før begrænsningen er ophævet" in definition

    html = flat(client.get("/maal/borgere?maal=cv&omfang=mine&maaned=2026-11").get_data(as_text=True))
    assert rows(html) == [bare, locked]
    locked_row = html.split(f'data-citizen-id="{locked}"')[1].split("</tr>")[0]
    assert (f'<a href="/borgere/{locked}#begraensning" class="badge badge-warning" data-testid="restricted">'
            "Begrænset behandling – kan ikke ændres</a>") in locked_row
    assert 'data-testid="fix"' not in locked_row and "jobmål" in locked_row  # what is missing, as plain text
    bare_row = html.split(f'data-citizen-id="{bare}"')[1].split("</tr>")[0]
    assert 'data-testid="fix"' in bare_row and 'data-testid="restricted"' not in bare_row

    only = client.get(note.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert rows(only) == [locked] and 'data-testid="restricted-filter"' in only
    assert 'data-testid="goal-count"><strong>1</strong> af 2 borgere med en åben sag mangler CV' in flat(only)
    _header, data = csv_rows(client, note.group(1).replace("&amp;", "&"))
    assert [(r[0], r[-1]) for r in data] == [(str(locked), "ja")]


def test_no_restricted_note_on_a_card_without_restricted_misses(client, auth, make_user, world, frozen_today):
    world.citizen(date(2026, 9, 1), name="Bare Borger")
    auth.login(make_user("admin").email)
    page = client.get("/maal/?maaned=2026-11").get_data(as_text=True)
    assert 'data-testid="restricted-matchable"' not in page and 'data-testid="restricted-definition-matchable"' in page
