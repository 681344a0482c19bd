"""/maal has no figures for the months before Jobbro was taken into use (review BG 1).

A fresh install without demo data (first administrator made 6 December 2026) imported citizens
with their real »Sagsstart« in 2025-2026. /maal then showed October 2026, before the portal
existed, as 0,0 % »Under målet« for every goal, frozen at first view, with a 12-month trend of
zeros, and a team's October disagreed with the whole centre's (frozen empty before the import).
The go-live day is the setting GO_LIVE_DATE, or the day the first user was created.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.config import ConfigError, from_environment
from portal.dashboard.snapshots import offered_months
from portal.demo.generator import DEMO_LOGINS, generate_demo
from portal.demo.history import HISTORY_DAYS
from portal.demo.loader import load_demo
from portal.extensions import db
from store.clock import LOCAL
from store.models import FigureSnapshot
from tests.api.api_fixtures import bearer, make_token
from tests.clock import travel
from tests.imports.files import citizen_row, csv_bytes

INSTALLED = date(2026, 12, 6)  # the day the first administrator was made
BEFORE = "Måneden »2026-10« kan ikke vælges: Jobbro blev taget i brug 06.12.2026; der er ingen tal før."


@pytest.fixture
def installed(app, make_user, tmp_path):
    """An install as the README has it: no GO_LIVE_DATE, the first administrator made on
    INSTALLED, a consultant, and 3 citizens imported into the team with case starts in 2025-2026.
    Yields (admin, consultant)."""
    app.config["GO_LIVE_DATE"] = None  # the tests' app sets one; an install has none
    with travel(INSTALLED):
        admin = make_user("admin")
        consultant = make_user("consultant")
        path = tmp_path / "borgere.csv"
        path.write_bytes(csv_bytes([citizen_row("AV-1", "Anna Hansen", Sagsstart="01.03.2025"),
                                    citizen_row("AV-2", "Bo Berg", Sagsstart="15.10.2025"),
                                    citizen_row("AV-3", "Carl Dam", Sagsstart="01.02.2026")]))
        done = app.test_cli_runner().invoke(args=["import", "citizens", str(path), "--team", "Team Syd"])
        assert done.exit_code == 0, done.output
        yield admin, consultant


def flat(html: str) -> str:
    return " ".join(html.replace("&#34;", '"').split())


def kept(app) -> list[tuple[date, str]]:
    with app.app_context():
        return sorted(db.session.execute(sa.select(FigureSnapshot.month, FigureSnapshot.scope)).all())


def trend_months(html: str) -> list[str]:
    table = html.split('data-testid="table-focus"')[1].split("</table>")[0]
    return re.findall(r'data-testid="trend-row" data-month="([\d-]+)"', table)


def picker_months(html: str) -> list[str]:
    select = html.split('id="maaned" name="maaned"')[1].split("</select>")[0]
    return re.findall(r'<option[^>]*value="([\d-]+)"', select)


def test_a_month_before_go_live_is_neither_shown_nor_kept_for_any_scope(app, client, auth, installed):
    admin, consultant = installed
    auth.login(admin.email)
    html = flat(client.get("/maal/?omfang=all&maaned=2026-10").get_data(as_text=True))
    assert 'data-testid="refused-month"' in html and BEFORE in html
    assert "Siden viser i stedet tallene for december 2026." in html
    # only the go-live month, counted from that day; no 12 months of zeros
    assert picker_months(html) == trend_months(html) == ["2026-12"]
    assert "Jobbro blev taget i brug 06.12.2026: tallene for december 2026 regnes fra den dag" in html
    assert '<span data-testid="trend-marker">(i gang) (fra 06.12.2026)</span>' in html
    assert "Udvikling siden december 2026, da Jobbro blev taget i brug" in html
    assert "Udvikling de seneste 12 måneder" not in html
    # the default month is the go-live month (November, the last complete one, came before it)
    assert picker_months(flat(client.get("/maal/").get_data(as_text=True))) == ["2026-12"]
    # the team, opened by its consultant, says the same: no October for anyone
    auth.switch_to(consultant.email)
    team = flat(client.get("/maal/?omfang=team&maaned=2026-10").get_data(as_text=True))
    assert BEFORE in team and trend_months(team) == ["2026-12"]
    assert kept(app) == []  # nothing computed or frozen for a month before go-live


def test_lists_csvs_and_recompute_refuse_a_month_before_go_live(app, client, auth, installed):
    admin, _ = installed
    auth.login(admin.email)
    for url in ("/maal/borgere?maal=fokus&omfang=all&maaned=2026-10", "/maal/grundlag?tal=udfald&maaned=2026-10",
                "/maal/hotline?tal=modtaget&maaned=2026-10", "/maal/eksport.csv?maaned=2026-10",
                "/maal/borgere.csv?maal=aktiv&omfang=all&maaned=2026-10"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert BEFORE in flat(response.get_data(as_text=True)), url
    response = client.post("/maal/genberegn", data={"maaned": "2026-10", "csrf_token": auth.csrf_token("/")})
    assert response.status_code == 400
    assert kept(app) == []


def test_the_api_has_no_figures_before_go_live_either(app, client, installed):
    _, consultant = installed
    raw = make_token(app, consultant)
    assert client.get("/api/v1/figures/?month=2026-10", headers=bearer(raw)).status_code == 422
    answer = client.get("/api/v1/figures/", headers=bearer(raw))  # the default: the go-live month
    assert answer.status_code == 200 and answer.json["month"] == "2026-12" and answer.json["partial"] is True
    assert kept(app) == []


def test_the_csv_follows_the_screen_from_go_live(app, client, auth, installed):
    admin, _ = installed
    auth.login(admin.email)
    body = client.get("/maal/eksport.csv?omfang=all").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))
    assert ["Måned", "december 2026 (fra 06.12.2026) (foreløbig – måneden er ikke slut)"] in rows
    start = next(i for i, r in enumerate(rows) if r and r[0].startswith("Udvikling"))
    assert rows[start][0] == "Udvikling siden december 2026, da Jobbro blev taget i brug"
    months = [r[0] for r in rows[start + 1:] if r]
    assert months == ["december 2026 (i gang) (fra 06.12.2026)"]


def test_a_snapshot_kept_before_go_live_is_never_shown_and_stays_when_a_month_is_kept(app, client, auth, installed):
    admin, _ = installed
    with app.app_context():  # what the first view of /maal kept before this version
        for scope in ("all", "team:1"):
            db.session.add(FigureSnapshot(month=date(2026, 10, 1), scope=scope, metrics=json.dumps([])))
        db.session.commit()
    with travel(date(2027, 1, 20)):  # December's hours were due 11 January: it is final now
        auth.login(admin.email)
        html = flat(client.get("/maal/?omfang=all").get_data(as_text=True))
        assert trend_months(html) == ["2026-12", "2027-01"]
        assert "Tallene for december 2026 blev opgjort 20.01.2027 og står fast" in html
        assert "(fra 06.12.2026)" in html and "Udvikling siden december 2026" in html
        assert BEFORE in flat(client.get("/maal/?omfang=all&maaned=2026-10").get_data(as_text=True))
    # never read, and never deleted either (review BJ 9): a GO_LIVE_DATE set too late must not destroy them
    assert kept(app) == [(date(2026, 10, 1), "all"), (date(2026, 10, 1), "team:1"), (date(2026, 12, 1), "all")]


def test_a_go_live_date_set_too_late_hides_frozen_months_until_set_right_and_loses_none(
        app, client, auth, installed):
    admin, _ = installed
    with travel(date(2027, 1, 20)):  # December is final: frozen at this view
        auth.login(admin.email)
        html = flat(client.get("/maal/?omfang=all&maaned=2026-12").get_data(as_text=True))
        assert "Tallene for december 2026 blev opgjort 20.01.2027 og står fast" in html
    app.config["GO_LIVE_DATE"] = date(2027, 1, 15)  # a typo: the job centre went live in December
    with travel(date(2027, 2, 20)):  # January is final and kept: December was deleted then, before review BJ 9
        auth.login(admin.email)
        html = flat(client.get("/maal/?omfang=all").get_data(as_text=True))
        assert trend_months(html) == ["2027-01", "2027-02"]
        assert kept(app) == [(date(2026, 12, 1), "all"), (date(2027, 1, 1), "all")]
        app.config["GO_LIVE_DATE"] = None  # set right: December shows again as it was frozen
        html = flat(client.get("/maal/?omfang=all&maaned=2026-12").get_data(as_text=True))
    assert "Tallene for december 2026 blev opgjort 20.01.2027 og står fast" in html
    assert trend_months(html) == ["2026-12", "2027-01", "2027-02"]


def test_go_live_date_sets_the_first_month(app, client, auth, installed):
    admin, _ = installed
    app.config["GO_LIVE_DATE"] = date(2026, 9, 15)  # taken into use before the first user was (a later admin)
    auth.login(admin.email)
    html = flat(client.get("/maal/?omfang=all&maaned=2026-09").get_data(as_text=True))
    assert trend_months(html) == ["2026-09", "2026-10", "2026-11", "2026-12"]
    assert "Jobbro blev taget i brug 15.09.2026: tallene for september 2026 regnes fra den dag" in html
    assert 'data-testid="refused-month"' not in html
    august = flat(client.get("/maal/?omfang=all&maaned=2026-08").get_data(as_text=True))
    assert "Måneden »2026-08« kan ikke vælges: Jobbro blev taget i brug 15.09.2026; der er ingen tal før." in august
    other = flat(client.get("/maal/?omfang=all&maaned=2027-05").get_data(as_text=True))
    assert ("Måneden »2027-05« kan ikke vælges: Mål og opfølgning har tal for september 2026 til december 2026 "
            "(Jobbro blev taget i brug 15.09.2026).") in other


# --- the setting ----------------------------------------------------------------------------

def _app(tmp_path, **config):
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s",
                       "PSEUDONYM_KEY": "p", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", **config})


@pytest.mark.usefixtures("frozen_today")
def test_the_setting_is_a_day_or_empty(tmp_path):
    assert _app(tmp_path).config["GO_LIVE_DATE"] is None
    assert _app(tmp_path, GO_LIVE_DATE="").config["GO_LIVE_DATE"] is None
    assert _app(tmp_path, **from_environment({"GO_LIVE_DATE": "2026-11-01"})).config["GO_LIVE_DATE"] \
        == date(2026, 11, 1)
    assert _app(tmp_path, GO_LIVE_DATE="2026-11-23").config["GO_LIVE_DATE"] == date(2026, 11, 23)  # today
    assert _app(tmp_path, GO_LIVE_DATE=date(2026, 3, 2)).config["GO_LIVE_DATE"] == date(2026, 3, 2)


@pytest.mark.parametrize("value", ["01.12.2026", "2026-02-30", "2026-12", "i går", 20261201, True])
def test_a_bad_setting_stops_start_up_with_its_name(tmp_path, value):
    with pytest.raises(ConfigError, match="GO_LIVE_DATE"):
        _app(tmp_path, GO_LIVE_DATE=value)


@pytest.mark.usefixtures("frozen_today")  # 23.11.2026
@pytest.mark.parametrize("value", ["2026-11-24", date(2030, 1, 1)])
def test_a_go_live_date_after_today_stops_start_up_with_its_name(tmp_path, value):
    """A day ahead (a typo, or set before the day) would move /maal's first month every day (review BJ 9)."""
    with pytest.raises(ConfigError, match=r"GO_LIVE_DATE must be the day Jobbro was taken into use, today "
                                          r"\(2026-11-23\) at the latest"):
        _app(tmp_path, GO_LIVE_DATE=value)


# --- the demo -------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [7, 8, 9, 10, 11])
def test_the_demo_was_taken_into_use_before_its_history(seed):
    today = date(2026, 11, 23)
    data = generate_demo(seed, today)
    first = min(u.created_at for u in data.users).astimezone(LOCAL).date()
    assert first <= today - timedelta(days=HISTORY_DAYS) <= offered_months(today)[0]


def test_the_demos_maal_offers_its_twelve_months_as_before(app, client, auth, password_hash):
    app.config["GO_LIVE_DATE"] = None  # the demo has none: its first user's day
    today = date(2026, 11, 23)
    with travel(today):
        with app.app_context():
            load_demo(db.session, today, password_hash=password_hash)
        auth.login(DEMO_LOGINS["admin"])
        html = flat(client.get("/maal/?omfang=all").get_data(as_text=True))
        csv_derived = client.get("/maal/eksport.csv?omfang=all").get_data(as_text=True)
        app.config["GO_LIVE_DATE"] = date(2000, 1, 1)  # no bound at all: as before review BG 1
        csv_unbounded = client.get("/maal/eksport.csv?omfang=all").get_data(as_text=True)
    assert len(trend_months(html)) == 12 and picker_months(html)[-1] == "2025-12"
    assert "Udvikling de seneste 12 måneder" in html
    assert "taget i brug" not in html and "(fra " not in html
    assert csv_derived == csv_unbounded and "taget i brug" not in csv_derived
