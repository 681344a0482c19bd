"""The soak: the load test for a long time with edits flowing, memory sampled, the index checked.

    python -m loadtest.soak --minutes 30 --users 20           (or: make soak MINUTES=30 USERS=20)

Like ``loadtest/run.py`` (whose helpers it uses): a copy of the demo instance in a temporary
folder, gunicorn on 127.0.0.1 as docker-compose runs it, and beside it what ``make run`` runs:
the indexer worker (``python -m indexer run``), the mail queue and the webhook queue
(``flask mail send --loop``, ``flask webhooks send --loop``). locust runs the journeys of
``loadtest/locustfile.py`` with ``LOADTEST_EDITS=1``: consultants and companies also edit what
the matching index is built from (a citizen's hours, CV and jobmål; an opening's text, closing
and reopening it), so outbox events flow into the worker the whole time.

Every ``--sample`` seconds the resident memory (RSS) of every process is recorded: gunicorn's
master and each worker, the indexer worker, the two queue workers and locust. When locust
stops, the soak waits until the worker has drained the outbox, stops everything, and runs
``python -m indexer verify`` (read-only: every indexable row in the index at its version,
nothing else).

Flat memory, as reported (not asserted): a process is flat when its RSS grew by less than
``max(FLAT_MB, FLAT_SHARE x RSS)`` between the end of the warm-up (the 10-minute mark, or a
third of a shorter run) and the end. The warm-up is excluded because a Python process fills
its caches (the encoder model, compiled templates, SQLAlchemy's statement cache) early on.
The growth in the second half of that time is also reported (``rss_late_growth_mb``): the
portal's bounded caches (pair scores, lexical rows) slow down as they fill, a leak does not.

The copy's index is the memory snapshot (``MATCHING_BACKEND=memory``) and mail is not sent
(``MAIL_SERVER`` empty); webhook endpoints outside loopback are switched off in the copy. So
nothing but 127.0.0.1 is ever contacted, and the demo the copy came from is never touched.
Every child runs in its own process group and is stopped by it, also on Ctrl-C or SIGTERM.

``--database postgresql`` soaks the production path: the copy is moved into a throw-away
embedded PostgreSQL (``loadtest/postgres.py``, Unix socket only) that every process uses, the
outbox is read from it and ``indexer verify`` compares the index with it; the server is stopped
and deleted at the end, also on Ctrl-C, SIGTERM or an error. The default is SQLite.

Prints a table per process and, last, one JSON line: ``{"minutes", "requests", "failures",
"edits", "index_equals_database", "database", "rss_mb": {process: [first, max, last]}, "rss_growth_mb":
{process: growth after the warm-up}, ...}``.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import sqlalchemy as sa

from loadtest.run import (
    DATABASES, DEMO_PASSWORD, LOCUSTFILE, ROOT, LoadTestError, copy_instance, free_port, gunicorn_command,
    locust_command, prepare_accounts, report_server_logs, serve_database, start, stop, stop_on_sigterm,
    summarise, wait_healthy,
)
from store import settings
from store.database import open_engine

FLAT_MB = 16.0  # growth below this is flat whatever the size (allocator and page noise)
FLAT_SHARE = 0.05  # ... and so is growth below 5% of the process's RSS at the warm-up mark
WARMUP_MINUTES = 10.0


# -- memory ------------------------------------------------------------------------------------

def rss_mb(pid: int) -> float | None:
    """Resident memory of ``pid`` in MB; None if the process is gone."""
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.Error:
        return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of ``pid`` so far; None if the process is gone."""
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (gunicorn's workers), oldest first."""
    try:
        found = psutil.Process(pid).children()
    except psutil.Error:
        return []
    return [p.pid for p in sorted(found, key=lambda p: (p.create_time(), p.pid))]


@dataclass
class Memory:
    """RSS samples per process label; a gunicorn worker replaced by a new pid gets a new label."""

    series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds at the last sample
    _worker_labels: dict[int, str] = field(default_factory=dict)

    def sample(self, at: float, processes: dict[str, subprocess.Popen | None],
               gunicorn: subprocess.Popen | None) -> None:
        targets = {label: p.pid for label, p in processes.items() if p is not None and p.poll() is None}
        if gunicorn is not None and gunicorn.poll() is None:
            for pid in children(gunicorn.pid):
                label = self._worker_labels.setdefault(
                    pid, f"gunicorn worker {len(self._worker_labels) + 1}")
                targets[label] = pid
        for label, pid in targets.items():
            value, cpu = rss_mb(pid), cpu_seconds(pid)
            if value is not None:
                self.pids[label] = pid
                self.series.setdefault(label, []).append((at, value))
            if cpu is not None:
                self.cpu[label] = cpu

    def figures(self, mark: float) -> dict[str, dict]:
        """Per label: first, value at ``mark`` (seconds), max, last, growth after the mark, and
        the growth in the second half of the time after the mark (``late_growth``: a cache
        filling up to its bound slows down, a leak does not)."""
        out = {}
        for label, points in self.series.items():
            values = [v for _, v in points]
            at_mark = next((v for t, v in points if t >= mark), values[-1])
            middle = mark + (points[-1][0] - mark) / 2
            at_middle = next((v for t, v in points if t >= middle), values[-1])
            growth = values[-1] - at_mark
            out[label] = {"pid": self.pids[label], "first": values[0], "at_mark": at_mark,
                          "max": max(values), "last": values[-1], "growth": growth,
                          "late_growth": values[-1] - at_middle,
                          "flat": growth < max(FLAT_MB, FLAT_SHARE * at_mark),
                          "samples": len(values), "cpu_s": self.cpu.get(label, 0.0)}
        return out


# -- the copy ----------------------------------------------------------------------------------

def loopback_webhooks_only(database: Path) -> int:
    """Switch off the copy's webhook endpoints that point anywhere but loopback."""
    with sqlite3.connect(database) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "webhook_endpoint" not in tables:
            return 0
        done = conn.execute(
            "UPDATE webhook_endpoint SET active = 0 WHERE active = 1 AND NOT ("
            "url LIKE 'http://127.0.0.1:%' OR url LIKE 'http://127.0.0.1/%' OR "
            "url LIKE 'http://localhost:%' OR url LIKE 'http://localhost/%')")
        return done.rowcount


def outbox(engine: sa.Engine) -> dict[str, int]:
    """Outbox counts of the copy (SQLite or PostgreSQL): last id, pending, failed."""
    with engine.connect() as conn:
        last = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM outbox_event").scalar_one()
        counts = dict(conn.exec_driver_sql("SELECT status, count(*) FROM outbox_event GROUP BY status").all())
    return {"last_id": int(last), "pending": int(counts.get("pending", 0)),
            "failed": int(counts.get("failed", 0))}


def wait_drained(engine: sa.Engine, worker: subprocess.Popen, timeout: float) -> tuple[bool, float]:
    """Wait until the indexer worker has no pending outbox event; (drained, seconds waited)."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if outbox(engine)["pending"] == 0:
            return True, time.monotonic() - began
        if worker.poll() is not None:
            break  # the worker died: waiting longer changes nothing
        time.sleep(2)  # polling the database the worker drains
    return outbox(engine)["pending"] == 0, time.monotonic() - began


def verify(env: dict) -> tuple[bool, dict]:
    done = subprocess.run([sys.executable, "-m", "indexer", "verify"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    sys.stderr.write(done.stderr)
    lines = done.stdout.strip().splitlines()
    report = json.loads(lines[-1]) if lines else {}
    return done.returncode == 0 and bool(report.get("equal")), report


# -- the run -----------------------------------------------------------------------------------

@dataclass
class Options:
    users: int = 20
    minutes: float = 30.0
    workers: int = 3
    threads: int = 4
    think: float = 0.1
    sample: float = 30.0
    drain_timeout: float = 600.0
    lock: Path | None = None
    keep: bool = False
    database: str = "sqlite"


def run(opts: Options) -> dict:
    source = Path(settings.instance_path())
    locust = locust_command()
    work = Path(tempfile.mkdtemp(prefix="jobbro-soak-"))
    procs: dict[str, subprocess.Popen | None] = {}
    gunicorn = engine = None
    if opts.lock:
        opts.lock.write_text(f"{os.getpid()} {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
    stack = contextlib.ExitStack()  # the PostgreSQL server, if any: stopped after every process
    try:
        instance = work / "instance"
        instance.mkdir()
        database = copy_instance(source, instance)
        switched_off = loopback_webhooks_only(database)
        accounts = prepare_accounts(database, opts.users)
        (work / "accounts.json").write_text(json.dumps(accounts))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "JOBBRO_INSTANCE_PATH": str(instance),
               "DATABASE_URL": f"sqlite:///{database}", "MATCHING_BACKEND": "memory",
               "MAIL_SERVER": "", "LOGIN_IP_MAX_ACCOUNTS": str(10 * opts.users + 100),
               "LOADTEST_ACCOUNTS": str(work / "accounts.json"), "LOADTEST_PASSWORD": DEMO_PASSWORD,
               "LOADTEST_RESULT": str(work / "result.json"),
               "LOADTEST_THINK_SECONDS": str(opts.think), "LOADTEST_EDITS": "1"}
        flask = str(Path(sys.executable).with_name("flask"))
        env["DATABASE_URL"] = serve_database(database, env, opts.database, work, stack)
        engine = open_engine(env["DATABASE_URL"])
        before = outbox(engine)
        gunicorn = start(gunicorn_command(port, opts.workers, opts.threads), env, work / "gunicorn.log")
        wait_healthy(url, gunicorn)
        procs["gunicorn master"] = gunicorn
        procs["indexer worker"] = start([sys.executable, "-m", "indexer", "run"], env, work / "indexer.log")
        procs["mail queue"] = start([flask, "--app", "portal", "mail", "send", "--loop"], env, work / "mail.log")
        procs["webhook queue"] = start([flask, "--app", "portal", "webhooks", "send", "--loop"], env,
                                       work / "webhooks.log")
        seconds = opts.minutes * 60
        load_before = os.getloadavg()
        locust_proc = start([locust, "-f", str(LOCUSTFILE), "--headless", "--only-summary",
                             "-u", str(opts.users), "-r", str(max(1, opts.users // 5)),
                             "-t", f"{int(seconds)}s", "--stop-timeout", "10", "--host", url,
                             "--exit-code-on-error", "0"], env, work / "locust.log")
        procs["locust"] = locust_proc
        began = time.monotonic()
        memory = Memory()
        memory.sample(0.0, procs, gunicorn)
        print(f"soak: {opts.users} users for {opts.minutes:g} min against {url}; "
              f"RSS every {opts.sample:g} s (work folder {work})", file=sys.stderr, flush=True)
        while True:
            try:
                locust_proc.wait(timeout=opts.sample)
                break
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - began
                memory.sample(elapsed, procs, gunicorn)
                if elapsed > seconds + 180:
                    raise LoadTestError("locust did not stop by itself 3 minutes after its time")
                _report_progress(elapsed, memory, engine, before)
        elapsed = time.monotonic() - began
        del procs["locust"]
        memory.sample(elapsed, procs, gunicorn)
        print((work / "locust.log").read_text(errors="replace")[-6000:], file=sys.stderr)
        result_file = work / "result.json"
        if not result_file.exists():
            raise LoadTestError(f"locust wrote no result; see {work / 'locust.log'} (--keep keeps it)")
        result = json.loads(result_file.read_text())
        drained, drain_seconds = wait_drained(engine, procs["indexer worker"], opts.drain_timeout)
        memory.sample(time.monotonic() - began, procs, gunicorn)
        after = outbox(engine)
        for label in ("mail queue", "webhook queue", "indexer worker", "gunicorn master"):
            stop(procs.pop(label))
        gunicorn = None
        equal, report = verify(env)
        load_after = os.getloadavg()
        mark = min(WARMUP_MINUTES * 60, seconds / 3)
        return _figures(opts, result, elapsed, memory.figures(mark), mark, equal, report, drained,
                        drain_seconds, before, after, switched_off, load_before, load_after)
    finally:
        for process in procs.values():
            stop(process)
        stop(gunicorn)
        if engine is not None:
            engine.dispose()
        stack.close()
        report_server_logs(*(work / f"{name}.log" for name in ("gunicorn", "indexer", "mail", "webhooks")))
        if opts.keep:
            print(f"soak: logs kept in {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
        if opts.lock:
            opts.lock.unlink(missing_ok=True)


def _report_progress(elapsed: float, memory: Memory, engine: sa.Engine, before: dict) -> None:
    now = outbox(engine)
    rss = ", ".join(f"{label} {points[-1][1]:.0f}" for label, points in memory.series.items()
                    if points[-1][0] == elapsed)
    print(f"soak: {elapsed / 60:5.1f} min, outbox +{now['last_id'] - before['last_id']} "
          f"({now['pending']} pending); RSS MB: {rss}", file=sys.stderr, flush=True)


def _figures(opts: Options, result: dict, elapsed: float, memory: dict[str, dict], mark: float,
             equal: bool, report: dict, drained: bool, drain_seconds: float, before: dict,
             after: dict, switched_off: int, load_before, load_after) -> dict:
    load = summarise(result, opts.users, elapsed)
    edits = result.get("edits", {})

    def r(value: float) -> float:
        return round(value, 1)

    return {
        "minutes": r(elapsed / 60), "users": opts.users, "database": opts.database,
        "requests": load["requests"],
        "failures": load["failures"], "p50_ms": load["p50_ms"], "p95_ms": load["p95_ms"],
        "p95_ms_ranking": load["p95_ms_ranking"], "p95_ms_pages": load["p95_ms_pages"],
        "rps": load["rps"], "edits": sum(edits.values()), "edits_by_kind": edits,
        "refused_edits": sum(result.get("refused", {}).values()),
        "outbox_events": after["last_id"] - before["last_id"], "outbox_failed": after["failed"],
        "drained": drained, "drain_seconds": r(drain_seconds),
        "index_equals_database": equal,
        "index": {kind: {k: report[kind][k] for k in ("expected", "indexed", "missing", "extra", "stale")}
                  for kind in ("citizen", "opening") if kind in report},
        "rss_mb": {label: [r(f["first"]), r(f["max"]), r(f["last"])] for label, f in memory.items()},
        "rss_growth_mb": {label: r(f["growth"]) for label, f in memory.items()},
        "rss_late_growth_mb": {label: r(f["late_growth"]) for label, f in memory.items()},
        "cpu_s": {label: r(f["cpu_s"]) for label, f in memory.items()},
        "warmup_minutes": r(mark / 60),
        "memory_flat": all(f["flat"] for f in memory.values()),
        "not_flat": sorted(label for label, f in memory.items() if not f["flat"]),
        "webhooks_switched_off": switched_off,
        "load_average": {"before": [r(x) for x in load_before], "after": [r(x) for x in load_after]},
        "_memory": memory,  # for the table; removed before the JSON line
    }


def print_table(figures: dict) -> None:
    memory = figures.pop("_memory")
    print(f"\n{'process':<18} {'pid':>7} {'first MB':>9} {'at mark':>8} {'max MB':>8} "
          f"{'last MB':>8} {'growth':>7} {'late':>6} {'flat':>5} {'CPU s':>7}")
    for label in sorted(memory):
        f = memory[label]
        print(f"{label:<18} {f['pid']:>7} {f['first']:>9.1f} {f['at_mark']:>8.1f} {f['max']:>8.1f} "
              f"{f['last']:>8.1f} {f['growth']:>+7.1f} {f['late_growth']:>+6.1f} "
              f"{'yes' if f['flat'] else 'NO':>5} {f['cpu_s']:>7.1f}")
    print(f"\n{'database':>10} {'minutes':>7} {'requests':>9} {'failures':>9} {'edits':>6} {'outbox':>7} "
          f"{'drained':>8} {'index = db':>10} {'memory flat':>12}")
    print(f"{figures['database']:>10} {figures['minutes']:>7} {figures['requests']:>9} {figures['failures']:>9} "
          f"{figures['edits']:>6} {figures['outbox_events']:>7} {str(figures['drained']):>8} "
          f"{str(figures['index_equals_database']):>10} {str(figures['memory_flat']):>12}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (docker-compose: 3)")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per gunicorn worker (as loadtest/run.py; 1 = sync workers)")
    parser.add_argument("--think", type=float, default=0.1, help="seconds between a user's requests")
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between RSS samples")
    parser.add_argument("--drain-timeout", type=float, default=600.0,
                        help="seconds to wait for the indexer to drain after the load")
    parser.add_argument("--lock", type=Path, default=None,
                        help="a file that exists while the soak runs (for others to wait on)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder with the logs")
    parser.add_argument("--database", choices=DATABASES, default="sqlite",
                        help="serve the demo copy from SQLite (default) or a throw-away embedded PostgreSQL")
    args = parser.parse_args(argv)
    if min(args.users, args.workers, args.threads) < 1 or args.minutes <= 0 or args.sample <= 0:
        parser.error("--users, --workers and --threads must be at least 1, --minutes and --sample above 0")
    stop_on_sigterm()
    try:
        figures = run(Options(args.users, args.minutes, args.workers, args.threads, args.think,
                              args.sample, args.drain_timeout, args.lock, args.keep, args.database))
    except LoadTestError as err:
        print(f"soak: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("soak: interrupted; every process it started is stopped", file=sys.stderr)
        return 130
    print_table(figures)
    print(json.dumps(figures))
    return 0 if figures["index_equals_database"] and figures["drained"] else 1


if __name__ == "__main__":
    sys.exit(main())
