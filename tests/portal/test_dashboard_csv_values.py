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
