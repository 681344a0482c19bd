"""/forloeb/opfoelgning pages through its rows (review AB 5): 50 a page, every row reachable, the
counts are of the whole list (never of the page), and every link keeps the scope, the sort and
the narrowing to those that need follow-up."""
from __future__ import annotations

import html as markup
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.extensions import db
from portal.placements.followup import PER_PAGE
from store.models import Citizen, Placement
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("frozen_today")

FLAGGED, PLANNED = 62, 5  # started long ago without follow-up (flagged); starting later (no flags)


@pytest.fixture
def caseload(app, make_user) -> dict:
    """A consultant whose citizens have FLAGGED running placements and PLANNED ones; placement id → start."""
    consultant = make_user("consultant")
    company = make_user("company")
    starts = {}
    with app.app_context():
        for n in range(FLAGGED + PLANNED):
            start = (date(2025, 1, 1) + timedelta(days=n) if n < FLAGGED else TODAY + timedelta(days=n))
            citizen = Citizen(name=f"Borger {n:03d}", postcode="8722", benefit_group="kontanthjaelp",
                              readiness_group="i_gang", case_start=date(2024, 1, 5), hours_available=20,
                              vk_id=consultant.id, team_id=consultant.team_id)
            placement = Placement(citizen=citizen, company_id=company.company_id, kind="smaajob",
                                  start_date=start, weekly_hours=10)
            db.session.add(placement)
            db.session.flush()
            starts[placement.id] = start
        db.session.commit()
    return {"consultant": consultant, "starts": starts}


def _page(client, url: str) -> tuple[str, list[int]]:
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, [int(i) for i in re.findall(r'data-testid="followup-row" data-placement-id="(\d+)"', html)]


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', html)
    return markup.unescape(found.group(1)) if found else None


def _args(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_the_list_pages_through_every_row_and_counts_them_all(client, auth, caseload):
    auth.login(caseload["consultant"].email)
    first, shown = _page(client, "/forloeb/opfoelgning")
    assert len(shown) == PER_PAGE
    total = FLAGGED + PLANNED
    summary = re.search(r'data-testid="followup-summary">(.*?)</p>', first, re.S).group(1)
    assert f"{FLAGGED}</strong> af de {total} forløb kræver opfølgning" in summary  # the list's, not the page's
    assert f"Viser 1–{PER_PAGE} af {total} forløb · side 1 af 2." in first
    assert _link(first, "prev") is None
    following = _link(first, "next")
    assert _args(following) == {"omfang": "mine", "sort": "start", "side": "2"}
    second, more = _page(client, following)
    assert len(more) == total - PER_PAGE and not set(more) & set(shown)
    assert f"Viser {PER_PAGE + 1}–{total} af {total} forløb · side 2 af 2." in second
    assert f"{FLAGGED}</strong> af de {total} forløb kræver opfølgning" in second
    assert _link(second, "next") is None and _args(_link(second, "prev"))["side"] == "1"
    starts = caseload["starts"]
    assert shown + more == sorted(starts, key=lambda pid: (starts[pid], pid))  # oldest start first, across pages


def test_the_narrowed_list_pages_through_those_that_need_follow_up_keeping_every_filter(client, auth, caseload):
    auth.login(caseload["consultant"].email)
    first, shown = _page(client, "/forloeb/opfoelgning?omfang=team&sort=-start&kraever=1")
    assert len(shown) == PER_PAGE
    assert f'<strong data-testid="flagged-count">{FLAGGED}</strong> forløb kræver opfølgning' in first
    following = _link(first, "next")
    assert _args(following) == {"omfang": "team", "sort": "-start", "kraever": "1", "side": "2"}
    second, more = _page(client, following)
    assert len(more) == FLAGGED - PER_PAGE
    starts = caseload["starts"]
    flagged = [pid for pid in starts if starts[pid] < TODAY]
    assert shown + more == sorted(flagged, key=lambda pid: (starts[pid], pid), reverse=True)
    show_all = re.search(r'<a href="([^"]+)" data-testid="show-all">', second).group(1)
    assert _args(markup.unescape(show_all)) == {"omfang": "team", "sort": "-start"}  # page 1 of the whole list
    sort = _args(markup.unescape(re.search(r'<a href="([^"]+)" data-testid="sort-start">', second).group(1)))
    assert sort == {"omfang": "team", "sort": "start", "kraever": "1"}


@pytest.mark.parametrize("side", ["99", "-3", "x", "99999999999999999999"])
def test_a_page_past_the_end_or_malformed_shows_a_page_of_the_list(client, auth, caseload, side):
    auth.login(caseload["consultant"].email)
    html, shown = _page(client, f"/forloeb/opfoelgning?side={side}")
    assert len(shown) == (FLAGGED + PLANNED - PER_PAGE if side.isdigit() else PER_PAGE)  # past the end: the last
