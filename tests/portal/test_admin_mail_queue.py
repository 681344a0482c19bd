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
