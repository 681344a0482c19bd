"""The load test serves the portal exactly as docker-compose does (worker class, workers,
threads, timeout), so its figures are the production server's."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

from loadtest import run

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


def _options(argv: list[str]) -> dict[str, str]:
    return {flag: value for flag, value in zip(argv, argv[1:])
            if flag in ("--workers", "--worker-class", "--threads", "--timeout")}


def test_the_load_test_runs_gunicorn_with_docker_composes_options():
    line = re.search(r"gunicorn (--bind [^\"]+)portal\.wsgi:app", COMPOSE.read_text()).group(1)
    production = _options(shlex.split(line))
    ours = run.gunicorn_command(8123, workers=int(production["--workers"]))

    assert production["--worker-class"] == "gthread" and int(production["--threads"]) > 1
    assert _options(ours) == production
    assert ours[ours.index("--bind") + 1] == "127.0.0.1:8123" and ours[-1] == "portal.wsgi:app"
    assert _options(run.gunicorn_command(8123, workers=2, threads=1))["--worker-class"] == "sync"
