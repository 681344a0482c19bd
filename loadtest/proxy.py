"""An nginx reverse proxy on loopback in front of the load test's gunicorn (``--proxy nginx``).

A deployment puts a TLS-terminating reverse proxy in front of gunicorn (README, "Deploying
with docker-compose"). Through one, a browser's kept-alive connection ends at the proxy, and
the proxy opens a new connection to gunicorn for each request (nginx's default: HTTP/1.0 to
the upstream, no upstream keep-alive). So each request is accepted by whichever gunicorn
worker takes it first, usually the least busy. Straight to gunicorn, a simulated user's
connection stays with the worker that accepted it for the whole run (docs/performance.md).

nginx is not a Python package: it must be installed on the machine (Debian: ``apt-get
install nginx-light``). Everything it writes goes to the load test's temporary folder, it
listens on 127.0.0.1 only, and it runs in the foreground in a process group of its own, so
the load test stops it like the other servers.
"""
from __future__ import annotations

import getpass
import os
import shutil
from pathlib import Path

from loadtest import LoadTestError

CONFIG = """\
{user}worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    keepalive_requests 100000;
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 20m;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    """The nginx program, or a clear error saying how to install it."""
    found = shutil.which("nginx") or next(
        (str(p) for p in (Path("/usr/sbin/nginx"), Path("/usr/local/sbin/nginx")) if p.exists()), None)
    if found is None:
        raise LoadTestError("--proxy nginx needs nginx on this machine (Debian: apt-get install nginx-light)")
    return found


def nginx_command(work: Path, port: int, upstream: int) -> list[str]:
    """Write the proxy's configuration into ``work`` and return the command that runs it.

    ``port``: where the proxy listens on 127.0.0.1; ``upstream``: gunicorn's port there.
    """
    binary = nginx_binary()
    folder = work / "nginx"
    folder.mkdir(exist_ok=True)
    # As root nginx would hand its workers to "nobody", who cannot write into our folder.
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    config = folder / "nginx.conf"
    config.write_text(CONFIG.format(user=user, work=folder, port=port, upstream=upstream))
    return [binary, "-p", str(folder), "-c", str(config), "-e", str(folder / "nginx-error.log")]
