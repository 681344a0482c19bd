"""The load test serves the portal exactly as docker-compose does (worker class, workers,
threads, timeout), so its figures are the production server's."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

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


def test_the_proxy_listens_on_loopback_and_writes_only_into_the_work_folder(tmp_path, monkeypatch):
    from loadtest import proxy

    monkeypatch.setattr(proxy, "nginx_binary", lambda: "/usr/sbin/nginx")
    argv = proxy.nginx_command(tmp_path, port=8124, upstream=8123)
    config = Path(argv[argv.index("-c") + 1]).read_text()

    assert argv[0] == "/usr/sbin/nginx" and argv[argv.index("-p") + 1] == str(tmp_path / "nginx")
    assert re.findall(r"listen ([^;]+);", config) == ["127.0.0.1:8124"]
    assert "proxy_pass http://127.0.0.1:8123;" in config and "daemon off;" in config
    paths = re.findall(r"(?:pid|error_log|_temp_path) (\S+?)[ ;]", config)
    assert len(paths) == 7 and all(p.startswith(str(tmp_path)) for p in paths)
    # no upstream keep-alive: each request is a new connection to gunicorn
    assert "keepalive " not in config.replace("keepalive_requests", "")


def test_without_nginx_the_proxy_option_says_how_to_get_it(monkeypatch):
    from loadtest import LoadTestError, proxy

    monkeypatch.setattr(proxy.shutil, "which", lambda name: None)
    monkeypatch.setattr(proxy.Path, "exists", lambda self: False)
    with pytest.raises(LoadTestError, match="apt-get install nginx-light"):
        proxy.nginx_binary()
