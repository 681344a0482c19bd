"""Every route × every role × foreign and nonsense ids (SECURITY.md "Access control").

The routes are read from the app's URL map, so a new route is covered the day it lands.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from portal.extensions import db
from store.models import (Citizen, Company, CvDocument, HotlineRequest, JobGoal, Opening, Placement,
                           Proposal, SuccessStory)
from store.models import AuditEvent, PlacementEvent
from tests.portal.response_text import response_text

PUBLIC = {"static", "auth.login", "auth.set_password", "auth.set_password_form", "auth.forgot_password", "main.healthz", "main.readyz", "main.index",
          "main.privacy", "main.accessibility"}
STAFF_PREFIXES = ("/borgere", "/kandidater", "/admin")
# Routes whose id names none of a company's objects: one of the user's own sessions. Any id that
# is not one of the user's other live sessions (another user's, gone, or never made) gets the
# same answer, »Enheden var allerede logget ud.« on the device list, and ends nothing
# (test_auth_devices: another user's session and this device's own cannot be ended by id).
OWN_ONLY = {"auth.end_device"}
MARKER = "ZQXMARK"


@pytest.fixture
def world(app, make_user):
    """Two companies, a consultant, an admin, and a citizen whose every field holds a marker."""
    a_user = make_user("company", email="a@firma.dk")
    b_user = make_user("company", email="b@firma.dk")
    consultant = make_user("consultant", email="vk@jc.dk")
    admin = make_user("admin", email="admin@jc.dk")
    partner = make_user("company", email="p@firma.dk", code_of_care=True)
    with app.app_context():
        b_company = db.session.get(Company, b_user.company_id)
        opening_b = Opening(company=b_company, kind="smaajob", title="B's opslag", postcode="8722",
                            hours_min=1, hours_max=5, status="open")
        citizen = Citizen(name=f"{MARKER}name", phone=f"{MARKER}phone", email=f"{MARKER}@mail.dk",
                          postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                          readiness_group="paa_vej", case_start=date(2025, 1, 1), vk_id=consultant.id,
                          limitations_text=f"{MARKER}limitation", languages=f"{MARKER}sprog")
        citizen.job_goals.append(JobGoal(title=f"{MARKER}goal"))
        citizen.cv_documents.append(CvDocument(text=f"{MARKER}cv", original_filename=f"{MARKER}.txt"))
        a_company = db.session.get(Company, a_user.company_id)
        opening_a = Opening(company=a_company, kind="smaajob", title="A's opslag", postcode="8722",
                            hours_min=1, hours_max=5, status="open")
        placement = Placement(citizen=citizen, company=a_company, opening=opening_a, kind="smaajob",
                              start_date=date(2026, 1, 1), weekly_hours=5)
        proposal = Proposal(citizen=citizen, opening=opening_a, status="approved",
                            decision_reason=f"{MARKER}reason",
                            explanation={"matched_goals": [f"{MARKER}goal"], "matched_terms": [f"{MARKER}term"]})
        # B's placement is added first, so "the foreign id" (opening_b's, 1) is B's placement too.
        placement_b = Placement(citizen=citizen, company=b_company, opening=opening_b, kind="smaajob",
                                start_date=date(2026, 1, 1), weekly_hours=5)
        db.session.add_all([opening_b, citizen, opening_a, placement_b, placement, proposal])
        db.session.flush()
        request = HotlineRequest(company=b_company, category="andet", urgency="normal",
                                 subject="B's problem", created_by_id=b_user.id,
                                 due_at=datetime(2026, 1, 2, tzinfo=timezone.utc))
        # A consultant's note on A's own placement (id == opening_a's): A must never see it.
        note = PlacementEvent(placement_id=placement.id, kind="followup", note=f"{MARKER}note",
                              user_id=consultant.id)
        # Gode historier: a partner sees the published story, never the draft (which names the citizen).
        stories = [SuccessStory(title=title, text=text, company_id=partner.company_id, kind="smaajob",
                                author_id=consultant.id, status=status, consent_confirmed=True)
                   for title, text, status in [("Offentlig historie", "Et godt forløb.", "published"),
                                               ("Utrykt kladdehistorie", f"{MARKER}name fik job.", "draft")]]
        db.session.add_all([request, note, *stories])
        db.session.commit()
        ids = {"opening_b": opening_b.id, "citizen": citizen.id, "opening_a": opening_a.id,
               "request_b": request.id, "goal": citizen.job_goals[0].id, "draft_story": stories[1].id}
    return {"a": a_user, "b": b_user, "consultant": consultant, "admin": admin, "partner": partner, "ids": ids}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _fill(rule, value: int) -> str:
    path = rule.rule
    for arg in rule.arguments:
        path = re.sub(rf"<(?:int:)?{arg}>", str(value), path)
    return re.sub(r"<[^>]+>", "x" * 8, path)


def _login(auth, client, user):
    client.delete_cookie("session")
    if user is not None:
        auth.switch_to(user.email)


@pytest.mark.parametrize("who", [None, "a", "partner", "consultant", "admin"])
def test_no_route_fails_with_500_for_any_role_or_id(app, client, auth, world, who):
    _login(auth, client, world.get(who) if who else None)
    for rule in _routes(app):
        for value in (world["ids"]["opening_b"], world["ids"]["citizen"], 0, 2**31 - 1):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(_fill(rule, value), method=method)
                assert response.status_code < 500, (who, method, rule.rule, value)


def test_anonymous_reaches_only_public_pages(app, client, world):
    for rule in _routes(app):
        if rule.endpoint in PUBLIC or "GET" not in rule.methods:
            continue
        response = client.get(_fill(rule, world["ids"]["opening_b"]))
        assert response.status_code in (302, 401, 404), rule.rule
        if response.status_code == 302:
            assert "/auth/login" in response.headers["Location"]


def test_company_user_is_kept_out_of_staff_areas(app, client, auth, world):
    """Every staff route answers a company user 403 (``roles_required``), POSTs included.

    The POSTs carry a valid CSRF token: without one Flask-WTF answers 400 before the role
    check, and the check this test is about would never run.
    """
    _login(auth, client, world["a"])
    token = _csrf(client)
    assert token, "no CSRF token for the company user"
    checked = 0
    for rule in _routes(app):
        if not rule.rule.startswith(STAFF_PREFIXES):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method != "GET" else None
            denials = _denials(app)
            response = client.open(_fill(rule, world["ids"]["citizen"]), method=method, data=data)
            assert response.status_code == 403, (method, rule.rule, response.status_code)
            assert _denials(app) == denials + 1, (method, rule.rule)  # the role check said no
            checked += method != "GET"
    assert checked > 10  # the staff POST routes really were tried
    # Control: the same token gets an admin's POST past CSRF, so 403 above is the role check.
    _login(auth, client, world["admin"])
    response = client.post("/admin/regler", data={"csrf_token": _csrf(client)})
    # Past CSRF (which answers 400) and the role check (403): the rules page refuses a save that
    # does not send the values it showed as stale (409, review AN 8), and that is its own answer.
    assert response.status_code == 409


def test_foreign_company_objects_are_404(app, client, auth, world):
    _login(auth, client, world["a"])
    foreign = world["ids"]["opening_b"]
    for rule in _routes(app):
        if rule.rule.startswith(STAFF_PREFIXES) or not rule.arguments or rule.endpoint in PUBLIC | OWN_ONLY:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            token = {"csrf_token": _csrf(client)} if method == "POST" else None
            response = client.open(_fill(rule, foreign), method=method, data=token)
            assert response.status_code in (403, 404), (method, rule.rule)


def test_no_citizen_marker_reaches_a_company_user(app, client, auth, world):
    _login(auth, client, world["a"])
    for rule in _routes(app):
        if "GET" not in rule.methods:
            continue
        for key in ("opening_a", "citizen", "goal"):
            response = client.get(_fill(rule, world["ids"][key]))
            body = response_text(response)  # downloads too (XLSX cells, .ics, CSV)
            assert MARKER not in body, (rule.rule, key, response.status_code)
    # Control: the markers are really rendered for staff, so the scan above can fail.
    _login(auth, client, world["consultant"])
    assert MARKER in client.get(f"/borgere/{world['ids']['citizen']}").get_data(as_text=True)


def test_no_citizen_marker_or_draft_story_reaches_a_partner(app, client, auth, world):
    _login(auth, client, world["partner"])
    for rule in _routes(app):
        if "GET" not in rule.methods:
            continue
        for key in ("opening_a", "citizen", "draft_story"):
            body = response_text(client.get(_fill(rule, world["ids"][key])))
            assert MARKER not in body and "Utrykt kladdehistorie" not in body, (rule.rule, key)
    # Control: the partner really sees stories, and staff see the draft.
    assert "Offentlig historie" in client.get("/historier/").get_data(as_text=True)
    _login(auth, client, world["consultant"])
    assert MARKER in client.get(f"/historier/{world['ids']['draft_story']}/rediger").get_data(as_text=True)


def _denials(app) -> int:
    with app.app_context():
        return db.session.query(AuditEvent).filter_by(action="authorisation_denied").count()


def _csrf(client) -> str:
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return match.group(1) if match else ""
