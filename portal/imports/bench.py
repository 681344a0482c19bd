"""Benchmark the bulk import: ``python -m portal.imports.bench --rows 100000 [--mode MODE]``.

Builds a throw-away app (SQLite in a temporary folder, one consultant), writes a CSV of
``--rows`` citizens to disk and runs the import on it. The last line printed is JSON:
rows, seconds, rows per second and the peak memory growth (``ru_maxrss`` after the run
minus before it, MiB) for each run.

Modes:
    read     both streaming passes and the report, every row refused by a stub validator
             (no database work): the memory bound of the reader and the capped report.
    dry-run  the full dry run (validation, upserts in savepoints, rolled back per batch).
    import   a real import, then the same file again (idempotent: all "uændret").
"""
from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["Eksternt id", "Navn", "Ydelsesgruppe", "Timer pr. uge", "Postnummer", "Kørekort", "Sprog",
          "Parathedsgruppe", "Virksomhedskonsulent", "Sagsstart", "Jobmål"]
BENEFITS = ("Kontanthjælp", "Uddannelseshjælp", "Sygedagpenge", "Ressourceforløb")
POSTCODES = ("8722", "8723", "7130", "7160", "8700", "7100")
GOALS = ("Lagermedarbejder", "Chauffør", "Rengøringsassistent", "Kantinemedhjælper", "Pedel", "Butiksassistent")


def write_csv(path: Path, rows: int) -> None:
    """A realistic citizen file of ``rows`` rows, written streaming (Danish Excel dialect)."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow([f"B{i:07d}", f"Borger Nummer {i}", BENEFITS[i % 4], f"{5 + i % 30},5",
                             POSTCODES[i % 6], "B" if i % 3 else "", "dansk, engelsk", "På vej",
                             "vk" if i % 2 else "", "01.03.2025", f"{GOALS[i % 6]}; {GOALS[(i + 1) % 6]}"])


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(run) -> dict:
    before, start = _max_rss_mib(), time.perf_counter()
    report = run()
    seconds = time.perf_counter() - start
    rows = report.rows
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds, 1) if seconds else None,
            "peak_rss_growth_mib": round(_max_rss_mib() - before, 1), "counts": report.counts,
            "file_problems": report.file_problems}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--mode", choices=("read", "dry-run", "import"), default="import")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args(argv)

    from portal import create_app
    from portal.extensions import db
    from store.models import Team, User

    from . import runner
    from .citizens import RowError

    folder = Path(tempfile.mkdtemp(prefix="jobbro-import-bench-"))
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(folder / "instance"),
                      "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}", "SECRET_KEY": "bench",
                      "PSEUDONYM_KEY": "bench", "MATCHING_ENCODER": "hashing", "MATCHING_BACKEND": "memory",
                      "UPLOAD_FOLDER": str(folder / "uploads")})
    path = folder / "borgere.csv"
    write_csv(path, args.rows)
    results: dict = {"rows": args.rows, "mode": args.mode, "file_mib": round(path.stat().st_size / 2**20, 1)}
    with app.app_context():
        db.create_all()
        db.session.add(User(email="vk@bench.example", name="VK Bench", role="consultant",
                            team=Team(name="Bench")))
        db.session.commit()
        if args.mode == "read":
            def refuse(values, consultants=None):
                raise RowError([("Navn", "afvist af benchmark")])
            runner.citizens.validate_citizen = refuse

        def run_once():
            with path.open("rb") as source:
                return runner.run_import("citizens", source, path.name, actor=None, dry_run=args.mode != "import",
                                         batch_size=args.batch_size)

        results["first"] = _measure(run_once)
        if args.mode == "import":
            results["second"] = _measure(run_once)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
