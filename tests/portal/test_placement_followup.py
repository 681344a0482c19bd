"""Registrér opfølgning: only on a placement that has started, and only with a note."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.placements import lifecycle
from store.models import Opening, Placement, PlacementEvent
from tests.clock import TODAY
from tests.portal.proposal_fixtures import build_world

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def world(app, make_user):
    return build_world(app, make_user)


def placement(app, world, start: date) -> int:
    with app.app_context():
        opening = db.session.get(Opening, world["opening"])
        row = Placement(citizen_id=world["citizen"], opening_id=opening.id, company_id=opening.company_id,
                        kind="virksomhedspraktik", start_date=start, weekly_hours=10)
        db.session.add(row)
        db.session.commit()
        return row.id


def follow_up(client, auth, world, pid: int, note: str):
    auth.switch_to(world["consultant"].email)
    return client.post(f"/forloeb/{pid}/opfoelgning", data={"followup_note": note, "csrf_token": auth.csrf_token("/")})


def followups(app, pid: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(PlacementEvent.note).where(
            PlacementEvent.placement_id == pid, PlacementEvent.kind == "followup")))


def test_a_placement_not_started_offers_no_follow_up_and_refuses_one(app, client, auth, world):
    pid = placement(app, world, TODAY + timedelta(days=8))
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    assert 'data-testid="followup-form"' not in html
    assert "Forløbet starter 01.12.2026. Opfølgning kan registreres fra startdatoen." in html
    response = follow_up(client, auth, world, pid, "Aftalt møde før start")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Forløbet starter først 01.12.2026. Opfølgning kan registreres fra startdatoen" in page
    assert followups(app, pid) == []


def test_a_follow_up_on_the_start_day_is_registered(app, client, auth, world):
    pid = placement(app, world, TODAY)
    auth.switch_to(world["consultant"].email)
    assert 'data-testid="followup-form"' in client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    assert follow_up(client, auth, world, pid, "Første dag gik godt").status_code == 302
    assert followups(app, pid) == ["Første dag gik godt"]


@pytest.mark.parametrize("note", ["", "   ", "\n\t"])
def test_an_empty_follow_up_is_refused(app, client, auth, world, note):
    pid = placement(app, world, TODAY - timedelta(days=30))
    response = follow_up(client, auth, world, pid, note)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Skriv kort, hvad opfølgningen handlede om" in html
    assert "Ikke gemt: ret det, der er markeret under »Registrér opfølgning«" in html
    assert followups(app, pid) == []


def test_the_service_refuses_both_at_once(app, world):
    pid = placement(app, world, TODAY + timedelta(days=1))
    with app.app_context():
        row = db.session.get(Placement, pid)
        with pytest.raises(lifecycle.LifecycleError) as caught:
            lifecycle.check_followup(row, "", TODAY)
    assert [e.field for e in caught.value.every] == [None, "followup_note"]


def test_the_last_follow_up_is_a_follow_up_not_any_event(app, world):
    """A start registered late or a correction is no follow-up: "Seneste opfølgning" and the
    month's flag read the follow-ups alone (review J 5)."""
    from datetime import datetime, timezone

    from portal.placements.followup import list_followups
    from store.models import Citizen, User

    pid = placement(app, world, TODAY - timedelta(days=70))
    with app.app_context():
        def at(days_ago: int) -> datetime:
            day = TODAY - timedelta(days=days_ago)
            return datetime(day.year, day.month, day.day, 10, tzinfo=timezone.utc)

        db.session.add_all([PlacementEvent(placement_id=pid, kind="followup", note="Godt i gang", at=at(60)),
                            PlacementEvent(placement_id=pid, kind="started", note="", at=at(3)),
                            PlacementEvent(placement_id=pid, kind="corrected", note="Timer rettet", at=at(1))])
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.commit()
        user = db.session.get(User, world["consultant"].id)
        [row] = [r for r in list_followups(user, "mine", TODAY) if r.placement.id == pid]
    assert row.last_followup == TODAY - timedelta(days=60)  # 24.09: October had none, nor November since
    assert "Ingen opfølgning i oktober 2026" in row.flags


def test_a_restricted_citizens_placement_asks_for_nothing_and_refuses_a_follow_up(app, client, auth, world):
    """Review L 5: while processing is restricted (art. 18) nothing new is registered; the list
    says why instead of flagging the placement, and the page does not call the consent lapsed."""
    from portal.placements import followup
    from store.models import Citizen, User

    pid = placement(app, world, TODAY - timedelta(days=40))  # no hours, no follow-up: flagged
    with app.app_context():
        user = db.session.get(User, world["consultant"].id)
        db.session.get(Citizen, world["citizen"]).vk_id = user.id
        db.session.commit()
        rows = [r for r in followup.list_followups(user, "mine", TODAY) if r.placement.id == pid]
        assert rows and followup.needs_follow_up(rows[0])
        db.session.get(Citizen, world["citizen"]).restricted = True
        db.session.commit()
        rows = [r for r in followup.list_followups(user, "mine", TODAY) if r.placement.id == pid]
        assert rows and rows[0].placement.restricted and not followup.needs_follow_up(rows[0])
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    assert 'data-testid="followup-form"' not in html and 'data-testid="followup-restricted"' in html
    assert 'data-testid="placement-restricted"' in html and "er udløbet" not in html
    response = follow_up(client, auth, world, pid, "Sendt før begrænsningen")
    assert response.status_code == 302
    assert "der registreres ikke opfølgning" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert followups(app, pid) == []


def test_an_end_registered_ahead_stays_on_the_list_until_its_date(app, world):
    """Review AG 3: the placement runs until the end date (service.is_active, every page's rule),
    so it is followed up, flagged and counted as any running one until then."""
    from portal.placements.followup import count_followups, list_followups
    from store.models import Citizen, User

    pid = placement(app, world, TODAY - timedelta(days=80))
    with app.app_context():
        row = db.session.get(Placement, pid)
        row.end_date, row.end_reason = TODAY + timedelta(days=20), "afbrudt"
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.commit()
        user = db.session.get(User, world["consultant"].id)
        [found] = [r for r in list_followups(user, "mine", TODAY) if r.placement.id == pid]
        assert found.ends == TODAY + timedelta(days=20)
        assert "Ingen opfølgning i oktober 2026" in found.flags
        assert count_followups(user, "mine", TODAY) == len(list_followups(user, "mine", TODAY))
        on_the_day = TODAY + timedelta(days=20)  # ended that day: off the list (no job, no retention)
        assert pid not in [r.placement.id for r in list_followups(user, "mine", on_the_day)]
        assert count_followups(user, "mine", on_the_day) == len(list_followups(user, "mine", on_the_day))


def test_the_list_marks_an_end_registered_ahead(app, client, auth, world):
    pid = placement(app, world, TODAY - timedelta(days=80))
    with app.app_context():
        row = db.session.get(Placement, pid)
        row.end_date, row.end_reason = TODAY + timedelta(days=20), "ordinaert_job"
        row.citizen.vk_id = world["consultant"].id
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    page = client.get("/forloeb/opfoelgning?omfang=mine").get_data(as_text=True)
    assert f"Slutter {(TODAY + timedelta(days=20)):%d.%m.%Y}" in page
    assert f"Se forløb nr. {pid}" in page and f"Registrér fastholdelse, forløb nr. {pid}" not in page


def test_months_missed_earlier_stay_flagged(app, world):
    """Review AG 2: a month without hours is flagged after it is no longer last month, every
    month of the last year the placement ran a week of."""
    from decimal import Decimal

    from portal.placements.followup import list_followups
    from store.models import Citizen, HoursLog, User

    pid = placement(app, world, date(2026, 8, 31))  # one day of August: no hours to miss for it
    with app.app_context():
        db.session.add(HoursLog(placement_id=pid, month=date(2026, 10, 1), hours=Decimal("30")))
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.commit()
        user = db.session.get(User, world["consultant"].id)
        [row] = [r for r in list_followups(user, "mine", date(2026, 12, 6)) if r.placement.id == pid]
        assert row.flags[:2] == ["Ingen timer for november 2026", "Timer mangler stadig for september 2026"]
        db.session.add(HoursLog(placement_id=pid, month=date(2026, 11, 1), hours=Decimal("30")))
        db.session.commit()
        [row] = [r for r in list_followups(user, "mine", date(2027, 1, 6)) if r.placement.id == pid]
        assert row.flags[:2] == ["Ingen timer for december 2026", "Timer mangler stadig for september 2026"]


def test_months_text_names_the_months_by_year():
    from portal.placements.followup import months_text

    assert months_text([date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]) == "september, oktober og november 2026"
    assert months_text([date(2025, 12, 1), date(2026, 1, 1)]) == "december 2025 og januar 2026"


def test_the_placement_page_names_the_months_without_hours(app, client, auth, world):
    """Review AG 2: the consultant's placement page lists the missing months, not only those with hours."""
    from decimal import Decimal

    from store.models import HoursLog

    pid = placement(app, world, date(2026, 8, 31))
    with app.app_context():
        db.session.add(HoursLog(placement_id=pid, month=date(2026, 9, 1), hours=Decimal("30")))
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    assert "Ingen timer for oktober 2026." in html  # not August (one day), not September (logged)


def _followed_up(app, pid: int, *moments) -> None:
    """Follow-ups of ``pid`` registered at the given UTC moments."""
    from datetime import timezone

    with app.app_context():
        db.session.add_all([PlacementEvent(placement_id=pid, kind="followup", note="Opfølgning",
                                           at=moment.replace(tzinfo=timezone.utc)) for moment in moments])
        db.session.commit()


def test_a_calendar_month_without_follow_up_is_flagged_also_31_days_after_the_last(app, world):
    """Review AG 5: follow-ups on 31.10 and then 01.12 are 31 days apart, yet November had none.
    On 01.12 the row is flagged »Ingen opfølgning i november 2026« (the rolling 31 days never
    flagged it); a follow-up in the month in progress answers the flag, and in November itself
    (October followed up, November not over yet) nothing is missed."""
    from datetime import datetime

    from decimal import Decimal

    from portal.placements import followup
    from store.models import Citizen, HoursLog, User

    pid = placement(app, world, date(2026, 9, 1))
    _followed_up(app, pid, datetime(2026, 9, 15, 9), datetime(2026, 10, 31, 9))
    with app.app_context():
        db.session.add_all([HoursLog(placement_id=pid, month=date(2026, month, 1), hours=Decimal("40"))
                            for month in (9, 10, 11)])
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.commit()
        user = db.session.get(User, world["consultant"].id)

        def flags(day: date) -> list[str]:
            [row] = [r for r in followup.list_followups(user, "mine", day) if r.placement.id == pid]
            return row.flags

        assert flags(date(2026, 11, 30)) == []
        assert flags(date(2026, 12, 1)) == ["Ingen opfølgning i november 2026"]
        assert flags(date(2026, 12, 20)) == ["Ingen opfølgning i november 2026"]
    _followed_up(app, pid, datetime(2026, 12, 1, 9))
    with app.app_context():
        assert flags(date(2026, 12, 1)) == []
        assert not [f for f in flags(date(2027, 1, 4)) if "opfølgning" in f]  # December had the one on 01.12
        assert "Ingen opfølgning i januar 2027" in flags(date(2027, 2, 1))


def test_the_start_page_count_and_the_narrowed_list_hold_the_month_without_follow_up(app, client, auth, world):
    """The start page's count of placements that need follow-up, the list narrowed to them and
    count_followups (the list's rows) agree, with the calendar month's flag in them (review AG 5)."""
    import re
    from datetime import datetime

    from decimal import Decimal

    from portal.placements import followup
    from store.models import Citizen, HoursLog, User

    pid = placement(app, world, date(2026, 9, 1))  # followed up 30.09 and 31.10, then none in November
    _followed_up(app, pid, datetime(2026, 9, 30, 9), datetime(2026, 10, 31, 9))
    waiting = placement(app, world, TODAY + timedelta(days=10))  # listed, never flagged
    with app.app_context():
        db.session.add_all([HoursLog(placement_id=pid, month=date(2026, month, 1), hours=Decimal("40"))
                            for month in (9, 10, 11)])
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.commit()
    day = date(2026, 12, 1)  # 31.10 is exactly 31 days ago: the rolling month never flagged it
    from tests.clock import travel

    with travel(day):
        auth.switch_to(world["consultant"].email)
        start = client.get("/").get_data(as_text=True)
        narrowed = client.get("/forloeb/opfoelgning?kraever=1").get_data(as_text=True)
        with app.app_context():
            user = db.session.get(User, world["consultant"].id)
            listed = followup.list_followups(user, "mine", day)
            assert followup.count_followups(user, "mine", day) == len(listed) == 2
    shown = re.search(r'data-testid="count-opfoelgning"[^>]*>(\d+)<', start)
    assert shown and int(shown.group(1)) == 1
    rows = re.findall(r'data-testid="followup-row" data-placement-id="(\d+)"', narrowed)
    assert rows == [str(pid)] and str(waiting) not in rows
    assert "Ingen opfølgning i november 2026" in narrowed
    assert '<strong data-testid="flagged-count">1</strong>' in narrowed


def test_the_placement_page_names_the_months_without_follow_up(app, client, auth, world):
    """Review AG 5 (nr. 390 on the demo): follow-ups on 29.01 and 06.04 leave February and March
    without one, and that stays visible after the next follow-up; so do the months since. The
    first month counts only with a week run, the month in progress is not missed yet, and the
    month is the Danish date's (23:30 UTC on 31.10 is 1 November)."""
    from datetime import datetime

    pid = placement(app, world, date(2026, 1, 27))  # 5 days of January: not missed
    _followed_up(app, pid, datetime(2026, 1, 29, 9), datetime(2026, 4, 6, 9), datetime(2026, 5, 31, 23, 30),
                 datetime(2026, 7, 31, 23, 30), datetime(2026, 9, 10, 9), datetime(2026, 10, 10, 9))
    auth.switch_to(world["consultant"].email)
    html = client.get(f"/forloeb/{pid}/konsulent").get_data(as_text=True)
    assert ('data-testid="followup-missing"><strong>Ingen opfølgning i februar, marts, maj og juli 2026.'
            '</strong>') in html  # 31.05 23:30 UTC is June, 31.07 23:30 UTC is August; November is going on


def test_months_without_followup_since_the_start_and_until_the_end():
    from portal.placements.followup import months_without_followup

    running = Placement(kind="smaajob", start_date=date(2026, 8, 25), weekly_hours=5)
    assert months_without_followup(running, date(2026, 12, 1), {date(2026, 10, 31), date(2026, 12, 1)}) == [
        date(2026, 8, 1), date(2026, 9, 1), date(2026, 11, 1)]
    ended = Placement(kind="smaajob", start_date=date(2026, 8, 25), end_date=date(2026, 10, 5), weekly_hours=5)
    assert months_without_followup(ended, date(2026, 12, 1), {date(2026, 8, 20)}) == [  # before the start: none
        date(2026, 8, 1), date(2026, 9, 1)]  # 5 days of October: not missed


def test_an_end_registered_ahead_takes_the_follow_up_that_clears_its_flag(app, client, auth, world):
    """Review AH 1: the list flags a placement whose end is registered ahead, so its page shows
    the follow-up form and the route takes the follow-up (one rule, service.followed_up), which
    answers the flag. The flash and the company's notice say when it ends, not that it has
    ended (review AH 5)."""
    from decimal import Decimal

    from portal.placements import followup
    from store.models import Citizen, HoursLog, Notification, User

    pid = placement(app, world, TODAY - timedelta(days=80))  # 04.09.2026
    with app.app_context():
        db.session.add_all([HoursLog(placement_id=pid, month=date(2026, month, 1), hours=Decimal("40"))
                            for month in (9, 10)])
        db.session.get(Citizen, world["citizen"]).vk_id = world["consultant"].id
        db.session.commit()
    auth.switch_to(world["consultant"].email)
    response = client.post(f"/forloeb/{pid}/afslut", data={
        "end_date": "2026-12-13", "end_reason": "ordinaert_job", "note": "", "csrf_token": auth.csrf_token("/")})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Slutdatoen er registreret: forløbet slutter 13.12.2026 og kører indtil da." in html
    assert "Forløbet er afsluttet." not in html and 'data-testid="followup-form"' in html
    with app.app_context():
        notes = list(db.session.scalars(sa.select(Notification.text).where(Notification.kind == "placement_ended")))
        assert notes and all(f"forløb nr. {pid} (" in n and n.endswith("slutter 13.12.2026. Udfald: ordinært job.")
                             and "afsluttet" not in n for n in notes)

        def row():
            user = db.session.get(User, world["consultant"].id)
            [found] = [r for r in followup.list_followups(user, "mine", TODAY) if r.placement.id == pid]
            return found

        assert row().flags == ["Ingen opfølgning i oktober 2026"] and row().ends == date(2026, 12, 13)
    response = follow_up(client, auth, world, pid, "Talt med lederen")
    assert response.status_code == 302
    assert "Opfølgningen er registreret." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert followups(app, pid) == ["Talt med lederen"]
    with app.app_context():
        assert row().flags == [] and not followup.needs_follow_up(row())


def test_a_passed_end_refuses_the_follow_up_saying_when_it_ended(app, client, auth, world):
    pid = placement(app, world, TODAY - timedelta(days=80))
    with app.app_context():
        row = db.session.get(Placement, pid)
        row.end_date, row.end_reason = TODAY - timedelta(days=3), "afbrudt"
        db.session.commit()
    response = follow_up(client, auth, world, pid, "For sent")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Forløbet sluttede 20.11.2026, så der registreres ikke opfølgning." in page
    assert 'data-testid="followup-form"' not in page and followups(app, pid) == []
