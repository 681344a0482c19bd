"""The company sees the hotline's phone and hours and its consultant's name, phone and e-mail."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from portal import create_app
from portal.config import ConfigError, defaults, finalise, from_environment
from portal.extensions import db
from store.models import Citizen, Company, HotlineMessage, HotlineRequest, Opening, Placement, User

pytestmark = pytest.mark.usefixtures("frozen_today")
BASE = {"DATABASE_URL": "sqlite://", "SECRET_KEY": "s", "PSEUDONYM_KEY": "p", "JOBBRO_ENV": "development"}
CITIZEN = "Qzvwxy Kontaktsen"


# --- configuration -------------------------------------------------------------------------

def test_demo_defaults_are_valid_and_read_from_the_environment(tmp_path):
    config = defaults(str(tmp_path)) | BASE
    finalise(config, str(tmp_path))
    assert config["HOTLINE_PHONE"] == "70 20 30 40" and config["HOTLINE_HOURS"]
    env = from_environment({"HOTLINE_PHONE": "+45  76 16 00 00", "HOTLINE_HOURS": "Hverdage kl. 8–16"})
    config = defaults(str(tmp_path)) | BASE | env
    finalise(config, str(tmp_path))
    assert (config["HOTLINE_PHONE"], config["HOTLINE_HOURS"]) == ("+45 76 16 00 00", "Hverdage kl. 8–16")


@pytest.mark.parametrize("key, value", [
    ("HOTLINE_PHONE", ""), ("HOTLINE_PHONE", "ring os op"), ("HOTLINE_PHONE", "12"),
    ("HOTLINE_PHONE", "7020 3040<script>"), ("HOTLINE_HOURS", ""), ("HOTLINE_HOURS", "x" * 121),
])
def test_a_bad_hotline_setting_stops_the_start(tmp_path, key, value):
    with pytest.raises(ConfigError, match=key):
        finalise(defaults(str(tmp_path)) | BASE | {key: value}, str(tmp_path))


def test_configured_values_reach_the_page(tmp_path):
    app = create_app({**BASE, "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite'}",
                      "INSTANCE_PATH": str(tmp_path / "i"), "MATCHING_ENCODER": "hashing",
                      "HOTLINE_PHONE": "76 16 00 00", "HOTLINE_HOURS": "Hverdage kl. 9–14"})
    with app.app_context(), app.test_request_context():
        from flask import render_template_string
        html = render_template_string('{% from "hotline/_contact.html" import job_centre_contact %}'
                                      '{{ job_centre_contact(None) }}')
    assert "76 16 00 00" in html and 'href="tel:76160000"' in html and "Hverdage kl. 9–14" in html


# --- the pages -----------------------------------------------------------------------------

@pytest.fixture
def world(app, make_user):
    """A company with a consultant; a placement whose citizen has another VK; one request."""
    company_vk = make_user("consultant", email="firma-vk@jc.dk")
    citizen_vk = make_user("consultant", email="borger-vk@jc.dk")
    company_user = make_user("company", email="hr@firma.dk")
    with app.app_context():
        for user, name in ((company_vk, "Vera Virksomhed"), (citizen_vk, "Bo Borgerkonsulent")):
            db.session.get(User, user.id).name = name
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = company_vk.id
        citizen = Citizen(name=CITIZEN, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                          case_start=date(2026, 1, 5), hours_available=20, vk_id=citizen_vk.id)
        opening = Opening(company_id=company.id, kind="smaajob", title="Lagerhjælp", postcode="8722",
                          hours_min=5, hours_max=15, status="filled")
        db.session.add_all([citizen, opening])
        db.session.flush()
        placement = Placement(citizen_id=citizen.id, company_id=company.id, opening_id=opening.id,
                              kind="smaajob", start_date=date(2026, 3, 2), weekly_hours=10)
        db.session.add(placement)
        db.session.flush()
        request = HotlineRequest(company_id=company.id, placement_id=placement.id, category="fravaer",
                                 urgency="normal", subject="Fravær", status="open",
                                 assigned_to_id=citizen_vk.id, created_by_id=company_user.id,
                                 due_at=datetime(2026, 11, 25, 12, tzinfo=timezone.utc))
        request.messages.append(HotlineMessage(author_id=company_user.id, body="Ikke mødt."))
        db.session.add(request)
        db.session.commit()
        return {"company": company_user, "placement": placement.id, "request": request.id}


def _contact(html: str) -> str:
    match = re.search(r'<section class="card mb-6" data-testid="job-centre-contact">(.*?)</section>', html, re.DOTALL)
    assert match, "no contact card"
    return match.group(1)


@pytest.mark.parametrize("path, name, email", [
    ("/hotline/", "Vera Virksomhed", "firma-vk@jc.dk"),
    ("/hotline/ny", "Vera Virksomhed", "firma-vk@jc.dk"),
    ("/hotline/{request}", "Bo Borgerkonsulent", "borger-vk@jc.dk"),  # the request's assignee
    ("/forloeb/", "Vera Virksomhed", "firma-vk@jc.dk"),
    ("/forloeb/{placement}", "Bo Borgerkonsulent", "borger-vk@jc.dk"),  # the placed citizen's VK
])
def test_company_pages_show_the_phone_hours_and_consultant(app, client, auth, world, path, name, email):
    auth.login("hr@firma.dk")
    response = client.get(path.format(**world))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    card = _contact(html)
    assert app.config["HOTLINE_PHONE"] in card and 'href="tel:70203040"' in card
    assert app.config["HOTLINE_HOURS"] in card
    assert name in card and f'href="mailto:{email}"' in card
    assert CITIZEN not in html


def test_a_consultant_who_left_is_not_shown(app, client, auth, world):
    with app.app_context():
        from sqlalchemy import select
        db.session.scalar(select(User).where(User.email == "borger-vk@jc.dk")).active = False
        db.session.commit()
    auth.login("hr@firma.dk")
    card = _contact(client.get(f"/forloeb/{world['placement']}").get_data(as_text=True))
    assert "Bo Borgerkonsulent" not in card and "Vera Virksomhed" in card
    card = _contact(client.get(f"/hotline/{world['request']}").get_data(as_text=True))
    assert "Bo Borgerkonsulent" not in card and "Vera Virksomhed" in card


def test_without_a_consultant_the_hotline_is_the_contact(app, client, auth, make_user):
    user = make_user("company")
    auth.login(user.email)
    card = _contact(client.get("/hotline/").get_data(as_text=True))
    assert "ring til hotline" in card and "70 20 30 40" in card
