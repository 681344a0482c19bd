"""The start page's queue holds open cases only, names a placement elsewhere, and lets a
company's answer go once the consultant has handled it (portal.main.queue.company_answers)."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

import pytest

from portal import consents
from portal.extensions import db
from store.clock import LOCAL
from store.models import Citizen, Company, Consent, Interview, Opening, Placement, Proposal
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("frozen_today")


def _local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), LOCAL)


def _proposal(vk, company, name: str, status: str, response: str | None, *, closed: date | None = None,
              opening: Opening | None = None) -> Proposal:
    citizen = Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                      case_start=date(2026, 1, 5), hours_available=20, vk_id=vk.id, case_closed=closed)
    opening = opening or Opening(company_id=company.company_id, kind="smaajob", title=f"Opslag til {name}",
                                 postcode="8722", status="open")
    db.session.add_all([citizen, opening])
    db.session.flush()
    proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status=status, company_response=response,
                        company_responded_at=_local(TODAY, 8) if response else None, decided_by_id=vk.id,
                        decided_at=_local(TODAY - timedelta(days=3), 9))
    db.session.add(proposal)
    db.session.flush()
    if status == "disclosed":
        db.session.add(Consent(proposal=proposal, text_version=consents.CONSENT_TEXT_VERSION, channel="telefon",
                               deadline=TODAY + timedelta(days=90), recorded_by_id=vk.id))
    return proposal


def _sections(client) -> dict[str, list[str]]:
    html = client.get("/").get_data(as_text=True)
    found = {}
    for key in ("forslag", "svar", "samtaler"):
        section = re.search(rf'<section data-testid="queue-{key}">(.*?)</section>', html, re.DOTALL).group(1)
        found[key] = [" ".join(re.sub(r"<[^>]+>", " ", row).split())
                      for row in re.findall(r'<tr data-testid="queue-row">(.*?)</tr>', section, re.DOTALL)]
    return found


def _names(rows: list[str]) -> list[str]:
    return [row.split(" ")[0] for row in rows]


def test_a_closed_case_leaves_every_line_of_the_queue(app, client, auth, make_user):
    vk, company = make_user("consultant"), make_user("company")
    with app.app_context():
        for name, closed in (("Åbensag", None), ("Lukketsag", TODAY - timedelta(days=2))):
            _proposal(vk, company, f"{name}Svar", "disclosed", "interested", closed=closed)
            _proposal(vk, company, f"{name}Forslag", "proposed", None, closed=closed)
        db.session.commit()
    auth.login(vk.email)
    found = _sections(client)
    assert _names(found["svar"]) == ["ÅbensagSvar"]
    assert _names(found["samtaler"]) == []  # no interview yet: the answer's line is the one task
    assert _names(found["forslag"]) == ["ÅbensagForslag"]


def test_a_placement_elsewhere_is_named_on_the_line(app, client, auth, make_user):
    vk, company = make_user("consultant"), make_user("company")
    with app.app_context():
        other = Company(name="Larsen Transport", cvr="39999999", postcode="8722")
        db.session.add(other)
        db.session.flush()
        busy = _proposal(vk, company, "Michael", "disclosed", "interested")
        meeting = _proposal(vk, company, "Mette", "disclosed", "interested")  # an interview offered
        ended = _proposal(vk, company, "Ended", "disclosed", "interested")
        db.session.add_all([
            Placement(citizen_id=busy.citizen_id, company_id=other.id, kind="loentilskud",
                      start_date=date(2026, 11, 21), weekly_hours=37),
            Placement(citizen_id=meeting.citizen_id, company_id=other.id, kind="loentilskud",
                      start_date=date(2026, 11, 21), weekly_hours=37),
            Interview(proposal_id=meeting.id, starts_at=datetime.now(timezone.utc) + timedelta(days=2),
                      duration_minutes=60, location="Kontoret", offered_by="jobcenter", status="offered",
                      uid="queue-elsewhere@test"),
            Placement(citizen_id=ended.citizen_id, company_id=other.id, kind="smaajob",
                      start_date=date(2026, 10, 1), end_date=TODAY - timedelta(days=1), end_reason="andet"),
        ])
        db.session.commit()
        placement_id = db.session.query(Placement.id).filter_by(citizen_id=busy.citizen_id).scalar()
    auth.login(vk.email)
    found = _sections(client)
    line = "I forløb hos Larsen Transport (løntilskud) siden 21.11.2026"
    assert [row for row in found["svar"] if row.startswith("Michael")][0].startswith(f"Michael {line}")
    assert [row for row in found["samtaler"] if row.startswith("Mette")][0].startswith(f"Mette {line}")
    assert not [row for row in found["svar"] + found["samtaler"] if "I forløb" in row and row.startswith("Ended")]
    html = client.get("/").get_data(as_text=True)
    assert f'href="/forloeb/{placement_id}/konsulent">Larsen Transport</a>' in html


def test_an_interested_answer_leaves_once_handled(app, client, auth, make_user):
    vk, company = make_user("consultant"), make_user("company")
    with app.app_context():
        waiting = _proposal(vk, company, "Venter", "disclosed", "interested")
        interviewed = _proposal(vk, company, "Samtale", "disclosed", "interested")
        closed = _proposal(vk, company, "Lukket", "approved", "interested")
        closed.opening.status = "closed"
        hired = _proposal(vk, company, "Ansat", "disclosed", "hired")
        hired.opening.status = "filled"  # filled, but the placement is still to start: keep it
        db.session.add(Interview(proposal_id=interviewed.id, starts_at=datetime.now(timezone.utc) + timedelta(days=2),
                                 duration_minutes=60, location="Kontoret", offered_by="jobcenter",
                                 status="offered", uid="queue-offered@test"))
        db.session.commit()
        assert waiting.id
    auth.login(vk.email)
    found = _sections(client)
    assert sorted(_names(found["svar"])) == ["Ansat", "Venter"]
    assert "Samtale" in _names(found["samtaler"])  # the interview list follows it now


def test_a_decline_leaves_once_another_candidate_is_approved(app, client, auth, make_user):
    vk, company = make_user("consultant"), make_user("company")
    with app.app_context():
        declined = _proposal(vk, company, "Nej", "approved", "declined")
        _proposal(vk, company, "Andet", "approved", "declined")
        db.session.commit()
        opening, answered = declined.opening, declined.company_responded_at
    auth.login(vk.email)
    assert sorted(_names(_sections(client)["svar"])) == ["Andet", "Nej"]
    with app.app_context():
        opening = db.session.merge(opening)
        newer = _proposal(vk, company, "Nyere", "approved", None, opening=opening)
        newer.decided_at = answered + timedelta(hours=1)
        db.session.commit()
    assert _names(_sections(client)["svar"]) == ["Andet"]
