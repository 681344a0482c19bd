"""Citizen pages: access, the caseload list, the citizen page, skånehensyn and profile edits."""
from __future__ import annotations

import re

from datetime import date

import pytest
import sqlalchemy as sa

from portal import audit
from portal.extensions import db
from store.models import AuditEvent, Citizen, Company, OutboxEvent, Placement
from tests.portal.citizen_fixtures import audit_actions, csrf, make_citizen, snapshot

ROUTES_GET = ["/borgere/", "/borgere/{id}", "/borgere/{id}/profil", "/borgere/{id}/jobmaal",
              "/borgere/{id}/cv", "/borgere/{id}/sagsbehandlere", "/borgere/{id}/skaanehensyn"]
ROUTES_POST = ["/borgere/{id}/profil", "/borgere/{id}/jobmaal", "/borgere/{id}/jobmaal/{goal}/slet",
               "/borgere/{id}/jobmaal/{goal}/ret",
               "/borgere/{id}/jobmaal/{goal}/flyt", "/borgere/{id}/cv/fil", "/borgere/{id}/cv/tekst",
               "/borgere/{id}/sagsbehandlere", "/borgere/{id}/skaanehensyn"]


@pytest.fixture
def consultant(make_user):
    return make_user("consultant")


@pytest.fixture
def logged_in(client, auth, consultant):
    auth.login(consultant.email)
    return consultant


def goal_id(app, citizen_id: int, index: int = 0) -> int:
    with app.app_context():
        return db.session.get(Citizen, citizen_id).job_goals[index].id


# --- access --------------------------------------------------------------------------------

def test_company_users_get_403_on_every_citizen_route(app, client, auth, make_user, consultant):
    cid = make_citizen(app, vk_id=consultant.id)
    gid = goal_id(app, cid)
    company_user = make_user("company")
    auth.login(company_user.email)
    token = auth.csrf_token("/")
    for path in ROUTES_GET:
        assert client.get(path.format(id=cid)).status_code == 403, path
    for path in ROUTES_POST:
        response = client.post(path.format(id=cid, goal=gid), data={"csrf_token": token, "title": "X"})
        assert response.status_code == 403, path
    assert snapshot(app, cid).goals == ("Lagermedarbejder",)
    assert "read_citizen" not in audit_actions(app)
    assert "authorisation_denied" in audit_actions(app)


@pytest.mark.parametrize("path", ["/borgere/", "/borgere/1", "/borgere/1/cv"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("bad_id", ["999999", "0", "-1", "abc", "99999999999999999999999"])
def test_unknown_or_malformed_ids_are_404(client, logged_in, bad_id):
    assert client.get(f"/borgere/{bad_id}").status_code == 404


def test_goal_of_another_citizen_is_404(app, client, auth, logged_in):
    mine, other = make_citizen(app, vk_id=logged_in.id), make_citizen(app, name="Anden Borger")
    foreign_goal = goal_id(app, other)
    response = client.post(f"/borgere/{mine}/jobmaal/{foreign_goal}/slet", data={"csrf_token": csrf(auth),
                                                                              "confirmed": "ja"})
    assert response.status_code == 404
    response = client.post(f"/borgere/{mine}/jobmaal/{foreign_goal}/ret", data={"csrf_token": csrf(auth),
                                                                             "new_title": "Kok"})
    assert response.status_code == 404
    assert snapshot(app, other).goals == ("Lagermedarbejder",)


# --- list ----------------------------------------------------------------------------------

def test_list_defaults_to_own_caseload_with_team_and_all_toggles(app, client, make_user, logged_in):
    colleague = make_user("consultant")  # same team (the fixture reuses the first team)
    admin = make_user("admin")
    team_id = colleague.team_id
    make_citizen(app, name="Mette Min", vk_id=logged_in.id, team_id=team_id)
    make_citizen(app, name="Rasmus Rådgivet", adviser_id=logged_in.id, team_id=team_id)
    make_citizen(app, name="Karl Kollega", vk_id=colleague.id, team_id=team_id)
    make_citizen(app, name="Ulla Uden Team", vk_id=admin.id)
    mine = client.get("/borgere/").get_data(as_text=True)
    assert "Mette Min" in mine and "Rasmus Rådgivet" in mine
    assert "Karl Kollega" not in mine and "Ulla Uden Team" not in mine
    team = client.get("/borgere/?scope=team").get_data(as_text=True)
    assert "Karl Kollega" in team and "Ulla Uden Team" not in team
    everyone = client.get("/borgere/?scope=all").get_data(as_text=True)
    assert all(n in everyone for n in ("Mette Min", "Karl Kollega", "Ulla Uden Team"))
    # A made-up scope falls back to the safe default rather than erroring.
    assert "Karl Kollega" not in client.get("/borgere/?scope=everything").get_data(as_text=True)


@pytest.mark.parametrize("query, expected", [
    ("sofie", {"Sofie Andersen"}),
    ("ANDERSEN", {"Sofie Andersen", "Bo Andersen"}),
    ("%", {"Procent 100% Hansen"}),          # a literal percent, not "everything"
    ("_", {"Under_Streg"}),                  # a literal underscore, not "any character"
    ("' OR 1=1--", set()),
    ("* ? ~ /re/ AND \"", set()),
    ("{{7*7}}", set()),
    ("øster", {"Åse Østergård"}),           # Danish letters fold case on SQLite too
    ("ÅSE ØSTERGÅRD", {"Åse Østergård"}),
    ("", {"Sofie Andersen", "Bo Andersen", "Procent 100% Hansen", "Under_Streg", "Åse Østergård"}),
])
def test_name_search_is_literal(app, client, logged_in, query, expected):
    names = ["Sofie Andersen", "Bo Andersen", "Procent 100% Hansen", "Under_Streg", "Åse Østergård"]
    for name in names:
        make_citizen(app, name=name, vk_id=logged_in.id)
    html = client.get("/borgere/", query_string={"q": query}).get_data(as_text=True)
    assert {n for n in names if n in html} == expected


def test_list_filters_by_readiness_and_benefit_and_missing(app, client, logged_in):
    make_citizen(app, name="Klar Borger", vk_id=logged_in.id, readiness_group="i_gang")
    make_citizen(app, name="Uden Cv", vk_id=logged_in.id, cv_text=None, benefit_group="dagpenge")
    make_citizen(app, name="Uden Maal", adviser_id=logged_in.id, goals=())
    html = client.get("/borgere/?readiness=i_gang").get_data(as_text=True)
    assert "Klar Borger" in html and "Uden Cv" not in html
    html = client.get("/borgere/?benefit=dagpenge").get_data(as_text=True)
    assert "Uden Cv" in html and "Klar Borger" not in html
    html = client.get("/borgere/?incomplete=y").get_data(as_text=True)
    assert "Klar Borger" not in html and "Uden Cv" in html and "Uden Maal" in html
    html = client.get("/borgere/?readiness=bogus&benefit=%00").get_data(as_text=True)
    assert "Klar Borger" in html  # invalid filters are ignored, not a 500


def test_missing_column_and_completeness_share(app, client, logged_in):
    make_citizen(app, name="Helt Klar", vk_id=logged_in.id)
    make_citizen(app, name="Mangler Cv", vk_id=logged_in.id, cv_text="   ")
    make_citizen(app, name="Mangler Vk", adviser_id=logged_in.id)
    make_citizen(app, name="Mangler Alt", adviser_id=logged_in.id, goals=(), cv_text=None)
    html = client.get("/borgere/").get_data(as_text=True)
    rows = {name: html[html.index(name):html.index("</tr>", html.index(name))] for name in
            ("Helt Klar", "Mangler Cv", "Mangler Vk", "Mangler Alt")}
    assert "Klar til matching" in rows["Helt Klar"]
    assert "CV" in rows["Mangler Cv"] and "jobmål" not in rows["Mangler Cv"]
    assert "virksomhedskonsulent" in rows["Mangler Vk"]
    plain = {name: re.sub(r"<[^>]+>", "", row) for name, row in rows.items()}
    assert "CV, jobmål, virksomhedskonsulent" in plain["Mangler Alt"]
    assert "<strong>25,0 %</strong>" in html and "(1 af 4)" in html and "Målet er 85 %" in html
    # Each missing item leads to the page where it is put right, as on the start page.
    fixes = re.findall(r'<a href="([^"]+)" data-testid="fix">', rows["Mangler Alt"])
    cid = re.search(r'data-citizen-id="(\d+)">\s*<td><a href="[^"]+">Mangler Alt<', html).group(1)
    assert fixes == [f"/borgere/{cid}/cv", f"/borgere/{cid}/jobmaal", f"/borgere/{cid}/sagsbehandlere"]
    assert all(client.get(link).status_code == 200 for link in fixes)
    detail = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert re.findall(r'<a href="([^"]+)" data-testid="fix">', detail) == fixes
    show = re.search(r'<a href="([^"]+)" data-testid="show-incomplete">', html).group(1).replace("&amp;", "&")
    shown = client.get(show).get_data(as_text=True)
    assert "Helt Klar" not in shown and all(n in shown for n in ("Mangler Cv", "Mangler Vk", "Mangler Alt"))
    # Under this filter a share would be 0 % by construction: the page says what the list is instead.
    assert 'data-testid="completeness"' not in shown and 'data-testid="incomplete-list"' in shown
    assert "Du ser de 3 borgere i udvalget, der mangler" in re.sub(r"<[^>]+>", "", shown)


def test_a_restricted_citizens_missing_items_are_not_offered_as_fixes(app, client, logged_in):
    cid = make_citizen(app, name="Begrænset Borger", vk_id=logged_in.id, goals=(), restricted=True)
    detail = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert "derefter mangler borgeren også jobmål" in detail and 'data-testid="fix"' not in detail


def test_share_counts_the_latest_cv_only(app, client, logged_in):
    cid = make_citizen(app, name="Nyt Tomt Cv", vk_id=logged_in.id)
    with app.app_context():
        from store.models import CvDocument
        db.session.add(CvDocument(citizen_id=cid, text="", stored_name="x.pdf",
                                  extraction_error="Filen er beskadiget og kan ikke læses."))
        db.session.commit()
    html = client.get("/borgere/").get_data(as_text=True)
    assert "(0 af 1)" in html


def test_list_paginates_fifty_per_page(app, client, logged_in):
    with app.app_context():
        db.session.add_all(Citizen(name=f"Borger {i:03d}", postcode="8722", benefit_group="dagpenge",
                                   readiness_group="i_gang", case_start=date(2025, 1, 1), vk_id=logged_in.id)
                           for i in range(55))
        db.session.commit()
    first = client.get("/borgere/").get_data(as_text=True)
    assert first.count('data-testid="citizen-row"') == 50
    assert "Borger 049" in first and "Borger 050" not in first and "Side 1 af 2" in first
    second = client.get("/borgere/?page=2").get_data(as_text=True)
    assert second.count('data-testid="citizen-row"') == 5 and "Borger 054" in second
    assert "(0 af 55)" in second  # the share covers the whole filtered set, not the page
    for page in ("999", "-3", "abc"):
        assert client.get(f"/borgere/?page={page}").status_code == 200


@pytest.mark.parametrize("page", ["9" * 309, "-1", "abc", "1e9", "0", "99999999999"])
def test_page_is_bounded_before_conversion(app, client, logged_in, page):
    make_citizen(app, vk_id=logged_in.id)
    response = client.get(f"/borgere/?page={page}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('data-testid="citizen-row"') == 1  # the first page


# --- citizen page --------------------------------------------------------------------------

def test_citizen_page_shows_profile_goals_cv_placements_and_audits(app, client, logged_in):
    cid = make_citizen(app, vk_id=logged_in.id, limitations_text="MARKER-HEALTH-DETAIL",
                       limitation_flags=["no_heavy_lifting"], goals=("Lagermedarbejder", "Chauffør"))
    with app.app_context():
        company = Company(name="Hedensted Lager ApS", cvr="11223344", postcode="8722")
        db.session.add(company)
        db.session.flush()
        db.session.add(Placement(citizen_id=cid, company_id=company.id, kind="virksomhedspraktik",
                                 start_date=date(2026, 1, 5), end_date=date(2026, 3, 1), weekly_hours=20))
        db.session.commit()
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    for text in ("Sofie Andersen", "Kontanthjælp", "8722 Hedensted", "På vej", "Lagermedarbejder",
                 "Chauffør", "truckcertifikat", "Hedensted Lager ApS", "Virksomhedspraktik", "Testesen"):
        assert text in html, text
    assert "MARKER-HEALTH-DETAIL" not in html and "Ingen tunge løft" not in html
    assert audit_actions(app, cid) == ["read_citizen"]


def test_citizen_page_shows_the_extraction_error_of_the_last_upload(app, client, logged_in):
    cid = make_citizen(app, vk_id=logged_in.id)
    with app.app_context():
        from store.models import CvDocument
        db.session.add(CvDocument(citizen_id=cid, stored_name="abc.pdf", original_filename="cv.pdf",
                                  content_type="pdf", extraction_error="Filen er beskadiget og kan ikke læses."))
        db.session.commit()
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert 'data-testid="cv-error"' in html and "Filen er beskadiget" in html


def test_citizen_page_fails_closed_when_the_audit_log_is_down(app, client, logged_in, monkeypatch):
    cid = make_citizen(app, vk_id=logged_in.id)

    def broken(*_args, **_kwargs):
        raise audit.AuditWriteError("audit log write failed: OperationalError")

    monkeypatch.setattr(audit, "record_now", broken)
    response = client.get(f"/borgere/{cid}")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "adgangsloggen" in html and "Sofie Andersen" not in html and "truckcertifikat" not in html


def test_indexing_state_follows_the_outbox(app, client, logged_in):
    cid = make_citizen(app, vk_id=logged_in.id)
    assert "Opdateret i matchingen" in client.get(f"/borgere/{cid}").get_data(as_text=True)
    with app.app_context():
        db.session.add(OutboxEvent(entity="citizen", entity_id=cid, status="failed", last_error="CV mangler"))
        db.session.commit()
    assert "Indeksering fejlede: CV mangler" in client.get(f"/borgere/{cid}").get_data(as_text=True)
    with app.app_context():
        db.session.add(OutboxEvent(entity="citizen", entity_id=cid, status="pending"))
        db.session.commit()
    assert "Afventer indeksering" in client.get(f"/borgere/{cid}").get_data(as_text=True)


# --- skånehensyn ---------------------------------------------------------------------------

def test_limitations_are_shown_after_the_read_is_logged(app, client, logged_in):
    cid = make_citizen(app, vk_id=logged_in.id, limitations_text="MARKER-HEALTH-DETAIL",
                       limitation_flags=["no_night_work"])
    html = client.get(f"/borgere/{cid}/skaanehensyn").get_data(as_text=True)
    assert "MARKER-HEALTH-DETAIL" in html and "Intet natarbejde" in html
    assert audit_actions(app, cid) == ["read_citizen", "read_limitations"]
    with app.app_context():  # the log says that, never what
        purposes = db.session.scalars(sa.select(AuditEvent.purpose)).all()
    assert not any("MARKER" in p for p in purposes)


def test_limitations_fail_closed_when_the_audit_write_fails(app, client, logged_in, monkeypatch):
    cid = make_citizen(app, vk_id=logged_in.id, limitations_text="MARKER-HEALTH-DETAIL",
                       limitation_flags=["no_night_work"])
    real = audit.record_now

    def failing_for_limitations(action, **kwargs):
        if action == "read_limitations":
            raise audit.AuditWriteError("audit log write failed: OperationalError")
        return real(action, **kwargs)

    monkeypatch.setattr(audit, "record_now", failing_for_limitations)
    response = client.get(f"/borgere/{cid}/skaanehensyn")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "kan ikke vises lige nu" in html
    assert "MARKER-HEALTH-DETAIL" not in html and "Intet natarbejde" not in html


def test_limitations_can_be_edited_without_logging_the_details(app, client, auth, logged_in):
    cid = make_citizen(app, vk_id=logged_in.id)
    before = snapshot(app, cid)
    response = client.post(f"/borgere/{cid}/skaanehensyn", data={
        "csrf_token": csrf(auth), "flags": ["quiet_environment", "bogus"], "text": "Tåler ikke larm"})
    assert response.status_code == 200 and "Vælg kun skånehensyn fra listen" in response.get_data(as_text=True)
    client.post(f"/borgere/{cid}/skaanehensyn", data={
        "csrf_token": csrf(auth), "flags": ["quiet_environment"], "text": "Tåler ikke larm"})
    with app.app_context():
        citizen = db.session.get(Citizen, cid)
        assert citizen.limitation_flags == ["quiet_environment"]
        assert citizen.limitations_text == "Tåler ikke larm"
        assert citizen.version == before.version + 1
    assert "limitations_updated" in audit_actions(app, cid)


@pytest.mark.parametrize("blank", ["\n\t \r\n", "\u00a0 \n"])
def test_a_cv_of_only_line_breaks_counts_as_missing_in_the_share_and_the_filter(app, client, logged_in, blank):
    """The SQL count and the list's own check agree on what an empty CV is (``str.strip``)."""
    make_citizen(app, name="Helt Klar", vk_id=logged_in.id)
    make_citizen(app, name="Tomt Cv", vk_id=logged_in.id, cv_text=blank)
    html = client.get("/borgere/").get_data(as_text=True)
    row = html[html.index("Tomt Cv"):html.index("</tr>", html.index("Tomt Cv"))]
    assert "CV" in row and "Klar til matching" not in row
    assert "(1 af 2)" in html
    incomplete = client.get("/borgere/?incomplete=y").get_data(as_text=True)
    assert "Tomt Cv" in incomplete and "Helt Klar" not in incomplete


def test_the_citizens_hours_read_as_hours_everywhere_else_do(app, client, logged_in):
    """One format for hours (hours_dk): "20", "7,5"; never "20,0"."""
    for name, hours in (("Hele Timer", 20.0), ("Halve Timer", 7.5)):
        citizen_id = make_citizen(app, name=name, vk_id=logged_in.id, hours_available=hours)
        html = client.get(f"/borgere/{citizen_id}").get_data(as_text=True)
        shown = html.split("Timer til rådighed pr. uge</th><td>")[1].split("<")[0]
        assert shown == ("20" if hours == 20.0 else "7,5")


@pytest.mark.parametrize("typed", ["010190-1234", "0101901234", "Anna 010190 1234"])
def test_a_cpr_number_in_the_name_search_is_taken_out_of_the_address(client, logged_in, typed):
    """Review M 6: never a CPR number in a URL; the list says why and keeps the other filters."""
    answer = client.get("/borgere/", query_string={"q": typed, "scope": "all"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/borgere/?scope=all"
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "CPR-numre bruges ikke i portalen" in page and typed not in page


def test_the_browser_refuses_a_cpr_number_before_sending_it(client, logged_in):
    """The field's pattern (a whole-value match, as HTML applies it) lets names through, not CPR."""
    html = client.get("/borgere/").get_data(as_text=True)
    pattern = re.search(r'name="q" pattern="([^"]+)"', html) or re.search(r'pattern="([^"]+)"[^>]*name="q"', html)
    assert pattern, "the name search has a pattern"
    whole = re.compile(f"^(?:{pattern.group(1)})$")
    assert whole.match("Anna Jensen") and whole.match("Bo 12") and whole.match("")
    assert not whole.match("010190-1234") and not whole.match("Anna 0101901234")
    assert not whole.match("010190\u20131234") and not whole.match("010190 \u2014 1234")  # a dash from Word


def test_saving_limitations_unchanged_says_nothing_was_changed(app, client, auth, logged_in):
    """Review BM 7: a save with nothing changed answers as the caseworker form does, and
    writes nothing."""
    cid = make_citizen(app, vk_id=logged_in.id)
    client.post(f"/borgere/{cid}/skaanehensyn", data={
        "csrf_token": csrf(auth), "flags": ["quiet_environment"], "text": "Tåler ikke larm"})
    before = snapshot(app, cid)
    response = client.post(f"/borgere/{cid}/skaanehensyn", data={
        "csrf_token": csrf(auth), "flags": ["quiet_environment"], "text": "Tåler ikke larm"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Ingen ændringer at gemme." in html and "Skånehensyn er gemt." not in html
    assert snapshot(app, cid).version == before.version
