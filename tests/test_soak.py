"""The soak's own pieces (``loadtest/soak.py``): memory sampling, flatness, the copy's webhooks.

The soak itself runs for 30 minutes and is not part of the suite; its figures are recorded in
docs/performance.md. These tests check what decides those figures.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys


from loadtest import soak


def test_rss_and_children_are_read_for_live_processes_only():
    child = subprocess.Popen([sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(30)"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"  # the interpreter is loaded, not still exec'ing
        assert soak.rss_mb(os.getpid()) > 5
        assert child.pid in soak.children(os.getpid())
        assert soak.rss_mb(child.pid) > 1
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    assert soak.rss_mb(child.pid) is None
    assert child.pid not in soak.children(os.getpid())


def _memory(points: dict[str, list[float]], step: float = 30.0) -> soak.Memory:
    memory = soak.Memory()
    for label, values in points.items():
        memory.series[label] = [(i * step, v) for i, v in enumerate(values)]
        memory.pids[label] = 1
    return memory


def test_growth_is_measured_from_the_warm_up_mark_and_flatness_has_a_floor_and_a_share():
    memory = _memory({
        "warming then flat": [100, 400, 405, 410],  # the warm-up's growth does not count
        "leaking": [100, 150, 200, 250],
        "big, within 5%": [1000, 1000, 1020, 1040],
        "small, within the floor": [50, 50, 60, 65],
    })

    figures = memory.figures(mark=30.0)

    assert figures["warming then flat"]["growth"] == 10 and figures["warming then flat"]["flat"]
    assert figures["leaking"]["growth"] == 100 and not figures["leaking"]["flat"]
    assert figures["big, within 5%"]["flat"] and figures["small, within the floor"]["flat"]
    assert (figures["leaking"]["first"], figures["leaking"]["max"], figures["leaking"]["last"]) == (100, 250, 250)
    assert figures["leaking"]["late_growth"] == 50  # from the middle of 30..90 s (60 s: 200) to the end


def test_a_replaced_gunicorn_worker_gets_its_own_label(monkeypatch):
    class Alive:
        def __init__(self, pid):
            self.pid = pid

        def poll(self):
            return None

    workers = iter([[11, 12], [11, 13]])
    monkeypatch.setattr(soak, "children", lambda pid: next(workers))
    monkeypatch.setattr(soak, "rss_mb", lambda pid: float(pid))
    monkeypatch.setattr(soak, "cpu_seconds", lambda pid: 1.0)
    memory = soak.Memory()

    memory.sample(0.0, {"gunicorn master": Alive(10)}, Alive(10))
    memory.sample(30.0, {"gunicorn master": Alive(10)}, Alive(10))

    assert memory.series == {"gunicorn master": [(0.0, 10.0), (30.0, 10.0)],
                             "gunicorn worker 1": [(0.0, 11.0), (30.0, 11.0)],
                             "gunicorn worker 2": [(0.0, 12.0)], "gunicorn worker 3": [(30.0, 13.0)]}


def test_the_copy_keeps_only_loopback_webhooks(tmp_path):
    database = tmp_path / "copy.sqlite"
    with sqlite3.connect(database) as conn:
        conn.execute("CREATE TABLE webhook_endpoint (id INTEGER PRIMARY KEY, url TEXT, active BOOLEAN)")
        conn.executemany("INSERT INTO webhook_endpoint (url, active) VALUES (?, 1)", [
            ("http://127.0.0.1:8099/hook",), ("http://localhost/hook",),
            ("https://kunde.example/hook",), ("http://127.0.0.1.evil.example/hook",),
            ("http://localhost.evil.example:80/x",)])

    assert soak.loopback_webhooks_only(database) == 3

    with sqlite3.connect(database) as conn:
        active = [url for url, in conn.execute("SELECT url FROM webhook_endpoint WHERE active = 1")]
    assert active == ["http://127.0.0.1:8099/hook", "http://localhost/hook"]


def test_cpu_time_is_read_for_live_processes_only():
    sum(i * i for i in range(300_000))  # some CPU time of our own
    assert 0 < soak.cpu_seconds(os.getpid()) < 10_000
    assert soak.cpu_seconds(2**22 + 7) is None  # above the kernel's pid limit: never a process
