"""/admin/mail: mails waiting for a retry and mails given up are shown to administrators, and
counted on their start page (review AI 5); a mail's body never is."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from store import clock
from store.models import MailMessage


def _mail(app, user, subject: str, *, status: str = "pending", attempts: int = 0, error: str | None = None,
          age: timedelta = timedelta(minutes=5)) -> int:
    with app.app_context():
        now = clock.utcnow()
        row = MailMessage(user_id=user.id, to_address="vk@jc.dk", kind="hotline_new", subject=subject,
                          body="Goddag. Borgeren Hemmelig Hansen …", status=status, attempts=attempts,
                          last_error=error, created_at=now - age, available_at=now + timedelta(minutes=30))
        db.session.add(row)
        db.session.commit()
        return row.id


def test_the_queue_lists_retrying_and_given_up_mails_without_their_body(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    vk = make_user("consultant", email="vk@jc.dk")
    _mail(app, vk, "Ny henvendelse #7", attempts=3, error="ConnectionRefusedError")
    _mail(app, vk, "Ny henvendelse #5", status="failed", attempts=97, error="ConnectionRefusedError",
          age=timedelta(days=3))
    _mail(app, vk, "Ny henvendelse #1", status="failed", attempts=90, age=timedelta(days=40))  # long ago
    _mail(app, vk, "Sendt #2", status="sent", attempts=1)
    _mail(app, vk, "Ikke prøvet endnu #3")  # queued, not tried: nothing wrong yet
    auth.login(admin.email)
    html = client.get("/admin/mail").get_data(as_text=True)
    assert "Ny henvendelse #7" in html and "Prøves igen" in html and "ConnectionRefusedError" in html
    assert "Ny henvendelse #5" in html and "Opgivet" in html
    assert "Consultant Testesen (vk@jc.dk)" in html and "Ny henvendelse til hotline" in html
    for absent in ("Ny henvendelse #1", "Sendt #2", "Ikke prøvet endnu #3", "Hemmelig"):
        assert absent not in html
    start = client.get("/").get_data(as_text=True)
    assert "Mails der venter på et nyt forsøg: <strong>1</strong>" in start
    assert "Opgivet de seneste 30 dage: <strong>1</strong>" in start and 'href="/admin/mail"' in start


def test_a_quiet_queue_says_so_and_pages_clamp(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    auth.login(admin.email)
    assert "Ingen mails venter på et nyt forsøg" in client.get("/").get_data(as_text=True)
    page = client.get("/admin/mail?side=99999999999999999999")
    assert page.status_code == 200 and 'data-testid="mail-queue-empty"' in page.get_data(as_text=True)


def test_only_administrators_see_the_queue(app, client, auth, make_user):
    vk = make_user("consultant", email="vk@jc.dk")
    auth.login(vk.email)
    assert client.get("/admin/mail").status_code == 403
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)) == 0


def test_without_a_mail_server_the_pages_say_no_mail_goes_out(app, client, auth, make_user):
    # Review AN 3: the mailer closes a mail it cannot send for want of a server as done, so
    # the queue looked quiet while nothing went out.
    from portal.notifications.mailer import NOT_CONFIGURED

    admin = make_user("admin", email="admin@jc.dk")
    vk = make_user("consultant", email="vk@jc.dk")
    _mail(app, vk, "Kun logget #4", status="sent", attempts=1, error=NOT_CONFIGURED)
    _mail(app, vk, "Kun logget for længe siden", status="sent", attempts=1, error=NOT_CONFIGURED,
          age=timedelta(days=40))
    auth.login(admin.email)
    app.config["MAIL_SERVER"] = ""
    queue = client.get("/admin/mail").get_data(as_text=True)
    assert 'data-testid="mail-not-configured"' in queue and "Der sendes ingen mails" in queue
    assert "De seneste 30 dage er <strong>1</strong> mail fra køen kun logget" in queue
    assert "men ingen er sendt" in queue
    start = client.get("/").get_data(as_text=True)
    assert "Der sendes ingen mails:" in start and "(1 fra køen de seneste 30 dage)" in start
    app.config["MAIL_SERVER"] = "smtp.jc.dk"
    assert 'data-testid="mail-not-configured"' not in client.get("/admin/mail").get_data(as_text=True)
    assert "Der sendes ingen mails" not in client.get("/").get_data(as_text=True)
