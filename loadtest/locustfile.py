"""Each role's real journeys through the portal, for locust (run by ``loadtest/run.py``).

Every simulated user logs in with its own account (the portal keeps one live session per
user), given by the runner in ``LOADTEST_ACCOUNTS`` (a JSON file: role -> [emails]) with the
demo password in ``LOADTEST_PASSWORD``. Requests are named by page, not by URL, so the figures
group the same page for different ids; the ranking page is named "ranking ...", which the
runner reports separately from the ordinary pages. Response times are also written, per
group, to ``LOADTEST_RESULT`` when the test stops.

With ``LOADTEST_EDITS=1`` (the soak, ``loadtest/soak.py``, sets it) consultants and companies
also edit what the matching index is built from, through the real forms: a citizen's
availability (hours), typed CV or jobmål; an opening's description, and closing or reopening
it. Each saved edit is counted per kind in the result file (``edits``); an edit refused because
someone else saved first (the forms' version check), or because the citizen is read-only
(restricted or anonymised), is counted as ``refused``, not a failure.

Only loopback is ever contacted: the runner passes ``--host http://127.0.0.1:<port>``.
"""
from __future__ import annotations

import json
import os
import random
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

from locust import FastHttpUser, between, events, task

ACCOUNTS: dict[str, list[str]] = json.loads(open(os.environ["LOADTEST_ACCOUNTS"]).read())
PASSWORD = os.environ["LOADTEST_PASSWORD"]
THINK = float(os.environ.get("LOADTEST_THINK_SECONDS", "0.1"))
EDIT_WEIGHT = 1 if os.environ.get("LOADTEST_EDITS") == "1" else 0  # weight 0: never picked

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# The log-in form's action: on a page only when the portal asks for a log-in (a refused
# log-in, or a lost session redirected there). FastHttpUser's response has the request's URL,
# not the redirected one, so the page itself tells.
LOGIN_FORM = 'action="/auth/login"'
# A form with repeated fields is sent as encoded bytes (FastHttpUser encodes dicts only).
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CONFIRM = re.compile(r"/auth/(bekraeft|confirm)\b")
TIMES: dict[str, list[float]] = {"ranking": [], "pages": []}
FAILURES: dict[str, int] = {"ranking": 0, "pages": 0}
EDITS: dict[str, int] = {}
REFUSED: dict[str, int] = {}
# The pages' answers when another user saved the same row first (optimistic locking), or the
# citizen is read-only: the edit is refused as it should be.
REFUSED_TEXTS = ("ændret af en anden", "ændret samtidig", "kan ikke ændres",
                 "Der kan ikke foretages ændringer")
HOURS = ("8", "10", "12", "15", "20", "25", "30", "37")
JOB_GOALS = ("Lagermedarbejder", "Kantinemedhjælper", "Rengøringsassistent", "Butiksmedhjælper",
             "Chauffør", "Pædagogmedhjælper", "Gartner", "Produktionsmedarbejder")
CV_LINES = ("Erfaring med pluk og pak på lager, truckcertifikat.",
            "Har arbejdet i kantine og køkken, kender hygiejneregler.",
            "Rengøring på kontorer og skoler i tre år.",
            "Kundeservice og kasse i dagligvarebutik.",
            "Kørekort B, har kørt varer ud for et bageri.",
            "Frivillig i idrætsforening, hjælper med børnehold.",
            "Montage og pakning i produktion, skifteholdsarbejde.",
            "Taler dansk og engelsk, lidt tysk.")
EXTRA_SENTENCE = " Vi tilbyder grundig oplæring fra første dag."


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
            json.dump({"times": TIMES, "failures": FAILURES, "edits": EDITS, "refused": REFUSED}, out)


def ids(html: str, pattern: str) -> list[int]:
    return sorted({int(m) for m in re.findall(pattern, html)})


class _FormFields(HTMLParser):
    """What a browser submits for the form marked ``data-testid="<testid>"`` (no file inputs)."""

    def __init__(self, testid: str) -> None:
        super().__init__(convert_charrefs=True)
        self.testid = testid
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: tuple[str, bool, list[tuple[str, bool]]] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("data-testid") == self.testid
        elif tag == "option" and self.inside and self._select is not None:
            self._select[2].append((a.get("value", ""), "selected" in a))
        elif not self.inside or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "reset", "file"):
                self.fields.append((a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select":
            self._select = (a["name"], "multiple" in a, [])
        elif tag == "textarea":
            self._textarea = (a["name"], [])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            self.fields.append((name, "".join(parts).removeprefix("\n")))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, multiple, options = self._select
            chosen = [value for value, selected in options if selected]
            if not chosen and not multiple:  # a single select submits its first option
                chosen = [value for value, _ in options[:1]]
            self.fields.extend((name, value) for value in chosen)
            self._select = None


def form_fields(html: str, testid: str) -> dict[str, list[str]]:
    """The form's fields as a browser would post them (name -> values, in page order)."""
    parser = _FormFields(testid)
    parser.feed(html)
    fields: dict[str, list[str]] = {}
    for name, value in parser.fields:
        fields.setdefault(name, []).append(value)
    return fields


class PortalUser(FastHttpUser):
    """Logs in once with an account of ``role`` and keeps its session (cookies).

    ``FastHttpUser`` (geventhttpclient) rather than ``HttpUser`` (requests): the load
    generator runs on the same two cores as the server, and it takes a fraction of the CPU
    per request.
    """

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
            if LOGIN_FORM in resp.text:
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
            elif LOGIN_FORM in resp.text:
                resp.failure(f"session lost on {url}")
            return resp

    def post(self, url: str, data: dict, name: str, then: str):
        """Post a form that answers with a redirect, then get the page it leads to (named
        ``then``), as a browser does: two requests, each timed on its own."""
        payload = {"csrf_token": self.csrf, **data}
        with self.client.post(url, data=payload, name=name, allow_redirects=False,
                              catch_response=True) as resp:
            location = resp.headers.get("Location") if resp.status_code in (302, 303) else None
            if location is None:
                resp.failure(f"{resp.status_code} on POST {url}, no redirect (the form was refused)")
                return None
        return self.get(location, then)

    def save(self, url: str, fields: dict[str, list[str]], name: str, saved: str) -> None:
        """Post an edit form; count it when the page says ``saved``, as refused when someone
        else saved first or the row is read-only, and a failure otherwise."""
        body = urlencode([(key, value) for key, values in fields.items() for value in values]).encode()
        with self.client.post(url, data=body, headers=FORM, name=name, catch_response=True) as resp:
            if resp.status_code >= 400:
                resp.failure(f"{resp.status_code} on POST {url}")
            elif saved in resp.text:
                EDITS[name] = EDITS.get(name, 0) + 1
            elif any(text in resp.text for text in REFUSED_TEXTS):
                REFUSED[name] = REFUSED.get(name, 0) + 1
            else:
                resp.failure(f"edit not saved on POST {url}")

    def post_confirmed(self, url: str, data: dict, name: str, then: str) -> None:
        """Post an action that may first ask for the password again (the fresh-login step),
        and follow where the portal sends the user as a browser would (named ``then``)."""
        payload = {"csrf_token": self.csrf, **data}
        with self.client.post(url, data=payload, name=name, allow_redirects=False,
                              catch_response=True) as resp:
            location = resp.headers.get("Location") if resp.status_code in (302, 303) else None
            if location is None:
                resp.failure(f"{resp.status_code} on POST {url}, no redirect")
                return
        if not CONFIRM.search(location):
            self.get(location, then)
            return
        token = self.token(self.get(location, f"{name} (bekræft)").text) or self.csrf
        with self.client.post(location, data={"csrf_token": token, "password": PASSWORD},
                              name=f"{name} (bekræft)", catch_response=True) as resp:
            if resp.status_code >= 400 or LOGIN_FORM in resp.text:
                resp.failure(f"{resp.status_code}: the password step refused on {location}")


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
            self.post(random.choice(answers), {"response": "interested", "note": ""}, "svar på kandidat",
                      then="opslag/[id] (efter svar)")

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
            self.post(f"/forloeb/{placement}/timer", {"month": month.group(1), "hours": "37"}, "log timer",
                      then="forløb/[id] (efter timer)")

    @task(EDIT_WEIGHT)
    def edit_opening(self):
        """Edit an opening's description, or close it, or reopen (publish) a closed one."""
        listing = self.get("/opslag/", "opslag")
        found = ids(listing.text, r'/opslag/(\d+)"')
        if not found:
            return
        opening = random.choice(found)
        url = f"/opslag/{opening}/rediger"
        fields = form_fields(self.get(url, "opslag/rediger").text, "opening-form")
        if not fields:
            return
        status = fields.get("status", ["open"])[0]
        if status == "open" and random.random() < 0.2:
            detail = self.get(f"/opslag/{opening}", "opslag/[id]")
            self.csrf = self.token(detail.text) or self.csrf
            self.save(f"/opslag/{opening}/luk", {"csrf_token": [self.csrf]}, "luk opslag", "er lukket")
            return
        if status != "open":
            fields["status"] = ["open"]
            self.save(url, fields, "genåbn opslag", "Ændringerne i")
            return
        text = fields.get("description", [""])[0]
        fields["description"] = [text[:-len(EXTRA_SENTENCE)] if text.endswith(EXTRA_SENTENCE)
                                 else text + EXTRA_SENTENCE]
        self.save(url, fields, "ret opslag", "Ændringerne i")

    @task(1)
    def hotline(self):
        self.get("/hotline/", "hotline")
        if random.random() < 0.2:
            self.get("/hotline/ny", "hotline/ny")
            self.post("/hotline/ny", {"category": "opgaver", "urgency": "normal", "placement": "",
                                      "subject": "Spørgsmål om opgaver",
                                      "message": "Kan vi tale om arbejdsopgaverne i næste uge?"},
                      "hotline/ny (send)", then="hotline/[id]")


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
                self.post_confirmed(f"/kandidater/opslag/{opening}/borger/{random.choice(citizens)}",
                                    {"decision": "reject", "priority": "normal",
                                     "reason": "Belastningstest: fravalgt"}, "beslut",
                                    then="ranking (efter beslutning)")

    def citizen_ids(self) -> list[int]:
        """The citizens on the list: the team's (a cloned log-in has no caseload of its own)."""
        listing = self.get("/borgere/?scope=team", "borgere")
        found = ids(listing.text, r'/borgere/(\d+)"')
        if not found:
            found = ids(self.get("/borgere/?scope=all", "borgere").text, r'/borgere/(\d+)"')
        return found

    @task(EDIT_WEIGHT)
    def edit_citizen(self):
        """Change a citizen's availability, typed CV or jobmål (what the index is built from)."""
        found = self.citizen_ids()
        if not found:
            return
        citizen = random.choice(found)
        pick = random.random()
        if pick < 0.5:
            url = f"/borgere/{citizen}/profil"
            fields = form_fields(self.get(url, "borger/profil").text, "profile-form")
            if fields:
                shown = fields.get("hours_available", [""])[0].replace(",", ".")
                now = float(shown) if re.fullmatch(r"\d+(\.\d+)?", shown) else None
                fields["hours_available"] = [random.choice([h for h in HOURS if float(h) != now])]
                self.save(url, fields, "ret borgers timer", "Profilen er gemt")
        elif pick < 0.8:
            fields = form_fields(self.get(f"/borgere/{citizen}/cv", "borger/cv").text, "cv-text")
            if fields:
                fields["text"] = [" ".join(random.sample(CV_LINES, 4))]
                self.save(f"/borgere/{citizen}/cv/tekst", fields, "ret borgers cv",
                          "Matchingen opdateres om lidt")
        else:
            url = f"/borgere/{citizen}/jobmaal"
            page = self.get(url, "borger/jobmål")
            removable = re.findall(rf'action="(/borgere/{citizen}/jobmaal/\d+/slet)"', page.text)
            if len(removable) >= 3:  # keep two to four jobmål: remove the last, else add one
                self.csrf = self.token(page.text) or self.csrf
                self.save(removable[-1], {"csrf_token": [self.csrf]}, "fjern jobmål", "Jobmålet er fjernet")
                return
            fields = form_fields(page.text, "add-job-goal")
            new = [goal for goal in JOB_GOALS if goal not in page.text]
            if fields and new:
                fields["title"] = [random.choice(new)]
                self.save(url, fields, "tilføj jobmål", "Jobmålet er tilføjet")

    @task(2)
    def citizens(self):
        found = self.citizen_ids()
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
