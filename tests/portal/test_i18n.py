"""Danish formatting: numbers, dates in Copenhagen time and month names, on the pages too."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.i18n import format_date, format_hours, format_hours_range, format_month, format_number
from store.models import IndexerState, OutboxEvent
from tests.portal.test_candidates import world  # noqa: F401  (fixture)


@pytest.mark.parametrize(("value", "decimals", "trim", "shown"), [
    (1205, 0, False, "1.205"),
    (1205.4, 0, False, "1.205"),
    (0.8251, 2, False, "0,83"),
    (0.825, 2, False, "0,83"),       # half up, as people round
    (2.5, 0, False, "3"),
    (21.1, 1, False, "21,1"),
    (20, 1, False, "20,0"),
    (-1205.5, 1, False, "-1.205,5"),
    (1234567, 0, False, "1.234.567"),
    (Decimal("7.25"), 2, True, "7,25"),
    (7.5, 2, True, "7,5"),
    (160, 2, True, "160"),
    (1205.25, 2, True, "1.205,25"),
    (None, 1, False, "–"),
])
def test_numbers(value, decimals, trim, shown):
    assert format_number(value, decimals, trim=trim) == shown


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("16.5"), "16,5"),   # a half hour is shown, never rounded to 17
    (Decimal("387.50"), "387,5"),
    (Decimal("7.25"), "7,25"),
    (160.0, "160"),
    (Decimal("1205"), "1.205"),
    (None, "–"),
])
def test_hours(value, shown):
    assert format_hours(value) == shown


@pytest.mark.parametrize(("low", "high", "shown"), [
    (37.0, 37.0, "37"),          # not "37–37"
    (10.0, 15.0, "10–15"),
    (2.5, 7.5, "2,5–7,5"),
    (10.0, None, "mindst 10"),
])
def test_hours_ranges(low, high, shown):
    assert format_hours_range(low, high) == shown


@pytest.mark.parametrize(("value", "shown"), [
    (date(2026, 3, 5), "05.03.2026"),
    (datetime(2026, 1, 15, 15, 0, tzinfo=timezone.utc), "15.01.2026 kl.\u00a016.00"),   # CET
    (datetime(2026, 7, 15, 15, 0, tzinfo=timezone.utc), "15.07.2026 kl.\u00a017.00"),   # CEST
    (datetime(2026, 7, 15, 15, 0), "15.07.2026 kl.\u00a017.00"),                        # naive = UTC
    (datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc), "29.03.2026 kl.\u00a001.30"),   # before the switch
    (datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc), "29.03.2026 kl.\u00a003.30"),   # after it
    (datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc), "01.01.2027 kl.\u00a000.30"),  # the local day
    ("2026-01-15T15:00:00+00:00", "15.01.2026 kl.\u00a016.00"),  # the indexer's JSON summaries
    ("2026-07-15 15:00", "15.07.2026 kl.\u00a017.00"),
    ("2026-03-05", "05.03.2026"),
    ("ikke en tid", "ikke en tid"),
    (None, "–"),
    ("", "–"),
])
def test_dates_and_times(value, shown):
    assert format_date(value) == shown


@pytest.mark.parametrize(("month", "long", "short"), [
    (1, "januar 2026", "jan. 2026"),
    (3, "marts 2026", "mar. 2026"),
    (5, "maj 2026", "maj 2026"),
    (12, "december 2026", "dec. 2026"),
])
def test_month_names(month, long, short):
    assert format_month(date(2026, month, 1)) == long
    assert format_month(date(2026, month, 1), abbreviated=True) == short


@pytest.mark.parametrize(("template", "shown"), [
    ("{{ 1205|dknum }}", "1.205"),
    ("{{ 0.83|dknum(2) }}", "0,83"),
    ("{{ 7.5|dknum(2, trim=True) }}", "7,5"),
    ("{{ day|dkdate }}", "05.03.2026"),
    ("{{ day|dkmonth }}", "marts 2026"),
    ("{{ none|dknum }} {{ none|dkdate }}", "– –"),
])
def test_template_filters(app, template, shown):
    context = {"day": date(2026, 3, 5), "none": None}
    assert app.jinja_env.from_string(template).render(**context) == shown


def test_the_app_is_danish_in_copenhagen(app):
    from flask_babel import get_locale, get_timezone

    with app.test_request_context("/"):
        assert str(get_locale()) == "da"
        assert str(get_timezone()) == "Europe/Copenhagen"


def test_the_ranking_shows_scores_and_distances_with_a_decimal_comma(client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}?vis_frasorterede=y").get_data(as_text=True)
    scores = re.findall(r'class="jobbro-score">score ([^<]+)<', html)
    assert scores and all(re.fullmatch(r"-?\d,\d\d", s) for s in scores), scores
    # Whole km on the card (postcode centres are no finer), "under 1 km" below one.
    assert re.search(r"<strong>Afstand:</strong> (under 1 km|\d+ km)", html)
    assert not re.search(r"<strong>Afstand:</strong> 0,0 km", html)
    assert re.search(r"For langt: \d+,\d km", html)  # Dina in Fredericia, beyond her 5 km


def test_the_indexer_page_shows_danish_local_times(app, client, auth, make_user):
    with app.app_context():
        db.session.add(IndexerState(key="last_run", value=json.dumps({
            "at": "2026-01-15T15:00:00+00:00", "claimed": 1205, "written": 1200, "removed": 5,
            "failed": 0})))
        db.session.add(OutboxEvent(entity="citizen", entity_id=7, status="failed", attempts=5,
                                   last_error="CV'et kunne ikke læses",
                                   processed_at=datetime(2026, 7, 1, 22, 30, tzinfo=timezone.utc)))
        db.session.commit()
    auth.login(make_user("admin").email)
    html = client.get("/admin/indexer").get_data(as_text=True)
    assert ('<span data-testid="last-run-at">15.01.2026 kl.\u00a016.00</span> · '
            '<span data-testid="last-run-claimed">1.205 ændringer</span>') in html
    assert "<td>02.07.2026 kl.\u00a000.30</td>" in html  # the failure, in summer time on the next day
    assert "2026-01-15T15:00" not in html


def test_a_spreadsheet_cell_keeps_a_time_excel_reads():
    """The pages write »kl. 16.00«; a CSV cell keeps dd.mm.yyyy HH:MM, which a spreadsheet reads
    as a time (portal.exports), and a date stays a date."""
    from portal.exports import render_csv
    from portal.i18n import format_timestamp

    moment = datetime(2026, 1, 15, 15, 0, 5, tzinfo=timezone.utc)
    assert format_timestamp(moment) == "15.01.2026 16:00"
    assert format_timestamp(datetime(2026, 7, 15, 15, 0, 5), seconds=True) == "15.07.2026 17:00:05"  # naive = UTC
    lines = render_csv(["Tid", "Dag"], [[moment, date(2026, 3, 5)]]).splitlines()
    assert lines[1] == "15.01.2026 16:00;05.03.2026"


def test_a_log_time_to_the_second_is_written_the_danish_way():
    from portal.i18n import format_moment

    assert format_moment(datetime(2026, 1, 20, 10, 5, 0, tzinfo=timezone.utc)) == "20.01.2026 kl.\u00a011.05.00"
    assert format_moment(datetime(2026, 7, 20, 10, 5, 9)) == "20.07.2026 kl.\u00a012.05.09"  # naive = UTC; CEST


def test_kl_and_the_time_stay_together_on_a_page_but_a_mail_and_a_spreadsheet_have_plain_text(app):
    """A page's »kl. 16.00« holds a non-breaking space, so a line never breaks between »kl.« and
    the time; a plain-text mail built from the same text, and a CSV cell, have none."""
    from portal.exports import render_csv
    from portal.i18n import KL, plain_spaces
    from portal.mail import compose

    moment = datetime(2026, 1, 15, 15, 0, tzinfo=timezone.utc)
    shown = format_date(moment)
    assert shown == "15.01.2026 kl.\u00a016.00" and KL in shown and "kl. " not in shown
    with app.app_context():
        html = app.jinja_env.from_string("<p>{{ at|dkdate }}</p>").render(at=moment)
    assert html == "<p>15.01.2026 kl.\u00a016.00</p>"  # the character itself, not an entity
    assert plain_spaces(f"Linket udløber den {shown}.") == "Linket udløber den 15.01.2026 kl. 16.00."
    message = compose({}, "a@example.dk", f"Samtale {shown}", f"Svarfrist: {shown}\n")
    assert message["Subject"] == "Samtale 15.01.2026 kl. 16.00"
    assert message.get_content() == "Svarfrist: 15.01.2026 kl. 16.00\n"
    assert "\u00a0" not in render_csv(["Tid"], [[moment]])


def test_no_template_writes_kl_before_a_time_that_has_it():
    """dkdate writes »kl.« before a time itself: a template (or mail) writing »kl.« before it
    would show »kl. kl. 12.00«."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    before = re.compile(r"kl\.?\s*\{\{[^}]*\|\s*dkdate", re.IGNORECASE)
    found = [str(path.relative_to(root)) for path in (root / "templates").rglob("*")
             if path.is_file() and path.suffix in {".html", ".txt"} and before.search(path.read_text("utf-8"))]
    assert found == []
    code = [str(path.relative_to(root)) for path in (root / "portal").rglob("*.py")
            if re.search(r"kl\.\s*\{format_date\(|format_date\([^)]*\)\.replace\(", path.read_text("utf-8"))]
    assert code == []
