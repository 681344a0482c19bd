"""Run the load test: gunicorn on loopback with a copy of the demo, locust headless against it.

    python -m loadtest.run --users 20 --minutes 5        (or: make loadtest USERS=20 MINUTES=5)

The demo that ``make run`` / ``make setup`` built (the instance folder, see
``store.settings.instance_path``) is copied into a temporary folder, so the test's answers,
decisions and logged hours never touch it. The copy gets extra log-ins where a role has fewer
accounts than simulated users (the portal keeps one live session per user, so users cannot
share one), all with the demo password. gunicorn serves it as docker-compose does (3 workers
of 4 threads each, ``gthread``),
the indexer worker runs beside it (edits flow into the index as in production), and locust
runs the journeys of ``loadtest/locustfile.py``. Everything listens on 127.0.0.1 only, stops by
itself after the given time, and is stopped by process group at the end.

``--database postgresql`` runs the same on the production path: a throw-away embedded
PostgreSQL (Unix socket only, no TCP) gets the schema from the migrations and every row of the
copy (``loadtest/postgres.py``), and gunicorn and the worker use it; it is stopped and deleted
at the end, also on Ctrl-C, SIGTERM or an error. The default is SQLite.

``--proxy nginx`` puts nginx in front of gunicorn (``loadtest/proxy.py``), as a deployment's
reverse proxy: the users keep their connections to nginx, and each request reaches gunicorn
on a new connection, taken by whichever worker accepts it first.

Prints locust's summary table, then ours, and last one JSON line:
``{"users", "seconds", "requests", "failures", "p50_ms", "p95_ms", "p95_ms_ranking",
"p95_ms_pages", "rps", "database"}`` (``database``: ``sqlite`` or ``postgresql``), and
``"proxy": "nginx"`` with ``--proxy nginx``.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from loadtest import LoadTestError
from loadtest import postgres
from loadtest.proxy import nginx_command
from store import settings

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
DEMO_PASSWORD = "Jobbro-demo-2026"  # portal.cli.DEMO_PASSWORD; the copy's accounts use it
ROLES = {
    "company": "u.role = 'company' AND c.code_of_care = 0",
    "partner": "u.role = 'company' AND c.code_of_care = 1",
    "consultant": "u.role = 'consultant'",
    "admin": "u.role = 'admin'",
}
DATABASES = ("sqlite", "postgresql")


def copy_instance(source: Path, target: Path) -> Path:
    """Copy the instance folder (database through SQLite's backup API) into ``target``."""
    database = source / "jobbro.sqlite"
    if not database.exists():
        raise LoadTestError(f"no demo database at {database}: run `make setup` (or `make run`) first")
    shutil.copytree(source, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("jobbro.sqlite*", "*.lock", "*.tmp"))
    with sqlite3.connect(database) as src, sqlite3.connect(target / "jobbro.sqlite") as dst:
        src.backup(dst)
    return target / "jobbro.sqlite"


def prepare_accounts(database: Path, users: int) -> dict[str, list[str]]:
    """Log-ins per role, cloning the role's first demo account until there are ``users``."""
    accounts: dict[str, list[str]] = {}
    with sqlite3.connect(database) as conn:
        columns = [row[1] for row in conn.execute('PRAGMA table_info("user")')
                   if row[1] not in ("id", "email")]
        listed = ", ".join(f'"{c}"' for c in columns)
        for role, where in ROLES.items():
            rows = conn.execute(
                f'SELECT u.id, u.email FROM "user" u LEFT JOIN company c ON c.id = u.company_id '
                f"WHERE {where} AND u.active = 1 AND u.password_hash IS NOT NULL ORDER BY u.id").fetchall()
            if not rows:
                raise LoadTestError(f"the demo has no {role} account to log in with")
            emails = [email for _, email in rows]
            for i in range(len(rows), users):
                email = f"belastning-{role}-{i}@loadtest.invalid"
                conn.execute(f'INSERT INTO "user" ({listed}, email) '
                             f'SELECT {listed}, ? FROM "user" WHERE id = ?', (email, rows[0][0]))
                emails.append(email)
            accounts[role] = emails
    return accounts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60.0,
                 server: str = "gunicorn") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LoadTestError(f"{server} exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)  # polling a starting server; there is nothing to wait on
    raise LoadTestError(f"{server} did not answer {url}/healthz within {timeout:.0f}s")


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop(process: subprocess.Popen | None) -> None:
    """Stop a process group started by :func:`start`, SIGKILL after 15 s."""
    if process is None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue


def locust_command() -> str:
    beside = ROOT / ".venv-load" / "bin" / "locust"
    found = str(beside) if beside.exists() else shutil.which("locust")
    if not found:
        raise LoadTestError("locust is not installed: `make loadtest` installs it into .venv-load "
                            "(pip install -r loadtest/requirements.txt)")
    return found


def summarise(result: dict, users: int, seconds: float) -> dict:
    """The figures of one run from the response times the locustfile recorded."""
    times = result["times"]
    everything = np.array(times["ranking"] + times["pages"], dtype=float)
    requests = int(everything.size)

    def p(values, q):
        return round(float(np.percentile(values, q)), 1) if len(values) else None

    return {
        "users": users, "seconds": round(seconds, 1), "requests": requests,
        "failures": int(sum(result["failures"].values())),
        "p50_ms": p(everything, 50), "p95_ms": p(everything, 95),
        "p95_ms_ranking": p(times["ranking"], 95), "p95_ms_pages": p(times["pages"], 95),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
    }


def gunicorn_command(port: int, workers: int, threads: int = 4) -> list[str]:
    """The production server on loopback, as docker-compose runs it (also used by
    ``loadtest/soak.py``): threaded workers, so a cheap page is not queued behind a ranking
    another user asked the same worker for (``threads`` 1: sync workers)."""
    return [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "gthread" if threads > 1 else "sync",
            "--threads", str(threads), "--timeout", "60", "portal.wsgi:app"]


def migrate(env: dict, url: str | None = None) -> None:
    """Bring the database of ``env`` (or at ``url``) to the code's schema: ``flask db upgrade``."""
    env = env if url is None else {**env, "DATABASE_URL": url}
    done = subprocess.run([str(Path(sys.executable).with_name("flask")), "--app", "portal", "db", "upgrade"],
                          env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise LoadTestError(f"flask db upgrade failed on {env['DATABASE_URL']}:\n{done.stderr[-3000:]}")


def serve_database(database: Path, env: dict, kind: str, work: Path,
                   stack: contextlib.ExitStack) -> str:
    """The ``DATABASE_URL`` the run uses: the SQLite copy migrated to the code's schema, and for
    ``postgresql`` that copy moved into a throw-away server that ``stack`` stops."""
    migrate(env)  # a no-op after `make setup`
    if kind == "sqlite":
        return env["DATABASE_URL"]
    began = time.process_time(), time.monotonic()
    url = stack.enter_context(postgres.demo_on_postgres(database, work / "postgres", lambda u: migrate(env, u)))
    print(f"loadtest: PostgreSQL started, migrated and given the demo copy in {time.monotonic() - began[1]:.1f} s "
          f"({time.process_time() - began[0]:.1f} s CPU here)", file=sys.stderr, flush=True)
    return url


def stop_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so every ``finally`` stops what it started."""
    def interrupt(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, interrupt)


def run(users: int, minutes: float, workers: int, think: float, with_worker: bool,
        threads: int = 4, database_kind: str = "sqlite", proxy: str | None = None) -> dict:
    source = Path(settings.instance_path())
    locust = locust_command()
    work = Path(tempfile.mkdtemp(prefix="jobbro-load-"))
    gunicorn = worker = front = None
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)  # last: after the server stopped
        try:
            instance = work / "instance"
            instance.mkdir()
            database = copy_instance(source, instance)
            accounts = prepare_accounts(database, users)
            (work / "accounts.json").write_text(json.dumps(accounts))
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            env = {**os.environ, "JOBBRO_INSTANCE_PATH": str(instance),
                   "DATABASE_URL": f"sqlite:///{database}",
                   "LOGIN_IP_MAX_ACCOUNTS": str(10 * users + 100),
                   "LOADTEST_ACCOUNTS": str(work / "accounts.json"), "LOADTEST_PASSWORD": DEMO_PASSWORD,
                   "LOADTEST_RESULT": str(work / "result.json"), "LOADTEST_THINK_SECONDS": str(think)}
            env["DATABASE_URL"] = serve_database(database, env, database_kind, work, stack)
            gunicorn = start(gunicorn_command(port, workers, threads), env, work / "gunicorn.log")
            wait_healthy(url, gunicorn)
            if proxy == "nginx":  # the users reach gunicorn through it, as behind a deployment's proxy
                front_port = free_port()
                front = start(nginx_command(work, front_port, port), env, work / "nginx.log")
                url = f"http://127.0.0.1:{front_port}"
                wait_healthy(url, front, server="nginx")
            if with_worker:
                worker = start([sys.executable, "-m", "indexer", "run"], env, work / "indexer.log")
            seconds = minutes * 60
            began = time.monotonic()
            subprocess.run([locust, "-f", str(LOCUSTFILE), "--headless", "--only-summary",
                            "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{int(seconds)}s",
                            "--stop-timeout", "10", "--host", url, "--exit-code-on-error", "0"],
                           env=env, cwd=ROOT, check=True, timeout=seconds + 120)
            elapsed = time.monotonic() - began
            result_file = work / "result.json"
            if not result_file.exists():
                raise LoadTestError("locust wrote no result; see its output above")
            figures = summarise(json.loads(result_file.read_text()), users, elapsed)
            return {**figures, "database": database_kind, **({"proxy": proxy} if proxy else {})}
        finally:
            stop(front)
            stop(worker)
            stop(gunicorn)
            report_server_logs(work / "gunicorn.log", work / "indexer.log", work / "nginx" / "nginx-error.log")


SHOWN_LOG_LINES = 10
_ALARM = re.compile(r"\b(?:WARNING|ERROR|CRITICAL)\b")


def report_server_logs(*logs: Path) -> dict[str, int]:
    """Print the warnings and errors the servers logged (the logs go with the work folder).

    Returns:
        The number of such lines per log file name.
    """
    counts = {}
    for path in logs:
        if not path.exists():
            continue
        lines = [line for line in path.read_text(errors="replace").splitlines() if _ALARM.search(line)]
        counts[path.name] = len(lines)
        if lines:
            print(f"{path.name}: {len(lines)} warning/error lines, the first {min(len(lines), SHOWN_LOG_LINES)}:",
                  file=sys.stderr)
            for line in lines[:SHOWN_LOG_LINES]:
                print("  " + line[:300], file=sys.stderr)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (docker-compose: 3)")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per gunicorn worker (docker-compose: 4; 1 = sync workers)")
    parser.add_argument("--think", type=float, default=0.1, help="seconds between a user's requests")
    parser.add_argument("--no-worker", action="store_true", help="do not run the indexer worker beside")
    parser.add_argument("--database", choices=DATABASES, default="sqlite",
                        help="serve the demo copy from SQLite (default) or a throw-away embedded PostgreSQL")
    parser.add_argument("--proxy", choices=("nginx",), default=None,
                        help="put nginx in front of gunicorn, as a deployment's reverse proxy (needs nginx)")
    args = parser.parse_args(argv)
    if args.users < 1 or args.minutes <= 0 or args.workers < 1 or args.threads < 1:
        parser.error("--users, --workers and --threads must be at least 1 and --minutes above 0")
    stop_on_sigterm()
    try:
        figures = run(args.users, args.minutes, args.workers, args.think, not args.no_worker, args.threads,
                      args.database, args.proxy)
    except LoadTestError as err:
        print(f"loadtest: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("loadtest: interrupted; every process it started is stopped", file=sys.stderr)
        return 130
    print(f"\n{'database':>10} {'users':>6} {'requests':>9} {'failures':>9} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'p95 ranking':>12} {'p95 pages':>10} {'rps':>6}")
    print(f"{figures['database']:>10} {figures['users']:>6} {figures['requests']:>9} {figures['failures']:>9} "
          f"{figures['p50_ms']!s:>8} {figures['p95_ms']!s:>8} {figures['p95_ms_ranking']!s:>12} "
          f"{figures['p95_ms_pages']!s:>10} {figures['rps']:>6}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
