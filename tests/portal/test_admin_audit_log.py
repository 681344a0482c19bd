"""/admin/adgangslog (review E4): administrators read the audit log, filtered, paged, exported.

The reading is itself audited (fail closed), needs a fresh login, shows Danish names for the
actions, and never shows a CPR number or a typed health detail, even from rows written before
typed texts were checked (review E3).
"""
from __future__ import annotations

import ast
import csv
import io
import pathlib
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal import audit
from portal.admin.audit_labels import ACTION_LABELS
from portal.admin.audit_view import PER_PAGE, WITHHELD
from portal.extensions import db
from store.models import AuditEvent
from tests.conftest import PASSWORD
from tests.portal.citizen_fixtures import make_citizen

pytestmark = pytest.mark.usefixtures("frozen_today")
AT = datetime(2026, 1, 20, 10, 0, tzinfo=timezone.utc)  # 11:00 in Copenhagen
ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def admin(make_user):
    return make_user("admin", email="admin@jc.dk")


@pytest.fixture
def consultant(make_user):
    return make_user("consultant", email="vk@jc.dk")


def add_events(app, *events: dict) -> None:
    """Insert audit rows as they would have been written (at a given moment)."""
    with app.app_context():
        for values in events:
            db.session.add(AuditEvent(**{"role": "", "organisation": "", "purpose": "", "result": "ok",
                                         "ip": "127.0.0.1", **values}))
        db.session.commit()


def events_of(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def shown_actions(html: str) -> list[str]:
    return [line.split('data-action="')[1].split('"')[0] for line in html.splitlines() if 'data-action="' in line]


def test_an_administrator_finds_who_read_a_citizen_newest_first_with_danish_names(app, client, auth, admin, consultant):
    cid = make_citizen(app, vk_id=consultant.id)
    add_events(app,
               {"action": "read_citizen", "citizen_id": cid, "user_id": consultant.id, "role": "consultant",
                "organisation": "jobcenter", "purpose": "detail", "at": AT},
               {"action": "read_limitations", "citizen_id": cid, "user_id": consultant.id, "role": "consultant",
                "organisation": "jobcenter", "at": AT + timedelta(minutes=5)},
               {"action": "read_citizen", "citizen_id": cid + 1, "user_id": consultant.id, "at": AT})
    auth.login(admin.email)
    response = client.get(f"/admin/adgangslog?borger={cid}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # newest first: the reading just now, then the skånehensyn, then the citizen page
    assert shown_actions(html) == ["audit_log_viewed", "read_limitations", "read_citizen"]
    assert "Skånehensyn læst" in html and "Borger læst" in html and "Adgangsloggen læst" in html
    assert "Consultant Testesen (vk@jc.dk)" in html and "Jobcentret" in html and "Konsulent" in html
    assert "20.01.2026 kl.\u00a011.05.00" in html  # Danish time, with seconds, the Danish way
    assert f'href="/borgere/{cid}"' in html  # the citizen still exists: a way to the page


def test_filters_by_user_action_period_and_problems(app, client, auth, admin, consultant):
    add_events(app,
               {"action": "login_failed", "result": "denied", "at": AT},
               {"action": "login", "user_id": consultant.id, "at": AT},
               {"action": "authorisation_denied", "user_id": consultant.id, "result": "denied",
                "purpose": "Proposal:56", "at": AT + timedelta(days=2)},
               {"action": "api_write", "user_id": consultant.id, "result": "422", "at": AT + timedelta(days=3)})
    auth.login(admin.email)

    def actions(query: str) -> list[str]:
        html = client.get(f"/admin/adgangslog?{query}").get_data(as_text=True)
        return [a for a in shown_actions(html) if a not in ("audit_log_viewed", "login")
                or "handling=login" in query]

    assert actions("bruger=VK@jc.dk") == ["api_write", "authorisation_denied"]
    assert actions(f"bruger={consultant.id}&handling=authorisation_denied") == ["authorisation_denied"]
    assert actions("handling=login_failed") == ["login_failed"]
    # whole days in Danish time, both ends included
    assert actions("fra=2026-01-22&til=2026-01-22") == ["authorisation_denied"]
    assert actions("til=2026-01-20") == ["login_failed"]
    assert actions("afviste=y") == ["api_write", "authorisation_denied", "login_failed"]


@pytest.mark.parametrize("query", ["fra=0001-01-01", "til=9999-12-31", "fra=0001-01-01&til=9999-12-31",
                                   "fra=0001-01-02&til=9999-12-30", "fra=9999-12-31", "til=0001-01-01"])
def test_the_date_pickers_limits_are_periods_never_a_500(app, client, auth, admin, query):
    """Review AN 2: 01.01.0001 and 31.12.9999 overflowed converting to UTC; a bound past what a
    datetime holds is dropped (no event lies beyond it), on the page and in the CSV file."""
    add_events(app, {"action": "login_failed", "result": "denied", "at": AT})
    auth.login(admin.email)
    page = client.get(f"/admin/adgangslog?{query}&handling=login_failed")
    csv_file = client.get(f"/admin/adgangslog.csv?{query}&handling=login_failed")
    assert (page.status_code, csv_file.status_code) == (200, 200)
    everything = query.startswith("fra=0001") or query.startswith("til=9999")
    assert shown_actions(page.get_data(as_text=True)) == (["login_failed"] if everything else [])
    assert ("Mislykket" in csv_file.get_data(as_text=True).split("\n", 1)[-1]) is everything


@pytest.mark.parametrize("query, message", [
    ("borger=abc", "Skriv et helt tal."),
    ("borger=-3", "Skriv et borgernummer."),
    ("bruger=nobody@jc.dk", "Ingen bruger har den e-mail"),
    ("handling=%27%20OR%201%3D1--", "Vælg en af mulighederne"),
    ("fra=2026-02-31", "Datoen findes ikke. Skriv den som dd.mm.åååå"),
    ("fra=2026-01-10&til=2026-01-01", "Til-datoen ligger før fra-datoen."),
])
def test_a_filter_that_does_not_parse_is_shown_at_its_field_and_lists_nothing(app, client, auth, admin, query, message):
    add_events(app, {"action": "login_failed", "result": "denied", "at": AT})
    auth.login(admin.email)
    response = client.get(f"/admin/adgangslog?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and html.count(message) == 1  # at its field, once
    assert html.count('class="form-error-message"') == 1  # one message for one problem
    assert 'data-testid="audit-event"' not in html and not events_of(app, "audit_log_viewed")


def test_pages_of_fifty_and_the_filters_kept_in_the_page_links(app, client, auth, admin):
    add_events(app, *({"action": "login_failed", "result": "denied", "at": AT + timedelta(seconds=i)}
                      for i in range(PER_PAGE + 3)))
    auth.login(admin.email)
    first = client.get("/admin/adgangslog?handling=login_failed").get_data(as_text=True)
    assert first.count('data-testid="audit-event"') == PER_PAGE and "side 1 af 2" in first
    assert 'side=2&amp;handling=login_failed' in first or 'handling=login_failed&amp;side=2' in first
    second = client.get("/admin/adgangslog?handling=login_failed&side=2").get_data(as_text=True)
    assert second.count('data-testid="audit-event"') == 3 and "20.01.2026 kl.\u00a011.00.00" in second
    past = client.get("/admin/adgangslog?handling=login_failed&side=99").get_data(as_text=True)
    assert past.count('data-testid="audit-event"') == 3  # past the end: the last page
    for side in ("99999999999999999999", "x", "-4"):  # clamped as every paged list (review AH 2)
        response = client.get(f"/admin/adgangslog?handling=login_failed&side={side}")
        count = response.get_data(as_text=True).count('data-testid="audit-event"')
        assert response.status_code == 200 and count == (3 if side.isdigit() else PER_PAGE)


def test_reading_the_log_is_audited_with_the_filters(app, client, auth, admin):
    auth.login(admin.email)
    client.get("/admin/adgangslog?borger=801&handling=read_limitations&side=2")
    [row] = events_of(app, "audit_log_viewed")
    assert row.user_id == admin.id and row.citizen_id == 801
    assert row.purpose == "filter borger:801 handling:read_limitations page:2"


def test_a_citizen_filtered_reading_names_the_citizen_on_the_page_and_in_the_csv(app, client, auth, admin):
    """Browser review 2: ?borger=148 was logged as »Adgangsloggen læst – uden filter side 1« (and
    the CSV »uden filter 88 rækker«), also in that citizen's art. 15 export."""
    add_events(app, {"action": "read_citizen", "citizen_id": 148, "at": AT, "purpose": "detail"})
    auth.login(admin.email)
    client.get("/admin/adgangslog?borger=148")
    [viewed] = events_of(app, "audit_log_viewed")
    assert viewed.citizen_id == 148 and viewed.purpose == "filter borger:148 page:1"
    html = client.get("/admin/adgangslog?borger=148").get_data(as_text=True)  # the first reading shown
    assert ">filter: borger 148 side 1</td>" in html and "uden filter" not in html
    text = client.get("/admin/adgangslog.csv?borger=148").get_data(as_text=True)
    [exported] = events_of(app, "audit_log_exported")
    assert exported.citizen_id == 148 and exported.purpose == "filter borger:148 rows:3"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    by_code = {row[10]: row[9] for row in rows[1:]}
    assert by_code["filter borger:148 page:1"] == "filter: borger 148 side 1"
    assert not any("uden filter" in row[9] for row in rows[1:])
    # a citizen filter with the others, in the order of the page's query arguments
    client.get("/admin/adgangslog?borger=148&handling=read_citizen")
    assert events_of(app, "audit_log_viewed")[-1].purpose == "filter borger:148 handling:read_citizen page:1"


def test_nothing_is_shown_when_the_reading_cannot_be_logged(app, client, auth, admin, monkeypatch):
    add_events(app, {"action": "login", "purpose": "marker-ZQX", "at": AT})
    auth.login(admin.email)

    def broken(*_args, **_kwargs):
        raise audit.AuditWriteError("audit log write failed: OperationalError")

    monkeypatch.setattr(audit, "record_now", broken)
    for path in ("/admin/adgangslog", "/admin/adgangslog.csv"):
        response = client.get(path)
        assert response.status_code == 503 and "marker-ZQX" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/admin/adgangslog", "/admin/adgangslog.csv?handling=login"])
def test_a_stale_login_confirms_the_password_first(client, auth, admin, path):
    auth.login(admin.email)
    with client.session_transaction() as session:
        session["_fresh"] = False
    response = client.get(path)
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]
    assert "adgangslog" in response.headers["Location"]  # back to the log afterwards


def test_after_confirming_the_password_the_filtered_page_comes_back_without_a_download_hint(client, auth, admin):
    auth.login(admin.email)
    with client.session_transaction() as session:
        session["_fresh"] = False
    # as a browser sends the form: "@" unencoded (url_for would write %40)
    response = client.get("/admin/adgangslog", query_string="bruger=admin@jc.dk&afviste=y")
    confirm = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Klik på linket igen" not in confirm
    done = client.post("/auth/confirm", data={"password": PASSWORD, "csrf_token": auth.csrf_token("/auth/confirm"),
                                              "next": "/admin/adgangslog?bruger=admin@jc.dk&afviste=y"})
    assert done.headers["Location"].endswith("/admin/adgangslog?bruger=admin@jc.dk&afviste=y")
    assert "Klik på linket igen" not in client.get(done.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("role", ["consultant", "company"])
def test_only_administrators_read_the_log(app, client, auth, make_user, role):
    auth.login(make_user(role).email)
    for path in ("/admin/adgangslog", "/admin/adgangslog.csv"):
        assert client.get(path).status_code == 403
    assert not events_of(app, "audit_log_viewed") and not events_of(app, "audit_log_exported")
    assert [e.purpose for e in events_of(app, "authorisation_denied")] == ["audit_log", "audit_log_csv"]


def test_the_csv_file_is_formula_safe_audited_and_holds_the_filtered_events(app, client, auth, admin, consultant):
    add_events(app,
               {"action": "authorisation_denied", "user_id": consultant.id, "role": "consultant",
                "result": "denied", "purpose": "=HYPERLINK(\"http://evil.example\")", "at": AT},
               {"action": "login", "user_id": consultant.id, "at": AT})
    auth.login(admin.email)
    response = client.get("/admin/adgangslog.csv?handling=authorisation_denied")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'filename="adgangslog-' in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Tidspunkt", "Brugernr.", "Bruger"]
    [event] = rows[1:]
    assert event[0] == "20.01.2026 11:00:00" and event[7] == "Adgang nægtet" and event[8] == "authorisation_denied"
    assert event[9].startswith("'=HYPERLINK") and event[10].startswith("'=HYPERLINK") and event[11] == "Afvist"
    [exported] = events_of(app, "audit_log_exported")
    assert exported.purpose == "filter handling:authorisation_denied rows:1" and exported.user_id == admin.id


def test_older_rows_with_a_cpr_number_or_health_details_are_not_shown(app, client, auth, admin):
    """Rows written before review E3's check (the reviewer's own notes) stay in the
    append-only log; the viewer redacts the number and withholds the typed text."""
    add_events(app,
               {"action": "processing_restricted", "citizen_id": 801, "at": AT,
                "purpose": "rigtighed: Borgeren bestrider journalnotatet om depression, PTSD og "
                           "alkoholbehandling; CPR 010190-1234"},
               {"action": "restriction_lifted", "citizen_id": 801, "at": AT, "purpose": "J.nr. 0101901234"},
               {"action": "restriction_lifted", "citizen_id": 801, "at": AT, "purpose": "Review E: orienteret om angst-udredning"})
    auth.login(admin.email)
    html = client.get("/admin/adgangslog?borger=801").get_data(as_text=True)
    csv_text = client.get("/admin/adgangslog.csv?borger=801").get_data(as_text=True)
    for shown in (html, csv_text):
        assert "010190" not in shown and "0101901234" not in shown
        assert "depression" not in shown and "angst" not in shown and "PTSD" not in shown
        assert "J.nr. [cpr]" in shown and WITHHELD in shown
    assert "findes ikke (længere)" in html  # citizen 801 is not in this portal


def test_the_log_is_in_the_administrators_menu_and_on_the_start_page(client, auth, admin, consultant):
    auth.login(admin.email)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/admin/adgangslog"' in html and "Adgangslog" in html
    assert 'data-testid="audit-log-link"' in html
    auth.switch_to(consultant.email)
    assert 'href="/admin/adgangslog"' not in client.get("/").get_data(as_text=True)


# --- every action the portal writes has a Danish name ------------------------------------------

# Calls that write an audit event, and the position of the action among their arguments.
_ACTION_ARG = {"record": 0, "record_now": 0, "record_in": 1, "_case_changed": 1, "_matching_changed": 1,
               "_finish": 1, "_Kind": 1, "_log_reading": 0}
# Actions built from a variable, as the code builds them.
_BUILT = {"proposal_{status}": ("proposal_approved", "proposal_rejected"),
          "import_{kind}": ("import_citizens", "import_openings", "import_wage_hours", "import_citizens_dry_run",
                            "import_openings_dry_run", "import_wage_hours_dry_run")}


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    if isinstance(node, ast.JoinedStr):
        prefix = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return [key for built, keys in _BUILT.items() if built.split("{")[0] == prefix[:len(built.split("{")[0])]
                for key in keys]
    return []


def _written_actions() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "portal").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
                if name in _ACTION_ARG and len(node.args) > _ACTION_ARG[name]:
                    found.update(_strings(node.args[_ACTION_ARG[name]]))
                elif name in ("_audit", "audit_step") and node.args:  # the areas' own small helpers
                    first = next((a for a in node.args if _strings(a)), None)
                    if first is not None and not isinstance(node.args[0], ast.Attribute):
                        found.update(_strings(first))
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if isinstance(key, ast.Constant) and key.value == "action":
                        found.update(_strings(value))
    return {a for a in found if a.replace("_", "").isalpha() and a.islower()}


def test_every_action_written_in_the_portal_has_a_danish_name():
    written = _written_actions()
    assert {"login_failed", "read_limitations", "processing_restricted", "hotline_reminder",
            "interview_booked", "story_published", "proposal_approved", "audit_log_viewed"} <= written
    assert sorted(written - ACTION_LABELS.keys()) == []


def test_the_log_page_shows_the_purpose_in_danish_and_the_csv_keeps_the_code(app, client, auth, admin):
    add_events(app, {"action": "upload_rejected", "citizen_id": 801, "at": AT, "purpose": "cv:truncated"})
    auth.login(admin.email)
    html = client.get("/admin/adgangslog?borger=801").get_data(as_text=True)
    assert ">CV filen er ufuldstændig</td>" in html
    assert 'title="Som koden står i loggen og i CSV-filens kolonne Formålskode: cv:truncated"' in html
    # The action link's tooltip names the kind in Danish, never the code (review AD 9).
    assert 'title="Vis alle hændelser af typen »Upload afvist«"' in html and "Vis alle: upload_rejected" not in html


def test_the_csv_gives_the_purpose_in_danish_and_the_code_in_its_own_column(app, client, auth, admin):
    """Review AU 6: the file the DPO sends with an access answer reads as the page does."""
    add_events(app, {"action": "upload_rejected", "citizen_id": 801, "at": AT, "purpose": "cv:truncated"},
               {"action": "audit_log_viewed", "citizen_id": 801, "at": AT, "purpose": "filter none page:1"})
    auth.login(admin.email)
    text = client.get("/admin/adgangslog.csv?borger=801").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header = rows[0]
    assert header[9:11] == ["Formål og detaljer", "Formålskode"]
    by_code = {row[10]: row[9] for row in rows[1:]}
    assert by_code["cv:truncated"] == "CV filen er ufuldstændig"
    assert by_code["filter none page:1"] == "uden filter side 1"


def test_the_portals_own_purpose_codes_read_in_danish():
    """What an administrator answering an access request can explain (review J 4); typed texts
    stay as written, and an unknown code is shown rather than hidden."""
    from portal.admin.audit_labels import purpose_label

    assert purpose_label("citizen_viewed_page", "citizen_page") == "borgerens side"
    assert purpose_label("upload_rejected", "cv:corrupt") == "CV filen er beskadiget"
    assert purpose_label("audit_log_viewed", "filter none page:1") == "uden filter side 1"
    assert purpose_label("audit_log_exported", "filter borger:148 rows:88") == "filter: borger 148 88 rækker"
    assert purpose_label("audit_log_viewed", "filter borger:148 afviste:y page:2") == (
        "filter: borger 148 kun afviste og fejlede side 2")  # not »afviste:y«
    assert purpose_label("hotline_reopened", "hotline:12 message:40") == "henvendelse 12 besked 40"
    assert purpose_label("login_failed", "wrong_password") == "forkert adgangskode"
    # "forløb" once, and the company's payroll download in Danish too (review AD 9).
    assert purpose_label("identity_viewed", "company: placement page forloeb:829") == "virksomhedens side for forløb 829"
    assert purpose_label("identity_viewed", "company: hours export forloeb:105") == (
        "timer hentet af virksomheden: forløb 105")
    assert purpose_label("x", "matching") == "matching"  # one spelling (review AD 11)
    assert purpose_label("proposal_shared_goal", "shared jobmål approved") == "jobmål til virksomheden godkendt"
    assert purpose_label("case_reopened", "citizen_page") == "citizen_page"  # typed by a person
    assert purpose_label("x", "something_new:7") == "something_new:7"


def test_the_page_shows_an_api_keys_scope_and_hours_in_danish(app, client, auth, admin):
    """Review AH 7: the viewer translates what is stored as codes; the CSV keeps the codes."""
    add_events(app, {"action": "api_token_created", "purpose": "token:1 scope:write", "at": AT},
               {"action": "hours_updated", "purpose": "forloeb:105 2026-11 12.00->15.00", "at": AT},
               {"action": "hours_logged", "purpose": "forloeb:105 2026-11 ny->10.00", "at": AT})
    auth.login(admin.email)
    html = client.get("/admin/adgangslog").get_data(as_text=True)
    assert "nøgle 1 adgang »Læse og skrive«" in html
    assert "forløb 105 november 2026 fra 12,00 til 15,00 timer" in html
    assert "forløb 105 november 2026 ny: 10,00 timer" in html
    assert "12.00->15.00" not in html and "ny->10.00" not in html and "adgang write" not in html
