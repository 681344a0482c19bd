"""Each role's real journeys through the portal, for locust (run by ``loadtest/run.py``).

Every simulated user logs in with its own account (the portal keeps one live session per
user), given by the runner in ``LOADTEST_ACCOUNTS`` (a JSON file: role -> [emails]) with the
demo password in ``LOADTEST_PASSWORD``. Requests are named by page, not by URL, so the figures
group the same page for different ids; the ranking page is named "ranking ...", which the
runner reports separately from the ordinary pages. Response times are also written, per
group, to ``LOADTEST_RESULT`` when the test stops.

Only loopback is ever contacted: the runner passes ``--host http://127.0.0.1:<port>``.
"""
from __future__ import annotations

import json
import os
import random
import re

from locust import HttpUser, between, events, task

ACCOUNTS: dict[str, list[str]] = json.loads(open(os.environ["LOADTEST_ACCOUNTS"]).read())
PASSWORD = os.environ["LOADTEST_PASSWORD"]
THINK = float(os.environ.get("LOADTEST_THINK_SECONDS", "0.1"))

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TIMES: dict[str, list[float]] = {"ranking": [], "pages": []}
FAILURES: dict[str, int] = {"ranking": 0, "pages": 0}


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception, **_kwargs):
    group = "ranking" if name.startswith("ranking") else "pages"
    TIMES[group].append(response_time)
    if exception is not None:
        FAILURES[group] += 1


@events.test_stop.add_listener
def _write_result(**_kwargs):
    path = os.environ.get("LOADTEST_RESULT")
    if path:
        with open(path, "w") as out:
            json.dump({"times": TIMES, "failures": FAILURES}, out)


def ids(html: str, pattern: str) -> list[int]:
    return sorted({int(m) for m in re.findall(pattern, html)})


class PortalUser(HttpUser):
    """Logs in once with an account of ``role`` and keeps its session."""

    abstract = True
    role = ""
    wait_time = between(THINK * 0.5, THINK * 1.5)

    def on_start(self) -> None:
        pool = ACCOUNTS[self.role]
        if not pool:
            raise RuntimeError(f"no free {self.role} account left for another simulated user")
        self.email = pool.pop()
        page = self.client.get("/auth/login", name="login (form)")
        self.csrf = CSRF.search(page.text).group(1)
        with self.client.post("/auth/login", data={"email": self.email, "password": PASSWORD,
                                                   "csrf_token": self.csrf, "next": ""},
                              name="login", catch_response=True) as resp:
            if "/auth/login" in resp.url:
                resp.failure(f"login as {self.email} refused")
        self.csrf = self.token(self.client.get("/", name=f"start ({self.role})").text) or self.csrf

    @staticmethod
    def token(html: str) -> str | None:
        found = CSRF.search(html)
        return found.group(1) if found else None

    def get(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"{resp.status_code} on {url}")
            elif "/auth/login" in resp.url:
                resp.failure(f"session lost on {url}")
            return resp

    def post(self, url: str, data: dict, name: str):
        payload = {"csrf_token": self.csrf, **data}
        with self.client.post(url, data=payload, name=name, catch_response=True) as resp:
            if resp.status_code >= 400:
                resp.failure(f"{resp.status_code} on POST {url}")
            return resp

    def confirm_if_asked(self, resp, name: str) -> None:
        """Answer the fresh-login step some actions ask for, as the user would."""
        if "/auth/bekraeft" in resp.url or "/auth/confirm" in resp.url:
            token = self.token(resp.text) or self.csrf
            self.client.post(resp.url, data={"csrf_token": token, "password": PASSWORD},
                             name=f"{name} (bekræft)")


class CompanyUser(PortalUser):
    role = "company"
    weight = 10

    @task(3)
    def start_page(self):
        self.get("/", "start (company)")

    @task(3)
    def openings(self):
        listing = self.get("/opslag/", "opslag")
        found = ids(listing.text, r'/opslag/(\d+)"')
        if not found:
            return
        opening = random.choice(found)
        page = self.get(f"/opslag/{opening}", "opslag/[id]")
        answers = re.findall(rf'action="(/opslag/{opening}/kandidat/\d+/svar)"', page.text)
        if answers:
            self.post(random.choice(answers), {"response": "interested", "note": ""}, "svar på kandidat")

    @task(2)
    def log_hours(self):
        listing = self.get("/forloeb/", "forløb")
        found = ids(listing.text, r'/forloeb/(\d+)"')
        if not found:
            return
        placement = random.choice(found)
        page = self.get(f"/forloeb/{placement}", "forløb/[id]")
        month = re.search(r'<option[^>]*value="(\d{4}-\d{2})"', page.text)
        if month:
            self.post(f"/forloeb/{placement}/timer", {"month": month.group(1), "hours": "37"}, "log timer")

    @task(1)
    def hotline(self):
        self.get("/hotline/", "hotline")
        if random.random() < 0.2:
            self.get("/hotline/ny", "hotline/ny")
            self.post("/hotline/ny", {"category": "opgaver", "urgency": "normal", "placement": "",
                                      "subject": "Spørgsmål om opgaver",
                                      "message": "Kan vi tale om arbejdsopgaverne i næste uge?"},
                      "hotline/ny (send)")


class ConsultantUser(PortalUser):
    role = "consultant"
    weight = 8

    @task(2)
    def start_page(self):
        self.get("/", "start (consultant)")

    @task(4)
    def rank(self):
        listing = self.get("/kandidater/?alle=1", "kandidater")
        found = ids(listing.text, r'/kandidater/opslag/(\d+)')
        if not found:
            return
        opening = random.choice(found)
        ranking = self.get(f"/kandidater/opslag/{opening}", "ranking")
        self.get(f"/kandidater/opslag/{opening}?max_distance_km=30&k=20&readiness_groups=i_gang&readiness_groups=paa_spring",
                 "ranking (filtre)")
        if random.random() < 0.1:
            citizens = ids(ranking.text, rf'/kandidater/opslag/{opening}/borger/(\d+)')
            if citizens:
                resp = self.post(f"/kandidater/opslag/{opening}/borger/{random.choice(citizens)}",
                                 {"decision": "reject", "priority": "normal",
                                  "reason": "Belastningstest: fravalgt"}, "beslut")
                self.confirm_if_asked(resp, "beslut")

    @task(2)
    def citizens(self):
        listing = self.get("/borgere/", "borgere")
        found = ids(listing.text, r'/borgere/(\d+)"')
        if found:
            self.get(f"/borgere/{random.choice(found)}", "borgere/[id]")

    @task(1)
    def followups(self):
        self.get("/forloeb/opfoelgning", "opfølgning")
        self.get("/hotline/", "hotline (staff)")


class PartnerUser(PortalUser):
    role = "partner"
    weight = 1

    @task
    def journey(self):
        self.get("/", "start (partner)")
        self.get("/historier/", "historier")
        self.get("/forloeb/", "forløb")


class AdminUser(PortalUser):
    role = "admin"
    weight = 1

    @task
    def journey(self):
        self.get("/", "start (admin)")
        self.get("/admin/users", "admin/brugere")
        self.get("/admin/indexer", "admin/indeks")
        self.get("/maal/", "maal")
