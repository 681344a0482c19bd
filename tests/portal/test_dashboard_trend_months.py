"""The 12-month trend on /maal: which months it shows, how it marks them, and the month picker
(review BA 2 and BA 3).

On 6 December 2026 November is provisional (its hours are due 9 December) and December is in
progress. The trend once showed both as plain rows and points (a six-day December read like a
fall of six points), ended with the chosen month so its oldest month could not be chosen, and a
month not offered showed the default month's figures under a small error.
"""
from __future__ import annotations

import json
import re
from datetime import date

import pytest

from portal.dashboard.charts import status_marker
from portal.dashboard.metrics import FINAL, PARTIAL_MONTH, PROVISIONAL
from tests.clock import travel
from tests.portal.dashboard_fixtures import World

DECEMBER_6 = date(2026, 12, 6)


@pytest.fixture
def world(app):
    return World(app)


def flat(html: str) -> str:
    return " ".join(html.split())


def table(html: str, key: str) -> str:
    return html.split(f'data-testid="table-{key}"')[1].split("</table>")[0]


def chart(html: str, key: str) -> dict:
    return json.loads(re.search(rf"data-testid=\"chart-{key}\" data-chart='(.*?)'", html).group(1))


def test_the_trend_marks_the_provisional_and_the_running_month_and_charts_neither(client, auth, make_user, world):
    cid = world.citizen(date(2024, 1, 1))
    world.placement(cid, "smaajob", date(2026, 1, 1))
    with travel(DECEMBER_6):
        auth.login(make_user("admin").email)
        html = flat(client.get("/maal/?omfang=all&maaned=2026-11").get_data(as_text=True))
    rows = re.findall(r'data-testid="trend-row" data-month="([\d-]+)" data-status="(\w+)">(.*?)</tr>',
                      table(html, "active"))
    assert [(m, s) for m, s, _ in rows] == [(f"2026-{n:02d}", FINAL) for n in range(1, 11)] + [
        ("2026-11", PROVISIONAL), ("2026-12", PARTIAL_MONTH)]
    assert "nov. 2026</strong><span class=\"sr-only\"> (den viste måned)</span> <span data-testid=\"trend-marker\">" \
           "(foreløbig: timer kan registreres til og med 09.12.2026)</span>" in rows[10][2]
    assert '<span data-testid="trend-marker">(i gang)</span>' in rows[11][2]
    assert "trend-marker" not in rows[9][2]
    # the charts draw the final months only, as the Code of Care report's do
    for key in ("focus", "active", "duration"):
        drawn = chart(html, key)
        assert drawn["labels"] == [f"{m} 2026" for m in ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.",
                                                          "sep.", "okt.")]
        assert len(drawn["values"]) == 10
    assert "December 2026 er ikke slut og er ikke med i graferne; tabellerne viser tallene indtil nu." in html
    assert ("Timerne for november 2026 kan registreres til og med 09.12.2026: den måned er foreløbig og er ikke med i "
            "graferne endnu.") in html


def test_the_markers_are_the_code_of_care_reports():
    """The same words as the partner report's month rows (portal.partners.export)."""
    from portal.partners.export import _month
    from portal.partners.report import MonthFigures, PartnerReport

    report = PartnerReport(year=2026, partial=True, final=False, final_after=date(2027, 1, 11))
    report.current = date(2026, 12, 1)
    provisional = MonthFigures(date(2026, 11, 1), 0, 0, 0, 0, open_until=date(2026, 12, 9))
    running = MonthFigures(date(2026, 12, 1), 0, 0, 0, 0)
    assert _month(report, provisional) == "november 2026 " + status_marker(PROVISIONAL, date(2026, 12, 9))
    assert _month(report, running) == "december 2026 " + status_marker(PARTIAL_MONTH, None)
    assert status_marker(FINAL, None) == ""


def test_the_trend_covers_the_months_the_picker_offers_and_each_row_opens_its_month(client, auth, make_user, world):
    world.citizen(date(2024, 1, 1))
    with travel(DECEMBER_6):
        auth.login(make_user("admin").email)
        html = flat(client.get("/maal/?omfang=all").get_data(as_text=True))  # November by default
        offered = re.findall(r'<option[^>]*value="(\d{4}-\d{2})"', html.split('name="maaned"')[1].split("</select>")[0])
        months = re.findall(r'data-testid="trend-row" data-month="([\d-]+)"', table(html, "focus"))
        assert sorted(offered) == months == [f"2026-{n:02d}" for n in range(1, 13)]
        # every row but the month shown links to its month; the oldest opens with its own figures
        links = re.findall(r'href="(/maal/\?omfang=all&amp;maaned=[\d-]+)"', table(html, "focus"))
        assert [link[-7:] for link in links] == [m for m in months if m != "2026-11"]
        oldest = flat(client.get(links[0].replace("&amp;", "&")).get_data(as_text=True))
    assert "nøgletal for januar 2026 for hele jobcentret, opgjort pr. 31.01.2026." in oldest
    assert 'data-testid="refused-month"' not in oldest


def test_the_duration_trend_shows_how_many_cases_each_average_is_of(client, auth, make_user, world, frozen_today):
    world.citizen(date(2026, 1, 1), case_closed=date(2026, 3, 11))
    world.citizen(date(2026, 1, 1), case_closed=date(2026, 3, 12))
    world.citizen(date(2026, 1, 1), case_closed=date(2026, 5, 1))
    auth.login(make_user("admin").email)
    html = flat(client.get("/maal/?omfang=all").get_data(as_text=True))
    duration = table(html, "duration")
    assert "<th scope=\"col\">Sager (n)</th>" in duration
    bases = dict(re.findall(r'data-month="([\d-]+)".*?data-testid="trend-base">([^<]+)<', duration))
    assert bases["2026-02"] == "0" and bases["2026-03"] == "2" and bases["2026-05"] == "3"
    assert "trend-base" not in table(html, "focus")


@pytest.mark.parametrize("url", [
    "/maal/borgere?maal=fokus&omfang=all&maaned=2025-11", "/maal/borgere.csv?maal=fokus&omfang=all&maaned=2025-11",
    "/maal/grundlag?tal=udfald&omfang=all&maaned=2025-11", "/maal/grundlag.csv?tal=udfald&omfang=all&maaned=2025-11",
    "/maal/hotline?tal=modtaget&maaned=2025-11", "/maal/eksport.csv?omfang=all&maaned=2025-11",
    "/maal/borgere?maal=fokus&maaned=2026-02-31"])
def test_a_list_or_csv_of_a_month_not_offered_is_refused(client, auth, make_user, world, frozen_today, url):
    """Review BA 3: it showed November's list under »Fejl: Vælg en af mulighederne på listen.«"""
    world.citizen(date(2024, 1, 1))
    auth.login(make_user("admin").email)
    response = client.get(url)
    assert response.status_code == 404
    assert "kan ikke vælges: Mål og opfølgning har tal for de seneste 12 måneder, december 2025 til november 2026." \
        in flat(response.get_data(as_text=True))


def test_the_page_says_plainly_which_month_it_shows_instead(client, auth, make_user, world, frozen_today):
    world.citizen(date(2024, 1, 1))
    auth.login(make_user("admin").email)
    html = flat(client.get("/maal/?omfang=all&maaned=2025-11").get_data(as_text=True))
    notice = re.search(r'data-testid="refused-month">(.*?)</div>', html).group(1)
    assert re.sub(r"<[^>]+>", "", notice).strip() == (
        "Måneden »2025-11« kan ikke vælges: Mål og opfølgning har tal for de seneste 12 måneder, december 2025 til "
        "november 2026. Siden viser i stedet tallene for oktober 2026.")
    assert 'data-testid="refused-month"' not in client.get("/maal/?omfang=all&maaned=2026-10").get_data(as_text=True)
