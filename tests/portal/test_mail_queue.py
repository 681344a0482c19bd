"""The durable mail queue: claiming, sending once, back-off, giving up, blanking, the CLI, the kick."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from portal import mail
from portal.extensions import db
from portal.notifications import mailer
from portal.notifications.service import notify
from store.models import AuditEvent, MailMessage, User
from tests.portal.smtp_fake import FakeServer

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=timezone.utc)  # after every queued row's available_at
QUEUED = NOW - timedelta(minutes=1)  # when queue() dates its mails: the give-up clock starts there


@pytest.fixture
def mail_app(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=2525, PORTAL_URL="https://jobbro.test")
    return app


@pytest.fixture
def user(make_user):
    return make_user("consultant", email="vk@jc.dk")


def queue(app, user, n: int = 1, **kwargs) -> list[int]:
    with app.test_request_context():
        db_user = db.session.get(User, user.id)
        for i in range(n):
            notify(db_user, "opening_posted", f"Nyt opslag {i}", f"/kandidater/opslag/{i}", **kwargs)
        db.session.execute(sa.update(MailMessage).values(created_at=QUEUED))
        db.session.commit()
        return list(db.session.scalars(sa.select(MailMessage.id).order_by(MailMessage.id)))


def claim_one(session, now: datetime) -> MailMessage | None:
    """The oldest due mail, claimed alone; None when none is due or all are taken."""
    claimed = mailer.claim_many(session, now, limit=1)
    return claimed[0] if claimed else None


def rows(app) -> list[MailMessage]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(MailMessage).order_by(MailMessage.id)))
        for row in found:
            db.session.expunge(row)
        return found


def test_a_due_mail_is_sent_once_with_absolute_links_and_then_blanked(mail_app, user):
    queue(mail_app, user)
    server = FakeServer()
    with mail_app.app_context():
        assert mailer.drain(now=NOW, connect=server) == mailer.DrainResult(sent=1)
        assert mailer.drain(now=NOW + timedelta(hours=1), connect=server) == mailer.DrainResult()
    [message] = server.sent
    assert message["To"] == "vk@jc.dk" and message["Subject"] == "Nyt opslag 0"
    assert "https://jobbro.test/kandidater/opslag/0" in mail.text_of(message)
    [row] = rows(mail_app)
    assert row.status == "sent" and row.attempts == 1 and row.body == "" and row.ics is None
    assert row.sent_at is not None and row.claimed_until is None


def test_two_workers_never_claim_the_same_mail(mail_app, user):
    queue(mail_app, user)
    with mail_app.app_context():
        with sa.orm.Session(db.engine) as first, sa.orm.Session(db.engine) as second:
            assert claim_one(first, NOW) is not None
            assert claim_one(second, NOW) is None  # held by the first claim's lease
            assert claim_one(second, NOW + mailer.LEASE + timedelta(seconds=1)) is not None  # lease over


def test_mails_are_claimed_in_batches_and_never_twice(mail_app, user):
    ids = queue(mail_app, user, mailer.CLAIM_BATCH + 3)
    with mail_app.app_context():
        with sa.orm.Session(db.engine) as first, sa.orm.Session(db.engine) as second:
            batch = mailer.claim_many(first, NOW)
            rest = mailer.claim_many(second, NOW)
            assert [r.id for r in batch] == ids[:mailer.CLAIM_BATCH]  # the oldest first
            assert [r.id for r in rest] == ids[mailer.CLAIM_BATCH:]
            assert mailer.claim_many(second, NOW) == []  # all held


def test_a_drain_writes_once_per_mail_and_once_per_batch(mail_app, user):
    """On SQLite every write transaction waits for the one write lock: a mail's outcome and
    its audit event share one, and a batch of mails shares its claim."""
    n = mailer.CLAIM_BATCH + 2
    queue(mail_app, user, n)
    commits = []

    def count(connection):
        commits.append(connection)

    with mail_app.app_context():
        sa.event.listen(db.engine, "commit", count)
        try:
            assert mailer.drain(now=NOW, connect=FakeServer()).sent == n
        finally:
            sa.event.remove(db.engine, "commit", count)
        audited = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "mail_sent"))
    assert audited == n
    assert len(commits) <= n + 3  # n outcomes, two claims and the last, empty one


def test_an_outcome_is_not_kept_without_its_audit_event(mail_app, user, monkeypatch):
    queue(mail_app, user)

    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT INTO audit_event", {}, Exception("disk I/O error"))

    monkeypatch.setattr(mailer.audit, "record_in", broken)
    with mail_app.app_context():
        with sa.orm.Session(db.engine) as session:
            row = claim_one(session, NOW)
            with pytest.raises(sa.exc.OperationalError):
                mailer.deliver(session, row, NOW, mail_app.config, connect=FakeServer())
            session.rollback()
    [row] = rows(mail_app)
    assert row.status == "pending" and row.attempts == 0 and row.claimed_until is not None  # back after the lease


def test_a_sent_mail_is_never_claimed_again(mail_app, user):
    queue(mail_app, user)
    with mail_app.app_context():
        with sa.orm.Session(db.engine) as session:
            row = claim_one(session, NOW)
            assert mailer.deliver(session, row, NOW, mail_app.config, connect=FakeServer()) == "sent"
            assert claim_one(session, NOW + timedelta(days=1)) is None


def test_a_lost_claim_does_not_mark_the_mail(mail_app, user):
    """A slow worker whose lease ran out and was taken over does not overwrite the new claim."""
    queue(mail_app, user)
    with mail_app.app_context():
        with sa.orm.Session(db.engine) as slow, sa.orm.Session(db.engine) as fast:
            stale = claim_one(slow, NOW)
            later = NOW + mailer.LEASE + timedelta(minutes=1)
            fresh = claim_one(fast, later)
            assert mailer.deliver(fast, fresh, later, mail_app.config, connect=FakeServer()) == "sent"
            mailer.deliver(slow, stale, NOW, mail_app.config, connect=FakeServer(fail=True))
    [row] = rows(mail_app)
    assert row.status == "sent" and row.attempts == 1


def test_failures_back_off_exponentially_for_two_days_then_give_up(mail_app, user):
    queue(mail_app, user)
    down = FakeServer(fail=True)
    moment = NOW
    attempt = 0
    with mail_app.app_context():
        while moment + mailer.backoff(attempt + 1) - QUEUED < mailer.GIVE_UP_AFTER:
            attempt += 1
            assert mailer.drain(now=moment, connect=down) == mailer.DrainResult(retried=1)
            [row] = rows(mail_app)
            assert row.attempts == attempt and row.status == "pending"
            assert row.available_at.replace(tzinfo=timezone.utc) - moment == mailer.backoff(attempt)
            assert "ConnectionRefusedError" in row.last_error and row.body  # kept for the retry
            # not due before the back-off has passed
            assert mailer.drain(now=moment + mailer.backoff(attempt) - timedelta(seconds=1),
                                connect=down) == mailer.DrainResult()
            moment += mailer.backoff(attempt)
        assert attempt > 90  # every half hour for two days, not six tries in half an hour
        assert mailer.drain(now=moment, connect=down) == mailer.DrainResult(retried=1)  # 47:59 old
        moment += mailer.backoff(attempt + 1)
        assert moment - QUEUED >= mailer.GIVE_UP_AFTER
        assert mailer.drain(now=moment, connect=down) == mailer.DrainResult(failed=1)
        assert mailer.drain(now=moment + timedelta(days=2), connect=FakeServer()) == mailer.DrainResult()
    [row] = rows(mail_app)
    assert row.status == "failed" and row.attempts == attempt + 2
    assert row.body == "" and row.ics is None and row.sent_at is None


def test_backoff_doubles_and_is_capped():
    assert [mailer.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert mailer.backoff(30) == mailer.backoff(10_000) == mailer.MAX_DELAY == timedelta(minutes=30)


def test_a_mail_server_down_for_an_afternoon_loses_nothing(mail_app, user):
    """Review AI 5: six failed tries in half an hour gave a mail up for good."""
    queue(mail_app, user)
    down, moment = FakeServer(fail=True), NOW
    with mail_app.app_context():
        while moment - NOW < timedelta(hours=4):
            mailer.drain(now=moment, connect=down)
            moment += timedelta(minutes=1)
        [row] = rows(mail_app)
        assert row.status == "pending" and row.attempts > 6 and row.body
        moment = row.available_at
        assert mailer.drain(now=moment, connect=FakeServer()) == mailer.DrainResult(sent=1)


def test_a_mail_that_can_never_be_sent_fails_at_once(mail_app, user):
    queue(mail_app, user)
    with mail_app.app_context():
        db.session.execute(sa.update(MailMessage).values(to_address="x@y.dk\r\nBcc: evil@example.com"))
        db.session.commit()
        assert mailer.drain(now=NOW, connect=FakeServer()) == mailer.DrainResult(failed=1)
    [row] = rows(mail_app)
    assert row.status == "failed" and row.body == ""


def test_the_server_coming_back_sends_the_queued_mails(mail_app, user):
    queue(mail_app, user, 3)
    with mail_app.app_context():
        assert mailer.drain(now=NOW, connect=FakeServer(fail=True)).retried == 3
        server = FakeServer()
        assert mailer.drain(now=NOW + timedelta(minutes=1), connect=server).sent == 3
    assert len(server.sent) == 3 and {r.status for r in rows(mail_app)} == {"sent"}


def test_every_try_is_audited_without_the_body(mail_app, user):
    queue(mail_app, user, body="HEMMELIG-KROP")
    with mail_app.app_context():
        mailer.drain(now=NOW, connect=FakeServer(fail=True))
        mailer.drain(now=NOW + timedelta(minutes=5), connect=FakeServer())
        events = list(db.session.execute(sa.select(AuditEvent.purpose, AuditEvent.result)
                                         .where(AuditEvent.action == "mail_sent").order_by(AuditEvent.id)))
    assert [result for _, result in events] == ["retry", "ok"]
    assert all("kind:opening_posted" in purpose and "HEMMELIG" not in purpose for purpose, _ in events)


def test_an_ics_goes_as_a_calendar_request_attachment(mail_app, user):
    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    queue(mail_app, user, ics=ics)
    server = FakeServer()
    with mail_app.app_context():
        mailer.drain(now=NOW, connect=server)
    [message] = server.sent
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "text/calendar" and part.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in part.get_content()
    assert rows(mail_app)[0].ics is None


def test_without_a_mail_server_the_mail_is_only_logged_and_done(app, user, caplog):
    queue(app, user)
    with app.app_context():
        assert mailer.drain(now=NOW) == mailer.DrainResult(sent=1)
    [row] = rows(app)
    assert row.status == "sent" and row.last_error == mailer.NOT_CONFIGURED and row.body == ""


@pytest.mark.parametrize("text, expected", [
    ("Se her: /hotline/7\n", "Se her: https://x.dk/hotline/7\n"),
    ("/beskeder/\nog 1/2 time", "https://x.dk/beskeder/\nog 1/2 time"),
    ("https://andet.dk/a", "https://andet.dk/a"),
])
def test_absolute_links(text, expected):
    assert mailer.absolute_links(text, {"PORTAL_URL": "https://x.dk/"}) == expected


def test_cli_mail_send_drains_once(mail_app, user, runner, monkeypatch):
    queue(mail_app, user, 2)
    server = FakeServer()
    monkeypatch.setattr(mail, "open_connection", server)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 2, retried later 0, failed 0" in result.output
    assert len(server.sent) == 2


def test_cli_mail_send_reports_an_unusable_database(mail_app, runner):
    with mail_app.app_context():
        db.drop_all()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "database cannot be used" in result.output


def test_cli_loop_drains_until_stopped_and_survives_a_database_error(mail_app, runner, monkeypatch):
    calls = []

    def fake_drain():
        calls.append(1)
        if len(calls) == 1:
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("locked"))
        if len(calls) == 2:
            return mailer.DrainResult(sent=2)
        raise KeyboardInterrupt  # Ctrl-C

    monkeypatch.setattr(mailer, "drain", fake_drain)
    result = runner.invoke(args=["mail", "send", "--loop", "--interval", "0.1"])
    assert result.exit_code == 0, result.output
    assert "the database cannot be used (OperationalError)" in result.output
    assert "sent 2, retried later 0, failed 0" in result.output
    assert result.output.rstrip().endswith("mail worker stopped") and len(calls) == 3


def test_a_hanging_mail_server_does_not_slow_the_kick(mail_app, user, monkeypatch):
    """Out of test mode the queue drains in the background thread; the caller goes on at once."""
    hang = threading.Event()
    server = FakeServer(hang=hang)
    monkeypatch.setattr(mail, "open_connection", server)
    mail_app.config.update(MAIL_SEND_INLINE=False)
    queue(mail_app, user)
    started = time.monotonic()
    try:
        future = mailer.kick(mail_app)
        assert time.monotonic() - started < 15  # the server hangs until hang.set() below
        assert server.sent == [] and rows(mail_app)[0].status == "pending"
    finally:
        hang.set()
    assert future is not None and future.result(timeout=30).sent == 1
    assert len(server.sent) == 1 and rows(mail_app)[0].status == "sent"
