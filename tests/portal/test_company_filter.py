"""``?virksomhed=<id>`` on the staff's follow-up list (``/forloeb/opfoelgning``, with ``timer=mangler``
for the placements without last month's hours) and hotline list (``/hotline/``): one company's
rows, with the other filters and the pager; the filter shown, named and removable; a malformed
or unknown id said, never a 500 nor the unfiltered list; staff only, and a company user never
sees another company through it."""
from __future__ import annotations

import html as markup
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.placements import followup, monthly
from store.models import Citizen, Company, HotlineRequest, HoursLog, Placement, Team, User
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("frozen_today")

OCTOBER = date(2026, 10, 1)  # last month on TODAY (23 November 2026)
MISSING = 55  # A's placements without October's hours among its running ones: more than a page
CLOSED = 53  # A's closed hotline requests: more than a page


def _citizen(name: str, team: Team, vk: User | None = None, **extra) -> Citizen:
    return Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                   case_start=date(2024, 1, 5), hours_available=20, team=team, vk_id=vk.id if vk else None, **extra)


@pytest.fixture
def world(app, make_user, password_hash) -> dict:
    """Companies A (»Ålborg Værktøj«) and B (»Bøgh Tømrer«), each with a user; a consultant in
    team Syd, whose citizens all placements are, but for one in team Nord; an administrator."""
    vk = make_user("consultant", email="vk@jc.dk")
    make_user("admin", email="admin@jc.dk")
    with app.app_context():
        a = Company(name="Ålborg Værktøj", cvr="41000001", postcode="8722", code_of_care=True)
        b = Company(name="Bøgh Tømrer", cvr="41000002", postcode="8722")
        db.session.add_all([a, b])
        db.session.flush()
        users = {key: User(email=f"{key}@firma.dk", name=f"Kontakt {key}", role="company", password_hash=password_hash,
                           phone="", company_id=company.id) for key, company in (("a", a), ("b", b))}
        db.session.add_all(users.values())
        syd = db.session.scalar(sa.select(Team).where(Team.id == vk.team_id))
        nord = Team(name="Team Nord")
        db.session.add(nord)
        db.session.flush()
        placements: dict[str, list[int]] = {"a_missing": [], "a_logged": [], "b_missing": []}

        def place(key: str, company: Company, citizen: Citizen, **fields) -> Placement:
            placement = Placement(citizen=citizen, company_id=company.id, kind="smaajob", weekly_hours=10,
                                  **({"start_date": date(2026, 3, 2)} | fields))
            db.session.add(placement)
            db.session.flush()
            placements.setdefault(key, []).append(placement.id)
            return placement

        for n in range(MISSING - 3):
            place("a_missing", a, _citizen(f"A-borger {n:02d}", syd, vk), start_date=date(2026, 3, 2) + timedelta(n))
        # Also without October's hours: ended in October with a reason (off the ordinary list), run
        # only 3 days of October (no follow-up flag for it), and another team's citizen.
        place("a_missing", a, _citizen("A-afsluttet", syd, vk), end_date=date(2026, 10, 20), end_reason="afbrudt")
        place("a_missing", a, _citizen("A-kort", syd, vk), start_date=date(2026, 10, 29))
        place("a_missing", a, _citizen("A-nord", nord))
        logged = place("a_logged", a, _citizen("A-med-timer", syd, vk))
        db.session.add(HoursLog(placement_id=logged.id, month=OCTOBER, hours=Decimal(20)))
        place("a_cancelled", a, _citizen("A-aflyst", syd, vk), start_date=date(2026, 10, 5),
              end_date=date(2026, 10, 5), end_reason="aflyst")
        place("a_planned", a, _citizen("A-planlagt", syd, vk), start_date=date(2026, 12, 7))
        place("b_missing", b, _citizen("B-borger", syd, vk))
        created = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

        def request(company: Company, status: str, subject: str, n: int = 0) -> HotlineRequest:
            found = HotlineRequest(company_id=company.id, category="andet", urgency="normal", subject=subject,
                                   status=status, created_by_id=users["a" if company is a else "b"].id,
                                   created_at=created + timedelta(minutes=n), due_at=created + timedelta(days=3),
                                   closed_at=created + timedelta(days=1, minutes=n) if status == "closed" else None)
            db.session.add(found)
            return found

        for n in range(CLOSED):
            request(a, "closed", f"A lukket {n:02d}", n)
        request(a, "open", "A venter 1")
        request(a, "open", "A venter 2")
        request(a, "answered", "A besvaret")
        request(b, "open", "B venter")
        request(b, "closed", "B lukket")
        db.session.commit()
        return {"a": a.id, "b": b.id, "vk": vk.id, **placements}


def _ids(html: str, attribute: str = "data-placement-id") -> list[int]:
    return [int(i) for i in re.findall(rf'{attribute}="(\d+)"', html)]


def _all_pages(client, url: str, attribute: str = "data-placement-id") -> tuple[list[int], list[str]]:
    """The ids on ``url`` and every next page, and the URLs visited."""
    found, seen = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        found += _ids(html, attribute)
        seen.append(url)
        following = re.search(r'<a href="([^"]+)" rel="next">', html)
        url = markup.unescape(following.group(1)) if following else None
    return found, seen


def _args(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _href(html: str, testid: str) -> str:
    return markup.unescape(re.search(rf'<a href="([^"]*)"[^>]*data-testid="{testid}"', html).group(1))


# -- the follow-up list ------------------------------------------------------------------------

def test_the_missing_hours_list_is_exactly_the_companys_count(app, client, auth, world):
    """Across its pages, ``timer=mangler`` lists the placements the partner list counts (also
    one ended since, one run 3 days and another team's citizen's), each flagged, and nothing
    else; every page link keeps the filters."""
    with app.app_context():
        counted = monthly.missing_hours(OCTOBER)[world["a"]]
    assert counted == MISSING
    auth.login("vk@jc.dk")
    found, seen = _all_pages(client, f"/forloeb/opfoelgning?virksomhed={world['a']}&timer=mangler&omfang=all")
    assert sorted(found) == sorted(world["a_missing"]) and len(found) == counted
    assert len(seen) == 2 and all(_args(url).get("virksomhed") == str(world["a"]) and _args(url)["timer"] == "mangler"
                                  for url in seen)
    html = "".join(client.get(url).get_data(as_text=True) for url in seen)
    ended = re.search(rf'data-placement-id="{world["a_missing"][-3]}".*?</tr>', html, re.S).group(0)
    assert "Ingen timer for oktober 2026" in ended and "Registrér fastholdelse" not in ended
    assert 'data-testid="missing-hours-filter"' in html and "oktober 2026" in html
    everything = _href(html, "remove-missing-hours-filter")
    assert "timer" not in _args(everything) and _args(everything)["virksomhed"] == str(world["a"])


def test_the_company_filter_narrows_the_ordinary_list_and_keeps_the_others(app, client, auth, world):
    auth.login("vk@jc.dk")
    html = client.get(f"/forloeb/opfoelgning?virksomhed={world['a']}").get_data(as_text=True)
    assert 'data-testid="company-filter"' in html and "Ålborg Værktøj" in html and "Bøgh Tømrer" not in html
    # within one company a consultant may pick every citizen, and that is the default
    assert '<strong aria-current="true">Alle</strong>' in html
    found, _ = _all_pages(client, f"/forloeb/opfoelgning?virksomhed={world['a']}")
    running = set(world["a_missing"]) - {world["a_missing"][-3]}  # the ended one is no longer followed up
    assert set(found) == running | set(world["a_logged"]) | set(world["a_planned"])
    mine, _ = _all_pages(client, f"/forloeb/opfoelgning?virksomhed={world['a']}&omfang=mine&sort=-start&kraever=1")
    # flagged (no follow-up yet), but neither Nord's nor the one run 3 days of October
    assert set(mine) == (running | set(world["a_logged"])) - {world["a_missing"][-1], world["a_missing"][-2]}
    html = client.get(f"/forloeb/opfoelgning?virksomhed={world['a']}&omfang=team&sort=-start").get_data(as_text=True)
    for testid in ("sort-start", "remove-company-filter"):
        assert _args(_href(html, testid)).get("omfang") == "team"
    assert _args(_href(html, "sort-start"))["virksomhed"] == str(world["a"])
    removed = _href(html, "remove-company-filter")
    assert "virksomhed" not in _args(removed) and _args(removed)["sort"] == "-start"
    # unfiltered, each company name narrows the list to it
    html = client.get("/forloeb/opfoelgning?omfang=team").get_data(as_text=True)
    assert f'virksomhed={world["b"]}' in html and 'data-testid="company-filter"' not in html


def test_without_a_company_a_consultant_still_gets_no_all_scope(client, auth, world):
    auth.login("vk@jc.dk")
    html = client.get("/forloeb/opfoelgning?omfang=all").get_data(as_text=True)
    assert '<strong aria-current="true">Mine borgere</strong>' in html and ">Alle<" not in html
    assert "A-nord" not in html


@pytest.mark.parametrize(("value", "status"), [("abc", 400), ("12abc", 400), ("-1", 400), ("1.0", 400),
                                                ("١٢", 400), ("9" * 40, 400), ("999999", 404)])
@pytest.mark.parametrize("path", ["/forloeb/opfoelgning", "/hotline/", "/hotline/?vis=alle", "/hotline/?vis=lukket"])
def test_a_bad_company_is_said_and_nothing_listed(client, auth, world, value, status, path):
    auth.login("admin@jc.dk")
    joiner = "&" if "?" in path else "?"
    response = client.get(f"{path}{joiner}virksomhed={value}&timer=mangler&side=2")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert 'data-testid="filter-problem"' in html
    assert ("ingen virksomhed med nummer 999999" in html) is (status == 404)
    assert 'data-placement-id="' not in html and 'data-request-id="' not in html
    assert 'data-testid="remove-company-filter"' in html


def test_an_empty_company_is_no_filter(client, auth, world):
    auth.login("admin@jc.dk")
    for path in ("/forloeb/opfoelgning?virksomhed=&omfang=all", "/hotline/?vis=alle&virksomhed="):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "Bøgh Tømrer" in html and "Ålborg Værktøj" in html


def test_an_unknown_hours_view_is_said(client, auth, world):
    auth.login("vk@jc.dk")
    response = client.get(f"/forloeb/opfoelgning?virksomhed={world['a']}&timer=alle")
    assert response.status_code == 400 and 'data-placement-id="' not in response.get_data(as_text=True)
    assert "Ukendt visning af timer" in response.get_data(as_text=True)


def test_a_restricted_citizens_placement_is_listed_without_flags(app, client, auth, world):
    with app.app_context():
        placement = db.session.get(Placement, world["a_missing"][0])
        placement.citizen.restricted = True
        db.session.commit()
    auth.login("admin@jc.dk")
    # no hours are asked while the processing is restricted: not among the missing ones ...
    missing = client.get(f"/forloeb/opfoelgning?virksomhed={world['a']}&timer=mangler&sort=start").get_data(as_text=True)
    assert f'data-placement-id="{world["a_missing"][0]}"' not in missing
    # ... and listed, without flags, among the company's placements
    html = client.get(f"/forloeb/opfoelgning?virksomhed={world['a']}&sort=start").get_data(as_text=True)
    row = re.search(rf'data-placement-id="{world["a_missing"][0]}".*?</tr>', html, re.S).group(0)
    assert 'data-testid="restricted"' in row and "Ingen timer" not in row


def test_the_list_helper_counts_as_the_month_counts(app, world):
    """:func:`followup.list_followups` with ``missing_hours`` is :func:`monthly.missing_hours`
    per company, for every company and scope "all"."""
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@jc.dk"))
        counts = monthly.missing_hours(OCTOBER)
        for company_id in (world["a"], world["b"]):
            rows = followup.list_followups(admin, "all", TODAY, company_id=company_id, missing_hours=True)
            assert len(rows) == counts[company_id]


def test_an_anonymised_citizens_placement_is_no_longer_asked_for(app, client, auth, world):
    """Retention keeps an anonymised citizen's placement for the figures only: its missing hours
    are counted nowhere and listed nowhere (it was listed as »Slettet borger« before)."""
    with app.app_context():
        assert monthly.missing_hours(OCTOBER)[world["b"]] == 1
        citizen = db.session.get(Placement, world["b_missing"][0]).citizen
        citizen.name, citizen.anonymised_at = "Anonymiseret", datetime(2026, 11, 1, tzinfo=UTC)
        db.session.commit()
        assert monthly.missing_hours(OCTOBER)[world["b"]] == 0
    auth.login("admin@jc.dk")
    for path in (f"/forloeb/opfoelgning?virksomhed={world['b']}&timer=mangler",
                 f"/forloeb/opfoelgning?virksomhed={world['b']}"):
        assert 'data-placement-id="' not in client.get(path).get_data(as_text=True)


# -- the hotline list ---------------------------------------------------------------------------

def _subjects(html: str) -> set[str]:
    return set(re.findall(r">([AB] (?:venter|besvaret|lukket)[^<]*)<", html))


def test_the_hotline_list_narrows_to_one_company(client, auth, world):
    auth.login("vk@jc.dk")
    html = client.get(f"/hotline/?vis=alle&virksomhed={world['a']}").get_data(as_text=True)
    assert _subjects(html) == {"A venter 1", "A venter 2", "A besvaret"}
    assert 'data-testid="company-filter"' in html and "Ålborg Værktøj" in html and "Bøgh Tømrer" not in html
    waiting = html.split('id="venter"', 1)[1].split('id="besvaret"', 1)[0]
    assert len(re.findall(r'data-testid="hotline-row"', waiting)) == 2
    removed = _href(html, "remove-company-filter")
    assert _args(removed) == {"vis": "alle"}
    for testid in ("show-mine", "show-closed"):
        assert _args(_href(html, testid))["virksomhed"] == str(world["a"])
    # the own/unassigned view with the company: the same unassigned requests of A
    html = client.get(f"/hotline/?virksomhed={world['a']}").get_data(as_text=True)
    assert _subjects(html) == {"A venter 1", "A venter 2", "A besvaret"}
    # with an assignee too: none of A's is assigned to the consultant
    html = client.get(f"/hotline/?virksomhed={world['a']}&ansvarlig={world['vk']}").get_data(as_text=True)
    assert _subjects(html) == set() and "Ålborg Værktøj" in html
    # unfiltered, each company name narrows the list to it
    html = client.get("/hotline/?vis=alle").get_data(as_text=True)
    assert f'href="/hotline/?vis=alle&amp;virksomhed={world["b"]}"' in html


def test_the_closed_hotline_list_pages_within_the_company(app, client, auth, world):
    auth.login("admin@jc.dk")
    found, seen = _all_pages(client, f"/hotline/?vis=lukket&virksomhed={world['a']}", "data-request-id")
    with app.app_context():
        closed_a = set(db.session.scalars(sa.select(HotlineRequest.id).where(
            HotlineRequest.company_id == world["a"], HotlineRequest.status == "closed")))
    assert len(found) == CLOSED and set(found) == closed_a and len(seen) == 2
    assert all(_args(url)["virksomhed"] == str(world["a"]) for url in seen)
    html = client.get(f"/hotline/?vis=lukket&virksomhed={world['b']}").get_data(as_text=True)
    assert _subjects(html) == {"B lukket"} and _args(_href(html, "remove-company-filter")) == {"vis": "lukket"}


# -- access ---------------------------------------------------------------------------------------

def test_a_company_user_never_sees_another_company_through_the_filter(app, client, auth, world):
    auth.login("b@firma.dk")
    for path in (f"/hotline/?virksomhed={world['a']}", f"/hotline/?vis=alle&virksomhed={world['a']}",
                 f"/hotline/?vis=lukket&virksomhed={world['a']}", "/hotline/?virksomhed=abc"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert "B venter" in html and "Ålborg Værktøj" not in html and not _subjects(html) - {"B venter", "B lukket"}
    for path in (f"/forloeb/opfoelgning?virksomhed={world['b']}", f"/forloeb/opfoelgning?virksomhed={world['a']}"
                 "&timer=mangler"):
        assert client.get(path).status_code == 403


def test_a_hotline_list_cut_at_its_limit_says_how_many_there_are(client, auth, world, monkeypatch):
    """The open list shows at most :data:`service.STAFF_LIST_LIMIT` of each kind; past it the page
    says how many there are, so a count linked to it is never silently more than the rows."""
    from portal.hotline import service

    monkeypatch.setattr(service, "STAFF_LIST_LIMIT", 1)
    auth.login("vk@jc.dk")
    html = client.get(f"/hotline/?vis=alle&virksomhed={world['a']}").get_data(as_text=True)
    assert re.search(r'data-testid="waiting-cut">Viser de 1 med nærmeste frist af 2, der venter på svar\.<', html)
    assert 'data-testid="answered-cut"' not in html  # one answered: all shown
    html = client.get("/hotline/?vis=alle").get_data(as_text=True)
    assert "af 3, der venter på svar. Vælg en virksomhed" in html and "senest besvarede af" not in html
    monkeypatch.setattr(service, "STAFF_LIST_LIMIT", 200)
    assert 'data-testid="waiting-cut"' not in client.get("/hotline/?vis=alle").get_data(as_text=True)
