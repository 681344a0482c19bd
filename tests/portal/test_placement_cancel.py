"""»Aflys forløbet«: a placement that never started is cancelled, not ended (review T 1).

The rule (:func:`portal.placements.lifecycle.cancel_refusal`): the start date lies after today
in Copenhagen and no follow-up is registered (hours typed before the start are removed with it:
review AR 1). The row is kept with end
reason "aflyst"; a confirmation page comes first; the company sees »Aflyst« and logs no hours;
the API says ``status: cancelled``.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.placements import lifecycle, service
from store.models import AuditEvent, Citizen, HoursLog, Placement, PlacementEvent
from tests.api.api_fixtures import bearer, make_token
from tests.portal.proposal_fixtures import build_world, set_status
from tests.clock import travel

TODAY = date(2026, 11, 23)
REASON = "Borgeren mødte ikke op"


@pytest.fixture(autouse=True)
def fixed_today():
    """The whole process, portal included, lives on TODAY (tests.clock.travel)."""
    with travel(TODAY):
        yield TODAY


@pytest.fixture
def world(app, make_user):
    world = build_world(app, make_user)
    set_status(app, world["proposal"], "disclosed", consent=True)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id, citizen.team_id = world["consultant"].id, world["consultant"].team_id
        db.session.commit()
    return world


def start(client, auth, world, start_date: str = "2026-12-01") -> int:
    auth.switch_to(world["consultant"].email)
    response = client.post(f"/forloeb/ny/{world['proposal']}", data={
        "kind": "virksomhedspraktik", "start_date": start_date, "weekly_hours": "12,5", "mark_filled": "",
        "csrf_token": auth.csrf_token("/")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/")[-2])


def post_cancel(client, auth, pid: int, reason: str = REASON, confirmed: str | None = "y"):
    data = {"reason": reason, "csrf_token": auth.csrf_token("/")}
    if confirmed is not None:
        data["confirmed"] = confirmed
    return client.post(f"/forloeb/{pid}/aflys", data=data)


def placement(app, pid: int) -> Placement:
    with app.app_context():
        row = db.session.get(Placement, pid)
        db.session.expunge(row)
        return row


def events(app, pid: int) -> list[tuple[str, str]]:
    with app.app_context():
        return [(e.kind, e.note) for e in db.session.scalars(
            sa.select(PlacementEvent).where(PlacementEvent.placement_id == pid).order_by(PlacementEvent.id))]


def test_a_placement_not_started_is_cancelled_after_a_confirmation_and_kept(app, client, auth, world):
    pid = start(client, auth, world)
    page = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    assert 'data-testid="cancel-form"' in page
    ask = post_cancel(client, auth, pid, confirmed=None)
    assert ask.status_code == 200
    html = ask.get_data(as_text=True)
    assert 'data-testid="confirm-cancel"' in html and REASON in html and "Ja, aflys forløbet" in html
    assert placement(app, pid).end_reason is None  # the first post writes nothing

    done = post_cancel(client, auth, pid)
    assert done.status_code == 302
    row = placement(app, pid)
    assert (row.start_date, row.end_date, row.end_reason) == (date(2026, 12, 1), date(2026, 12, 1), "aflyst")
    assert events(app, pid)[-1] == ("cancelled", REASON)
    with app.app_context():
        [audit] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "placement_ended")).all()
        assert audit.purpose == f"forloeb:{pid} aktiv->2026-12-01/aflyst" and REASON not in audit.purpose
        assert not service.is_active(db.session.get(Placement, pid), TODAY)
    page = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    assert "Forløbet er aflyst." in page and 'data-testid="cancelled-note"' in page
    assert 'data-testid="end-form"' not in page and 'data-testid="cancel-form"' not in page
    assert "Aflyst før start" in page


def test_an_opening_the_start_filled_is_named_after_the_cancellation(app, client, auth, world):
    auth.switch_to(world["consultant"].email)
    response = client.post(f"/forloeb/ny/{world['proposal']}", data={
        "kind": "virksomhedspraktik", "start_date": "2026-12-01", "weekly_hours": "12,5", "mark_filled": "y",
        "csrf_token": auth.csrf_token("/")})
    pid = int(response.headers["Location"].split("/")[-2])
    page = client.get(post_cancel(client, auth, pid).headers["Location"]).get_data(as_text=True)
    assert "står stadig som besat" in page
    # Review BI 5: the company's button is »Ret opslag«; »Rediger opslag« exists nowhere.
    assert "om at åbne opslaget igen (»Ret opslag« → status »Åben«)." in page and "Rediger" not in page


def test_the_pair_can_be_started_again_after_a_cancellation(app, client, auth, world):
    first = start(client, auth, world)
    assert post_cancel(client, auth, first).status_code == 302
    second = start(client, auth, world, "2026-12-15")
    assert second != first and placement(app, second).end_reason is None


@pytest.mark.parametrize("reason, message", [
    ("", "Skriv kort, hvorfor forløbet aflyses"),
    ("   ", "Skriv kort, hvorfor forløbet aflyses"),
    ("x" * 301, "højst være 300 tegn"),
])
def test_a_reason_is_required_and_short(app, client, auth, world, reason, message):
    pid = start(client, auth, world)
    for confirmed in (None, "y"):
        response = post_cancel(client, auth, pid, reason, confirmed)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert placement(app, pid).end_reason is None and events(app, pid) == [("started", "")]


def test_a_placement_starting_today_has_started_and_cannot_be_cancelled(app, client, auth, world):
    pid = start(client, auth, world, TODAY.isoformat())
    assert 'data-testid="cancel-form"' not in client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    response = post_cancel(client, auth, pid)
    assert response.status_code == 302
    page = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    assert "Ikke aflyst: Forløbet startede 23.11.2026 og kan ikke aflyses." in page
    assert placement(app, pid).end_reason is None


def test_a_follow_up_blocks_a_cancellation(app, client, auth, world):
    """Hours do not (review AR 1: they are removed with it, tests/portal/test_placement_before_start.py)."""
    pid = start(client, auth, world, "2026-11-28")
    with app.app_context():
        db.session.add(PlacementEvent(placement_id=pid, kind="followup", note="Talt med lederen"))
        db.session.commit()
        with pytest.raises(lifecycle.LifecycleError, match="opfølgning"):
            lifecycle.cancel_placement(db.session.get(Placement, pid), REASON, world["consultant"], TODAY)
    post_cancel(client, auth, pid)
    assert placement(app, pid).end_reason is None


def test_aflyst_is_not_a_reason_in_the_end_form_and_a_cancelled_one_is_not_ended(app, client, auth, world):
    pid = start(client, auth, world)
    page = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    end_form = page[page.index('data-testid="end-form"'):]
    assert 'value="afbrudt"' in end_form and 'value="aflyst"' not in end_form
    token = auth.csrf_token("/")
    refused = client.post(f"/forloeb/{pid}/afslut", data={"end_date": "2026-12-01", "end_reason": "aflyst",
                                                           "csrf_token": token})
    assert refused.status_code == 400 and placement(app, pid).end_reason is None
    assert post_cancel(client, auth, pid).status_code == 302
    client.post(f"/forloeb/{pid}/afslut", data={"end_date": "2026-12-01", "end_reason": "afbrudt",
                                                "csrf_token": token})
    assert placement(app, pid).end_reason == "aflyst"  # not turned into an ended placement


def test_the_company_sees_aflyst_and_logs_no_hours_and_the_api_says_cancelled(app, client, auth, world):
    pid = start(client, auth, world, "2026-11-28")
    assert post_cancel(client, auth, pid).status_code == 302
    auth.switch_to(world["company"].email)
    listed = client.get("/forloeb/").get_data(as_text=True)
    row = listed[listed.index(f'data-placement-id="{pid}"'):]
    assert '<td data-title="Status" data-testid="placement-status">Aflyst</td>' in row
    detail = client.get(f"/forloeb/{pid}").get_data(as_text=True)
    assert 'data-testid="cancelled"' in detail and 'data-testid="hours-form"' not in detail
    refused = client.post(f"/forloeb/{pid}/timer", data={"month": "2026-11", "hours": "3",
                                                         "csrf_token": auth.csrf_token("/")})
    assert refused.status_code == 400
    raw = make_token(app, world["company"])
    item = client.get(f"/api/v1/placements/{pid}", headers=bearer(raw)).json
    assert (item["status"], item["end_reason"], item["active"], item["loggable_months"]) == (
        "cancelled", "aflyst", False, [])
    api_hours = client.put(f"/api/v1/placements/{pid}/hours", json={"month": "2026-11", "hours": 3},
                           headers=bearer(raw))
    assert api_hours.status_code == 422
    ids = {status: [i["id"] for i in client.get(f"/api/v1/placements/?status={status}",
                                                headers=bearer(raw)).json["items"]]
           for status in ("active", "ended", "cancelled")}
    assert ids == {"active": [], "ended": [], "cancelled": [pid]}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursLog)) == 0


def test_a_partner_summary_counts_a_cancelled_placement_apart(app, client, auth, world):
    pid = start(client, auth, world)
    assert post_cancel(client, auth, pid).status_code == 302
    with app.app_context():
        summary = service.partner_summary(world["company"].company_id, TODAY)
    assert (summary.placements, summary.active, summary.ended, summary.cancelled) == (0, 0, 0, 1)
    assert "aflyst" not in summary.outcomes
