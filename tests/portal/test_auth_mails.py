"""The account mails end as every other mail does: signed by the job centre, marked automatic."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from portal.auth import mails
from portal.extensions import db
from portal.notifications.service import AUTOMATIC, mail_body
from store import clock
from store.models import User


@pytest.fixture
def users(app, make_user):
    app.config["ORGANISATION_NAME"] = "Jobcenter Hedensted"
    user, admin = make_user("company"), make_user("admin")
    with app.app_context():
        found = db.session.get(User, user.id)
        found.set_password_expires = clock.utcnow() + timedelta(days=3)
        db.session.commit()
    return user.id, admin.id


@pytest.mark.parametrize("which", ["welcome", "new_link", "forgotten"])
def test_account_mails_are_signed_by_the_job_centre(app, users, which):
    with app.test_request_context():
        user, admin = (db.session.get(User, one) for one in users)
        message = {"welcome": lambda: mails.welcome(user, admin, "https://jobbro.example/l/1"),
                   "new_link": lambda: mails.new_link(user, admin, "https://jobbro.example/l/1"),
                   "forgotten": lambda: mails.forgotten(user, "https://jobbro.example/l/1", 60)}[which]()
        body = message.get_content()
        notice = mail_body(user, "Noget nyt.", "")
    assert "Jobcentrets virksomhedsportal" not in body
    assert body.rstrip().endswith(f"Venlig hilsen\nJobcenter Hedensted\n\n{AUTOMATIC}")
    # the same last lines as a notice mail's (notifications.service.mail_body)
    assert notice.rstrip().endswith(f"Venlig hilsen\nJobcenter Hedensted\n\n{AUTOMATIC}")


@pytest.mark.parametrize("which", ["welcome", "new_link", "forgotten"])
def test_the_links_expiry_is_a_danish_time_with_kl_once(app, users, which):
    """»Linket udløber den 09.12.2026 kl. 12.00«: format_date writes »kl.« itself (never »kl. kl.«)."""
    with app.test_request_context():
        user, admin = (db.session.get(User, one) for one in users)
        user.set_password_expires = datetime(2026, 12, 9, 11, 0)  # UTC: 12.00 Danish winter time
        message = {"welcome": lambda: mails.welcome(user, admin, "https://jobbro.example/l/1"),
                   "new_link": lambda: mails.new_link(user, admin, "https://jobbro.example/l/1"),
                   "forgotten": lambda: mails.forgotten(user, "https://jobbro.example/l/1", 60)}[which]()
        body = message.get_content()
    assert "Linket udløber den 09.12.2026 kl. 12.00 (dansk tid)." in body and "kl. kl." not in body
