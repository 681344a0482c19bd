"""Benchmark: full rebuild and one incremental change, on a throwaway SQLite database.

    python -m indexer bench --citizens 10000 [--openings 200] [--encoder e5]

Progress goes to stderr; the last stdout line is one JSON object: rebuild seconds and
documents per second, incremental seconds after changing one CV (and how many documents
that wrote: must be 1), and the share of time spent outside the encoder.
"""
from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from matching.bench import TimingEncoder
from matching.encoders import make_encoder

_TASKS = ("pluk og pak på lager", "kundeservice i butik", "rengøring af kontorer",
          "køkkenhjælp i kantine", "pleje af ældre", "montage i produktion", "chauffør på varebil",
          "pasning af dyr i landbrug", "kasseekspedition", "vedligehold af grønne områder",
          "opvask og klargøring", "varemodtagelse og lageropgørelse", "telefonsalg",
          "pedelarbejde på skole", "tømrerarbejde", "maling af facader", "bageri om natten")
_GOALS = ("Lagermedarbejder", "Butiksassistent", "Rengøringsassistent", "Køkkenmedhjælper",
          "Social- og sundhedshjælper", "Produktionsmedarbejder", "Chauffør", "Landbrugsmedhjælper",
          "Kasseassistent", "Gartnermedhjælper", "Pedel", "Tømrerlærling", "Maler")
_BENEFITS = ("kontanthjaelp", "uddannelseshjaelp", "dagpenge", "ressourceforloeb", "jobafklaring")
_POSTCODES = ("8722", "8723", "7130", "7160", "7171", "8783", "7140", "8700", "7100")



def _cv(rng: random.Random, n: int) -> str:
    lines = [f"CV for borger {n}."]
    for year in rng.sample(range(2005, 2025), 4):
        lines.append(f"{year}: {rng.choice(_TASKS)} hos virksomhed {rng.randrange(900)}, "
                     f"{rng.randrange(1, 6)} år. Ansvar for {rng.choice(_TASKS)}.")
    lines.append(f"Kompetencer: {', '.join(rng.sample(_TASKS, 3))}. Kørekort B.")
    return "\n".join(lines)


def seed(session, citizens: int, openings: int, rng: random.Random) -> None:
    """Insert one VK, one company and the synthetic citizens and openings (core inserts)."""
    from store.models import Citizen, Company, CvDocument, JobGoal, Opening, User

    session.execute(sa.insert(User), [{"id": 1, "email": "vk@bench.local", "name": "VK",
                                       "role": "consultant"}])
    session.execute(sa.insert(Company), [{"id": 1, "name": "Bench A/S", "cvr": "12345678",
                                          "postcode": "8722"}])
    start = date(2024, 1, 1)
    session.execute(sa.insert(Citizen), [{
        "id": n, "name": f"Borger {n}", "postcode": rng.choice(_POSTCODES),
        "benefit_group": rng.choice(_BENEFITS), "readiness_group": "paa_vej",
        "hours_available": float(rng.choice((5, 10, 15, 20, 37))), "vk_id": 1,
        "case_start": start + timedelta(days=rng.randrange(600)), "version": 1,
    } for n in range(1, citizens + 1)])
    session.execute(sa.insert(JobGoal), [{"citizen_id": n, "title": rng.choice(_GOALS)}
                                         for n in range(1, citizens + 1)])
    session.execute(sa.insert(CvDocument), [{"citizen_id": n, "text": _cv(rng, n)}
                                            for n in range(1, citizens + 1)])
    session.execute(sa.insert(Opening), [{
        "id": n, "company_id": 1, "kind": "smaajob", "title": f"{rng.choice(_GOALS)} søges ({n})",
        "description": f"Opgaver: {rng.choice(_TASKS)} og {rng.choice(_TASKS)}.",
        "postcode": rng.choice(_POSTCODES), "hours_min": 5.0, "hours_max": 15.0,
        "status": "open", "version": 1,
    } for n in range(1, openings + 1)])
    session.commit()


def run_bench(citizens: int = 10_000, openings: int = 200, encoder_spec: str | None = None) -> dict:
    """Time a full rebuild and one changed CV; returns the report (see module docstring)."""
    import store.models  # noqa: F401 - registers every table on the metadata
    from matching.backends.snapshot import SnapshotBackend
    from store.database import open_engine, session_factory
    from store.db import db

    from .rebuild import rebuild

    spec = encoder_spec or os.environ.get("MATCHING_ENCODER") or "e5"
    with tempfile.TemporaryDirectory(prefix="jobbro-indexer-bench-") as tmp:
        engine = open_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        db.metadata.create_all(engine)
        try:
            with session_factory(engine)() as session:
                seed(session, citizens, openings, random.Random(7))
                encoder = TimingEncoder(make_encoder(spec))
                encoder.dimension  # load the model before the clock starts
                backend = SnapshotBackend(Path(tmp) / "index.npz")
                start = time.perf_counter()
                rebuild(session, backend, encoder, progress=sys.stderr)
                full, full_encoder = time.perf_counter() - start, encoder.seconds
                incremental, touched, inc_encoder = _one_cv_change(session, backend, encoder)
        finally:
            engine.dispose()
    docs = citizens + openings
    return {
        "citizens": citizens, "openings": openings, "encoder": encoder.name, "backend": "memory",
        "rebuild_seconds": round(full, 2), "rebuild_docs_per_s": round(docs / full, 1),
        "rebuild_outside_encoder_share": round(1 - full_encoder / full, 3),
        "incremental_seconds": round(incremental, 3), "incremental_documents": touched,
        "incremental_outside_encoder_share": round(1 - inc_encoder / incremental, 3),
    }


def _one_cv_change(session, backend, encoder: TimingEncoder) -> tuple[float, int, float]:
    from store.models import Citizen, CvDocument
    from store.models.base import utcnow
    from store.outbox import record_change

    from .worker import OutboxWorker

    session.get(CvDocument, 1).text += "\nNyt: truckcertifikat taget i år."
    session.get(Citizen, 1).updated_at = utcnow()  # as the portal does: the version moves
    record_change(session, "citizen", 1)
    session.commit()
    before = encoder.seconds
    start = time.perf_counter()
    result = OutboxWorker(session, backend, encoder).drain()
    return time.perf_counter() - start, result.written, encoder.seconds - before
