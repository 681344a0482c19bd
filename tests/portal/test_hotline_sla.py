"""Service targets (portal.hotline.sla) with hand-made Danish local times."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from portal.hotline import sla

L = sla.LOCAL


def local(y, mo, d, h, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=L)


# 2026-11-23 is a Monday; 2026-11-27 a Friday.
@pytest.mark.parametrize("created, urgency, expected", [
    (local(2026, 11, 23, 10), "akut", local(2026, 11, 23, 16)),
    (local(2026, 11, 23, 13, 59), "akut", local(2026, 11, 23, 16)),
    (local(2026, 11, 23, 14), "akut", local(2026, 11, 24, 12)),
    (local(2026, 11, 23, 6, 15), "akut", local(2026, 11, 23, 16)),
    (local(2026, 11, 27, 15), "akut", local(2026, 11, 30, 12)),       # Friday afternoon
    (local(2026, 11, 27, 11), "akut", local(2026, 11, 27, 16)),       # Friday morning
    (local(2026, 11, 28, 9), "akut", local(2026, 11, 30, 12)),        # Saturday
    (local(2026, 4, 2, 10), "akut", local(2026, 4, 7, 12)),           # skærtorsdag .. 2. påskedag
    (local(2026, 12, 23, 15), "akut", local(2026, 12, 28, 12)),       # Christmas
    (local(2026, 11, 23, 10), "hoej", local(2026, 11, 24, 10)),
    (local(2026, 11, 27, 15, 30), "hoej", local(2026, 11, 30, 15, 30)),  # Friday afternoon
    (local(2026, 11, 27, 17), "hoej", local(2026, 12, 1, 8)),          # Friday after closing
    (local(2026, 11, 23, 6, 30), "hoej", local(2026, 11, 24, 8)),      # before opening
    (local(2026, 11, 29, 12), "hoej", local(2026, 12, 1, 8)),          # Sunday
    (local(2026, 11, 25, 11), "normal", local(2026, 11, 30, 11)),
    (local(2026, 11, 27, 16, 30), "normal", local(2026, 12, 3, 8)),
    (local(2027, 5, 5, 9), "normal", local(2027, 5, 11, 9)),           # Kristi himmelfart
    (local(2026, 3, 27, 10), "hoej", local(2026, 3, 30, 10)),          # across the DST change
])
def test_due_at(created, urgency, expected):
    due = sla.due_at(created, urgency)
    assert due.tzinfo is not None and due.utcoffset().total_seconds() == 0
    assert due == expected


def test_due_at_takes_naive_times_as_utc():
    # 12:30 UTC is 13:30 in Denmark in winter: before the akut cut-off.
    assert sla.due_at(datetime(2026, 11, 23, 12, 30), "akut") == local(2026, 11, 23, 16)
    # 13:30 UTC is 14:30 local: next working day.
    assert sla.due_at(datetime(2026, 11, 23, 13, 30), "akut") == local(2026, 11, 24, 12)


def test_unknown_urgency_is_refused():
    with pytest.raises(ValueError):
        sla.due_at(local(2026, 11, 23, 10), "lidt")


HOLIDAYS_2026 = {date(2026, 1, 1), date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 5), date(2026, 4, 6),
                 date(2026, 5, 14), date(2026, 5, 24), date(2026, 5, 25), date(2026, 6, 5),
                 date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 31)}
HOLIDAYS_2027 = {date(2027, 1, 1), date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 28), date(2027, 3, 29),
                 date(2027, 5, 6), date(2027, 5, 16), date(2027, 5, 17), date(2027, 6, 5),
                 date(2027, 12, 24), date(2027, 12, 25), date(2027, 12, 26), date(2027, 12, 31)}


@pytest.mark.parametrize("year, expected", [(2026, HOLIDAYS_2026), (2027, HOLIDAYS_2027)])
def test_holiday_table(year, expected):
    assert sla.holidays(year) == expected


@pytest.mark.parametrize("created, urgency, expected", [
    (local(2026, 5, 13, 10), "hoej", local(2026, 5, 15, 10)),    # Kristi himmelfartsdag (Thu 14 May)
    (local(2026, 5, 13, 15), "akut", local(2026, 5, 15, 12)),
    (local(2026, 5, 22, 10), "normal", local(2026, 5, 28, 10)),  # pinsedag and 2. pinsedag (24-25 May)
    (local(2026, 5, 22, 15), "akut", local(2026, 5, 26, 12)),
    (local(2026, 6, 4, 10), "hoej", local(2026, 6, 8, 10)),      # Grundlovsdag (Fri 5 June): closed
    (local(2026, 4, 30, 10), "hoej", local(2026, 5, 1, 10)),     # 1 May: open
])
def test_due_at_skips_kristi_himmelfart_pinse_and_grundlovsdag(created, urgency, expected):
    assert sla.due_at(created, urgency) == expected


def test_the_days_closed_by_agreement_are_kept_besides_the_public_holidays():
    # Not public holidays (the holidays package lists them as "optional" at most); the
    # job centre is closed on them by agreement, as before the package was used.
    for day in (date(2030, 6, 5), date(2030, 12, 24), date(2030, 12, 31)):
        assert day.weekday() < 5 and not sla.is_working_day(day)
    assert sla.is_working_day(date(2030, 5, 1))  # Arbejdernes kampdag: open


def test_easter_based_days_follow_easter_in_any_year():
    # Easter Sunday 2035 is 25 March, 2038 is 25 April (the latest in the century).
    assert {date(2035, 3, 22), date(2035, 3, 23), date(2035, 3, 26), date(2035, 5, 3),
            date(2035, 5, 14)} <= sla.holidays(2035)
    assert {date(2038, 4, 22), date(2038, 4, 23), date(2038, 4, 26), date(2038, 6, 3),
            date(2038, 6, 14)} <= sla.holidays(2038)


def test_store_bededag_is_a_working_day_from_2024():
    assert sla.is_working_day(date(2026, 5, 1))  # 4th Friday after Easter 2026
    assert not sla.is_working_day(date(2023, 5, 5))


@pytest.mark.parametrize("minutes, text", [
    (None, "–"), (0, "0 minutter"), (1, "1 minut"), (45, "45 minutter"), (60, "1 time"),
    (125, "2 timer 5 minutter"), (24 * 60, "1 dag"), (3 * 24 * 60 + 4 * 60 + 10, "3 dage 4 timer"),
])
def test_format_minutes(minutes, text):
    assert sla.format_minutes(minutes) == text


def test_overdue_and_answered_in_time():
    due = local(2026, 11, 23, 16)
    before, after = local(2026, 11, 23, 15, 59), local(2026, 11, 23, 16, 1)
    assert not sla.is_overdue(due, None, "open", before)
    assert sla.is_overdue(due, None, "open", after)
    assert not sla.is_overdue(due, before, "answered", after)
    assert not sla.is_overdue(due, None, "closed", after)
    assert sla.answered_in_time(due, after) is False
    assert sla.answered_in_time(due, before) is True
    naive = before.astimezone(timezone.utc).replace(tzinfo=None)  # as SQLite returns it
    assert sla.answered_in_time(due, naive) is True
    assert sla.answered_in_time(due, None) is None


def test_the_form_explains_the_targets_the_rules_give():
    """The hint is built from the same constants as the targets (it once said "før kl. 14" as if
    that were the answer time, while akut answers come by 16:00)."""
    hint = sla.urgency_hint()
    assert "før kl. 14, svar samme dag inden kl. 16, ellers inden kl. 12 næste arbejdsdag" in hint
    monday_13 = datetime(2026, 11, 30, 13, 0, tzinfo=sla.LOCAL)
    assert sla.to_local(sla.due_at(monday_13, "akut")).hour == sla.OFFICE_CLOSES.hour == 16


# --- office time: reminders and response times (review AI 4, 8) ------------------------

@pytest.mark.parametrize("due, minutes, expected", [
    (local(2026, 11, 23, 16), 60, local(2026, 11, 23, 15)),      # akut, same day
    (local(2026, 11, 24, 12), 60, local(2026, 11, 24, 11)),
    (local(2026, 12, 8, 8), 60, local(2026, 12, 7, 15)),         # Høj filed Sunday: Monday 15:00, not 07:00
    (local(2026, 11, 30, 8), 60, local(2026, 11, 27, 15)),       # Monday 08:00: the Friday before
    (local(2026, 11, 24, 8, 30), 60, local(2026, 11, 23, 15, 30)),  # spans the night
    (local(2026, 12, 28, 8), 60, local(2026, 12, 23, 15)),       # across Christmas
    (local(2026, 11, 23, 16), 9 * 60, local(2026, 11, 20, 15)),  # more than a working day
    (local(2026, 11, 23, 16), 0, local(2026, 11, 23, 16)),
])
def test_remind_at_counts_the_window_in_office_time(due, minutes, expected):
    assert sla.remind_at(due, minutes) == expected


@pytest.mark.parametrize("start, end, minutes", [
    (local(2026, 11, 23, 10), local(2026, 11, 23, 12, 5), 125),
    (local(2026, 11, 27, 15), local(2026, 11, 30, 9), 120),       # over a weekend: 1 + 1 hours
    (local(2026, 11, 27, 18), local(2026, 11, 29, 12), 0),        # nothing but time off
    (local(2026, 12, 23, 15), local(2026, 12, 28, 9), 120),       # Christmas
    (local(2026, 11, 23, 12), local(2026, 11, 23, 10), 0),
])
def test_working_minutes(start, end, minutes):
    assert sla.working_minutes(start, end) == minutes


@pytest.mark.parametrize("due, response, text", [
    (local(2026, 12, 28, 12), local(2026, 12, 28, 9), "3 timer før fristen"),  # not "4 dage 18 timer"
    (local(2026, 11, 23, 16), local(2026, 11, 23, 16), "ved fristen"),
    (local(2026, 11, 27, 16), local(2026, 11, 28, 10), "efter fristen"),    # late, on a Saturday
    (local(2026, 11, 27, 16), local(2026, 12, 1, 10), "1 arbejdsdag 2 timer efter fristen"),
    (local(2026, 11, 30, 8), local(2026, 11, 27, 15, 15), "45 minutter før fristen"),
    (local(2026, 11, 30, 8), local(2026, 11, 29, 12), "før fristen"),   # Sunday, for Monday 08:00
    (local(2026, 11, 30, 8), None, "–"),
])
def test_response_text_is_office_time_before_or_after_the_target(due, response, text):
    assert sla.response_text(due, response) == text


def test_the_hint_says_when_written_requests_are_handled():
    """The phone hours (HOTLINE_HOURS) are not the hours the targets count (review AI 9)."""
    assert (f"Skriftlige henvendelser behandles på arbejdsdage (mandag–fredag, ikke helligdage, grundlovsdag, "
            f"juleaftensdag og nytårsaftensdag) kl. {sla.OFFICE_OPENS.hour}–{sla.OFFICE_CLOSES.hour}") in sla.urgency_hint()
    # every day the targets skip besides the weekend is named (review AL 7)
    for month, day in sla.CLOSED_BY_AGREEMENT:
        assert not sla.is_working_day(date(2031, month, day))
