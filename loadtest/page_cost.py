"""What one request of each page the load test visits costs in-process: CPU time and queries.

    python -m loadtest.page_cost [--repeats 10]        (JOBBRO_INSTANCE_PATH: the demo)

Runs the portal on the demo instance in this process (Flask's test client, no server, no
network), logs in as the demo's first consultant, ordinary company user and administrator, warms each
page up twice (model, caches) and then times ``--repeats`` requests of it. The figure is the
median CPU time of the process (``time.process_time``), so other programs on the machine
barely change it, unlike wall time; the query count is the SQL statements of one request.
Writes to the demo database as the pages do (audit rows), so point it at a copy.

Prints one line per page and, last, one JSON line ``{"page": {"cpu_ms", "queries"}, ...}``.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time

import sqlalchemy as sa

from loadtest.run import DEMO_PASSWORD

CONSULTANT_PAGES = {
    "start (consultant)": "/",
    "kandidater": "/kandidater/?alle=1",
    "ranking": "/kandidater/opslag/{opening}",
    "ranking (filtre)": "/kandidater/opslag/{opening}?max_distance_km=30&k=20"
                        "&readiness_groups=i_gang&readiness_groups=paa_spring",
    "borgere": "/borgere/",
    "opfølgning": "/forloeb/opfoelgning",
    "hotline (staff)": "/hotline/",
}
COMPANY_PAGES = {"start (company)": "/", "opslag": "/opslag/", "forløb": "/forloeb/", "hotline": "/hotline/"}
ADMIN_PAGES = {"start (admin)": "/", "admin/brugere": "/admin/users", "admin/indeks": "/admin/indexer",
               "maal": "/maal/"}
# CSRF stays on, as in production: every logged-in page renders the log-out form's token
# (templates/base.html), which a form without CSRF does not have, so with it off those pages fail.
APP_CONFIG = {"SESSION_COOKIE_SECURE": False, "LOGIN_IP_MAX_ACCOUNTS": 1000}
_CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def log_in(client, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log ``client`` in through the log-in form with its CSRF token, as a browser does.

    :raise SystemExit: if the portal does not log the account in.
    """
    token = _CSRF_FIELD.search(client.get("/auth/login").get_data(as_text=True))
    answer = client.post("/auth/login", data={"email": email, "password": password, "next": "",
                                              "csrf_token": token.group(1) if token else ""})
    if answer.status_code != 302 or "/auth/login" in answer.headers.get("Location", ""):
        raise SystemExit(f"page_cost: cannot log in as {email}")


def _first(app, sql: str) -> str | int:
    from portal.extensions import db

    with app.app_context():
        return db.session.execute(sa.text(sql)).scalars().first()


def measure(repeats: int) -> dict[str, dict[str, float]]:
    """Median CPU milliseconds and queries per request, by page name."""
    from portal import create_app
    from portal.extensions import db
    from portal.matching_runtime import warm_up

    app = create_app(APP_CONFIG)
    with app.app_context():
        warm_up()
    consultant = _first(app, "SELECT email FROM \"user\" WHERE role = 'consultant' AND active ORDER BY id")
    company = _first(app, "SELECT u.email FROM \"user\" u JOIN company c ON c.id = u.company_id "
                          "WHERE u.role = 'company' AND u.active AND NOT c.code_of_care ORDER BY u.id")
    admin = _first(app, "SELECT email FROM \"user\" WHERE role = 'admin' AND active ORDER BY id")
    opening = _first(app, "SELECT id FROM opening WHERE status = 'open' ORDER BY id")
    statements: list[str] = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(a[2]))
    figures = {}
    for email, pages in ((consultant, CONSULTANT_PAGES), (company, COMPANY_PAGES), (admin, ADMIN_PAGES)):
        client = app.test_client()
        log_in(client, email)
        for name, url in pages.items():
            url = url.format(opening=opening)
            for _ in range(2):
                client.get(url)
            times = []
            for _ in range(repeats):
                statements.clear()
                began = time.process_time()
                response = client.get(url)
                times.append(time.process_time() - began)
                if response.status_code != 200:
                    raise SystemExit(f"page_cost: {url} answered {response.status_code}")
            figures[name] = {"cpu_ms": round(statistics.median(times) * 1000, 1),
                             "queries": len(statements)}
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=10, help="timed requests per page")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    figures = measure(args.repeats)
    for name, row in figures.items():
        print(f"{name:<22} {row['cpu_ms']:>8} ms CPU {row['queries']:>5} queries")
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
