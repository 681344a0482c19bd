"""Hotline reminders and escalation (portal.hotline.reminders, ``flask --app portal hotline-reminders``).

The clock is injected: requests get hand-made due times, and ``reminders.run(now)`` is
called at chosen moments (the CLI test uses the real clock with due times relative to it).
"""
from __future__ import annotations

import smtplib
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal import mail
from portal.config import ConfigError, defaults, finalise, from_environment
from portal.extensions import db
from portal.hotline import reminders, service, sla
from portal.i18n import format_date
from store.models import (AuditEvent, Citizen, Company, HotlineMessage, HotlineRequest, Placement,
                           Team, User)
from tests.conftest import AuthActions

MARKER = "ZQXREMIND"
# Monday 23 November 2026, 16:00 in Copenhagen: an "akut" target.
DUE = datetime(2026, 11, 23, 16, 0, tzinfo=sla.LOCAL).astimezone(timezone.utc)


def at(minutes_after_due: float) -> datetime:
    return DUE + timedelta(minutes=minutes_after_due)


class FakeSMTP:
    """Records messages; refuses the addresses in ``refuse``; ``down`` refuses to connect."""

    sent: list = []
    refuse: set = set()
    down = False

    def __init__(self, host, port, timeout=None):
        if FakeSMTP.down:
            raise ConnectionRefusedError("mail server down")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        if message["To"] in FakeSMTP.refuse:
            raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"no")})
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    FakeSMTP.sent, FakeSMTP.refuse, FakeSMTP.down = [], set(), False
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=2525, PORTAL_URL="https://jobbro.test")
    return FakeSMTP


@pytest.fixture
def world(app, make_user):
    """A company with a placed citizen; VK ``vk`` in Team Syd with one active colleague
    (``mate``), an inactive one and a consultant in another team; a consultant alone in
    Team Nord, one without a team; an active and an inactive administrator."""
    contact = make_user("company", email="kontakt@firma.dk")
    users = {name: make_user("consultant", email=f"{name}@jc.dk")
             for name in ("vk", "mate", "north", "loner")}
    make_user("consultant", email="inaktiv@jc.dk", active=False)
    admin = make_user("admin", email="admin@jc.dk")
    make_user("admin", email="gammel-admin@jc.dk", active=False)
    with app.app_context():
        db.session.get(User, users["north"].id).team = Team(name="Team Nord")
        db.session.get(User, users["loner"].id).team_id = None
        company = db.session.get(Company, contact.company_id)
        company.name, company.consultant_id = "Hedensted Lager ApS", users["vk"].id
        citizen = Citizen(name=f"{MARKER}navn", postcode="8722", benefit_group="kontanthjaelp",
                          hours_available=10, readiness_group="paa_vej", case_start=date(2025, 1, 1),
                          vk_id=users["vk"].id)
        placement = Placement(citizen=citizen, company=company, kind="smaajob",
                              start_date=date(2026, 1, 1), weekly_hours=5)
        db.session.add_all([citizen, placement])
        db.session.commit()
        ids = {name: user.id for name, user in users.items()}
        return {**ids, "admin": admin.id, "contact": contact.id, "company": company.id,
                "placement": placement.id}


def make_request(app, world, *, due: datetime = DUE, assignee: str | None = "vk",
                 placement: bool = False) -> int:
    with app.app_context():
        request = HotlineRequest(
            company_id=world["company"], placement_id=world["placement"] if placement else None,
            category="fravaer", urgency="akut", subject=f"{MARKER} mødte ikke op", status="open",
            assigned_to_id=world[assignee] if assignee else None, created_by_id=world["contact"],
            created_at=due - timedelta(hours=6), due_at=due)
        request.messages.append(HotlineMessage(author_id=world["contact"], body=f"{MARKER} har det skidt",
                                               created_at=due - timedelta(hours=6)))
        db.session.add(request)
        db.session.commit()
        return request.id


def run(app, now: datetime) -> reminders.Summary:
    with app.app_context():
        return reminders.run(now)


def recipients(smtp) -> list[str]:
    return sorted(message["To"] for message in smtp.sent)


def stored(app, request_id: int) -> HotlineRequest:
    with app.app_context():
        found = db.session.get(HotlineRequest, request_id)
        db.session.expunge(found)
        return found


def audits(app, action: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(AuditEvent.purpose, AuditEvent.result).where(AuditEvent.action == action)
            .order_by(AuditEvent.id))]


@pytest.mark.parametrize("minutes_before_due, reminded", [
    (120, False), (61, False), (60, True), (30, True), (1, True), (0, False), (-1, False),
])
def test_reminder_only_inside_the_window(app, world, smtp, minutes_before_due, reminded):
    request_id = make_request(app, world)
    summary = run(app, at(-minutes_before_due))
    assert summary.reminded == int(reminded)
    assert (stored(app, request_id).reminded_at is not None) is reminded
    if reminded:
        [message] = smtp.sent
        assert message["To"] == "vk@jc.dk" and f"#{request_id}" in message["Subject"]
        assert "Svarfristen udløber kl. 16.00." in message.get_content()
        # the frame every mail has (review AD 6): greeting, link, the job centre's sign-off
        body = message.get_content()
        assert body.startswith("Goddag ") and "Læs og svar her: " in body
        assert "Venlig hilsen\nJobcenter Hedensted\n\n(Mailen er sendt automatisk" in body
    else:
        assert not any("udløber" in m["Subject"] for m in smtp.sent)


def test_reminder_names_the_day_when_the_target_is_not_today(app, world, smtp):
    app.config["HOTLINE_REMIND_BEFORE_MINUTES"] = 24 * 60
    make_request(app, world)
    run(app, at(-20 * 60))  # 20:00 the evening before
    [message] = smtp.sent
    assert "Svarfristen udløber kl. 16.00 den 23.11.2026." in message.get_content()


def test_window_zero_turns_reminders_off_but_still_escalates(app, world, smtp):
    app.config["HOTLINE_REMIND_BEFORE_MINUTES"] = 0
    make_request(app, world)
    assert run(app, at(-1)).reminded == 0
    assert run(app, at(1)).escalated == 1


@pytest.mark.parametrize("how", ["answered", "closed"])
def test_no_reminder_or_escalation_once_answered_or_closed(app, world, smtp, how):
    request_id = make_request(app, world)
    with app.app_context():
        request = db.session.get(HotlineRequest, request_id)
        if how == "answered":
            service.add_message(request, db.session.get(User, world["vk"]), "Vi ringer nu.", now=at(-90))
        else:
            service.close_request(request, now=at(-90))
    for minutes in (-30, 5, 60):
        assert run(app, at(minutes)) == reminders.Summary(mail_off=False)
    assert smtp.sent == []


def test_unassigned_request_is_reminded_to_the_fallback_group_and_escalated_to_admins(app, world, smtp):
    """No assignee: the reminder goes to the team of the company's consultant (review AI 1),
    the escalation to the administrators."""
    make_request(app, world, assignee=None)
    assert run(app, at(-30)).reminded == 1
    assert recipients(smtp) == ["mate@jc.dk", "vk@jc.dk"]
    smtp.sent.clear()
    assert run(app, at(5)).escalated == 1
    assert recipients(smtp) == ["admin@jc.dk"]


def test_escalation_goes_to_active_team_colleagues(app, world, smtp):
    request_id = make_request(app, world)
    summary = run(app, at(1))
    assert (summary.escalated, summary.failed) == (1, 0)
    # Not the assignee, not the inactive colleague, not other teams, not the admins.
    assert recipients(smtp) == ["mate@jc.dk"]
    [message] = smtp.sent
    assert f"Henvendelse #{request_id} er over svarfristen" in message.get_content()
    # the one who answers it takes it over (review BC 2), and the mail says so
    assert ("Svarer du, overtager du henvendelsen: virksomhedens nye beskeder går så til dig, og "
            "Consultant Testesen får besked." in message.get_content())
    assert f"#{request_id} er over svarfristen" in message["Subject"]
    assert stored(app, request_id).escalated_at is not None
    assert audits(app, "hotline_escalation") == [(f"hotline:{request_id} user:{world['mate']}", "ok")]


@pytest.mark.parametrize("assignee", ["loner", "north"])  # no team; a team of one
def test_escalation_goes_to_active_admins_without_team_or_colleague(app, world, smtp, assignee):
    make_request(app, world, assignee=assignee)
    assert run(app, at(1)).escalated == 1
    assert recipients(smtp) == ["admin@jc.dk"]


def test_each_mail_once_across_runs_every_15_minutes(app, world, smtp):
    request_id = make_request(app, world)
    summaries = [run(app, at(minutes)) for minutes in range(-60, 61, 15)]
    assert sum(s.reminded for s in summaries) == 1
    assert sum(s.escalated for s in summaries) == 1
    assert recipients(smtp) == ["mate@jc.dk", "vk@jc.dk"]
    assert [r for _, r in audits(app, "hotline_reminder")] == ["ok"]
    assert stored(app, request_id).reminded_at is not None


def test_two_concurrent_runs_send_each_mail_once(app, world, smtp, monkeypatch):
    soon = [make_request(app, world, due=at(30)) for _ in range(3)]
    late = [make_request(app, world, due=at(-30)) for _ in range(3)]
    barrier = threading.Barrier(2, timeout=30)
    read = reminders.candidates

    def both_read_before_either_claims(now, window):
        found = read(now, window)
        barrier.wait()
        return found

    monkeypatch.setattr(reminders, "candidates", both_read_before_either_claims)
    results: list = []

    def one_run():
        try:
            results.append(run(app, at(0)))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(exc)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(r, reminders.Summary) for r in results) and len(results) == 2, results
    assert sum(r.reminded for r in results) == len(soon)
    assert sum(r.escalated for r in results) == len(late)
    assert sum(r.failed for r in results) == 0
    assert recipients(smtp) == ["mate@jc.dk"] * len(late) + ["vk@jc.dk"] * len(soon)


def test_mails_hold_no_citizen_data_and_no_company_text(app, world, smtp):
    request_id = make_request(app, world, placement=True)
    run(app, at(-30))
    run(app, at(1))
    assert len(smtp.sent) == 2
    for message in smtp.sent:
        text = message.as_string() + message.get_content()
        assert MARKER not in text
        assert "Hedensted Lager ApS" in message.get_content() and "Fravær" in message.get_content()
        assert f"https://jobbro.test/hotline/{request_id}" in message.get_content()


def test_failing_recipient_is_audited_released_and_retried(app, world, smtp, caplog):
    failing = make_request(app, world)
    working = make_request(app, world, assignee="mate")
    smtp.refuse = {"vk@jc.dk"}
    summary = run(app, at(-30))
    assert (summary.reminded, summary.failed) == (1, 1)
    assert recipients(smtp) == ["mate@jc.dk"]
    assert (f"hotline:{failing} user:{world['vk']}", "failed") in audits(app, "hotline_reminder")
    assert (f"hotline:{working} user:{world['mate']}", "ok") in audits(app, "hotline_reminder")
    assert "retried on the next run" in caplog.text
    # Nobody got it, so it is not marked as sent: the next run tries again.
    assert stored(app, failing).reminded_at is None
    smtp.refuse = set()
    assert run(app, at(-15)).reminded == 1
    assert recipients(smtp) == ["mate@jc.dk", "vk@jc.dk"]


def test_cli_prints_the_summary(app, world, smtp, runner):
    now = sla.utc_now()
    soon = make_request(app, world, due=now + timedelta(minutes=30))
    make_request(app, world, due=now - timedelta(minutes=10))
    result = runner.invoke(args=["hotline-reminders"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "reminded 1, escalated 1, failed 0"
    assert any(f"https://jobbro.test/hotline/{soon}" in m.get_content() for m in smtp.sent)
    again = runner.invoke(args=["hotline-reminders"])
    assert again.output.strip() == "reminded 0, escalated 0, failed 0"


def test_cli_with_a_dead_mail_server_reports_failures_and_exits_0(app, world, smtp, runner):
    smtp.down = True
    make_request(app, world, due=sla.utc_now() + timedelta(minutes=30))
    make_request(app, world, due=sla.utc_now() - timedelta(minutes=10))
    result = runner.invoke(args=["hotline-reminders"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "reminded 0, escalated 0, failed 2"
    assert [r for _, r in audits(app, "hotline_escalation")] == ["failed"]


def test_cli_without_a_mail_server_says_the_mails_were_only_logged(app, world, runner):
    make_request(app, world, due=sla.utc_now() + timedelta(minutes=30))
    result = runner.invoke(args=["hotline-reminders"])
    assert result.exit_code == 0
    assert result.output.startswith("reminded 1, escalated 0, failed 0 (MAIL_SERVER is not set")


def test_cli_fails_clearly_when_the_database_is_unusable(app, runner):
    with app.app_context():  # a database the migrations have not reached
        db.session.execute(sa.text("ALTER TABLE hotline_request RENAME TO hotline_request_old"))
        db.session.commit()
    result = runner.invoke(args=["hotline-reminders"])
    assert result.exit_code != 0
    assert "the database cannot be used (OperationalError)" in result.output


def test_staff_see_escalated_marker_and_companies_do_not(app, world, smtp, client):
    request_id = make_request(app, world)
    auth = AuthActions(client)
    auth.switch_to("vk@jc.dk")
    assert 'data-testid="escalated"' not in client.get("/hotline/").get_data(as_text=True)
    run(app, at(1))
    with app.app_context():
        when = format_date(stored(app, request_id).escalated_at)  # dd.mm.yyyy kl. HH.MM, Danish time
    for page in ("/hotline/", f"/hotline/{request_id}"):
        # The date is written out, not in a tooltip only a mouse can bring up (review P 5).
        assert f'data-testid="escalated">Eskaleret {when}</span>' in client.get(page).get_data(as_text=True)
    auth.switch_to("kontakt@firma.dk")
    for page in ("/hotline/", f"/hotline/{request_id}"):
        assert "Eskaleret" not in client.get(page).get_data(as_text=True)


def test_remind_before_minutes_from_the_environment(tmp_path):
    assert from_environment({"HOTLINE_REMIND_BEFORE_MINUTES": "30"}) == {"HOTLINE_REMIND_BEFORE_MINUTES": 30}
    with pytest.raises(ConfigError, match="HOTLINE_REMIND_BEFORE_MINUTES must be a whole number"):
        from_environment({"HOTLINE_REMIND_BEFORE_MINUTES": "en time"})
    config = {**defaults(str(tmp_path)), "HOTLINE_REMIND_BEFORE_MINUTES": -5}
    with pytest.raises(ConfigError, match="HOTLINE_REMIND_BEFORE_MINUTES"):
        finalise(config, str(tmp_path))
    assert defaults(str(tmp_path))["HOTLINE_REMIND_BEFORE_MINUTES"] == 60


def test_a_request_put_back_to_waiting_is_reminded_and_escalated_on_its_own_target(app, world, smtp):
    """The company wrote again and waits for an answer: that wait has its target (counted from
    the message) and gets its own reminder and escalation, once each."""
    request_id = make_request(app, world)
    run(app, at(30))  # the first wait escalates
    with app.app_context():
        request = db.session.get(HotlineRequest, request_id)
        service.add_message(request, db.session.get(User, world["vk"]), "Vi ringer i morgen.", now=at(60))
        service.add_message(request, db.session.get(User, world["contact"]), "Han kom heller ikke i dag.",
                            now=at(24 * 60), awaits_answer=True)
        request = db.session.get(HotlineRequest, request_id)
        target = sla.current_due(request)
        assert request.waiting_since is not None and target > at(24 * 60)
        assert request.reminded_at is None and request.escalated_at is None
    smtp.sent.clear()
    window = app.config["HOTLINE_REMIND_BEFORE_MINUTES"]
    before = target - timedelta(minutes=window / 2)
    assert run(app, before).reminded == 1 and recipients(smtp) == ["vk@jc.dk"]
    assert "Svarfrist: " + sla.to_local(target).strftime("%d.%m.%Y kl. %H.%M") in smtp.sent[0].get_content()
    assert run(app, before).reminded == 0  # once
    smtp.sent.clear()
    summary = run(app, target + timedelta(minutes=5))
    assert summary.escalated == 1 and "mate@jc.dk" in recipients(smtp)
    assert run(app, target + timedelta(minutes=20)).escalated == 0
    with app.app_context():  # a reply ends the wait: nothing more
        service.add_message(db.session.get(HotlineRequest, request_id), db.session.get(User, world["vk"]),
                            "Jeg ringer nu.", now=target + timedelta(minutes=30))
    assert run(app, target + timedelta(hours=3)) == reminders.Summary()


def test_a_note_for_information_starts_no_new_wait(app, world, smtp):
    request_id = make_request(app, world)
    with app.app_context():
        request = db.session.get(HotlineRequest, request_id)
        service.add_message(request, db.session.get(User, world["vk"]), "Vi ringer.", now=at(-60))
        service.add_message(request, db.session.get(User, world["contact"]), "Tak.", now=at(0),
                            awaits_answer=False)
    assert run(app, at(3 * 24 * 60)) == reminders.Summary()


def test_a_target_at_the_office_opening_is_reminded_the_working_day_before(app, world, smtp):
    """Høj, filed on a Sunday: due Tuesday 08:00. The reminder comes Monday at 15:00, before the
    office closes, not at 07:00 on Tuesday (review AI 4)."""
    due = datetime(2026, 12, 8, 8, 0, tzinfo=sla.LOCAL).astimezone(timezone.utc)
    request_id = make_request(app, world, due=due)
    monday = datetime(2026, 12, 7, 14, 59, tzinfo=sla.LOCAL).astimezone(timezone.utc)
    assert run(app, monday).reminded == 0
    assert run(app, monday + timedelta(minutes=1)).reminded == 1
    assert recipients(smtp) == ["vk@jc.dk"]
    assert "Svarfristen udløber kl. 08.00 den 08.12.2026." in smtp.sent[0].get_content()
    assert stored(app, request_id).reminded_at is not None
    with app.app_context():
        assert reminders.candidates(due - timedelta(minutes=55), timedelta(minutes=60)) == ([], [])


# --- review BC 1: an assignee nobody stands in for ------------------------------------------

def test_an_overdue_request_of_the_only_administrator_is_escalated_to_the_team_closest_to_it(app, world, smtp):
    """The only active administrator, without a team, answered and so is the assignee: nobody
    was left to ask, so the job logged a failure every 15 minutes forever (review BC 1). The
    escalation falls back as a request without an assignee is announced: here the team of the
    company's consultant."""
    request_id = make_request(app, world, assignee="admin")
    summary = run(app, at(1))
    assert (summary.escalated, summary.failed) == (1, 0)
    assert recipients(smtp) == ["mate@jc.dk", "vk@jc.dk"]  # never the assignee
    assert stored(app, request_id).escalated_at is not None
    assert run(app, at(16)) == reminders.Summary()


def test_with_a_duty_consultant_the_escalation_of_the_only_administrator_goes_to_them(app, world, smtp):
    from portal.hotline import duty

    with app.app_context():
        duty.set_duty(db.session.get(User, world["admin"]), world["north"])
    make_request(app, world, assignee="admin")
    assert run(app, at(1)).escalated == 1
    assert [m["To"] for m in smtp.sent] == ["north@jc.dk"]


def test_the_duty_consultant_asked_to_step_in_reads_the_escalated_request_without_a_purpose(app, world, smtp):
    """Those the fallback escalation asks get the thread as the team colleagues do (review AL 3)."""
    from portal.hotline import duty, need_to_know

    request_id = make_request(app, world, assignee="admin", placement=True)
    with app.app_context():
        duty.set_duty(db.session.get(User, world["admin"]), world["north"])
        north, loner = db.session.get(User, world["north"]), db.session.get(User, world["loner"])
        request = db.session.get(HotlineRequest, request_id)
        assert not need_to_know.may_read(north, request)  # not escalated: outside north's case
    assert run(app, at(1)).escalated == 1
    with app.app_context():
        request = db.session.get(HotlineRequest, request_id)
        north, loner = db.session.get(User, world["north"]), db.session.get(User, world["loner"])
        assert need_to_know.may_read(north, request)
        assert not need_to_know.may_read(loner, request)  # not asked


def test_with_nobody_at_all_to_ask_the_escalation_is_given_up_once(app, world, smtp, caplog):
    """No other active staff user: one »Ingen modtager« row in the access log and one failure,
    not one every 15 minutes for as long as the request waits (review BC 1)."""
    request_id = make_request(app, world, assignee="admin")
    with app.app_context():
        for user in db.session.scalars(sa.select(User).where(User.role == "consultant")):
            user.active = False
        db.session.commit()
    summaries = [run(app, at(minutes)) for minutes in range(1, 24 * 60, 15)]
    assert sum(s.failed for s in summaries) == 1 and sum(s.escalated for s in summaries) == 0
    assert smtp.sent == []
    assert audits(app, "hotline_escalation") == [(f"hotline:{request_id}", "no_recipient")]
    assert "not retried for this wait" in caplog.text
