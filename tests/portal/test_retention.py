"""Retention: a consultant records 'still in the job' 3 and 6 months after a placement ended in one."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.placements import retention
from store.models import AuditEvent, Citizen, Company, Placement
from tests.clock import TODAY
from tests.conftest import AuthActions

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    """Ended in a job on 15.06.2026 (3 months passed, 6 not yet); one interrupted; one running."""
    consultant = make_user("consultant", email="vk@jc.dk")
    company = make_user("company", email="a@firma.dk")
    with app.app_context():
        citizen = Citizen(name="Rita Retention", postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=date(2025, 1, 5), hours_available=20,
                          vk_id=consultant.id, team_id=consultant.team_id)
        db.session.add(citizen)
        db.session.flush()
        common = {"citizen_id": citizen.id, "company_id": company.company_id, "weekly_hours": 10}
        job = Placement(kind="smaajob", start_date=date(2026, 1, 5), end_date=date(2026, 6, 15),
                        end_reason="ordinaert_job", **common)
        broken = Placement(kind="smaajob", start_date=date(2026, 1, 5), end_date=date(2026, 2, 1),
                           end_reason="afbrudt", **common)
        old = Placement(kind="fleksjob", start_date=date(2025, 1, 5), end_date=date(2025, 3, 1),
                        end_reason="fleksjob", employed_3m=True, employed_6m=False, **common)
        db.session.add_all([job, broken, old])
        db.session.commit()
        return {"consultant": consultant, "company": company, "job": job.id, "broken": broken.id, "old": old.id}


def _placement(app, pid: int) -> Placement:
    with app.app_context():
        placement = db.session.get(Placement, pid)
        db.session.expunge(placement)
        return placement


def _post(client, pid: int, months: int, answer: str):
    token = AuthActions(client).csrf_token(f"/forloeb/{pid}/konsulent")
    return client.post(f"/forloeb/{pid}/fastholdelse/{months}", data={f"r{months}-employed": answer,
                                                                      "csrf_token": token})


def _followup_ids(client) -> list[int]:
    html = client.get("/forloeb/opfoelgning").get_data(as_text=True)
    return [int(i) for i in re.findall(r'data-testid="followup-row" data-placement-id="(\d+)"', html)]


@pytest.mark.parametrize("end, reason, answers, expected", [
    (date(2026, 6, 15), "ordinaert_job", (None, None), [3]),
    (date(2026, 8, 23), "uddannelse", (None, None), [3]),  # exactly three months ago
    (date(2026, 8, 24), "fleksjob", (None, None), []),
    (date(2026, 5, 23), "ordinaert_job", (None, None), [3, 6]),
    (date(2026, 5, 23), "ordinaert_job", (True, None), [6]),
    (date(2026, 5, 23), "ordinaert_job", (False, True), []),
    (date(2026, 1, 1), "afbrudt", (None, None), []),
    (date(2026, 1, 1), "forloeb_slut", (None, None), []),
])
def test_due_checkpoints(end, reason, answers, expected):
    placement = Placement(kind="smaajob", start_date=date(2025, 1, 1), end_date=end, end_reason=reason,
                          employed_3m=answers[0], employed_6m=answers[1])
    assert retention.due_checkpoints(placement, TODAY) == expected


def test_page_asks_the_open_checkpoint_and_dates_the_next(client, world):
    AuthActions(client).switch_to("vk@jc.dk")
    html = client.get(f"/forloeb/{world['job']}/konsulent").get_data(as_text=True)
    assert "Stadig i job eller uddannelse efter 3 måneder" in html and 'data-testid="retention-form-3"' in html
    assert 'data-testid="retention-form-6"' not in html and "Kan registreres fra 15.12.2026" in html
    broken = client.get(f"/forloeb/{world['broken']}/konsulent").get_data(as_text=True)
    assert 'data-testid="retention"' not in broken


def test_record_answer_audits_and_leaves_the_followup_list(app, client, world):
    AuthActions(client).switch_to("vk@jc.dk")
    assert _followup_ids(client) == [world["job"]]  # due; the interrupted one and the answered one are not
    response = _post(client, world["job"], 3, "nej")
    assert response.status_code == 302
    assert _placement(app, world["job"]).employed_3m is False
    with app.app_context():
        [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "placement_retention"))
        assert event.purpose == f"forloeb:{world['job']} 3m nej"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fastholdelse efter 3 måneder er registreret." in page
    assert _followup_ids(client) == []
    assert _post(client, world["job"], 3, "ja").status_code == 302  # a correction
    assert _placement(app, world["job"]).employed_3m is True


def test_followup_row_links_to_the_retention_form(client, world):
    AuthActions(client).switch_to("vk@jc.dk")
    html = client.get("/forloeb/opfoelgning").get_data(as_text=True)
    assert f'href="/forloeb/{world["job"]}/konsulent#fastholdelse"' in html
    assert "Stadig i job eller uddannelse efter 3 måneder? Registrér svaret" in html


def test_too_early_and_wrong_placement_are_refused(app, client, world):
    AuthActions(client).switch_to("vk@jc.dk")
    response = _post(client, world["job"], 6, "ja")
    assert response.status_code == 302
    assert "først registreres 6 måneder" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _placement(app, world["job"]).employed_6m is None
    _post(client, world["broken"], 3, "ja")
    assert _placement(app, world["broken"]).employed_3m is None


@pytest.mark.parametrize("answer", ["", "måske", "true", "x" * 5000])
def test_bad_answer_is_a_danish_400(app, client, world, answer):
    AuthActions(client).switch_to("vk@jc.dk")
    response = _post(client, world["job"], 3, answer)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Vælg ja eller nej." in html or "Vælg en af mulighederne på listen." in html
    assert _placement(app, world["job"]).employed_3m is None


def test_unknown_checkpoint_404_and_company_403(client, world):
    AuthActions(client).switch_to("vk@jc.dk")
    assert _post(client, world["job"], 4, "ja").status_code == 404
    AuthActions(client).switch_to("a@firma.dk")
    token = AuthActions(client).csrf_token("/")
    assert client.post(f"/forloeb/{world['job']}/fastholdelse/3",
                       data={"r3-employed": "ja", "csrf_token": token}).status_code == 403


def test_the_retention_question_says_what_followed_the_placement(app, client, world):
    """The review found the question asked for a job whose fleksjob at the same company was
    running: the page names the later placement, linked, so the answer is not a guess."""
    AuthActions(client).switch_to("vk@jc.dk")
    page = client.get(f"/forloeb/{world['job']}/konsulent").get_data(as_text=True)
    assert 'data-testid="retention-later"' not in page  # nothing followed yet
    with app.app_context():
        job = db.session.get(Placement, world["job"])
        later = Placement(citizen_id=job.citizen_id, company_id=job.company_id, kind="fleksjob",
                          start_date=date(2026, 6, 16), weekly_hours=15)
        earlier = Placement(citizen_id=job.citizen_id, company_id=job.company_id, kind="smaajob",
                            start_date=date(2025, 6, 1), end_date=date(2025, 7, 1), end_reason="afbrudt",
                            weekly_hours=5)
        db.session.add_all([later, earlier])
        db.session.commit()
        later_id = later.id
    said = client.get(f"/forloeb/{world['job']}/konsulent").get_data(as_text=True).split(
        'data-testid="retention-later">')[1].split("</p>")[0]
    assert f'<a href="/forloeb/{later_id}/konsulent">forløb nr. {later_id}</a> (fleksjob hos' in said
    assert "samme virksomhed, fra 16.06.2026, i gang)" in said
    assert f"#{world['broken']}<" not in said and "01.06.2025" not in said  # ended before: no evidence


@pytest.mark.parametrize("reason, named", [("aflyst", False), ("afbrudt", True)])
def test_a_placement_cancelled_before_its_start_is_not_named_as_a_later_placement(app, client, world, reason, named):
    """A placement after the job, cancelled before its start (end reason "aflyst", ended on the
    planned start): the citizen never had it, so it is no evidence for the answer. The control,
    ended on its start as "afbrudt", is named."""
    AuthActions(client).switch_to("vk@jc.dk")
    with app.app_context():
        job = db.session.get(Placement, world["job"])
        later = Placement(citizen_id=job.citizen_id, company_id=job.company_id, kind="smaajob",
                          start_date=date(2026, 8, 3), end_date=date(2026, 8, 3), end_reason=reason, weekly_hours=5)
        db.session.add(later)
        db.session.commit()
        later_id = later.id
    page = client.get(f"/forloeb/{world['job']}/konsulent").get_data(as_text=True)
    assert ('data-testid="retention-later"' in page) is named
    assert (f'<a href="/forloeb/{later_id}/konsulent">forløb nr. {later_id}</a>' in page) is named


@pytest.mark.parametrize("code_of_care", [True, False])
def test_only_a_code_of_care_companys_placement_names_the_report(app, client, world, code_of_care):
    """Review AM 5: the answers go into a Code of Care partner's report; other companies have none."""
    with app.app_context():
        db.session.get(Company, world["company"].company_id).code_of_care = code_of_care
        db.session.commit()
    AuthActions(client).switch_to("vk@jc.dk")
    html = client.get(f"/forloeb/{world['job']}/konsulent").get_data(as_text=True)
    assert 'data-testid="retention"' in html  # the questions are asked either way
    assert ("Svarene indgår anonymt i Code of Care-virksomhedens rapport." in html) is code_of_care
