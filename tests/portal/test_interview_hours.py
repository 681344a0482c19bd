"""Interview times lie within 06:00–22:00 Danish time, for both sides' forms and the service."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from portal.extensions import db
from portal.interviews import booking, common, slots
from store.clock import LOCAL
from store.models import Interview, Proposal, User
from tests.clock import TODAY
from tests.portal.proposal_fixtures import disclosed_world

pytestmark = pytest.mark.usefixtures("frozen_today")

SATURDAY = TODAY + timedelta(days=(5 - TODAY.weekday()) % 7 or 7)


@pytest.fixture
def world(app, make_user):
    return disclosed_world(app, make_user)


def offer(client, auth, world, who, clock, duration="60"):
    auth.switch_to(world[who].email)
    data = {"csrf_token": auth.csrf_token("/"), "date1": SATURDAY.isoformat(), "time1": clock,
            "duration": duration, "location": "Kantinen"}
    return client.post(f"/samtaler/opslag/{world['opening']}/forslag/{world['proposal']}/tider", data=data)


def count(app) -> int:
    with app.app_context():
        return db.session.query(Interview).count()


@pytest.mark.parametrize("who", ["company", "consultant"])
@pytest.mark.parametrize("clock, duration", [("00:42", "60"), ("05:59", "30"), ("22:00", "15"),
                                             ("21:30", "60"), ("23:15", "45")])
def test_a_time_outside_the_working_day_is_refused_at_the_field(app, client, auth, world, who, clock, duration):
    response = offer(client, auth, world, who, clock, duration)
    assert count(app) == 0
    page = client.get(response.location).get_data(as_text=True)
    error = re.search(r'id="time1-error"><span class="sr-only">Fejl:</span>([^<]*)</span>', page)
    assert error and "Tid 1: samtaler holdes mellem kl. 06.00 og 22.00 (dansk tid)" in error.group(1)


@pytest.mark.parametrize("who", ["company", "consultant"])
@pytest.mark.parametrize("clock, duration", [("06:00", "60"), ("21:00", "60"), ("12:30", "45")])
def test_a_time_within_the_working_day_is_offered(app, client, auth, world, who, clock, duration):
    offer(client, auth, world, who, clock, duration)
    assert count(app) == 1


def test_the_service_refuses_a_night_time_too(app, world):
    with app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        user = db.session.get(User, world["company"].id)
        night = datetime.combine(SATURDAY, datetime.min.time().replace(minute=42), tzinfo=LOCAL)
        with pytest.raises(common.InterviewError, match="mellem kl. 06.00 og 22.00"):
            booking.offer(proposal, user, [slots.Slot(night, 60, "Kantinen")])
    assert count(app) == 0
