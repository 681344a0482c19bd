"""Start and stop a throwaway Elasticsearch-compatible server (noida-db) for tests.

The server runs in its own process group with its data in a temporary directory, bound to
loopback on a free port, and is stopped by killing that process group. Set
JOBBRO_TEST_ELASTICSEARCH_URL to use an already running server (e.g. real Elasticsearch 9).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

EXTERNAL_URL_ENV = "JOBBRO_TEST_ELASTICSEARCH_URL"


class ServerUnavailable(RuntimeError):
    """The test server could not be started; the message says exactly why."""


@dataclass
class ElasticsearchServer:
    """A running server: `url` to connect, `stop()` to end it (idempotent)."""

    url: str
    process: subprocess.Popen[bytes] | None = None
    data_dir: tempfile.TemporaryDirectory[str] | None = None

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process)
            self.process = None
        if self.data_dir is not None:
            self.data_dir.cleanup()
            self.data_dir = None


def _group_alive(pgid: int) -> bool:
    """True while a live (non-zombie) process is in group `pgid` (Linux /proc)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def _stop_group(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Stop the launcher's whole process group and wait until every member has exited.

    The launcher exits before its server child does; removing the data directory while the
    child still writes into it fails ("Directory not empty"), so the wait covers the group,
    not only the launcher. SIGTERM first, SIGKILL after `grace` seconds.
    """
    pgid = process.pid
    try:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                process.poll()  # reap the launcher so it does not linger as a zombie in the group
                if not _group_alive(pgid):
                    return
                time.sleep(0.05)  # waiting on processes that are not our children; nothing to wait on
    finally:
        # The launcher may have become a zombie between the poll and the group check: reap it,
        # or its Popen warns "still running" when collected, failing whichever test runs then.
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _executable() -> str:
    beside = Path(sys.executable).with_name("noida-db")
    found = str(beside) if beside.exists() else shutil.which("noida-db")
    if not found:
        raise ServerUnavailable("noida-db is not installed (pip install noida-db==0.2.3)")
    return found


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=1) as resp:
            return json.load(resp).get("status") in ("green", "yellow")
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait_healthy(url: str, timeout: float = 30.0) -> None:
    """Poll the health endpoint until it answers or `timeout` passes.

    Raises:
        ServerUnavailable: on timeout.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _healthy(url):
            return
        time.sleep(0.2)  # polling an external process; there is nothing to wait on
    raise ServerUnavailable(f"no healthy Elasticsearch at {url} after {timeout:.0f}s")


def start(timeout: float = 30.0) -> ElasticsearchServer:
    """Start noida-db (or attach to JOBBRO_TEST_ELASTICSEARCH_URL) and wait for health.

    Raises:
        ServerUnavailable: with the reason (not installed, did not become healthy, ...).
    """
    external = os.environ.get(EXTERNAL_URL_ENV)
    if external:
        wait_healthy(external.rstrip("/"), timeout)
        return ElasticsearchServer(external.rstrip("/"))
    data_dir = tempfile.TemporaryDirectory(prefix="jobbro-es-")
    port = _free_port()
    log = Path(data_dir.name) / "server.log"
    cmd = [_executable(), "start", "--only", "elasticsearch", "--host", "127.0.0.1",
           "--data-dir", str(Path(data_dir.name) / "data"), "--elasticsearch-port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    server = ElasticsearchServer(f"http://127.0.0.1:{port}", process, data_dir)
    try:
        wait_healthy(server.url, timeout)
    except ServerUnavailable as err:
        tail = log.read_text(errors="replace")[-800:]
        server.stop()
        raise ServerUnavailable(f"{err}; command {' '.join(cmd)}; log tail: {tail}") from None
    return server
