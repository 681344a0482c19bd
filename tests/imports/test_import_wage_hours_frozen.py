"""Wage hours imported for months inside a frozen /maal month's focus window (its 12 calendar
months) do not change its frozen figure: the report names those months, says to recompute them and
links to /maal, where »Beregn … igen« is (dry run: »vil ikke ændre«). Only final months with kept
figures whose window holds a month the file created or updated (not unchanged, skipped or refused)."""
from __future__ import annotations

import io
import json
from datetime import date

import pytest
import sqlalchemy as sa

from portal.dashboard import snapshots
from portal.extensions import db
from portal.imports.wage_hours import run_wage_hours
from store.models import Citizen, FigureSnapshot

from .files import csv_bytes

HEADER = ["Eksternt id", "Måned", "Løntimer", "Ansættelse"]
pytestmark = pytest.mark.usefixtures("frozen_today")  # 23 November 2026: October is final, November is not


@pytest.fixture
def citizen(app):
    app.config["GO_LIVE_DATE"] = date(2024, 1, 1)
    with app.app_context():
        db.session.add(Citizen(external_id="SAG-1", name="Anna Hansen", postcode="8722", benefit_group="kontanthjaelp",
                               readiness_group="paa_vej", case_start=date(2024, 1, 1)))
        db.session.commit()


def _freeze(app, *months: tuple[int, int], scope: str = "all") -> None:
    with app.app_context():
        db.session.add_all(FigureSnapshot(month=date(y, m, 1), scope=scope, metrics=json.dumps([])) for y, m in months)
        db.session.commit()


def _run(app, rows: list[list], dry_run: bool = False):
    with app.app_context():
        return run_wage_hours(io.BytesIO(csv_bytes(rows, header=HEADER)), "loentimer.csv", actor=None, dry_run=dry_run)


def test_the_frozen_months_whose_window_holds_an_imported_month_are_named(app, citizen):
    _freeze(app, (2025, 9), (2026, 3), (2026, 6), (2026, 10), (2026, 11))  # November: kept early, not final
    _freeze(app, (2025, 10), scope="team:1")
    rows = [["SAG-1", "2026-02", "20", ""]]
    dry = _run(app, rows, dry_run=True)
    expected = [(date(2026, 3, 1), True), (date(2026, 6, 1), True), (date(2026, 10, 1), True)]
    assert dry.frozen_months == expected and dry.to_dict()["frozen_months"] == ["2026-03", "2026-06", "2026-10"]
    assert dry.frozen_notes == [
        "Importen vil ikke ændre de faste tal for fokusmålet for marts 2026, juni 2026 og oktober 2026: månedernes "
        "tal er opgjort og står fast, selv om deres fokusmål tæller løntimer fra måneder, filen opretter eller "
        "ændrer. Efter importen skal en administrator beregne dem igen på Mål (vælg måneden, og tryk »Beregn … igen "
        "ud fra dagens data«), så løntimerne tæller med."]
    real = _run(app, rows)
    assert real.counts["created"] == 1 and real.frozen_months == expected
    assert real.frozen_notes[0].startswith("Importen har ikke ændret de faste tal for fokusmålet for marts 2026, ")
    assert "filen har oprettet eller ændret. En administrator skal beregne dem igen på Mål" in real.frozen_notes[0]
    # The same file again changes nothing: no month is named.
    again = _run(app, rows)
    assert again.counts["unchanged"] == 1 and again.frozen_months == [] and again.frozen_notes == []
    # A new figure for the month is an update: named again.
    assert _run(app, [["SAG-1", "2026-02", "25", ""]]).frozen_months == expected


def test_skipped_and_refused_rows_name_no_month(app, citizen):
    _freeze(app, (2026, 10))
    report = _run(app, [["SAG-1", "2026-05", "10", "Løntilskud"], ["SAG-1", "2026-06", "abc", ""],
                        ["SAG-9", "2026-07", "10", ""]])
    assert report.counts["skipped"] == 1 and report.counts["refused"] == 2
    assert report.frozen_months == [] and report.frozen_notes == []


def test_a_month_outside_the_window_or_not_frozen_is_not_named(app, citizen):
    _freeze(app, (2026, 10))
    # October 2026's focus goal counts November 2025 to October 2026; September 2025 is outside it.
    assert _run(app, [["SAG-1", "2025-09", "10", ""]]).frozen_months == []
    assert _run(app, [["SAG-1", "2025-11", "10", ""]]).frozen_months == [(date(2026, 10, 1), True)]
    # Final but never shown: nothing is frozen, it is computed with the hours at its first view.
    with app.app_context():
        db.session.execute(sa.delete(FigureSnapshot))
        db.session.commit()
    assert _run(app, [["SAG-1", "2026-04", "10", ""]]).frozen_months == []


def test_a_frozen_month_no_longer_offered_on_maal_is_said_to_be_so(app, citizen):
    _freeze(app, (2025, 9), (2025, 10))  # /maal offers December 2025 to November 2026
    report = _run(app, [["SAG-1", "2025-03", "10", ""]])
    assert report.frozen_months == [(date(2025, 9, 1), False), (date(2025, 10, 1), False)]
    assert report.frozen_notes[1] == "september 2025 og oktober 2025 vises ikke længere på Mål og kan ikke beregnes igen der."
    # A month before Jobbro was taken into use has no figures: it is never read, nor named.
    app.config["GO_LIVE_DATE"] = date(2025, 10, 1)
    assert [m for m, _ in _run(app, [["SAG-1", "2025-03", "11", ""]]).frozen_months] == [date(2025, 10, 1)]


def test_the_helper_takes_any_day_of_a_month_and_none(app, citizen):
    _freeze(app, (2026, 3))
    with app.app_context():
        assert snapshots.frozen_focus_months(db.session, [date(2026, 2, 17)], date(2026, 11, 23)) == [date(2026, 3, 1)]
        assert snapshots.frozen_focus_months(db.session, [], date(2026, 11, 23)) == []


def test_the_page_names_the_months_and_links_to_the_recompute_form_on_maal(app, client, auth, make_user, citizen):
    admin = make_user("admin")
    auth.login(admin.email)
    assert client.get("/maal/?maaned=2026-10").status_code == 200  # freezes the final months /maal offers
    with app.app_context():
        frozen = sorted(db.session.scalars(sa.select(FigureSnapshot.month).where(FigureSnapshot.scope == "all")))
    assert frozen[-1] == date(2026, 10, 1)

    def post(mode: str) -> str:
        data = csv_bytes([["SAG-1", "2026-08", "37,5", "Småjob"]], header=HEADER)
        return client.post("/admin/import/", content_type="multipart/form-data", data={
            "kind": "wage_hours", "wage_hours-mode": mode, "wage_hours-file": (io.BytesIO(data), "loentimer.csv"),
            "wage_hours-csrf_token": auth.csrf_token("/admin/import/")}).get_data(as_text=True)

    dry = post("dry")
    notice = dry.split('data-testid="import-frozen-months"')[1].split("</div></div>")[0]
    assert "Importen vil ikke ændre de faste tal for fokusmålet for august 2026, september 2026 og oktober 2026" in notice
    real = post("run")
    assert "De gyldige rækker er gemt og tæller i fokusmålet, undtagen i de måneder, hvis tal står fast (se nedenfor)." in real
    notice = real.split('data-testid="import-frozen-months"')[1].split("</div></div>")[0]
    assert "Importen har ikke ændret de faste tal for fokusmålet for august 2026, september 2026 og oktober 2026" in notice
    links = [part.split('"')[0] for part in notice.split('href="')[1:]]
    assert links == [f"/maal/?maaned=2026-{m:02d}&amp;omfang=all" for m in (8, 9, 10)]
    page = client.get(links[-1].replace("&amp;", "&")).get_data(as_text=True)
    assert 'data-testid="recompute-form"' in page and "Beregn oktober 2026 igen ud fra dagens data" in page


def test_the_cli_names_the_frozen_months(app, citizen, tmp_path):
    _freeze(app, (2026, 10))
    path = tmp_path / "loentimer.csv"
    path.write_bytes(csv_bytes([["SAG-1", "2026-10", "37,5", ""]], header=HEADER))
    cli = app.test_cli_runner()
    dry = cli.invoke(args=["import", "wage-hours", str(path), "--dry-run"])
    assert "Bemærk: Importen vil ikke ændre de faste tal for fokusmålet for oktober 2026: månedens tal" in dry.output
    assert "beregne den igen på Mål" in dry.output
    real = cli.invoke(args=["import", "wage-hours", str(path), "--json"])
    assert real.exit_code == 0 and '"frozen_months": ["2026-10"]' in real.output.splitlines()[-1]
