"""The privacy notice and the accessibility statement: public, linked from every page, and
stating this installation's own settings (controller, contacts, retention, session limits)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import create_app
from portal.config import ConfigError, defaults, finalise, from_environment
from portal.extensions import db
from portal.main.about import days_text, minutes_text

def page_text(response) -> str:
    """The page's words without tags, spaces collapsed."""
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


BASE = {"DATABASE_URL": "sqlite://", "SECRET_KEY": "s", "PSEUDONYM_KEY": "p", "JOBBRO_ENV": "development"}


@pytest.mark.parametrize("path", ["/om/privatliv", "/om/tilgaengelighed"])
def test_the_pages_need_no_login_and_every_page_links_to_them(client, path):
    response = client.get(path)
    assert response.status_code == 200
    login = client.get("/auth/login").get_data(as_text=True)
    assert f'href="{path}"' in login and f'href="{path}"' in response.get_data(as_text=True)


def test_the_pages_state_the_configured_facts(tmp_path):
    app = create_app({**BASE, "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}",
                      "INSTANCE_PATH": str(tmp_path / "i"), "MATCHING_ENCODER": "hashing",
                      "ORGANISATION_NAME": "Jobcenter Vejle", "DPO_EMAIL": "dpo@vejle.dk",
                      "ACCESSIBILITY_EMAIL": "web@vejle.dk", "RETENTION_DAYS": 4 * 365,
                      "PERMANENT_SESSION_LIFETIME": timedelta(minutes=20)})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    privacy = page_text(client.get("/om/privatliv"))
    assert "Jobcenter Vejle er dataansvarlig" in privacy and "dpo@vejle.dk" in privacy
    assert "anonymiseres 4 år efter" in privacy and "efter 20 minutter uden aktivitet" in privacy
    assert "senest efter 12 timer" in privacy and "Hedensted" not in privacy
    assert "holder Jobbro på serveren i højst 15 minutter" in privacy  # portal.auth.relogin.HOLD_SECONDS
    assert "skånehensyn og sletning af en borger gemmes aldrig" in privacy
    statement = page_text(client.get("/om/tilgaengelighed"))
    assert "Jobcenter Vejle arbejder for" in statement and "web@vejle.dk" in statement
    assert "Jobcenter Vejle · virksomhedsportal" in statement


def test_the_contacts_are_read_from_the_environment_and_checked(tmp_path):
    env = from_environment({"ORGANISATION_NAME": "  Jobcenter   Vejle ", "DPO_EMAIL": "dpo@vejle.dk"})
    config = defaults(str(tmp_path)) | BASE | env
    finalise(config, str(tmp_path))
    assert (config["ORGANISATION_NAME"], config["DPO_EMAIL"]) == ("Jobcenter Vejle", "dpo@vejle.dk")


@pytest.mark.parametrize("key, value", [
    ("ORGANISATION_NAME", ""), ("ORGANISATION_NAME", "x" * 121), ("DPO_EMAIL", "ingen"),
    ("DPO_EMAIL", "dpo@"), ("ACCESSIBILITY_EMAIL", "web vejle.dk"),
])
def test_a_bad_contact_setting_stops_the_start(tmp_path, key, value):
    with pytest.raises(ConfigError, match=key):
        finalise(defaults(str(tmp_path)) | BASE | {key: value}, str(tmp_path))


@pytest.mark.parametrize("days, text", [(1825, "5 år"), (365, "1 år"), (400, "400 dage"), (1, "1 dag")])
def test_days_read_as_a_dane_says_them(days, text):
    assert days_text(days) == text


@pytest.mark.parametrize("minutes, text", [(30, "30 minutter"), (720, "12 timer"), (60, "1 time"), (1, "1 minut")])
def test_minutes_read_as_a_dane_says_them(minutes, text):
    assert minutes_text(minutes) == text


def test_a_job_centres_own_accessibility_statement_is_where_the_footer_leads(tmp_path):
    app = create_app({**BASE, "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}",
                      "INSTANCE_PATH": str(tmp_path / "i"), "MATCHING_ENCODER": "hashing",
                      "ACCESSIBILITY_STATEMENT_URL": "https://www.was.digst.dk/jobbro-vejle-dk"})
    with app.app_context():
        db.create_all()
    response = app.test_client().get("/om/tilgaengelighed")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://www.was.digst.dk/jobbro-vejle-dk"


@pytest.mark.parametrize("url", ["http://was.digst.dk/x", "was.digst.dk", "https://", "javascript:alert(1)"])
def test_an_accessibility_statement_address_must_be_https(tmp_path, url):
    with pytest.raises(ConfigError, match="ACCESSIBILITY_STATEMENT_URL"):
        finalise({**BASE, "ACCESSIBILITY_STATEMENT_URL": url}, str(tmp_path))


def test_the_pages_say_who_wrote_them(client):
    for path in ("/om/privatliv", "/om/tilgaengelighed"):
        assert "skrevet af Jobbros udviklere" in page_text(client.get(path))
