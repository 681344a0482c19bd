"""The start page's company answers, now chosen in SQL: which answers still need the consultant.

A decline stays for 14 Danish calendar days (DECLINED_RECENT_DAYS), counted from the local
date of the answer; any other answer stays until a placement exists for the pair.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

import pytest

from portal.extensions import db
from store.clock import LOCAL
from portal import consents
from store.models import Citizen, Consent, Opening, Placement, Proposal
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("frozen_today")


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LOCAL)


def test_answers_that_need_the_consultant(app, client, auth, make_user):
    vk, company = make_user("consultant"), make_user("company")
    first_day, day_after = date(2026, 11, 9), date(2026, 11, 8)  # TODAY - 14 and TODAY - 15
    answers = {  # citizen name → (status, company answer, answered at, placement started?)
        "Afvist for 14 dage siden": ("disclosed", "declined", _local(first_day, 0, 30), False),
        "Afvist for 15 dage siden": ("disclosed", "declined", _local(day_after, 23, 30), False),
        "Ansat uden forløb": ("disclosed", "hired", _local(TODAY, 8), False),
        "Ansat med forløb": ("disclosed", "hired", _local(TODAY, 8), True),
        "Interesseret før samtykke": ("approved", "interested", _local(TODAY, 9), False),
        "Afvist med forløb": ("disclosed", "declined", _local(TODAY, 9, 30), True),
    }
    with app.app_context():
        for name, (status, response, at, started) in answers.items():
            citizen = Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                              case_start=date(2026, 1, 5), hours_available=20, vk_id=vk.id)
            opening = Opening(company_id=company.company_id, kind="smaajob", title=f"Opslag til {name}",
                              postcode="8722", status="open")
            db.session.add_all([citizen, opening])
            db.session.flush()
            proposal = Proposal(citizen_id=citizen.id, opening_id=opening.id, status=status,
                                company_response=response, company_responded_at=at, decided_by_id=vk.id)
            if status == "disclosed":  # a shared name rests on a live consent
                proposal.consents.append(Consent(text_version=consents.CONSENT_TEXT_VERSION, channel="telefon",
                                                 deadline=TODAY + timedelta(days=90), recorded_by_id=vk.id))
            db.session.add(proposal)
            if started:
                db.session.add(Placement(citizen_id=citizen.id, company_id=company.company_id,
                                         opening_id=opening.id, kind="smaajob", start_date=TODAY))
        db.session.commit()
    auth.login(vk.email)
    html = client.get("/").get_data(as_text=True)
    section = re.search(r'<section data-testid="queue-svar">(.*?)</section>', html, re.DOTALL).group(1)
    rows = re.findall(r'<tr data-testid="queue-row"><th scope="row">([^<]+)</th>.*?<a href="[^"]+">([^<]+)<span class="sr-only">', section,
                      re.DOTALL)
    assert rows == [  # newest answer first
        ("Afvist med forløb", "Find en anden kandidat til opslaget"),
        ("Interesseret før samtykke", "Indhent samtykke og del navnet"),
        ("Ansat uden forløb", "Start forløbet"),
        ("Afvist for 14 dage siden", "Find en anden kandidat til opslaget"),
    ]
