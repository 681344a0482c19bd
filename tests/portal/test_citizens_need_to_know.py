"""Skånehensyn on a need-to-know basis (review E7, NAV's model): the citizen's VK, adviser and
team see and change them; anyone else, administrators too, states a purpose first ("break the
glass"), which is checked and logged, and then sees them once, read-only."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal import audit
from portal.citizens import need_to_know
from portal.extensions import db
from store.models import AuditEvent, Citizen, Team, User
from tests.portal.citizen_fixtures import csrf, make_citizen

SECRET = "MARKER-HELBRED-Kan arbejde 20 timer"


@pytest.fixture
def teams(app):
    with app.app_context():
        first = db.session.query(Team).first() or Team(name="Team Syd")
        other = Team(name="Team Nord")
        db.session.add_all([first, other])
        db.session.commit()
        return first.id, other.id


def consultant_in(app, make_user, team_id: int) -> User:
    user = make_user("consultant")
    with app.app_context():
        db.session.get(User, user.id).team_id = team_id
        db.session.commit()
    return user


@pytest.fixture
def case(app, make_user, teams):
    """A citizen of Team Nord with a VK and an adviser there, and a consultant of Team Syd."""
    syd, nord = teams
    vk, adviser = consultant_in(app, make_user, nord), consultant_in(app, make_user, nord)
    colleague, outsider = consultant_in(app, make_user, nord), consultant_in(app, make_user, syd)
    cid = make_citizen(app, name="Mariam Hosseini", vk_id=vk.id, adviser_id=adviser.id, team_id=nord,
                       phone="20 30 40 50", limitations_text=SECRET, limitation_flags=["no_night_work"])
    return {"citizen": cid, "vk": vk, "adviser": adviser, "colleague": colleague, "outsider": outsider}


def limitation_reads(app, cid: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.purpose).where(
            AuditEvent.citizen_id == cid, AuditEvent.action == "read_limitations").order_by(AuditEvent.id)))


@pytest.mark.parametrize(("who", "reason"), [("vk", "vk"), ("adviser", "adviser"), ("colleague", "team")])
def test_the_case_s_consultants_see_and_may_change_them_and_the_log_says_why(app, client, auth, case, who,
                                                                          reason):
    auth.login(case[who].email)
    html = client.get(f"/borgere/{case['citizen']}/skaanehensyn").get_data(as_text=True)
    assert SECRET in html and "Intet natarbejde" in html and "Gem skånehensyn" in html
    assert 'data-testid="break-glass-form"' not in html
    assert limitation_reads(app, case["citizen"]) == [f"need to know: {reason}"]


def test_a_consultant_of_another_team_gets_a_purpose_form_and_nothing_of_them(app, client, auth, case):
    auth.login(case["outsider"].email)
    response = client.get(f"/borgere/{case['citizen']}/skaanehensyn")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="break-glass-form"' in html
    assert SECRET not in html and "Intet natarbejde" not in html and "Gem skånehensyn" not in html
    assert "Team Nord" in html and case["vk"].name in html  # who sees them without asking
    assert limitation_reads(app, case["citizen"]) == []


def break_glass(client, auth, case, purpose: str):
    return client.post(f"/borgere/{case['citizen']}/skaanehensyn/begrundelse",
                       data={"csrf_token": csrf(auth), "purpose": purpose})


def test_breaking_the_glass_logs_the_purpose_and_shows_them_once_read_only(app, client, auth, case):
    auth.login(case["outsider"].email)
    response = break_glass(client, auth, case, "  Hotlinesag 123   om praktikken ")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and SECRET in html and "Intet natarbejde" in html
    assert "Gem skånehensyn" not in html and 'data-testid="limitations-read-only"' in html
    assert "»Hotlinesag 123 om praktikken«" in html
    assert limitation_reads(app, case["citizen"]) == ["break-glass: Hotlinesag 123 om praktikken"]
    again = client.get(f"/borgere/{case['citizen']}/skaanehensyn").get_data(as_text=True)
    assert SECRET not in again and 'data-testid="break-glass-form"' in again  # asked again


@pytest.mark.parametrize(("purpose", "said"), [
    ("", "Skriv, hvorfor du skal se"),
    ("ok", "mindst 5 tegn"),
    ("x" * 151, "højst 150 tegn"),
    ("Borgeren 010190-1234 ringede", "CPR-nummer"),
    ("Opfølgning på depression og PTSD", "helbredsoplysninger (»depression«, »PTSD«)"),
    ("Klage fra Mariam om praktik", "borgerens navn"),
    ("Ring tilbage på 20304050", "borgerens telefonnummer"),
    ("Svar til mariam@example.dk", "e-mailadresse"),
])
def test_a_purpose_that_may_not_go_into_the_log_is_refused_at_its_field(app, client, auth, case, purpose, said):
    auth.login(case["outsider"].email)
    html = break_glass(client, auth, case, purpose).get_data(as_text=True)
    assert said in html and 'data-testid="break-glass-form"' in html
    assert SECRET not in html
    assert limitation_reads(app, case["citizen"]) == []


def test_an_outsider_cannot_change_them(app, client, auth, case):
    auth.login(case["outsider"].email)
    response = client.post(f"/borgere/{case['citizen']}/skaanehensyn",
                           data={"csrf_token": csrf(auth), "flags": [], "text": "Ændret udefra"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Citizen, case["citizen"]).limitations_text == SECRET
        denied = db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.citizen_id == case["citizen"], AuditEvent.result == "denied")).all()
    assert denied == ["authorisation_denied"]


def test_an_administrator_breaks_the_glass_too(app, client, auth, make_user, case):
    auth.login(make_user("admin").email)
    first = client.get(f"/borgere/{case['citizen']}/skaanehensyn").get_data(as_text=True)
    assert SECRET not in first and "Du er ikke en af dem (en administrator er ikke knyttet til borgernes sager)" in first
    html = break_glass(client, auth, case, "Indsigtsanmodning J.nr. 2026-7").get_data(as_text=True)
    assert SECRET in html and "Gem skånehensyn" not in html
    assert limitation_reads(app, case["citizen"]) == ["break-glass: Indsigtsanmodning J.nr. 2026-7"]


def test_someone_on_the_case_who_posts_the_purpose_form_is_sent_to_the_page(app, client, auth, case):
    auth.login(case["vk"].email)
    response = break_glass(client, auth, case, "Ingen grund")
    assert response.status_code == 302 and response.headers["Location"].endswith("/skaanehensyn")
    assert limitation_reads(app, case["citizen"]) == []


def test_breaking_the_glass_fails_closed_when_the_log_cannot_be_written(app, client, auth, case, monkeypatch):
    auth.login(case["outsider"].email)
    real = audit.record_now

    def failing(action, **kwargs):
        if action == "read_limitations":
            raise audit.AuditWriteError("audit log write failed: OperationalError")
        return real(action, **kwargs)

    monkeypatch.setattr(audit, "record_now", failing)
    response = break_glass(client, auth, case, "Hotlinesag 123")
    assert response.status_code == 503 and SECRET not in response.get_data(as_text=True)


def test_the_page_says_they_are_never_shared_with_companies(app, client, auth, case):
    auth.login(case["vk"].email)
    html = client.get(f"/borgere/{case['citizen']}/skaanehensyn").get_data(as_text=True)
    assert "Deles aldrig med virksomheder" in html and "når borgeren har givet samtykke" not in html


def test_the_rule_itself(app, case):
    with app.app_context():
        citizen = db.session.get(Citizen, case["citizen"])
        users = {key: db.session.get(User, case[key].id) for key in ("vk", "adviser", "colleague", "outsider")}
        assert [need_to_know.basis(users[k], citizen) for k in users] == ["vk", "adviser", "team", None]
        users["colleague"].active = False
        assert need_to_know.basis(users["colleague"], citizen) is None
        citizen.team_id = None  # no team: no team member sees them without asking
        users["outsider"].team_id = None
        assert need_to_know.basis(users["outsider"], citizen) is None


def test_the_form_offers_each_skaanehensyn_as_a_checkbox_to_tick(app, client, auth, case):
    """Rendered as a select's bare <option>s outside a select, the flags could not be ticked."""
    auth.login(case["vk"].email)
    html = client.get(f"/borgere/{case['citizen']}/skaanehensyn").get_data(as_text=True)
    form = html.split('data-testid="limitations-form"', 1)[1].split("</form>", 1)[0]
    assert "<option" not in form
    assert '<input checked class="form-checkbox" id="flags-1" name="flags" type="checkbox" value="no_night_work">' in form
    assert '<input class="form-checkbox" id="flags-0" name="flags" type="checkbox" value="no_heavy_lifting">' in form
