"""100,000 rows stream through both passes within a memory bound (the report stays capped)."""
from __future__ import annotations

import csv
import os

from portal.imports import runner
from portal.imports.citizens import RowError

from .files import HEADER

ROWS = 100_000
PEAK_LIMIT = 32 * 1024 * 1024  # the file is ~9 MB; holding its rows as lists takes over 100 MB


def _rss() -> int:
    # Resident set size now (Linux): sampled after every batch, unlike ru_maxrss it is not a
    # high-water mark an earlier test could have set.
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _write_big_csv(path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for i in range(ROWS):
            writer.writerow([f"X{i:06d}", f"Borger {i}", "Kontanthjælp", "7,5", "8722", "B", "dansk", "På vej",
                             "", "01.03.2025", "Lagermedarbejder; Chauffør"])
        writer.writerow(["X000000", "Dublet", "", "", "", "", "", "", "", "", ""])  # duplicates row 2


def test_100000_rows_stream_within_memory_bounds(app, tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    _write_big_csv(path)
    seen = [0]

    def refuse_cheaply(values, consultants=None):
        # The row validation is measured by the benchmark (portal.imports.bench); here every
        # row is refused without touching the database, so the test measures the streaming.
        seen[0] += 1
        raise RowError([("Navn", "afvist i testen")])

    monkeypatch.setattr(runner.citizens, "validate_citizen", refuse_cheaply)
    peak = [0]

    def sample(_rows: int) -> None:
        peak[0] = max(peak[0], _rss())

    with app.app_context(), path.open("rb") as source:
        baseline = _rss()
        report = runner.run_import("citizens", source, "big.csv", actor=None, dry_run=True, progress=sample)
    # every row is validated, the two with the same id too (a row lists all its problems at once)
    assert report.counts["refused"] == ROWS + 1 and seen[0] == ROWS + 1
    assert len(report.problems) == runner.MAX_LISTED and report.truncated
    assert report.problems[0].row == 2 and "(2, 100002)" in report.problems[0].message
    growth = peak[0] - baseline
    assert growth < PEAK_LIMIT, f"memory grew by {growth / 2**20:.1f} MiB"


def test_more_rows_than_the_limit_refuse_the_file_before_any_write(app, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "MAX_ROWS", 50)
    path = tmp_path / "many.csv"
    path.write_text(";".join(HEADER) + "\n" + "".join(f"Y{i};x\n" for i in range(51)), encoding="utf-8")
    with app.app_context(), path.open("rb") as source:
        report = runner.run_import("citizens", source, "many.csv", actor=None, dry_run=False)
    assert report.rows == 0 and "mere end 50 rækker" in report.file_problems[0]
