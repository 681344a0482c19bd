"""The /maal CSV writes each figure as the page shows it (review AA 3).

It formatted by hand: 1/16 was 6,3 % on the page and 6,2 in the CSV (half-even on a binary
float), an average of 12,5 days was 13 dage on the page and 12,5 in the CSV, and "Opgjort pr."
was an ISO date. Now both read :attr:`Metric.shown` with the card's decimals.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest

from portal.dashboard.metrics import Metric, display_value
from portal.exports import render_csv
from portal.i18n import format_number
from tests.portal.dashboard_fixtures import World


@pytest.fixture
def world(app):
    return World(app)


def test_the_csv_value_is_the_pages_for_a_sixteenth_and_for_a_duration(client, auth, make_user, world,
                                                                       frozen_today):
    open_cases = [world.citizen(date(2024, 1, 1)) for _ in range(16)]
    world.placement(open_cases[0], "smaajob", date(2026, 11, 2))  # 1 of 16 active in November
    world.citizen(date(2026, 1, 1), case_closed=date(2026, 1, 13))  # 12 days
    world.citizen(date(2026, 1, 1), case_closed=date(2026, 1, 14))  # 13 days: 12,5 on average
    auth.login(make_user("consultant").email)
    html = " ".join(client.get("/maal/?maaned=2026-11").get_data(as_text=True).split())
    text = client.get("/maal/eksport.csv?maaned=2026-11").get_data(as_text=True)
    rows = {r[0]: r for r in csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";") if r}

    def page(key: str) -> str:
        return re.search(rf'data-testid="value-{key}">([^<]+)<', html).group(1)

    assert page("active") == "6,3 %" and rows["Aktive borgere"][1:3] == ["6,3", "procent"]
    duration = rows["Gennemsnitlig sagsvarighed for afsluttede sager"]
    assert page("duration") == "13 dage" and duration[1:3] == ["13", "dage"]
    assert "opgjort pr. 23.11.2026" in html and rows["Opgjort pr."][1] == "23.11.2026"


@pytest.mark.parametrize("unit, decimals", [("share", 1), ("days", 0), ("count", 0)])
def test_every_fraction_is_written_as_the_page_rounds_it(unit, decimals):
    """For each k/d with d < 200 (76 of them differed): the CSV's number is the page's."""
    for d in range(1, 200):
        for k in range(d + 1):
            value = k / d if unit == "share" else k * 7 / d
            metric = Metric("x", "x", value, unit, "")
            page = format_number(value * 100 if unit == "share" else value, decimals)  # what dknum showed
            assert format_number(metric.shown, metric.decimals) == page
            written = render_csv(["x"], [[metric.shown]]).splitlines()[1]
            assert Decimal(written.replace(",", ".")) == Decimal(page.replace(".", "").replace(",", "."))
    assert display_value(None, unit) is None


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def _number(text: str) -> Decimal:
    """"1.119.650 kr." / "86,0 %" / "1119650" → a Decimal."""
    return Decimal(re.sub(r"[^\d,-]", "", text).replace(",", "."))


def test_the_csv_is_the_screen_block_by_block(client, auth, make_user, world):
    """Review BA 5: the card showed 86,0 % and the CSV 86; the savings by outcome, the first
    targets, the hotline block and the 12-month trend were on the screen only."""
    from tests.clock import travel

    vk = make_user("consultant").id
    for n in range(11):  # with the open case below, 12 open cases, 6 matchable: 50,0 %
        world.citizen(date(2024, 1, 1), matchable=n < 6, name=f"B{n}", vk_id=vk)
    job = world.citizen(date(2025, 1, 1), benefit_group="kontanthjaelp", case_closed=date(2026, 9, 30))
    world.placement(job, "smaajob", date(2026, 1, 1), date(2026, 9, 30), "ordinaert_job")
    study = world.citizen(date(2025, 1, 1), benefit_group="uddannelseshjaelp")  # open case: left out
    world.placement(study, "smaajob", date(2026, 1, 1), date(2026, 10, 15), "uddannelse")
    with travel(date(2026, 12, 6)):
        auth.login(make_user("admin").email)
        html = " ".join(client.get("/maal/?omfang=all&maaned=2026-11").get_data(as_text=True).split())
        rows = _csv(client.get("/maal/eksport.csv?omfang=all&maaned=2026-11").get_data(as_text=True))
    by_label = {r[0]: r for r in rows if r}
    # the cards, with their decimals and both targets
    header = by_label["Nøgletal"]
    for key, label in (("matchable", "CV, jobmål og virksomhedskonsulent"), ("active", "Aktive borgere")):
        card = re.search(rf'data-testid="value-{key}">([^<]+)<', html).group(1)
        assert card == by_label[label][1] + " %"
        target = re.search(rf'data-testid="target-{key}">.*?mål (\d+) % \(første trin (\d+) %\)', html).groups()
        assert [by_label[label][header.index("Mål (%)")], by_label[label][header.index("Første trin (%)")]] == list(target)
    assert by_label["CV, jobmål og virksomhedskonsulent"][1] == "50,0"
    # the savings by outcome
    table = html.split('data-testid="savings-by-outcome"')[1].split("</table>")[0]
    shown = re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td><td>([^<]+)</td>', table)
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Bruttobesparelse fordelt på udfald")
    written = rows[start + 1:start + 1 + len(shown)]
    assert [(r[0], int(r[1]), _number(r[2])) for r in written] == [(a, int(b), _number(c)) for a, b, c in shown]
    assert by_label["Ikke talt med: sagen åben pr. 30.11.2026"][1] == "1"
    # the hotline block, row by row
    hotline = html.split('data-testid="hotline-figures"')[1].split("</table>")[0]
    cells = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
             for row in re.findall(r'<tr data-testid="hotline-[^"]+">(.*?)</tr>', hotline)]
    assert by_label["Hotline: henvendelser lavet i november 2026 (hele jobcentret, uanset udvalg)"]
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Hast")
    assert [[c.split(" henvendelser")[0] for c in row] for row in cells] == [
        [r[0], *r[1:6], r[6] + " %" if r[6] else "–"] for r in rows[start + 1:start + 1 + len(cells)]]
    # the 12-month trend: every month of the page's tables, marked as they are
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Udvikling de seneste 12 måneder")
    trend = rows[start + 1:start + 13]
    assert [r[0] for r in trend[-2:]] == [
        "november 2026 (foreløbig: timer kan registreres til og med 09.12.2026)", "december 2026 (i gang)"]
    focus_table = html.split('data-testid="table-matchable"')[1].split("</table>")[0]
    page_values = re.findall(r'data-testid="trend-value">([^<]+)<', focus_table)
    column = rows[start].index("CV, jobmål og virksomhedskonsulent (%)")
    assert [r[column] for r in trend] == page_values
    duration = html.split('data-testid="table-duration"')[1].split("</table>")[0]
    column = rows[start].index("Gennemsnitlig sagsvarighed for afsluttede sager: sager (n)")
    assert [r[column] for r in trend] == re.findall(r'data-testid="trend-base">([^<]+)<', duration)
